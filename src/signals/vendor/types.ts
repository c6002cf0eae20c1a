// What an official status page says, once read: the same shape whatever the page's kind.
// Parsers turn a page's body into a VendorPage; the poller wraps it in a VendorSnapshot with
// when it was read and whether it could be read at all. Nothing here does I/O.
import type { ComponentStatus, Indicator } from '../../core/status.js';

export const VENDOR_KINDS = ['statuspage', 'incidentio', 'instatus', 'feed'] as const;
export type VendorKind = (typeof VENDOR_KINDS)[number];

/** A vendor incident's stage, in Statuspage's words; 'unknown' when a feed entry does not say. */
export const VENDOR_INCIDENT_STATUSES = [
  'investigating',
  'identified',
  'monitoring',
  'resolved',
  'postmortem',
  'scheduled',
  'in_progress',
  'verifying',
  'completed',
  'unknown',
] as const;
export type VendorIncidentStatus = (typeof VENDOR_INCIDENT_STATUSES)[number];

const CLOSED: ReadonlySet<VendorIncidentStatus> = new Set(['resolved', 'postmortem', 'completed', 'scheduled']);
/** Whether an incident in this stage is still going on (a scheduled maintenance has not started). */
export function isOpenIncidentStatus(s: VendorIncidentStatus): boolean {
  return !CLOSED.has(s);
}

export interface VendorComponent {
  name: string;
  status: ComponentStatus;
  group?: string;
}

export interface VendorUpdate {
  /** The vendor's id for the update, or one derived from its time and text. */
  id: string;
  status: VendorIncidentStatus;
  body: string;
  /** When the vendor says it published it (epoch ms), if it says. */
  at: number | null;
}

export interface VendorIncident {
  id: string;
  name: string;
  status: VendorIncidentStatus;
  /** none / minor / major / critical / maintenance, when the page gives one. */
  impact: Indicator | null;
  createdAt: number | null;
  updatedAt: number | null;
  url: string | null;
  /** Oldest first. */
  updates: VendorUpdate[];
  maintenance: boolean;
  /** Still going on, as far as the page lets us tell. */
  open: boolean;
}

/** A page as its parser read it. */
export interface VendorPage {
  /** The page-wide indicator when the page states one; null when it does not (feeds, incident.io). */
  indicator: Indicator | null;
  description: string | null;
  components: VendorComponent[];
  /** Incidents and maintenances the page shows, open ones and (for feeds) recent history. */
  incidents: VendorIncident[];
}

export type ParseResult = { ok: true; page: VendorPage } | { ok: false; error: string };

/** Reads one response body; `now` (epoch ms) is only for feeds, which date their entries. */
export type VendorParser = (body: string, now: number) => ParseResult;

/** One poll of one vendor page, as stored. */
export interface VendorSnapshot {
  serviceId: string;
  kind: VendorKind;
  url: string;
  at: number;
  /** False when the page could not be fetched or read: then `error` says why and nothing else is known. */
  reachable: boolean;
  /** "vendor page unreachable: …" or "malformed: …"; null when the page was read. */
  error: string | null;
  /** What the page says as a whole, or null when we could not read it: never "operational" by default. */
  saysOperational: boolean | null;
  indicator: Indicator | null;
  description: string | null;
  components: VendorComponent[];
  incidents: VendorIncident[];
}

/** Whether a page as read says all is well: no open incident, every component operational, indicator none (maintenance is not "all well"). */
export function pageSaysOperational(page: VendorPage): boolean {
  if (page.indicator !== null && page.indicator !== 'none') return false;
  if (page.components.some((c) => c.status !== 'operational')) return false;
  return !page.incidents.some((i) => i.open);
}

/** Milliseconds from an ISO 8601 text, or null when it is not one. */
export function parseTime(v: unknown): number | null {
  if (typeof v !== 'string' || v === '') return null;
  const ms = Date.parse(v);
  return Number.isFinite(ms) ? ms : null;
}
