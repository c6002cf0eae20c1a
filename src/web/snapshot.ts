// What the page and the APIs show, computed once per state change and shared by every route.
import type { SnapshotGatewayEvent } from './gateway-events.js';
import type { IncidentNote } from '../analytics/history.js';
import { publicId } from '../core/ids.js';
import type { GenText } from '../i18n/text.js';
import { type ComponentStatus, type IncidentImpact, type PageStatus, pageStatus, severity, worst } from '../core/status.js';
import { cleanSnapshotInput } from './snapshot-guard.js';

export interface SnapshotComponent {
  id: string;
  publicId: string;
  serviceId: string;
  name: string;
  description: string | null;
  group: string | null;
  /** What the page shows: the worse of what Vigie observed and what an open incident or maintenance declares. */
  status: ComponentStatus;
  since: number;
  /** What Vigie's own signals say (status when nothing is declared). */
  observed?: ComponentStatus;
  /** The worst status an unresolved incident or in-progress maintenance declares for it, when that is worse than observed. */
  declared?: SnapshotDeclared;
  createdAt: number;
  updatedAt: number;
  position: number;
  /** Whether Vigie probes it (false: its status can only come from dependencies, crowd reports or declarations). */
  monitored?: boolean;
  /** Per-region health of its own monitors (empty when it has none or one region). */
  regions?: SnapshotRegion[];
  /** 90 days of checks, oldest first (day i starts at firstDay + i days); absent when unknown. */
  bars?: SnapshotBars;
}

export interface SnapshotDeclared {
  status: ComponentStatus;
  incidentId: string;
  incidentName: string;
  kind: 'incident' | 'maintenance';
  since: number;
}

export interface SnapshotRegion {
  name: string;
  /** no_data: an agent region none of whose agents is live (never shown as down). */
  health: 'up' | 'degraded' | 'down' | 'no_data';
}

export interface SnapshotBars {
  firstDay: number;
  count: ArrayLike<number>;
  ok: ArrayLike<number>;
  degraded: ArrayLike<number>;
}

/** What the service's official status page said at its latest poll. */
export interface SnapshotVendor {
  url: string;
  at: number;
  reachable: boolean;
  saysOperational: boolean | null;
  indicator: string | null;
  /** The vendor's own words (escaped when shown). */
  description: string | null;
  /** Why the page could not be read ("vendor page unreachable: HTTP 503", "malformed: …"); null when it was. */
  error?: string | null;
  /** The vendor's components as its page shows them. */
  components?: { name: string; status: ComponentStatus }[];
}

export interface SnapshotService {
  id: string;
  publicId: string;
  name: string;
  description: string | null;
  status: ComponentStatus;
  createdAt: number;
  updatedAt: number;
  position: number;
  components: SnapshotComponent[];
  /** The vendor's official status, for services whose page Vigie polls. */
  vendor?: SnapshotVendor | null;
  /** Services it depends on (config depends_on) that are in an open outage: why it may be down. */
  upstreamDown?: { serviceId: string; name: string }[];
  /** Crowd reports over the last hour, for services that take them. */
  crowd?: SnapshotCrowd;
}

export interface SnapshotCrowd {
  level: 'none' | 'possible' | 'detected';
  lastHour: number;
  /** Reports per minute, oldest first, the last one the minute under way. */
  counts: number[];
  /** What was expected of each minute (NaN where nothing was known yet). */
  expected: number[];
}

export interface SnapshotChange {
  componentId: string;
  componentName: string;
  serviceName: string;
  from: ComponentStatus | null;
  to: ComponentStatus;
  at: number;
  reason: string;
  /** The reason in every language (src/i18n/text.ts), when Vigie wrote it so. */
  reasonText?: GenText | null;
}

