// Rollups: raw observations summed per minute, hour and UTC day, so history outlives the raw rows
// (kept only for the retention time, see retention.ts) and the 90-day bars read a few rows.
//
// Day rollups, which the status page's bars read, follow the rows every minute. Minute and hour
// rollups are blocks (rollup-blocks.ts), written once per monitor-hour when the hour's rows are
// compacted into a chunk (chunks.ts), in the same transaction as the move: rewriting 20,000
// compressed blocks every minute at 10,000 monitors stalled the process for a second. Until then
// rollupSeries sums the rows themselves.
//
// The job walks observations by id, not by time: a check's row is written after it ends, so rows
// arrive slightly out of `at` order, and an id watermark counts each row exactly once however late
// it came. Each batch is one transaction that adds the batch's sums into the day rollups and moves
// the watermark (rollup_progress), so a crash at any point leaves either the whole batch counted or
// none of it: the job is idempotent and resumes where it stopped.
//
// PostgreSQL hands out identity values before commit, so a slow transaction can commit a lower id
// after a higher one is visible. The job therefore only goes up to the highest id it saw at its
// previous run (a minute earlier): any transaction holding a lower id has long committed. SQLite
// serialises writers, so there it may go up to the current highest id.
import { PostgresAdapter, sql, type Kysely, type Transaction } from 'kysely';
import type SqliteDatabase from 'better-sqlite3';
import { type Engine, sqliteHandle } from './db.js';
import { addToBlocks, blockSeries } from './rollup-blocks.js';
import { type Checked, DAY_MS, LATENCY_BOUNDS_MS, bucketRollups, mergeInto, mergeRollup, minuteRollups, RESOLUTION_MS, RESOLUTIONS, type Resolution, type Rollup } from './rollup-values.js';
import type { Database, RollupTable } from './schema.js';

export { DAY_MS, LATENCY_BOUNDS_MS, RESOLUTION_MS, RESOLUTIONS, latencyQuantile, mergeInto, mergeRollup, type Resolution, type Rollup } from './rollup-values.js';
const H = Array.from({ length: LATENCY_BOUNDS_MS.length + 1 }, (_, i) => `h${i}` as const);
type HCol = (typeof H)[number];

const PROGRESS = 'observations';
/** Observation ids per transaction: bounds the work and the lock time of one step. */
export const ROLLUP_BATCH_IDS = 20_000;
/** Rows per upsert statement: 20 parameters each, far below both engines' limits. */
const UPSERT_CHUNK = 500;

export interface RollupRun {
  /** Observations rolled up by this run. */
  observations: number;
  /** Transactions it took. */
  batches: number;
  /** The watermark after the run. */
  doneId: number;
}

export interface RollupOptions {
  /**
   * 'settled' (default): on PostgreSQL stop at the highest id seen by the previous run (see above).
   * 'all': go up to the current highest id; for callers that know no write is in flight (tests, benches).
   */
  upTo?: 'settled' | 'all';
  /** Stop after this many batches (the rest waits for the next run). */
  maxBatches?: number;
  /** Observation ids per batch (default ROLLUP_BATCH_IDS). */
  batchIds?: number;
  /** Clock time, recorded with the progress. */
  now?: number;
}

async function maxObservationId(db: Kysely<Database> | Transaction<Database>): Promise<number> {
  const r = await db.selectFrom('observations').select((eb) => eb.fn.max('id').as('m')).executeTakeFirst();
  return Number(r?.m ?? 0);
}

async function progress(trx: Transaction<Database>, engine: Engine, now: number) {
  await trx.insertInto('rollup_progress').values({ name: PROGRESS, done_id: 0, seen_max_id: 0, updated_at: now }).onConflict((oc) => oc.column('name').doNothing()).execute();
  let q = trx.selectFrom('rollup_progress').selectAll().where('name', '=', PROGRESS);
  if (engine === 'postgres') q = q.forUpdate(); // one job at a time across processes sharing the database
  return q.executeTakeFirstOrThrow();
}

/** Where the job stands: observations with id <= doneId are counted in the rollups. */
export async function rollupProgress(db: Kysely<Database>): Promise<{ doneId: number; seenMaxId: number; updatedAt: number } | undefined> {
  const r = await db.selectFrom('rollup_progress').selectAll().where('name', '=', PROGRESS).executeTakeFirst();
  return r && { doneId: r.done_id, seenMaxId: r.seen_max_id, updatedAt: r.updated_at };
}

