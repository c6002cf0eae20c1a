// Reads what the outage history is computed from (src/analytics): incidents, status changes, the
// vendor pages' readings as spans, and what the failing checks of recent incidents had in common.
// Structural types only, so the store needs nothing from the layers above it.
import type { Kysely } from 'kysely';
import type { ComponentStatus } from '../core/status.js';
import { decodeObservations } from './chunks.js';
import type { IncidentRecord } from './incidents.js';
import { IncidentStore } from './incidents.js';
import { toStatus } from './rows.js';
import type { Database } from './schema.js';
import type { Store } from './store.js';

export interface HistoryRecords {
  incidents: IncidentRecord[];
  changes: { componentId: string; from: ComponentStatus; to: ComponentStatus; at: number }[];
  vendorSpans: { serviceId: string; from: number; to: number; reachable: boolean; saysOperational: boolean | null }[];
  signals: Map<string, { errorKinds: string[]; regions: string[]; probedRegions: string[] }>;
}

/** Incidents and changes of the last 400 days at most: the calendar shows 12 months. */
const HORIZON_MS = 400 * 86_400_000;
const MAX_INCIDENTS = 5000;
const MAX_CHANGES = 50_000;
/** Only this many of the newest outages get their checks read, and only their first this-many hours. */
const SIGNAL_INCIDENTS = 50;
const SIGNAL_HOURS = 24;

export async function readHistory(store: Store, opts: { now: number; serviceIds?: string[] }): Promise<HistoryRecords> {
  const since = opts.now - HORIZON_MS;
  const db = store.db;
  const incidents = await new IncidentStore(store).list({ since: since - 30 * 86_400_000, limit: MAX_INCIDENTS });
  const changeRows = await db.selectFrom('component_status_changes').selectAll().where('at', '>=', since).orderBy('at').orderBy('id').limit(MAX_CHANGES).execute();
  const changes = changeRows.map((r) => ({
    componentId: r.component_id,
    from: toStatus(r.from_status, 'component_status_changes', r.id),
    to: toStatus(r.to_status, 'component_status_changes', r.id),
    at: r.at,
  }));
  const vendorSpans = await readVendorSpans(db, since);
  const signals = await readSignals(db, incidents, opts.now);
  return { incidents, changes, vendorSpans, signals };
}

/** Each distinct reading of a vendor page holds from when it was first seen until the next one (the last: until last seen). */
async function readVendorSpans(db: Kysely<Database>, since: number): Promise<HistoryRecords['vendorSpans']> {
  const rows = await db
    .selectFrom('vendor_snapshots')
    .select(['service_id', 'first_seen_at', 'last_seen_at', 'reachable', 'says_operational', 'error'])
    .where('last_seen_at', '>=', since)
    .orderBy('service_id')
    .orderBy('id')
    .limit(MAX_CHANGES)
    .execute();
  return rows.map((r, i) => {
    const next = rows[i + 1];
    const to = next && next.service_id === r.service_id ? next.first_seen_at : r.last_seen_at;
    return { serviceId: r.service_id, from: r.first_seen_at, to, reachable: r.reachable === 1 && r.error === null, saysOperational: r.says_operational === null ? null : r.says_operational === 1 };
  });
}

/** Error kinds and regions of the failed checks during each recent incident, from raw rows or their hourly chunks. */
async function readSignals(db: Kysely<Database>, incidents: IncidentRecord[], now: number): Promise<HistoryRecords['signals']> {
  const out: HistoryRecords['signals'] = new Map();
  const recent = incidents.filter((i) => i.kind === 'incident' && i.components.length > 0).slice(0, SIGNAL_INCIDENTS);
  for (const i of recent) {
    const from = i.observedStart ?? i.createdAt;
    const to = Math.min(i.resolvedAt ?? now, from + SIGNAL_HOURS * 3_600_000);
    const monitors = await db
      .selectFrom('monitors')
      .select('id')
      .where(
        'component_id',
        'in',
        i.components.map((c) => c.componentId),
      )
      .execute();
    if (monitors.length === 0) continue;
    const ids = monitors.map((m) => m.id);
    const kinds = new Map<string, number>();
    const failing = new Set<string>();
    const probed = new Set<string>();
    const see = (ok: boolean, region: string, kind: string | null | undefined) => {
      probed.add(region);
      if (ok) return;
      failing.add(region);
      if (kind) kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    };
    const raw = await db.selectFrom('observations').select(['region', 'ok', 'error_kind']).where('monitor_id', 'in', ids).where('at', '>=', from).where('at', '<=', to).limit(20_000).execute();
    for (const r of raw) see(r.ok === 1, r.region, r.error_kind);
    const chunks = await db.selectFrom('observation_chunks').select(['monitor_id', 'data']).where('monitor_id', 'in', ids).where('hour', '>=', from - 3_600_000).where('hour', '<=', to).limit(SIGNAL_HOURS * ids.length).execute();
    for (const c of chunks) for (const o of decodeObservations(c.data, c.monitor_id)) if (o.at >= from && o.at <= to) see(o.ok, o.region, o.error?.kind);
    if (probed.size === 0) continue;
    out.set(i.id, { errorKinds: [...kinds].sort((a, b) => b[1] - a[1]).map(([k]) => k), regions: [...failing].sort(), probedRegions: [...probed].sort() });
  }
  return out;
}
