// The tables as Kysely sees them. One typed schema for SQLite and PostgreSQL.
// Times are epoch milliseconds (BIGINT); durations are milliseconds (DOUBLE PRECISION, fractions allowed);
// booleans are SMALLINT 0/1 on both engines (better-sqlite3 cannot bind JS booleans);
// lists and objects are JSON text.
import type { Generated } from 'kysely';

export interface ServiceTable {
  id: string;
  name: string;
  description: string | null;
  url: string | null;
  position: number;
  created_at: number;
  updated_at: number;
  archived_at: number | null;
}

export interface ComponentTable {
  /** "service/component" */
  id: string;
  service_id: string;
  name: string;
  description: string | null;
  group_name: string | null;
  /** JSON array of full component ids. */
  depends_on: string;
  position: number;
  /** A ComponentStatus; checked by the database and again when read. */
  status: string;
  status_since: number;
  created_at: number;
  updated_at: number;
  archived_at: number | null;
}

export interface MonitorTable {
  /** "service/component/monitor" */
  id: string;
  component_id: string;
  kind: string;
  region: string;
  interval_ms: number;
  timeout_ms: number;
  degraded_after_ms: number | null;
  /** JSON of the kind's target (HttpTarget for http). */
  target: string;
  /** Index among its component's monitors; config order is (service, component, this) position. */
  position: number;
  created_at: number;
  updated_at: number;
  archived_at: number | null;
}

export interface ObservationTable {
  id: Generated<number>;
  monitor_id: string;
  region: string;
  at: number;
  ok: number;
  degraded: number;
  status_code: number | null;
  dns_ms: number | null;
  connect_ms: number | null;
  tls_ms: number | null;
  first_byte_ms: number | null;
  total_ms: number;
  error_kind: string | null;
  error_message: string | null;
}

export interface ComponentStatusChangeTable {
  id: Generated<number>;
  component_id: string;
  from_status: string;
  to_status: string;
  at: number;
  reason: string;
  /** The reason as a message key and parameters (JSON, src/i18n/text.ts); null when written before 0011 or by hand. */
  reason_text?: string | null;
}

/**
 * One monitor's raw observations of one hour, compacted (0008_compact_storage, store/chunks.ts).
 * Several chunks may share an hour when late rows came after it was compacted.
 */
export interface ObservationChunkTable {
  monitor_id: string;
  /** Start of the hour, epoch ms. */
  hour: number;
  /** Smallest observation id in the chunk: with the two above, the key. */
  first_id: number;
  count: number;
  first_at: number;
  last_at: number;
  /** Deflated column-wise observations. */
  data: Buffer;
}

/** Minute rollups of one hour, or hour rollups of one UTC day, for one monitor (store/rollup-blocks.ts). */
export interface RollupBlockTable {
  monitor_id: string;
  /** "minute" or "hour". */
  resolution: string;
  /** Start of the hour or day the block covers, epoch ms. */
  start: number;
  /** Deflated column-wise rollups. */
  data: Buffer;
}

/**
 * Observations rolled up per UTC day (store/rollups.ts); minute and hour rollups are blocks.
 * Latency figures cover successful checks only; h0…h11 count them per fixed latency bucket.
 */
export interface RollupTable {
  monitor_id: string;
  /** Start of the minute, hour or UTC day, epoch ms. */
  bucket: number;
  count: number;
  ok_count: number;
  degraded_count: number;
  latency_sum_ms: number;
  latency_min_ms: number | null;
  latency_max_ms: number | null;
  h0: number; h1: number; h2: number; h3: number; h4: number; h5: number;
  h6: number; h7: number; h8: number; h9: number; h10: number; h11: number;
}

/** How far the rollup job got: observations with id <= done_id are in the rollups. */
export interface RollupProgressTable {
  name: string;
  done_id: number;
  /** Highest observation id seen at the previous run (PostgreSQL: ids below it have committed). */
  seen_max_id: number;
  updated_at: number;
}