/** An incident or scheduled maintenance as the page and the Statuspage v2 API show it. */
export interface SnapshotIncidentUpdate {
  id: string;
  status: string;
  /** Markdown as written. */
  body: string;
  /** A drafted body in every language (src/i18n/text.ts); absent for what people write. */
  bodyText?: GenText | null;
  at: number;
  createdAt: number;
  affected: { componentId: string; oldStatus: ComponentStatus; newStatus: ComponentStatus }[];
}

export interface SnapshotIncident {
  id: string;
  kind: 'incident' | 'maintenance';
  name: string;
  /** A drafted title in every language; absent for a person's. */
  nameText?: GenText | null;
  status: string;
  impact: string;
  createdAt: number;
  updatedAt: number;
  monitoringAt: number | null;
  resolvedAt: number | null;
  startedAt: number | null;
  scheduledFor: number | null;
  scheduledUntil: number | null;
  postmortemBody: string | null;
  componentIds: string[];
  /** Newest first. */
  updates: SnapshotIncidentUpdate[];
  /** First non-operational status Vigie observed, and the vendor's first word. */
  observedStart: number | null;
  vendorAcknowledgedAt: number | null;
  silentVendor: boolean;
  serviceId?: string | null;
  cause?: string;
  /** Each affected component's status in this incident. */
  componentStatuses?: Record<string, ComponentStatus>;
  figures?: {
    timeToDetectMs: number | null;
    acknowledgementLagMs: number | null;
    timeToResolveMs: number | null;
    peakAffectedShare: number | null;
    peakAffectedDetail: string | null;
    vendorAcknowledgementText: string | null;
  };
  /** Its place in the service's history and who it touches (src/analytics/history.ts). */
  history?: IncidentNote;
}

export interface Snapshot {
  title: string;
  pageId: string;
  baseUrl: string;
  /** The clock's now when prepared: scenario time in the demo. */
  now: number;
  updatedAt: number;
  status: PageStatus;
  services: SnapshotService[];
  changes: SnapshotChange[];
  /** Recent incidents, newest first (open and resolved). */
  incidents: SnapshotIncident[];
  /** Recent scheduled maintenances, newest first. */
  maintenances: SnapshotIncident[];
  /** Whether visitors can subscribe by e-mail (subscriptions on and an e-mail channel set): the form shows only then. */
  emailSubscriptions?: boolean;
  /** Since when Vigie cannot write its data (statuses may be stale); absent while it can. */
  writeFailingSince?: number;
  /** The gateway's recent failovers and failbacks, newest first (src/web/gateway-events.ts). */
  gateway?: SnapshotGatewayEvent[];
}

export interface SnapshotInput {
  title: string;
  baseUrl: string;
  now: number;
  services: Array<Omit<SnapshotService, 'publicId' | 'status' | 'updatedAt' | 'components'> & {
    components: Array<Omit<SnapshotComponent, 'publicId' | 'observed' | 'declared'>>;
  }>;
  changes: SnapshotChange[];
  incidents?: SnapshotIncident[];
  maintenances?: SnapshotIncident[];
  emailSubscriptions?: boolean;
  writeFailingSince?: number | null;
  gateway?: SnapshotGatewayEvent[];
  /** Told which stored rows held a time no Date can represent (fixed or left out; see snapshot-guard.ts). */
  onRowProblems?: (problems: string[]) => void;
}