/** Rolls up the observations written since the last run, in bounded transactions. */
export async function runRollups(db: Kysely<Database>, engine: Engine, opts: RollupOptions = {}): Promise<RollupRun> {
  const now = opts.now ?? Date.now();
  const raw = sqliteHandle(db);
  const run: RollupRun = { observations: 0, batches: 0, doneId: 0 };
  const currentMax = await maxObservationId(db);
  for (;;) {
    if (opts.maxBatches !== undefined && run.batches >= opts.maxBatches) break;
    const step = await db.transaction().execute(async (trx) => {
      const p = await progress(trx, engine, now);
      const limit = engine === 'sqlite' || opts.upTo === 'all' ? currentMax : Math.min(p.seen_max_id, currentMax);
      const to = Math.min(limit, p.done_id + (opts.batchIds ?? ROLLUP_BATCH_IDS));
      let n = 0;
      if (to > p.done_id) n = raw ? rollupRangeSqlite(raw, p.done_id, to) : await rollupRange(trx, p.done_id, to);
      const last = to >= limit;
      await trx
        .updateTable('rollup_progress')
        .set({ done_id: Math.max(p.done_id, to), ...(last ? { seen_max_id: currentMax } : {}), updated_at: now })
        .where('name', '=', PROGRESS)
        .execute();
      return { n, doneId: Math.max(p.done_id, to), last, moved: to > p.done_id };
    });
    run.doneId = step.doneId;
    run.observations += step.n;
    if (step.moved) run.batches++;
    if (step.last) break;
  }
  return run;
}

/** Adds observations with from < id <= to into the day rollups. */
async function rollupRange(trx: Transaction<Database>, from: number, to: number): Promise<number> {
  const rows = await trx.selectFrom('observations').select(['monitor_id', 'at', 'ok', 'degraded', 'total_ms']).where('id', '>', from).where('id', '<=', to).execute();
  await addRollups(trx, minuteRollups(rows.map(checked)), ['day']);
  return rows.length;
}

/**
 * rollupRange on SQLite's own handle, inside the job's transaction (Kysely holds the connection, so
 * these synchronous statements are part of it): rows read as arrays, summed straight into days, and
 * one upsert prepared once and run per monitor-day. Through Kysely, each 500-row upsert of 10,000
 * parameters was built and prepared again: at 10,000 monitors, over a second of CPU every minute.
 */
function rollupRangeSqlite(raw: SqliteDatabase.Database, from: number, to: number): number {
  const st = sqliteStatements(raw);
  const rows = st.select.all(from, to) as [string, number, number, number, number][];
  const checks: Checked[] = rows.map((r) => ({ monitorId: r[0], at: r[1], ok: r[2] === 1, degraded: r[3] === 1, totalMs: r[4] }));
  for (const r of bucketRollups(checks, DAY_MS)) st.upsertDay.run(r.monitorId, r.bucket, r.count, r.okCount, r.degradedCount, r.latencySumMs, r.latencyMinMs, r.latencyMaxMs, ...r.histogram);
  return rows.length;
}

const statements = new WeakMap<SqliteDatabase.Database, { select: SqliteDatabase.Statement; upsertDay: SqliteDatabase.Statement }>();

function sqliteStatements(raw: SqliteDatabase.Database) {
  let st = statements.get(raw);
  if (!st) {
    const add = (c: string) => `${c} = rollups_day.${c} + excluded.${c}`;
    const upsertDay = raw.prepare(
      `insert into rollups_day (monitor_id, bucket, count, ok_count, degraded_count, latency_sum_ms, latency_min_ms, latency_max_ms, ${H.join(', ')}) ` +
        `values (${Array.from({ length: 8 + H.length }, () => '?').join(', ')}) on conflict (monitor_id, bucket) do update set ` +
        [
          ...['count', 'ok_count', 'degraded_count', 'latency_sum_ms'].map(add),
          // min(NULL, x) is NULL in SQLite: coalesce reads a missing side as "the other one", as upsertAdd does.
          'latency_min_ms = coalesce(min(rollups_day.latency_min_ms, excluded.latency_min_ms), rollups_day.latency_min_ms, excluded.latency_min_ms)',
          'latency_max_ms = coalesce(max(rollups_day.latency_max_ms, excluded.latency_max_ms), rollups_day.latency_max_ms, excluded.latency_max_ms)',
          ...H.map(add),
        ].join(', '),
    );
    const select = raw.prepare('select monitor_id, at, ok, degraded, total_ms from observations where id > ? and id <= ?').raw(true);
    statements.set(raw, (st = { select, upsertDay }));
  }
  return st;
}

/** An observation row as the rollups read it. */
export const checked = (r: { monitor_id: string; at: number; ok: number; degraded: number; total_ms: number }): Checked => ({ monitorId: r.monitor_id, at: r.at, ok: r.ok === 1, degraded: r.degraded === 1, totalMs: r.total_ms });

