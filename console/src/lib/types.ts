// The admin API's answers as the console reads them (snake_case, ISO times), after its OpenAPI
// document (/api/admin/openapi.json).
export type Role = 'viewer' | 'editor' | 'owner';
export const ROLES: readonly Role[] = ['viewer', 'editor', 'owner'];

export interface User {
  id: string;
  name: string;
  role: Role;
  totp_enabled: boolean;
}
export interface SessionAnswer {
  user: User;
  csrf_token: string;
}
export interface AuthMethods {
  password: boolean;
  oidc: { name: string; start_url?: string } | null;
}

export type MonitorStatus = 'up' | 'down' | 'degraded' | 'unknown' | 'paused' | string;

export interface ErrorOut {
  kind: string;
  message: string;
}

export interface MonitorRow {
  /** The unit: "service/component/name", or "…@region". */
  id: string;
  /** The monitor its regions share. */
  monitor_id: string;
  name: string;
  service: string;
  service_name: string;
  /** "service/component" */
  component: string;
  component_name: string;
  kind: string;
  target: string;
  region: string;
  interval_s: number;
  status: MonitorStatus;
  since: string | null;
  last_check_at: string | null;
  last_latency_ms: number | null;
  last_error: ErrorOut | null;
  source: 'config' | 'app';
  paused: boolean;
}
export interface MonitorList {
  monitors: MonitorRow[];
  next_cursor: string | null;
  total?: number;
}
export interface RegionState {
  id: string;
  region: string;
  status: MonitorStatus;
  since: string | null;
  last_check_at: string | null;
  last_latency_ms: number | null;
  last_error: ErrorOut | null;
}
export interface MonitorDetail extends MonitorRow {
  timeout_s: number;
  config: Record<string, unknown>;
  certificate: { expires_at: string; days_left: number; subject: string | null; issuer: string | null; seen_at: string | null } | null;
  regions: RegionState[];
}
export interface Observation {
  ok: boolean;
  degraded: boolean;
  status_code: number | null;
  latency_ms: number;
  phases: { dns_ms: number | null; connect_ms: number | null; tls_ms: number | null; first_byte_ms: number | null; total_ms: number };
  error: ErrorOut | null;
}
export interface TestAnswer {
  id: string;
  region: string;
  at: string;
  observation: Observation;
}
export interface Series {
  t: number[];
  total_ms: (number | null)[];
  dns_ms: (number | null)[];
  connect_ms: (number | null)[];
  tls_ms: (number | null)[];
  first_byte_ms: (number | null)[];
  ok: (number | null)[];
  resolution?: 'raw' | 'hour' | 'day';
}
export interface Day {
  day: string;
  uptime: number | null;
  checks: number;
  ok: number;
  degraded: number;
}
export interface Failure {
  at: string;
  region: string;
  error_kind: string | null;
  error_message: string | null;
  status_code: number | null;
  latency_ms: number;
}

export interface Component {
  /** "service/component" */
  id: string;
  name: string;
  description: string | null;
  source: 'config' | 'app';
  entry: Record<string, unknown> | null;
  monitors: { id: string; monitor_id: string; name: string; region: string; kind: string; source: 'config' | 'app'; paused: boolean }[];
}
export interface Service {
  id: string;
  name: string;
  description: string | null;
  source: 'config' | 'app';
  entry: Record<string, unknown> | null;
  components: Component[];
}

export interface IncidentUpdate {
  id: string;
  status: string;
  body: string;
  html: string;
  at: string | null;
  author: string;
}
export interface Incident {
  id: string;
  kind: 'incident' | 'maintenance';
  name: string;
  status: string;
  impact: string;
  cause: string;
  origin: 'auto' | 'manual';
  created_at: string | null;
  resolved_at: string | null;
  scheduled_for: string | null;
  scheduled_until: string | null;
  postmortem: { body: string; html: string; published_at: string | null } | null;
  components: { id: string; status: string }[];
  updates: IncidentUpdate[];
}

export interface Token {
  name: string;
  role?: Role;
  created_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
}
export interface Subscription {
  id: number;
  kind: 'email' | 'webhook';
  address: string;
  components: string[];
  status: 'pending' | 'active' | 'unsubscribed';
  created_at: string | null;
}
export interface NotifyStatus {
  deliveries: Record<string, number>;
  events_waiting: number;
  channels: { name: string; type: string }[];
  problems: { channel: string; field: string; message: string; text: string }[];
}
export interface Delivery {
  id: number;
  target: string;
  action: string;
  status: string;
  attempts: number;
  created_at: string | null;
  delivered_at: string | null;
  last_error: string | null;
}
export interface Agent {
  id: string;
  name: string;
  region: string;
  live: boolean;
  last_seen_at: string | null;
  version: string | null;
  backlog: number | null;
  monitors: number;
  clock_flagged: boolean;
  revoked_at: string | null;
}
export interface AuditEntry {
  id: string;
  at: string | null;
  actor: { kind: string; name: string };
  action: string;
  method: string;
  path: string;
  target: string | null;
  before: unknown;
  after: unknown;
  outcome: string;
  status: number;
  address: string;
}
export interface Vendor {
  service: string;
  service_name: string;
  kind: string;
  url: string;
  interval_s: number;
  last: {
    at: string | null;
    reachable: boolean;
    says_operational: boolean | null;
    indicator: string | null;
    description: string | null;
    problem: string | null;
    components: { name: string; status: string }[];
    open_incidents: { name: string; status: string; url: string | null }[];
  } | null;
}
export interface ChannelTest {
  channel: string;
  type: string | null;
  ok: boolean;
  status: number | null;
  response: string | null;
  error: string | null;
}
