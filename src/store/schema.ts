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
}

export interface Database {
  services: ServiceTable;
  components: ComponentTable;
  monitors: MonitorTable;
  observations: ObservationTable;
  component_status_changes: ComponentStatusChangeTable;
}