export function buildSnapshot(raw: SnapshotInput): Snapshot {
  const { input, problems } = cleanSnapshotInput(raw);
  if (problems.length > 0) raw.onRowProblems?.(problems);
  const incidents = (input.incidents ?? []).map(newestFirst);
  const maintenances = (input.maintenances ?? []).map(newestFirst);
  const declared = declaredStatuses([...incidents, ...maintenances]);
  const services: SnapshotService[] = input.services.map((s) => {
    const components = s.components.map((c) => withDeclared({ ...c, publicId: publicId('component', c.id) }, declared.get(c.id)));
    return {
      ...s,
      publicId: publicId('service', s.id),
      status: worst(components.map((c) => c.status)),
      updatedAt: Math.max(s.createdAt, ...components.map((c) => c.updatedAt)),
      components,
    };
  });
  return {
    title: input.title,
    pageId: publicId('page', input.title),
    baseUrl: input.baseUrl,
    now: input.now,
    updatedAt: Math.max(0, ...services.map((s) => s.updatedAt)),
    status: pageStatus({
      services: services.map((s) => s.components.map((c) => c.status)),
      openIncidentImpacts: incidents.filter((i) => i.kind === 'incident' && isUnresolved(i.status)).map((i) => impactOf(i.impact)),
    }),
    services,
    changes: input.changes,
    incidents,
    maintenances,
    ...(input.emailSubscriptions ? { emailSubscriptions: true } : {}),
    ...(input.writeFailingSince != null ? { writeFailingSince: input.writeFailingSince } : {}),
    ...(input.gateway && input.gateway.length > 0 ? { gateway: input.gateway } : {}),
  };
}

/**
 * One order for updates everywhere (page, incident page, feeds, v2 API): newest first, as Statuspage.
 * Updates shown at the same time are ordered by when they were written, newest first, then by id.
 */
export function compareUpdates(a: SnapshotIncidentUpdate, b: SnapshotIncidentUpdate): number {
  return b.at - a.at || b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

function newestFirst(i: SnapshotIncident): SnapshotIncident {
  for (let k = 1; k < i.updates.length; k++) if (compareUpdates(i.updates[k - 1]!, i.updates[k]!) > 0) return { ...i, updates: [...i.updates].sort(compareUpdates) };
  return i;
}

const isUnresolved = (status: string) => status !== 'resolved' && status !== 'postmortem' && status !== 'completed';
const impactOf = (x: string): IncidentImpact => (x === 'minor' || x === 'major' || x === 'critical' ? x : 'none');

/**
 * What unresolved incidents and in-progress maintenance declare per component, the worst one winning (as on
 * Statuspage, an incident's component statuses hold until the incident changes them or is resolved).
 */
export function declaredStatuses(list: SnapshotIncident[]): Map<string, SnapshotDeclared> {
  const out = new Map<string, SnapshotDeclared>();
  for (const i of list) {
    const active = i.kind === 'incident' ? isUnresolved(i.status) : i.status === 'in_progress' || i.status === 'verifying';
    if (!active) continue;
    for (const id of i.componentIds) {
      const status: ComponentStatus | undefined = i.kind === 'maintenance' ? 'under_maintenance' : i.componentStatuses?.[id];
      if (!status || status === 'operational') continue;
      const prev = out.get(id);
      if (prev && severity(prev.status) >= severity(status)) continue;
      out.set(id, { status, incidentId: i.id, incidentName: i.name, kind: i.kind, since: i.kind === 'maintenance' ? (i.startedAt ?? i.scheduledFor ?? i.createdAt) : declaredSince(i, id) });
    }
  }
  return out;
}

/** Since when the incident has declared this component's current status (its creation when no update says). */
function declaredSince(i: SnapshotIncident, componentId: string): number {
  const status = i.componentStatuses?.[componentId];
  let since = i.createdAt;
  let prev: ComponentStatus | undefined;
  // Updates are newest first: walk them oldest first and keep when the status last became what it is.
  for (const u of [...i.updates].reverse())
    for (const a of u.affected)
      if (a.componentId === componentId) {
        if (a.newStatus === status && prev !== status) since = u.at;
        prev = a.newStatus;
      }
  return since;
}

function withDeclared(c: Omit<SnapshotComponent, 'observed' | 'declared'>, d: SnapshotDeclared | undefined): SnapshotComponent {
  if (!d || severity(d.status) <= severity(c.status)) return { ...c, observed: c.status };
  return { ...c, observed: c.status, declared: d, status: d.status, since: d.since };
}