/** Incidents and scheduled maintenances (kind), as in Statuspage: one record, two lifecycles. */
export interface IncidentTable {
  /** Public id, 12 characters. */
  id: string;
  kind: string;
  /** The service an automatic incident groups its components under; null for cross-service ones. */
  service_id: string | null;
  name: string;
  status: string;
  impact: string;
  cause: string;
  /** "auto" (opened by Vigie) or "manual" (opened through the admin API). */
  origin: string;
  /** 1 once a human has written to it: Vigie then never changes what a human wrote. */
  human: number;
  observed_start: number | null;
  fault_start: number | null;
  created_at: number;
  updated_at: number;
  monitoring_at: number | null;
  resolved_at: number | null;
  postmortem_body: string | null;
  postmortem_published_at: number | null;
  scheduled_for: number | null;
  scheduled_until: number | null;
  /** Maintenance moves on the clock by itself when 1. */
  auto_transitions: number;
  started_at: number | null;
  vendor_ack_at: number | null;
  vendor_ack_source: string | null;
  vendor_ack_text: string | null;
  silent_vendor_at: number | null;
  /** Share (0..1) of regions failing at the worst, and its wording ("3 of 3 regions"). */
  peak_share: number | null;
  peak_detail: string | null;
  /** A title Vigie drafted, as a message key and parameters (JSON, src/i18n/text.ts); null once a person names it. */
  name_text?: string | null;
  /** Vigie's first non-operational status of its components (0011_semantics); null for older rows and manual ones. */
  detected_at?: number | null;
}

export interface IncidentComponentTable {
  incident_id: string;
  component_id: string;
  /** The component's latest status as the incident knows it. */
  status: string;
  added_at: number;
}

export interface IncidentUpdateTable {
  id: Generated<number>;
  public_id: string;
  incident_id: string;
  status: string;
  /** Markdown as written; rendered (sanitized) when shown. */
  body: string;
  /** JSON array of {componentId, oldStatus, newStatus}. */
  affected: string;
  /** When it says it happened (display_at). */
  at: number;
  created_at: number;
  author: string;
  /** A drafted body as a message key and parameters (JSON, src/i18n/text.ts); null for what people write. */
  body_text?: string | null;
}

export interface ApiTokenTable {
  id: string;
  name: string;
  /** sha256 of the token, hex. The token itself is never stored. */
  hash: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
  /** 'viewer' | 'editor' | 'owner' (0020_users; older tokens: owner). */
  role: string;
}

/** Sign-in (0020_users): a person who uses the console or the admin API with a session. */
export interface UserTable {
  id: string;
  /** Lower case: a name or an e-mail address. */
  name: string;
  role: string;
  /** scrypt$N$r$p$salt$hash (src/auth/password.ts); null for a user who signs in only with OpenID Connect. */
  password_hash: string | null;
  /** Base32 TOTP secret: pending until totp_enabled is 1. */
  totp_secret: string | null;
  totp_enabled: number;
  /** The last TOTP time step accepted, so the same code is not accepted twice. */
  totp_last_step: number | null;
  /** "issuer|sub" of the OpenID Connect account linked to this user. */
  oidc_subject: string | null;
  created_at: number;
  updated_at: number;
}

/** A signed-in browser: only the sha256 of its cookie is kept. */
export interface SessionTable {
  id_hash: string;
  user_id: string;
  csrf: string;
  created_at: number;
  seen_at: number;
  expires_at: number;
  address: string;
}

/** One change made through the admin API, or one sign-in attempt. */
export interface AuditLogTable {
  id: Generated<number>;
  at: number;
  actor_kind: string;
  actor_name: string;
  action: string;
  method: string;
  path: string;
  target: string | null;
  before: string | null;
  after: string | null;
  outcome: string;
  status: number;
  address: string;
}

/** Notify (0007_notify): what happened, written in the same transaction as the change (the outbox). */
export interface NotifyEventTable {
  id: Generated<number>;
  /** component_status, incident, maintenance, reminder */
  kind: string;
  /** What order is kept by: "component:<id>" or "incident:<id>". */
  subject: string;
  /** JSON array of the component ids concerned. */
  component_ids: string;
  /** JSON: everything needed to render the messages, so they do not depend on later config. */
  payload: string;
  at: number;
  created_at: number;
  /** When the worker turned it into deliveries; null until then. */
  expanded_at: number | null;
}

/** One message to one target (an operator channel or a subscriber), with its retry state. */
export interface NotifyDeliveryTable {
  id: Generated<number>;
  event_id: number | null;
  /** "channel:<name>" or "sub:<id>" */
  target: string;
  /** trigger, update, resolve, reminder, notice, confirm, test */
  action: string;
  /** Deliveries with the same key go out in id order: target + subject. */
  order_key: string;
  /** Sent with the delivery so a receiver can drop duplicates; unique. */
  idempotency_key: string;
  /** pending, sending, delivered, dead, skipped */
  status: string;
  attempts: number;
  next_attempt_at: number;
  lease_until: number | null;
  created_at: number;
  updated_at: number;
  delivered_at: number | null;
  last_error: string | null;
  last_status: number | null;
  /** Start of what the receiver answered last. */
  response: string | null;
  /** JSON: extra rendering context (rule, reminder figures, confirm link data). */
  context: string;
}

