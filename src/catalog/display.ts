// How monitors are shown to operators: a one-line target, entries with their secrets masked, and a
// config-file monitor (parsed: durations in ms) written back in the file's words.
import type { KindAndTarget } from '../config/monitors.js';
import type { MonitorConfig } from '../config/schema.js';

/** Stands for a secret in answers; sent back unchanged in an edit, it keeps the stored value. */
export const MASK = '********';

const SECRET_HEADER = /authorization|cookie|token|secret|password|passwd|api[-_]?key|x-auth/i;
const SECRET_KEYS = new Set(['api_key', 'token', 'password']);

function withoutPassword(url: string): string {
  try {
    const u = new URL(url);
    if (!u.password && !u.username) return url;
    if (u.password) u.password = MASK;
    return u.toString();
  } catch {
    return url;
  }
}

/** The target in one line, without secrets: "GET https://example.com/health", "db.internal:5432". */
export function targetText(m: KindAndTarget): string {
  switch (m.kind) {
    case 'http':
      return `${m.target.method === 'GET' ? '' : `${m.target.method} `}${withoutPassword(m.target.url)}`;
    case 'websocket':
      return withoutPassword(m.target.url);
    case 'llm':
      return `${m.target.model} at ${withoutPassword(m.target.url)}`;
    case 'tcp':
    case 'tls':
      return `${m.target.host}:${m.target.port}`;
    case 'dns':
      return `${m.target.name} ${m.target.recordType}${m.target.resolver ? ` via ${m.target.resolver}` : ''}`;
    case 'icmp':
      return m.target.host;
    case 'heartbeat':
      return 'push /api/push/…';
  }
}

/** A monitor entry (the file's shape) with header secrets, passwords in URLs, API keys and push tokens masked. */
export function maskEntry(entry: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(entry)) {
    if (SECRET_KEYS.has(k) && typeof v === 'string') out[k] = MASK;
    else if (k === 'url' && typeof v === 'string') out[k] = withoutPassword(v);
    else if (k === 'headers' && v !== null && typeof v === 'object' && !Array.isArray(v))
      out[k] = Object.fromEntries(Object.entries(v).map(([h, x]) => [h, SECRET_HEADER.test(h) ? MASK : x]));
    else out[k] = v;
  }
  return out;
}

/** An edit's entry with masked values put back from the stored entry (what the client was shown). */
export function unmaskEntry(edited: Record<string, unknown>, stored: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...edited };
  for (const [k, v] of Object.entries(edited)) {
    if (v === MASK && stored[k] !== undefined) out[k] = stored[k];
    else if (k === 'url' && typeof v === 'string' && v.includes(MASK) && typeof stored.url === 'string') {
      try {
        const u = new URL(v);
        const s = new URL(stored.url);
        if (u.password === encodeURIComponent(MASK) || u.password === MASK) {
          u.password = s.password;
          out.url = u.toString();
        }
      } catch {
        // left as sent: the schema names what is wrong with it
      }
    } else if (k === 'headers' && v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const old = (stored.headers ?? {}) as Record<string, unknown>;
      out.headers = Object.fromEntries(Object.entries(v).map(([h, x]) => [h, x === MASK && old[h] !== undefined ? old[h] : x]));
    }
  }
  return out;
}

function durationText(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

const DURATIONS = new Set(['interval', 'timeout', 'degraded_after', 'period', 'grace']);

/** A parsed monitor (durations in ms) in the file's words (durations as text), for showing a vigie.yaml monitor. */
export function entryOf(m: MonitorConfig): Record<string, unknown> {
  return Object.fromEntries(Object.entries(m).filter(([, v]) => v !== undefined).map(([k, v]) => [k, DURATIONS.has(k) && typeof v === 'number' ? durationText(v) : v]));
}

/** Any entry (a service with its components and monitors, a component, a monitor) with every monitor's secrets masked: for audit records. */
export function maskDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(maskDeep);
  if (v === null || typeof v !== 'object') return v;
  const o = maskEntry(v as Record<string, unknown>);
  return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, k === 'components' || k === 'monitors' ? maskDeep(x) : x]));
}
