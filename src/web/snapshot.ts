// What the page and the APIs show, computed once per state change and shared by every route.
import type { IncidentNote } from '../analytics/history.js';
import { publicId } from '../core/ids.js';
import { type ComponentStatus, type PageStatus, pageStatus, worst } from '../core/status.js';
import { cleanSnapshotInput } from './snapshot-guard.js';

export interface SnapshotComponent {
  id: string;
  publicId: string;
  serviceId: string;
  name: string;
  description: string | null;
  group: string | null;
  status: ComponentStatus;
  since: number;
  createdAt: number;
  updatedAt: number;
  position: number;
  /** Per-region health of its own monitors (empty when it has none or one region). */
  regions?: SnapshotRegion[];
  /** 90 days of checks, oldest first (day i starts at firstDay + i days); absent when unknown. */
  bars?: SnapshotBars;
}

export interface SnapshotRegion {
  name: string;
  health: 'up' | 'degraded' | 'down';
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
}

export interface SnapshotChange {
  componentId: string;
  componentName: string;
  serviceName: string;
  from: ComponentStatus | null;
  to: ComponentStatus;
  at: number;
  reason: string;
}

/** An incident or scheduled maintenance as the page and the Statuspage v2 API show it. */
export interface SnapshotIncidentUpdate {
  id: string;
  status: string;
  /** Markdown as written. */
  body: string;
  at: number;
  createdAt: number;
  affected: { componentId: string; oldStatus: ComponentStatus; newStatus: ComponentStatus }[];
}

export interface SnapshotIncident {
  id: string;
  kind: 'incident' | 'maintenance';
  name: string;
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
}

export interface SnapshotInput {
  title: string;
  baseUrl: string;
  now: number;
  services: Array<Omit<SnapshotService, 'publicId' | 'status' | 'updatedAt' | 'components'> & {
    components: Array<Omit<SnapshotComponent, 'publicId'>>;
  }>;
  changes: SnapshotChange[];
  incidents?: SnapshotIncident[];
  maintenances?: SnapshotIncident[];
  /** Told which stored rows held a time no Date can represent (fixed or left out; see snapshot-guard.ts). */
  onRowProblems?: (problems: string[]) => void;
}

export function buildSnapshot(raw: SnapshotInput): Snapshot {
  const { input, problems } = cleanSnapshotInput(raw);
  if (problems.length > 0) raw.onRowProblems?.(problems);
  const services: SnapshotService[] = input.services.map((s) => {
    const components = s.components.map((c) => ({ ...c, publicId: publicId('component', c.id) }));
    return {
      ...s,
      publicId: publicId('service', s.id),
      status: worst(components.map((c) => c.status)),
      updatedAt: Math.max(s.createdAt, ...components.map((c) => c.updatedAt)),
      components,
    };
  });
  const all = services.flatMap((s) => s.components.map((c) => c.status));
  return {
    title: input.title,
    pageId: publicId('page', input.title),
    baseUrl: input.baseUrl,
    now: input.now,
    updatedAt: Math.max(0, ...services.map((s) => s.updatedAt)),
    status: pageStatus(all),
    services,
    changes: input.changes,
    incidents: input.incidents ?? [],
    maintenances: input.maintenances ?? [],
  };
}