export interface NotifySubscriptionTable {
  id: Generated<number>;
  /** email or webhook */
  kind: string;
  /** The e-mail address or webhook URL. Never shown publicly. */
  address: string;
  /** JSON array of component ids; [] = the whole page. */
  component_ids: string;
  locale: string;
  /** pending (e-mail not confirmed yet), active, unsubscribed */
  status: string;
  /** Webhook signing secret, given to the subscriber once. */
  secret: string | null;
  created_at: number;
  updated_at: number;
  confirmed_at: number | null;
  unsubscribed_at: number | null;
}

/** Operator alert rules: per rule and component, whether an alert is open and when it last spoke. */
export interface NotifyRuleStateTable {
  rule: string;
  component_id: string;
  status: string;
  opened_at: number;
  last_sent_at: number;
}

/** Vendor status (0004_vendor, src/store/vendor.ts): what an official status page said, one row per distinct reading. */
export interface VendorSnapshotTable {
  id: Generated<number>;
  service_id: string;
  /** statuspage, incidentio, instatus or feed */
  kind: string;
  url: string;
  /** The first and latest poll that read exactly this; polls counts them. */
  first_seen_at: number;
  last_seen_at: number;
  polls: number;
  reachable: number;
  /** "vendor page unreachable: …" or "malformed: …"; null when the page was read. */
  error: string | null;
  /** 1 all well, 0 not, null unknown (unreachable or malformed). */
  says_operational: number | null;
  indicator: string | null;
  description: string | null;
  /** JSON array of {name, status, group?}. */
  components: string;
  /** JSON array of the incidents the page showed, with their updates. */
  incidents: string;
  /** sha256 of the reading, to tell a change from a repeat. */
  digest: string;
}

/** Each vendor incident once, when we first saw it and what it last said. */
export interface VendorIncidentTable {
  id: Generated<number>;
  service_id: string;
  vendor_id: string;
  name: string;
  status: string;
  impact: string | null;
  maintenance: number;
  url: string | null;
  /** The vendor's own dates, when it gives them. */
  created_at: number | null;
  updated_at: number | null;
  first_seen_at: number;
  last_seen_at: number;
  /** When we first saw it closed (resolved, completed, or gone from the page). */
  closed_seen_at: number | null;
}

/** Each update of a vendor incident as the vendor published it. */
export interface VendorIncidentUpdateTable {
  id: Generated<number>;
  service_id: string;
  vendor_incident_id: string;
  update_id: string;
  status: string;
  body: string;
  published_at: number | null;
  seen_at: number;
}

/** One accepted crowd report (src/store/reports.ts). */
export interface ReportTable {
  id: Generated<number>;
  service_id: string;
  category: string;
  at: number;
  region: string | null;
  /** Salted hash of address + user agent (hex, 128 bits); never the address. */
  reporter: string;
  /** Salted hash of the /24 or /48 network prefix (hex, 64 bits). */
  prefix: string;
  /** 1 when it counts toward the signal; 0 when its prefix had reached its cap. */
  counted: number;
  /** "api" or "form". */
  source: string;
  comment: string | null;
  /** pending, approved or rejected; null without a comment. */
  comment_status: string | null;
}

/** Counted reports per service, category and epoch minute (0010_report_minutes): what the signal's baseline reads, kept long after the reports themselves. */
export interface ReportMinuteTable {
  service_id: string;
  category: string;
  /** Epoch minute. */
  minute: number;
  n: number;
}

export interface ReportRejectionTable {
  id: Generated<number>;
  service_id: string;
  /** Epoch minute. */
  minute: number;
  reason: string;
  count: number;
}

/** Heartbeat monitors: each push token's last beat (store/heartbeats.ts). */
export interface HeartbeatTable {
  token: string;
  at: number;
  /** The job's message when it reported itself down; null for a good beat. */
  down: string | null;
}

/** Registered `vigie agent` processes (store/agents.ts): the token's sha256, health, and the last batch stored. */
export interface AgentTable {
  id: string;
  name: string;
  region: string;
  token_hash: string;
  created_at: number;
  revoked_at: number | null;
  last_seen_at: number | null;
  version: string | null;
  /** Server clock minus agent clock, as last measured. */
  clock_offset_ms: number | null;
  backlog: number | null;
  dropped: number | null;
  checks_per_s: number | null;
  /** The agent's buffer identity (random per data directory) and the last batch sequence stored from it. */
  stream: string | null;
  last_seq: number;
}