/** Adds per-minute sums into the minute, hour and day rollups (one call = part of one transaction). */
export async function addRollups(trx: Kysely<Database> | Transaction<Database>, minutes: Rollup[], resolutions: readonly Resolution[] = RESOLUTIONS): Promise<void> {
  for (const res of resolutions) {
    const merged = res === 'minute' ? minutes : mergeInto(minutes, RESOLUTION_MS[res]);
    if (res === 'day') await upsertAdd(trx, merged);
    else await addToBlocks(trx, res, merged);
  }
}

async function upsertAdd(trx: Kysely<Database> | Transaction<Database>, list: Rollup[]): Promise<void> {
  const engine: Engine = trx.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
  const table = 'rollups_day';
  const least = engine === 'postgres' ? 'least' : 'min';
  const greatest = engine === 'postgres' ? 'greatest' : 'max';
  // coalesce: min(NULL, x) is NULL in SQLite, and least() ignores NULLs in PostgreSQL; both read as "the other one".
  const col = (c: string) => sql.ref(`${table}.${c}`);
  const ex = (c: string) => sql.ref(`excluded.${c}`);
  const add = (c: string) => sql`${col(c)} + ${ex(c)}`;
  const set: Record<string, unknown> = {
    count: add('count'),
    ok_count: add('ok_count'),
    degraded_count: add('degraded_count'),
    latency_sum_ms: add('latency_sum_ms'),
    latency_min_ms: sql`coalesce(${sql.raw(least)}(${col('latency_min_ms')}, ${ex('latency_min_ms')}), ${col('latency_min_ms')}, ${ex('latency_min_ms')})`,
    latency_max_ms: sql`coalesce(${sql.raw(greatest)}(${col('latency_max_ms')}, ${ex('latency_max_ms')}), ${col('latency_max_ms')}, ${ex('latency_max_ms')})`,
  };
  for (const h of H) set[h] = add(h);
  for (let i = 0; i < list.length; i += UPSERT_CHUNK) {
    const values = list.slice(i, i + UPSERT_CHUNK).map(toRow);
    await trx
      .insertInto(table)
      .values(values)
      .onConflict((oc) => oc.columns(['monitor_id', 'bucket']).doUpdateSet(set as never))
      .execute();
  }
}

function toRow(r: Rollup): RollupTable {
  const row: Record<string, number | string | null> = {
    monitor_id: r.monitorId,
    bucket: r.bucket,
    count: r.count,
    ok_count: r.okCount,
    degraded_count: r.degradedCount,
    latency_sum_ms: r.latencySumMs,
    latency_min_ms: r.latencyMinMs,
    latency_max_ms: r.latencyMaxMs,
  };
  H.forEach((h, i) => (row[h] = r.histogram[i] ?? 0));
  return row as unknown as RollupTable;
}

/** A row of rollups_day (or of the per-bucket tables before 0008, same columns) as a Rollup. */
export function rollupFromRow(r: RollupTable): Rollup {
  return {
    monitorId: r.monitor_id,
    bucket: r.bucket,
    count: r.count,
    okCount: r.ok_count,
    degradedCount: r.degraded_count,
    latencySumMs: r.latency_sum_ms,
    latencyMinMs: r.latency_min_ms,
    latencyMaxMs: r.latency_max_ms,
    histogram: H.map((h: HCol) => (r as unknown as Record<HCol, number>)[h] ?? 0),
  };
}

/**
 * One monitor's rollups at a resolution, oldest first, for buckets in [from, to). Minute and hour
 * rollups are written when an hour is compacted (chunks.ts); the hours still in rows are summed here.
 */
export async function rollupSeries(db: Kysely<Database>, monitorId: string, resolution: Resolution, from: number, to: number): Promise<Rollup[]> {
  if (resolution !== 'day') {
    const stored = await blockSeries(db, monitorId, resolution, from, to);
    const rows = await db.selectFrom('observations').select(['monitor_id', 'at', 'ok', 'degraded', 'total_ms']).where('monitor_id', '=', monitorId).where('at', '>=', from).where('at', '<', to).execute();
    const minutes = minuteRollups(rows.map(checked));
    const fresh = resolution === 'minute' ? minutes : mergeInto(minutes, RESOLUTION_MS.hour);
    const byBucket = new Map(stored.map((r) => [r.bucket, r]));
    for (const r of fresh) {
      const cur = byBucket.get(r.bucket);
      if (cur) mergeRollup(cur, r); // late checks of an hour already compacted
      else byBucket.set(r.bucket, r);
    }
    return [...byBucket.values()].filter((r) => r.bucket >= from && r.bucket < to).sort((a, b) => a.bucket - b.bucket);
  }
  const rows = await db
    .selectFrom('rollups_day')
    .selectAll()
    .where('monitor_id', '=', monitorId)
    .where('bucket', '>=', from)
    .where('bucket', '<', to)
    .orderBy('bucket')
    .execute();
  return rows.map(rollupFromRow);
}

