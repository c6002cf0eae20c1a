// What the history figures are computed from: records read by src/store/history.ts, nothing else.
// Pure data; every function in src/analytics takes these and `now`, and does no I/O.
import type { ComponentStatus } from '../core/status.js';
import type { IncidentRecord } from '../store/incidents.js';

export interface HistoryComponent {
  /** Full id, "service/component". */
  id: string;
  name: string;
  /** Full ids of the components it needs (config `depends_on`), in any service. */
  dependsOn: string[];
}

export interface SloTarget {
  /** Percent, e.g. 99.9. */
  target: number;
  windowMs: number;
}

export interface HistoryService {
  id: string;
  name: string;
  components: HistoryComponent[];
  /** Services (ids) or components ("service/component") this service needs (config `depends_on`). */
  dependsOn: string[];
  slo: SloTarget | null;
  /** The vendor whose official page is polled: its catalogue key, or the page's host. */
  vendor: { key: string; name: string } | null;
  /** Since when Vigie knows this service's history (its creation, or its oldest recorded incident). */
  trackedSince: number;
}

export interface StatusChangeRecord {
  componentId: string;
  from: ComponentStatus;
  to: ComponentStatus;
  at: number;
}

/** One distinct reading of a vendor page and how long it held (src/store/vendor.ts). */
export interface VendorSpan {
  serviceId: string;
  from: number;
  to: number;
  reachable: boolean;
  saysOperational: boolean | null;
}

/** What the failing checks during an incident had in common (read from raw observations while kept). */
export interface IncidentSignals {
  errorKinds: string[];
  regions: string[];
  /** Regions probed for the incident's components: a failure from one region out of three says more than one out of one. */
  probedRegions: string[];
}

export interface HistoryInput {
  now: number;
  /** IANA zone the day boundaries (calendar, "this month") are taken in; "UTC" by default. */
  timeZone: string;
  services: HistoryService[];
  /** Incidents and maintenances, any order. */
  incidents: IncidentRecord[];
  /** Component status changes, any order. */
  changes: StatusChangeRecord[];
  vendorSpans: VendorSpan[];
  signals: ReadonlyMap<string, IncidentSignals>;
}

export const DAY_MS = 86_400_000;