/** Leases of the nodes sharing one PostgreSQL (store/leases.ts): shards and once-only roles, with fencing epochs. */
export interface ClusterLeaseTable {
  name: string;
  holder: string;
  /** Grows by one each time the lease changes hands: a write carries the epoch it was made under. */
  epoch: number;
  /** Database clock, epoch ms. */
  expires_at: number;
}

/** The nodes sharing one PostgreSQL, by their last heartbeat (database clock). */
export interface ClusterNodeTable {
  id: string;
  seen_at: number;
  started_at: number;
}

/** Observations written under each shard lease epoch, and by which node (0022_nodes): the audit of fencing. */
export interface ClusterWriteTable {
  shard: string;
  epoch: number;
  node: string;
  rows: number;
  /** Database clock of the last write. */
  last_at: number;
}

/** A route's traffic moved between upstreams (src/store/gateway.ts). */
export interface GatewayEventTable {
  id: string;
  source: string;
  route: string;
  kind: string;
  from_upstream: string;
  to_upstream: string;
  from_name: string;
  to_name: string;
  component: string | null;
  reason: string | null;
  at: number;
  failed_requests: number;
  served_requests: number | null;
  body: string;
  body_text: string | null;
  created_at: number;
  /** 0023_gateway_progress: a failover's live figures (null until its first report) and its end. */
  progress_served: number | null;
  progress_failed: number | null;
  progress_at: number | null;
  progress_to: string | null;
  progress_to_name: string | null;
  ended_at: number | null;
}

export interface GatewayClientTable {
  id: string;
  name: string;
  team: string;
  token_hash: string;
  rate_count: number | null;
  rate_per_ms: number | null;
  monthly_tokens: number | null;
  created_at: number;
  revoked_at: number | null;
}

export interface GatewayUsageTable {
  client: string;
  month: string;
  tokens: number;
}

export interface GatewayRateTable {
  client: string;
  window_start: number;
  used: number;
}

/** App-made services, components and monitors (0021_catalog, store/catalog.ts): each entry as the config file writes it (JSON). */
export interface CatalogServiceTable {
  id: string;
  /** The service entry without its components, in the config file's shape. */
  entry: string;
  position: number;
  created_at: number;
  updated_at: number;
}
export interface CatalogComponentTable {
  /** "service/component" */
  id: string;
  service_id: string;
  /** The component entry without its monitors. */
  entry: string;
  position: number;
  created_at: number;
  updated_at: number;
}
export interface CatalogMonitorTable {
  /** "service/component/name" (the monitor, not its per-region units) */
  id: string;
  component_id: string;
  entry: string;
  /** 1: not scheduled (shown as paused). */
  paused: number;
  position: number;
  created_at: number;
  updated_at: number;
}

export interface Database {
  gateway_events: GatewayEventTable;
  gateway_clients: GatewayClientTable;
  gateway_usage: GatewayUsageTable;
  gateway_rate: GatewayRateTable;
  catalog_services: CatalogServiceTable;
  catalog_components: CatalogComponentTable;
  catalog_monitors: CatalogMonitorTable;
  cluster_writes: ClusterWriteTable;
  cluster_leases: ClusterLeaseTable;
  cluster_nodes: ClusterNodeTable;
  agents: AgentTable;
  rollups_day: RollupTable;
  rollup_blocks: RollupBlockTable;
  observation_chunks: ObservationChunkTable;
  heartbeats: HeartbeatTable;
  report_minutes: ReportMinuteTable;
  rollup_progress: RollupProgressTable;
  services: ServiceTable;
  components: ComponentTable;
  monitors: MonitorTable;
  observations: ObservationTable;
  component_status_changes: ComponentStatusChangeTable;
  incidents: IncidentTable;
  incident_components: IncidentComponentTable;
  incident_updates: IncidentUpdateTable;
  api_tokens: ApiTokenTable;
  users: UserTable;
  sessions: SessionTable;
  audit_log: AuditLogTable;
  notify_events: NotifyEventTable;
  notify_deliveries: NotifyDeliveryTable;
  notify_subscriptions: NotifySubscriptionTable;
  notify_rule_state: NotifyRuleStateTable;
  vendor_snapshots: VendorSnapshotTable;
  vendor_incidents: VendorIncidentTable;
  vendor_incident_updates: VendorIncidentUpdateTable;
  reports: ReportTable;
  report_rejections: ReportRejectionTable;
}
