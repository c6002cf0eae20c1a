// Minute and hour rollups, stored as blocks: one row per monitor per hour (its 60 minutes) or per
// UTC day (its 24 hours), the buckets written column-wise and deflated (bytes.ts). As one row per
// bucket, 1,000 monitors' hour rollups for 90 days are 2.2 M rows, ~300 MB on PostgreSQL with its
// per-row overhead; as blocks they are 90,000 rows of a few hundred bytes. Day rollups stay rows
// (rollups.ts): the 90-day bars read them with plain SQL.
//
// Adding to a block is read, merge, write; the rollup job is the only writer (its progress row is
// locked on PostgreSQL, and SQLite serialises writers), so no update is lost.
import type { Kysely, Transaction } from 'kysely';
import { BlobError, ByteReader, ByteWriter, fromUnits, toUnits } from './bytes.js';
import { CorruptRowError } from './rows.js';
import type { Database } from './schema.js';
import { LATENCY_BOUNDS_MS, mergeRollup, RESOLUTION_MS, type Rollup } from './rollup-values.js';

export type BlockResolution = 'minute' | 'hour';
/** How much time one block covers. */
export const BLOCK_MS: Record<BlockResolution, number> = { minute: 3_600_000, hour: 86_400_000 };
const FORMAT = 1;
const BUCKETS = LATENCY_BOUNDS_MS.length + 1;

export const blockStart = (bucket: number, res: BlockResolution) => bucket - (((bucket % BLOCK_MS[res]) + BLOCK_MS[res]) % BLOCK_MS[res]);

/** One block's rollups (same monitor, buckets inside the block) as a blob. */
export function encodeBlock(start: number, res: BlockResolution, list: readonly Rollup[]): Buffer {
  const step = RESOLUTION_MS[res];
  const sorted = [...list].sort((a, b) => a.bucket - b.bucket);
  const w = new ByteWriter();
  w.uint(FORMAT);
  w.uint(sorted.length);
  let prev = 0;
  for (const r of sorted) {
    const slot = (r.bucket - start) / step;
    if (!Number.isInteger(slot) || slot < 0 || slot * step >= BLOCK_MS[res]) throw new RangeError(`bucket ${r.bucket} is not a ${res} of the block at ${start}`);
    w.uint(slot - prev);
    prev = slot;
  }
  for (const r of sorted) w.uint(r.count);
  for (const r of sorted) w.uint(r.okCount);
  for (const r of sorted) w.uint(r.degradedCount);
  for (const r of sorted) w.uint(toUnits(r.latencySumMs));
  // min and max: 0 for "no successful check", else units + 1.
  for (const r of sorted) w.uint(r.latencyMinMs === null ? 0 : toUnits(r.latencyMinMs) + 1);
  for (const r of sorted) w.uint(r.latencyMaxMs === null ? 0 : toUnits(r.latencyMaxMs) + 1);
  for (let h = 0; h < BUCKETS; h++) for (const r of sorted) w.uint(r.histogram[h] ?? 0);
  return w.deflated();
}

export function decodeBlock(blob: Uint8Array, monitorId: string, start: number, res: BlockResolution): Rollup[] {
  const step = RESOLUTION_MS[res];
  const r = new ByteReader(blob);
  const format = r.uint();
  if (format !== FORMAT) throw new BlobError(`unknown format ${format}`);
  const n = r.count();
  const out: Rollup[] = [];
  let slot = 0;
  for (let i = 0; i < n; i++) {
    slot += r.uint();
    if (slot * step >= BLOCK_MS[res]) throw new BlobError(`bucket ${slot} outside the block`);
    out.push({ monitorId, bucket: start + slot * step, count: 0, okCount: 0, degradedCount: 0, latencySumMs: 0, latencyMinMs: null, latencyMaxMs: null, histogram: new Array<number>(BUCKETS).fill(0) });
  }
  for (const x of out) x.count = r.uint();
  for (const x of out) x.okCount = r.uint();
  for (const x of out) x.degradedCount = r.uint();
  for (const x of out) x.latencySumMs = fromUnits(r.uint());
  const nullable = (u: number) => (u === 0 ? null : fromUnits(u - 1));
  for (const x of out) x.latencyMinMs = nullable(r.uint());
  for (const x of out) x.latencyMaxMs = nullable(r.uint());
  for (let h = 0; h < BUCKETS; h++) for (const x of out) x.histogram[h] = r.uint();
  r.end();
  return out;
}

