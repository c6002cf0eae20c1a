// The incident engine's settings, what it is given, and the inputs of people's actions (admin API).
import type { Cause, Impact, IncidentStatus, MaintenanceStatus } from '../core/incident.js';
import type { ComponentStatus } from '../core/status.js';
import type { Clock } from '../core/time.js';
import type { IncidentRecord } from '../store/incidents.js';
import type { Store } from '../store/store.js';
import type { IncidentFigures } from './figures.js';

export interface IncidentSettings {
  /** An outage must last this long (clock time) before an incident opens. Default 2 min. */
  graceMs: number;
  /** After recovery, everything must stay operational this long before the incident resolves. Default 15 min. */
  resolveHoldMs: number;
  /** Observed outage while the vendor page stays green this long → silent-vendor flag. Default 30 min. */
  silentVendorAfterMs: number;
  /** A maintenance stays in verifying this long after its window before it completes. Default 5 min. */
  maintenanceVerifyMs: number;
  /** An automatic incident still under way with nothing new gets a drafted update after this long. Default 1 h. */
  stillEveryMs: number;
}

export const DEFAULT_INCIDENT_SETTINGS: IncidentSettings = {
  graceMs: 2 * 60_000,
  resolveHoldMs: 15 * 60_000,
  silentVendorAfterMs: 30 * 60_000,
  maintenanceVerifyMs: 5 * 60_000,
  stillEveryMs: 60 * 60_000,
};

export interface ComponentInfo {
  id: string;
  serviceId: string;
  name: string;
  serviceName: string;
}

export interface IncidentEngineOptions {
  store: Store;
  clock: Clock;
  components: ComponentInfo[];
  settings?: Partial<IncidentSettings>;
  /** The set of components under maintenance changed (whole set). The app feeds it to the detector. */
  onMaintenanceChange?: (componentIds: Set<string>, at: number) => void;
  /** Something was written (re-publish the page). */
  onChange?: () => void;
  onError?: (err: unknown) => void;
  /** False on a cluster node that is not the leader: people's actions are written, the automatic work waits for the leader. */
  automatic?: () => boolean;
}

/** An incident with its figures, as the API, the page and the replays read it. */
export interface IncidentView extends IncidentRecord {
  figures: IncidentFigures;
}

export interface CreateIncidentInput {
  name: string;
  status?: IncidentStatus;
  body: string;
  impact?: Impact;
  cause?: Cause;
  /** component id → its status in this incident. */
  components?: Record<string, ComponentStatus>;
  serviceId?: string | null;
  at?: number;
  author: string;
  faultStart?: number | null;
}

export interface IncidentUpdateInput {
  status?: IncidentStatus;
  body: string;
  /** Set only when the body is Vigie's own wording (a default text): its key and parameters. */
  bodyText?: string;
  components?: Record<string, ComponentStatus>;
  impact?: Impact;
  cause?: Cause;
  name?: string;
  at?: number;
  author: string;
}

export interface IncidentPatchInput {
  name?: string;
  impact?: Impact;
  cause?: Cause;
  components?: Record<string, ComponentStatus>;
  /** Component ids to take off the incident. */
  removeComponents?: string[];
  faultStart?: number | null;
  author: string;
}

export interface CreateMaintenanceInput {
  name: string;
  body?: string;
  components: string[];
  scheduledFor: number;
  scheduledUntil: number;
  impact?: Impact;
  autoTransitions?: boolean;
  author: string;
}

export interface MaintenanceUpdateInput {
  status?: MaintenanceStatus;
  body?: string;
  name?: string;
  components?: string[];
  scheduledFor?: number;
  scheduledUntil?: number;
  autoTransitions?: boolean;
  author: string;
}
