// Between rows and domain values, both ways. Whatever comes out of the database is checked here
// before the rest of Vigie trusts it: a bad value is an error that names its table and row.
import type { Selectable } from 'kysely';
import type { HttpTarget, MonitorEntity } from '../config/schema.js';
import { type KindAndTarget, REQUIRED_TARGET_KEYS, isMonitorKind } from '../config/monitors.js';
import { ERROR_KINDS, type ErrorKind, type Observation, type Phases } from '../core/observation.js';
import { isComponentStatus, type ComponentStatus } from '../core/status.js';
import type { MonitorTable, ObservationTable } from './schema.js';

export const ERROR_MESSAGE_MAX = 500;

export class CorruptRowError extends Error {
  constructor(table: string, id: string | number, detail: string) {
    super(`store: ${table} row ${JSON.stringify(id)}: ${detail}`);
    this.name = 'CorruptRowError';
  }
}

export function toStatus(v: unknown, table: string, id: string | number): ComponentStatus {
  if (!isComponentStatus(v)) throw new CorruptRowError(table, id, `${JSON.stringify(v)} is not a component status`);
  return v;
}

/** JSON with object keys sorted, so equal values always serialise to equal text. */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(v, (_k, val: unknown) =>
    val !== null && typeof val === 'object' && !Array.isArray(val)
      ? Object.fromEntries(Object.entries(val as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : val,
  );
}

function parseJson(text: string, table: string, id: string, column: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new CorruptRowError(table, id, `${column} is not JSON`);
  }
}

export function toStringList(text: string, table: string, id: string, column: string): string[] {
  const v = parseJson(text, table, id, column);
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new CorruptRowError(table, id, `${column} is not a list of strings`);
  return v;
}

function toHttpTarget(text: string, id: string): HttpTarget {
  const v = parseJson(text, 'monitors', id, 'target');
  const t = v as Partial<HttpTarget> | null;
  const ok =
    t !== null &&
    typeof t === 'object' &&
    typeof t.url === 'string' &&
    typeof t.method === 'string' &&
    t.headers !== null &&
    typeof t.headers === 'object' &&
    Object.values(t.headers).every((h) => typeof h === 'string') &&
    Array.isArray(t.expectedStatus) &&
    t.expectedStatus.every((s) => Number.isInteger(s)) &&
    (t.body === undefined || typeof t.body === 'string');
  if (!ok) throw new CorruptRowError('monitors', id, 'target is not an http target');
  return t as HttpTarget;
}

/** The kind and its stored target, checked: http field by field, the other kinds for the keys they require. */
function toKindAndTarget(kind: string, text: string, id: string): KindAndTarget {
  if (!isMonitorKind(kind)) throw new CorruptRowError('monitors', id, `unknown kind ${JSON.stringify(kind)}`);
  if (kind === 'http') return { kind, target: toHttpTarget(text, id) };
  const v = parseJson(text, 'monitors', id, 'target');
  if (v === null || typeof v !== 'object' || Array.isArray(v) || !REQUIRED_TARGET_KEYS[kind].every((k) => k in v))
    throw new CorruptRowError('monitors', id, `target is not a ${kind} target`);
  return { kind, target: v } as KindAndTarget;
}

export function toMonitor(r: Selectable<MonitorTable>): MonitorEntity {
  return {
    id: r.id,
    componentId: r.component_id,
    ...toKindAndTarget(r.kind, r.target, r.id),
    region: r.region,
    intervalMs: r.interval_ms,
    timeoutMs: r.timeout_ms,
    degradedAfterMs: r.degraded_after_ms,
  };
}

/** The monitor's columns that come from the config (what sync compares and writes). */
export function monitorColumns(m: MonitorEntity, position: number) {
  return {
    component_id: m.componentId,
    kind: m.kind,
    region: m.region,
    interval_ms: m.intervalMs,
    timeout_ms: m.timeoutMs,
    degraded_after_ms: m.degradedAfterMs,
    target: canonicalJson(m.target),
    position,
  };
}

/** Cut to at most max characters (code points, so a surrogate pair is never split). */
export function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  const cps = Array.from(s);
  return cps.length <= max ? s : cps.slice(0, max).join('');
}

const b = (v: boolean): number => (v ? 1 : 0);
const opt = (v: number | undefined): number | null => (v === undefined ? null : v);

export function observationRow(o: Observation) {
  return {
    monitor_id: o.monitorId,
    region: o.region,
    at: o.at,
    ok: b(o.ok),
    degraded: b(o.degraded),
    status_code: opt(o.statusCode),
    dns_ms: opt(o.phases.dnsMs),
    connect_ms: opt(o.phases.connectMs),
    tls_ms: opt(o.phases.tlsMs),
    first_byte_ms: opt(o.phases.firstByteMs),
    total_ms: o.phases.totalMs,
    error_kind: o.error?.kind ?? null,
    error_message: o.error ? truncate(o.error.message, ERROR_MESSAGE_MAX) : null,
  };
}

function toBool(v: number, id: number, column: string): boolean {
  if (v === 0 || v === 1) return v === 1;
  throw new CorruptRowError('observations', id, `${column} is ${JSON.stringify(v)}, not 0 or 1`);
}

function toErrorKind(v: string, id: number): ErrorKind {
  if ((ERROR_KINDS as readonly string[]).includes(v)) return v as ErrorKind;
  throw new CorruptRowError('observations', id, `${JSON.stringify(v)} is not an error kind`);
}

export function toObservation(r: Selectable<ObservationTable>): Observation {
  const phases: Phases = { totalMs: r.total_ms };
  if (r.dns_ms !== null) phases.dnsMs = r.dns_ms;
  if (r.connect_ms !== null) phases.connectMs = r.connect_ms;
  if (r.tls_ms !== null) phases.tlsMs = r.tls_ms;
  if (r.first_byte_ms !== null) phases.firstByteMs = r.first_byte_ms;
  const o: Observation = {
    monitorId: r.monitor_id,
    region: r.region,
    at: r.at,
    ok: toBool(r.ok, r.id, 'ok'),
    degraded: toBool(r.degraded, r.id, 'degraded'),
    phases,
  };
  if (r.status_code !== null) o.statusCode = r.status_code;
  if (r.error_kind !== null) o.error = { kind: toErrorKind(r.error_kind, r.id), message: r.error_message ?? '' };
  return o;
}