function readBlock(row: { monitor_id: string; resolution: string; start: number; data: Uint8Array }, res: BlockResolution): Rollup[] {
  try {
    return decodeBlock(row.data, row.monitor_id, row.start, res);
  } catch (err) {
    if (err instanceof BlobError) throw new CorruptRowError('rollup_blocks', `${row.monitor_id}/${res}@${row.start}`, `data ${err.message}`);
    throw err;
  }
}

/** Adds rollups (already at this resolution) into their blocks: read, merge, write back. */
export async function addToBlocks(trx: Kysely<Database> | Transaction<Database>, res: BlockResolution, list: readonly Rollup[]): Promise<void> {
  if (list.length === 0) return;
  const blocks = new Map<string, { monitorId: string; start: number; byBucket: Map<number, Rollup> }>();
  const key = (monitorId: string, start: number) => `${monitorId}\u0000${start}`;
  for (const r of list) {
    const start = blockStart(r.bucket, res);
    const k = key(r.monitorId, start);
    if (!blocks.has(k)) blocks.set(k, { monitorId: r.monitorId, start, byBucket: new Map() });
  }
  // Load what the blocks hold: a superset query (these monitors x these starts), filtered here.
  const all = [...blocks.values()];
  const starts = [...new Set(all.map((b) => b.start))];
  const monitors = [...new Set(all.map((b) => b.monitorId))];
  for (let i = 0; i < monitors.length; i += 500) {
    const rows = await trx
      .selectFrom('rollup_blocks')
      .selectAll()
      .where('resolution', '=', res)
      .where('monitor_id', 'in', monitors.slice(i, i + 500))
      .where('start', 'in', starts)
      .execute();
    for (const row of rows) {
      const b = blocks.get(key(row.monitor_id, row.start));
      if (b) for (const r of readBlock(row, res)) b.byBucket.set(r.bucket, r);
    }
  }
  for (const r of list) {
    const b = blocks.get(key(r.monitorId, blockStart(r.bucket, res)))!;
    const cur = b.byBucket.get(r.bucket);
    if (cur) mergeRollup(cur, r);
    else b.byBucket.set(r.bucket, { ...r, histogram: [...r.histogram] });
  }
  const values = all.map((b) => ({ monitor_id: b.monitorId, resolution: res, start: b.start, data: encodeBlock(b.start, res, [...b.byBucket.values()]) }));
  for (let i = 0; i < values.length; i += 500)
    await trx
      .insertInto('rollup_blocks')
      .values(values.slice(i, i + 500))
      .onConflict((oc) => oc.columns(['monitor_id', 'resolution', 'start']).doUpdateSet((eb) => ({ data: eb.ref('excluded.data') })))
      .execute();
}

/** One monitor's rollups at a block resolution for buckets in [from, to), oldest first. */
export async function blockSeries(db: Kysely<Database>, monitorId: string, res: BlockResolution, from: number, to: number): Promise<Rollup[]> {
  const rows = await db
    .selectFrom('rollup_blocks')
    .selectAll()
    .where('monitor_id', '=', monitorId)
    .where('resolution', '=', res)
    .where('start', '>=', blockStart(from, res))
    .where('start', '<', to)
    .orderBy('start')
    .execute();
  return rows.flatMap((row) => readBlock(row, res)).filter((r) => r.bucket >= from && r.bucket < to);
}
