// Retention: raw observations are deleted once older than their retention time and rolled up;
// rollups are deleted per resolution once older than theirs. Deletes go in bounded batches (a few
// thousand rows per statement, short transactions) so a large backlog never holds a long lock.
import { sql, type Kysely } from 'kysely';
import { rollupProgress, ROLLUP_TABLES, type Resolution } from './rollups.js';
import type { Database } from './schema.js';

export interface RetentionPolicy {
  /** Raw observations, ms. */
  rawMs: number;
  minuteMs: number;
  hourMs: number;
  dayMs: number;
}

export const DAY = 86_400_000;
export const DEFAULT_RETENTION: RetentionPolicy = { rawMs: 7 * DAY, minuteMs: 2 * DAY, hourMs: 90 * DAY, dayMs: 400 * DAY };

export interface RetentionRun {
  observations: number;
  rollups: Record<Resolution, number>;
  /** True when it stopped at maxBatches with more left to delete. */
  more: boolean;
}

export interface RetentionOptions {
  now: number;
  /** Rows per delete statement. */
  batch?: number;
  /** Statements per call, per table; the next call continues. */
  maxBatches?: number;
  /** Also prune rollup tables (heavier: one statement per group of monitors). Default true. */
  rollups?: boolean;
}

/**
 * Deletes raw observations older than the policy that the rollup job has already counted.
 *
 * Batches take the oldest rows by id (the primary key, so each batch reads `batch` rows and no
 * more, without an index on `at`) and delete those of them that are old enough; ids follow write
 * order, which follows time. A batch with nothing old enough ends the pass.
 */
export async function pruneObservations(db: Kysely<Database>, cutoff: number, opts: { batch?: number; maxBatches?: number } = {}): Promise<{ deleted: number; more: boolean }> {
  const batch = opts.batch ?? 5000;
  const maxBatches = opts.maxBatches ?? 200;
  const doneId = (await rollupProgress(db))?.doneId ?? 0;
  let deleted = 0;
  for (let i = 0; i < maxBatches; i++) {
    const r = await db
      .deleteFrom('observations')
      .where('id', 'in', (eb) =>
        eb
          .selectFrom(
            eb
              .selectFrom('observations')
              .select(['id', 'at'])
              .where('id', '<=', doneId)
              .orderBy('id')
              .limit(batch)
              .as('oldest'),
          )
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
 * Deletes rollups with buckets older than the cutoff. The key is (monitor, bucket), so this goes
 * monitor by monitor (every monitor ever known, archived too), a group of them per statement, each
 * an index range.
 */
export async function pruneRollups(db: Kysely<Database>, resolution: Resolution, cutoff: number, opts: { group?: number } = {}): Promise<number> {
  const group = opts.group ?? 200;
  const ids = (await db.selectFrom('monitors').select('id').orderBy('id').execute()).map((r) => r.id);
  const table = ROLLUP_TABLES[resolution];
  let deleted = 0;
  for (let i = 0; i < ids.length; i += group) {
    const r = await db
      .deleteFrom(table)
      .where('monitor_id', 'in', ids.slice(i, i + group))
      .where('bucket', '<', cutoff)
      .executeTakeFirst();
    deleted += Number(r.numDeletedRows);
    await new Promise((res) => setImmediate(res));
  }
  return deleted;
}

export async function applyRetention(db: Kysely<Database>, policy: RetentionPolicy, opts: RetentionOptions): Promise<RetentionRun> {
  const raw = await pruneObservations(db, opts.now - policy.rawMs, opts);
  const rollups: Record<Resolution, number> = { minute: 0, hour: 0, day: 0 };
  if (opts.rollups ?? true) {
    rollups.minute = await pruneRollups(db, 'minute', opts.now - policy.minuteMs);
    rollups.hour = await pruneRollups(db, 'hour', opts.now - policy.hourMs);
    rollups.day = await pruneRollups(db, 'day', opts.now - policy.dayMs);
  }
  return { observations: raw.deleted, rollups, more: raw.more };
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