export interface DayBar {
  /** Start of the UTC day, epoch ms. */
  day: number;
  count: number;
  okCount: number;
  degradedCount: number;
  /** okCount / count, or null for a day without checks. */
  uptime: number | null;
}

/** One id's bars, column by column (cheap to build for thousands of ids); day i starts at firstDay + i days. */
export interface UptimeBars {
  firstDay: number;
  count: Uint32Array;
  ok: Uint32Array;
  degraded: Uint32Array;
}

/** The bars as one object per day, for views and tests. */
export function dayBars(b: UptimeBars): DayBar[] {
  return Array.from(b.count, (count, i) => ({
    day: b.firstDay + i * DAY_MS,
    count,
    okCount: b.ok[i]!,
    degradedCount: b.degraded[i]!,
    uptime: count > 0 ? b.ok[i]! / count : null,
  }));
}

export type BarsFor = { monitorIds: string[] } | { componentIds: string[] };

/**
 * Per-day uptime for the status page's bars: for each id, `days` bars ending with today (UTC),
 * oldest first. Reads the day rollups only (one index range per monitor). A component's bar sums
 * its monitors' checks. Today's bar covers what the rollup job has reached.
 */
export async function uptimeBars(db: Kysely<Database>, of: BarsFor, opts: { days?: number; now?: number } = {}): Promise<Map<string, UptimeBars>> {
  const days = opts.days ?? 90;
  if (!Number.isInteger(days) || days < 1) throw new RangeError(`days must be a positive integer (got ${days})`);
  const now = opts.now ?? Date.now();
  const today = now - (now % DAY_MS);
  const since = today - (days - 1) * DAY_MS;
  const ids = 'monitorIds' in of ? of.monitorIds : of.componentIds;
  const out = new Map<string, UptimeBars>();
  for (const id of ids) out.set(id, { firstDay: since, count: new Uint32Array(days), ok: new Uint32Array(days), degraded: new Uint32Array(days) });
  if (ids.length === 0) return out;
  const unique = [...new Set(ids)];
  // One row per id with its days packed in one string ("day,count,ok,degraded,day,…"), aggregated by
  // the database: ~1,000 rows back instead of ~90,000, which is most of the read time.
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  const packed = (b: string) =>
    pg
      ? sql<string>`string_agg(concat_ws(',', (${sql.ref(b)}.bucket - ${sql.lit(since)}) / ${sql.lit(DAY_MS)}, ${sql.ref(b)}.count, ${sql.ref(b)}.ok_count, ${sql.ref(b)}.degraded_count), ',')`
      : sql<string>`group_concat(((${sql.ref(b)}.bucket - ${sql.lit(since)}) / ${sql.lit(DAY_MS)}) || ',' || ${sql.ref(b)}.count || ',' || ${sql.ref(b)}.ok_count || ',' || ${sql.ref(b)}.degraded_count, ',')`;
  // Bounded IN lists: well below both engines' parameter limits.
  for (let i = 0; i < unique.length; i += 5000) {
    const chunk = unique.slice(i, i + 5000);
    const rows =
      'monitorIds' in of
        ? await db
            .selectFrom('rollups_day as r')
            .select(['r.monitor_id as id', packed('r').as('days')])
            .where('r.monitor_id', 'in', chunk)
            .where('r.bucket', '>=', since)
            .where('r.bucket', '<=', today)
            .groupBy('r.monitor_id')
            .execute()
        : await db
            .selectFrom((eb) =>
              eb
                .selectFrom('rollups_day as r')
                .innerJoin('monitors as m', 'm.id', 'r.monitor_id')
                .select([
                  'm.component_id as id',
                  'r.bucket',
                  sql<number>`sum(r.count)`.as('count'),
                  sql<number>`sum(r.ok_count)`.as('ok_count'),
                  sql<number>`sum(r.degraded_count)`.as('degraded_count'),
                ])
                .where('m.component_id', 'in', chunk)
                .where('r.bucket', '>=', since)
                .where('r.bucket', '<=', today)
                .groupBy(['m.component_id', 'r.bucket'])
                .as('c'),
            )
            .select(['c.id', packed('c').as('days')])
            .groupBy('c.id')
            .execute();
    for (const r of rows) {
      const bars = out.get(r.id);
      if (!bars || !r.days) continue;
      const v = r.days.split(',');
      for (let j = 0; j + 3 < v.length; j += 4) {
        const d = Number(v[j]);
        if (!(d >= 0 && d < days)) continue;
        bars.count[d] = Number(v[j + 1]);
        bars.ok[d] = Number(v[j + 2]);
        bars.degraded[d] = Number(v[j + 3]);
      }
    }
  }
  return out;
}
