// Retention: raw observations (as chunks, once compacted and rolled up) are deleted once older than
// their retention time; rollups are deleted per resolution once older than theirs. Deletes go in bounded
// batches (a few thousand rows per statement, short transactions) so a large backlog never holds a
// long lock.
import { sql, type Kysely } from 'kysely';
import { CHUNK_MS } from './chunks.js';
import { BLOCK_MS } from './rollup-blocks.js';
import type { Resolution } from './rollups.js';
import type { Database } from './schema.js';

export interface RetentionPolicy {
  /** Raw observations, ms. */
  rawMs: number;
  minuteMs: number;
  hourMs: number;
  dayMs: number;
  /** Crowd reports themselves, and their per-minute counts (what the baseline learns from). */
  reportsMs: number;
  reportCountsMs: number;
}

export const DAY = 86_400_000;
export const DEFAULT_RETENTION: RetentionPolicy = { rawMs: 7 * DAY, minuteMs: 2 * DAY, hourMs: 90 * DAY, dayMs: 400 * DAY, reportsMs: 7 * DAY, reportCountsMs: 42 * DAY };

export interface RetentionRun {
  /** Raw observations leave their rows only as chunks (chunks.ts); chunks past the raw retention go. */
  chunks: number;
  /** Day rows, minute and hour blocks deleted. */
  rollups: Record<Resolution, number>;
  reports: number;
  /** Report minute counts and rejection counts deleted. */
  reportCounts: number;
  /** True when it stopped at maxBatches with more left to delete. */
  more: boolean;
}

export interface RetentionOptions {
  now: number;
  /** Rows per delete statement. */
  batch?: number;
  /** Statements per call, per table; the next call continues. */
  maxBatches?: number;
  /** Also prune rollups and report counts (heavier: one statement per group of monitors). Default true. */
  rollups?: boolean;
}

/**
 * Deletes crowd reports (reporter hashes, comments) older than the cutoff; their minute counts stay.
 * Batches take the oldest rows by id (the primary key, so each batch reads `batch` rows and no
 * more) and delete those of them that are old enough; ids follow write order, which follows time.
 * A batch with nothing old enough ends the pass.
 */
export async function pruneReports(db: Kysely<Database>, cutoff: number, opts: { batch?: number; maxBatches?: number } = {}): Promise<{ deleted: number; more: boolean }> {
  const batch = opts.batch ?? 5000;
  const maxBatches = opts.maxBatches ?? 200;
  let deleted = 0;
  for (let i = 0; i < maxBatches; i++) {
    const r = await db
      .deleteFrom('reports')
      .where('id', 'in', (eb) =>
        eb
          .selectFrom(eb.selectFrom('reports').select(['id', 'at']).orderBy('id').limit(batch).as('oldest'))
          .select('oldest.id')
          .where('oldest.at', '<', cutoff),
      )
      .executeTakeFirst();
    const n = Number(r.numDeletedRows);
    deleted += n;
    if (n === 0) return { deleted, more: false };
    await new Promise((res) => setImmediate(res)); // let the process breathe between batches
  }
  return { deleted, more: true };
}

/**
 * Runs one delete per group of monitors (every monitor ever known, archived too): the tables are
 * keyed by monitor first, so each statement is a handful of index ranges.
 */
async function perMonitorGroup(ids: string[], del: (ids: string[]) => Promise<{ numDeletedRows: bigint }>, group = 200): Promise<number> {
  let deleted = 0;
  for (let i = 0; i < ids.length; i += group) {
    deleted += Number((await del(ids.slice(i, i + group))).numDeletedRows);
    await new Promise((res) => setImmediate(res));
  }
  return deleted;
}

/** Rollups older than the cutoff; a minute or hour block straddling it stays whole until it has all passed. */
function pruneRollups(db: Kysely<Database>, ids: string[], resolution: Resolution, cutoff: number): Promise<number> {
  if (resolution === 'day') return perMonitorGroup(ids, (g) => db.deleteFrom('rollups_day').where('monitor_id', 'in', g).where('bucket', '<', cutoff).executeTakeFirst());
  return perMonitorGroup(ids, (g) =>
    db.deleteFrom('rollup_blocks').where('monitor_id', 'in', g).where('resolution', '=', resolution).where('start', '<=', cutoff - BLOCK_MS[resolution]).executeTakeFirst(),
  );
}

export async function applyRetention(db: Kysely<Database>, policy: RetentionPolicy, opts: RetentionOptions): Promise<RetentionRun> {
  const ids = (await db.selectFrom('monitors').select('id').orderBy('id').execute()).map((r) => r.id);
  // Raw history: the chunks of hours that ended before the cutoff.
  const rawCutoff = opts.now - policy.rawMs;
  const chunks = await perMonitorGroup(ids, (g) => db.deleteFrom('observation_chunks').where('monitor_id', 'in', g).where('hour', '<=', rawCutoff - CHUNK_MS).executeTakeFirst());
  const reports = await pruneReports(db, opts.now - policy.reportsMs, opts);
  const rollups: Record<Resolution, number> = { minute: 0, hour: 0, day: 0 };
  let reportCounts = 0;
  if (opts.rollups ?? true) {
    rollups.minute = await pruneRollups(db, ids, 'minute', opts.now - policy.minuteMs);
    rollups.hour = await pruneRollups(db, ids, 'hour', opts.now - policy.hourMs);
    rollups.day = await pruneRollups(db, ids, 'day', opts.now - policy.dayMs);
    const minute = Math.floor((opts.now - policy.reportCountsMs) / 60_000);
    reportCounts += Number((await db.deleteFrom('report_minutes').where('minute', '<', minute).executeTakeFirst()).numDeletedRows);
    reportCounts += Number((await db.deleteFrom('report_rejections').where('minute', '<', minute).executeTakeFirst()).numDeletedRows);
  }
  return { chunks, rollups, reports: reports.deleted, reportCounts, more: reports.more };
}

/**
 * The tables the storage job churns (rows inserted then deleted, hour blocks rewritten every hour).
 * On PostgreSQL every rewrite leaves a dead row version until VACUUM; autovacuum normally sees to
 * it, but it can be off or lag far behind a write-heavy hour (the storage bench measured 7 M dead
 * rows, 1.6 GB, with it off). So the job vacuums these itself once an hour: with the visibility
 * map it only reads pages changed since the last pass. SQLite rewrites in place and reuses free
 * pages: nothing to do there.
 */
export const CHURNED_TABLES = ['observations', 'rollup_blocks', 'rollups_day', 'observation_chunks', 'reports', 'report_minutes'] as const;

export async function reclaimSpace(db: Kysely<Database>, engine: 'sqlite' | 'postgres'): Promise<void> {
  if (engine !== 'postgres') return;
  await sql`vacuum (analyze) ${sql.join(CHURNED_TABLES.map((t) => sql.table(t)))}`.execute(db);
}

/** Bytes the database takes: file pages for SQLite (the main file; WAL not included), pg_database_size for PostgreSQL. */
export async function databaseSize(db: Kysely<Database>, engine: 'sqlite' | 'postgres'): Promise<number> {
  if (engine === 'postgres') {
    const r = await sql<{ size: number }>`select pg_database_size(current_database())::bigint as size`.execute(db);
    return Number(r.rows[0]?.size ?? 0);
  }
  const pages = await sql<{ page_count: number }>`pragma page_count`.execute(db);
  const size = await sql<{ page_size: number }>`pragma page_size`.execute(db);
  return Number(pages.rows[0]?.page_count ?? 0) * Number(size.rows[0]?.page_size ?? 0);
}
