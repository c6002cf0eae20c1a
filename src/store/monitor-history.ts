// One monitor's past for the console's monitor page: raw observations over a time range (rows and
// compacted hours), and its last failures. Reads only; rollups are read through rollups.ts.
import type { Kysely } from 'kysely';
import type { Observation } from '../core/observation.js';
import { CHUNK_MS, chunkHoursNewestFirst } from './chunks.js';
import { toObservation } from './rows.js';
import type { Database } from './schema.js';

/** Observations with from <= at < to, oldest first: recent rows and the compacted hours that overlap. */
export async function observationsBetween(db: Kysely<Database>, monitorId: string, from: number, to: number): Promise<Observation[]> {
  const rows = await db.selectFrom('observations').selectAll().where('monitor_id', '=', monitorId).where('at', '>=', from).where('at', '<', to).orderBy('at').orderBy('id').execute();
  const out = rows.map(toObservation);
  for await (const { hour, observations } of chunkHoursNewestFirst(db, monitorId)) {
    if (hour + CHUNK_MS <= from) break;
    for (const o of observations) if (o.at >= from && o.at < to) out.push(o);
  }
  return out.sort((a, b) => a.at - b.at);
}

/** The latest failed checks, newest first: rows first, then compacted hours back to `since`. */
export async function lastFailures(db: Kysely<Database>, monitorId: string, limit: number, since: number): Promise<Observation[]> {
  const rows = await db.selectFrom('observations').selectAll().where('monitor_id', '=', monitorId).where('ok', '=', 0).where('at', '>=', since).orderBy('at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  const out = rows.map(toObservation);
  for await (const { hour, observations } of chunkHoursNewestFirst(db, monitorId)) {
    // Compacted hours are older than the rows but for late checks: once an hour ends before the limit-th failure, stop.
    if (hour + CHUNK_MS <= since || (out.length >= limit && out[limit - 1]!.at >= hour + CHUNK_MS)) break;
    for (const o of observations) if (!o.ok && o.at >= since) out.push(o);
    out.sort((a, b) => b.at - a.at);
  }
  return out.slice(0, limit);
}

/**
 * Each monitor's latest raw observation still in rows (compacted hours are not read: this is for a
 * quick start). One indexed lookup per monitor, awaited in turn: a GROUP BY over the whole table would
 * hold SQLite's (synchronous) connection, and so every check, for as long as the table is big.
 */
export async function latestObservations(db: Kysely<Database>, monitorIds: readonly string[]): Promise<Observation[]> {
  const out: Observation[] = [];
  for (const id of monitorIds) {
    const r = await db.selectFrom('observations').selectAll().where('monitor_id', '=', id).orderBy('at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
    if (r) out.push(toObservation(r));
  }
  return out;
}
