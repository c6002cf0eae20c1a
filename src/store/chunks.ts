// Raw observations, compacted: once an hour is over (and rolled up), each monitor's rows of that
// hour leave the `observations` table for one deflated, column-wise chunk. 1,000 monitors at 30 s
// make 2.9 M rows a day; as rows they need ~150 bytes each on disk, as chunks about 5, which is
// what lets a week of raw history sit beside 90 days of rollups in a few hundred megabytes.
//
// `observations` stays the write buffer: checks are inserted there as they finish (cheap, indexed,
// exact), and readers see both (recentObservations). The compaction moves only rows the rollup job
// has counted into the day rollups (id <= its watermark) and whose hour ended a grace period ago; a
// row arriving later for a compacted hour simply makes a second chunk for that hour, which readers
// merge. Each batch is one transaction that inserts the chunks, adds the rows into the minute and
// hour rollup blocks, and deletes the rows, so a crash loses or doubles nothing.
//
// Stored precision: phases in 10 µs units (bytes.ts); everything else exactly.
import type { Kysely, Selectable, Transaction } from 'kysely';
import { ERROR_KINDS, type ErrorKind, type Observation } from '../core/observation.js';
import { BlobError, ByteReader, ByteWriter, fromUnits, toUnits } from './bytes.js';
import { CorruptRowError, toObservation } from './rows.js';
import { minuteRollups } from './rollup-values.js';
import { addRollups, checked, rollupProgress } from './rollups.js';
import type { Database, ObservationChunkTable, ObservationTable } from './schema.js';

export const CHUNK_MS = 3_600_000;
const FORMAT = 1;

const F_OK = 1;
const F_DEGRADED = 2;
const F_STATUS = 4;
const F_DNS = 8;
const F_CONNECT = 16;
const F_TLS = 32;
const F_FIRST_BYTE = 64;
const F_ERROR = 128;

/** Observations in (at, write) order as one blob. */
export function encodeObservations(list: readonly Observation[]): Buffer {
  const w = new ByteWriter();
  w.uint(FORMAT);
  w.uint(list.length);
  // Regions and error messages repeat: each is written once and referred to by index.
  const strings = new Map<string, number>();
  const ref = (s: string) => {
    let i = strings.get(s);
    if (i === undefined) strings.set(s, (i = strings.size));
    return i;
  };
  const region = list.map((o) => ref(o.region));
  const message = list.map((o) => (o.error ? ref(o.error.message) : 0));
  w.uint(strings.size);
  for (const s of strings.keys()) w.string(s);
  // Times: delta of deltas, 0 for a monitor on its interval.
  let prev = 0;
  let prevDelta = 0;
  for (let i = 0; i < list.length; i++) {
    const at = list[i]!.at;
    if (i === 0) w.uint(at);
    else {
      const d = at - prev;
      w.int(d - prevDelta);
      prevDelta = d;
    }
    prev = at;
  }
  for (const o of list) w.uint(flags(o));
  for (const r of region) w.uint(r);
  for (const o of list) if (o.statusCode !== undefined) w.uint(o.statusCode);
  for (const o of list) if (o.phases.dnsMs !== undefined) w.int(toUnits(o.phases.dnsMs));
  for (const o of list) if (o.phases.connectMs !== undefined) w.int(toUnits(o.phases.connectMs));
  for (const o of list) if (o.phases.tlsMs !== undefined) w.int(toUnits(o.phases.tlsMs));
  for (const o of list) w.int(toUnits(o.phases.totalMs));
  // First byte comes just before the end: stored as the (small) gap to the total.
  for (const o of list) if (o.phases.firstByteMs !== undefined) w.int(toUnits(o.phases.totalMs) - toUnits(o.phases.firstByteMs));
  for (const o of list) if (o.error) w.uint(ERROR_KINDS.indexOf(o.error.kind));
  list.forEach((o, i) => o.error && w.uint(message[i]!));
  return w.deflated();
}

function flags(o: Observation): number {
  const p = o.phases;
  return (
    (o.ok ? F_OK : 0) |
    (o.degraded ? F_DEGRADED : 0) |
    (o.statusCode !== undefined ? F_STATUS : 0) |
    (p.dnsMs !== undefined ? F_DNS : 0) |
    (p.connectMs !== undefined ? F_CONNECT : 0) |
    (p.tlsMs !== undefined ? F_TLS : 0) |
    (p.firstByteMs !== undefined ? F_FIRST_BYTE : 0) |
    (o.error ? F_ERROR : 0)
  );
}

/** The observations of one blob, in the order they were encoded; throws BlobError when malformed. */
export function decodeObservations(blob: Uint8Array, monitorId: string): Observation[] {
  const r = new ByteReader(blob);
  const format = r.uint();
  if (format !== FORMAT) throw new BlobError(`unknown format ${format}`);
  const n = r.count();
  const strings = Array.from({ length: r.count() }, () => r.string());
  const str = (i: number) => {
    const s = strings[i];
    if (s === undefined) throw new BlobError(`string ${i} out of ${strings.length}`);
    return s;
  };
  const at: number[] = [];
  let delta = 0;
  for (let i = 0; i < n; i++) {
    if (i === 0) at.push(r.uint());
    else {
      delta += r.int();
      at.push(at[i - 1]! + delta);
    }
  }
  const f = Array.from({ length: n }, () => r.uint());
  const region = Array.from({ length: n }, () => str(r.uint()));
  const out: Observation[] = [];
  for (let i = 0; i < n; i++) {
    if (f[i]! > 255) throw new BlobError(`flags ${f[i]} out of range`);
    out.push({ monitorId, region: region[i]!, at: at[i]!, ok: (f[i]! & F_OK) !== 0, degraded: (f[i]! & F_DEGRADED) !== 0, phases: { totalMs: 0 } });
  }
  // Columns in the order encodeObservations wrote them, each over the observations its flag marks.
  const each = (flag: number, fn: (o: Observation, i: number) => void) => out.forEach((o, i) => (f[i]! & flag) !== 0 && fn(o, i));
  each(F_STATUS, (o) => (o.statusCode = r.uint()));
  each(F_DNS, (o) => (o.phases.dnsMs = fromUnits(r.int())));
  each(F_CONNECT, (o) => (o.phases.connectMs = fromUnits(r.int())));
  each(F_TLS, (o) => (o.phases.tlsMs = fromUnits(r.int())));
  const totals = out.map((o) => {
    const u = r.int();
    o.phases.totalMs = fromUnits(u);
    return u;
  });
  each(F_FIRST_BYTE, (o, i) => (o.phases.firstByteMs = fromUnits(totals[i]! - r.int())));
  const kinds = new Map<number, ErrorKind>();
  each(F_ERROR, (_o, i) => {
    const k = ERROR_KINDS[r.uint()];
    if (k === undefined) throw new BlobError('unknown error kind');
    kinds.set(i, k);
  });
  each(F_ERROR, (o, i) => (o.error = { kind: kinds.get(i)!, message: str(r.uint()) }));
  r.end();
  return out;
}

function chunkObservations(row: Selectable<ObservationChunkTable>): Observation[] {
  try {
    const list = decodeObservations(row.data, row.monitor_id);
    if (list.length !== row.count) throw new BlobError(`holds ${list.length} observations, the row says ${row.count}`);
    return list;
  } catch (err) {
    if (err instanceof BlobError) throw new CorruptRowError('observation_chunks', `${row.monitor_id}@${row.hour}#${row.first_id}`, `data ${err.message}`);
    throw err;
  }
}

export interface CompactRun {
  /** Rows moved into chunks. */
  observations: number;
  chunks: number;
  /** True when it stopped at maxBatches with more to do. */
  more: boolean;
}

export interface CompactOptions {
  now: number;
  /** An hour is compacted this long after it ended, so late checks still find their rows. Default 5 min. */
  graceMs?: number;
  /** Rows per transaction (default 10,000: each batch is a short synchronous stretch on SQLite). */
  batch?: number;
  maxBatches?: number;
}

/** Moves counted rows of finished hours into chunks, in bounded transactions. */
export async function compactObservations(db: Kysely<Database>, opts: CompactOptions): Promise<CompactRun> {
  const batch = opts.batch ?? 10_000;
  const maxBatches = opts.maxBatches ?? 200;
  const before = hourOf(opts.now - (opts.graceMs ?? 5 * 60_000));
  const doneId = (await rollupProgress(db))?.doneId ?? 0;
  const run: CompactRun = { observations: 0, chunks: 0, more: false };
  for (let i = 0; i < maxBatches; i++) {
    const step = await db.transaction().execute((trx) => compactBatch(trx, before, doneId, batch));
    run.observations += step.observations;
    run.chunks += step.chunks;
    if (step.observations === 0) return run;
    await new Promise((res) => setImmediate(res));
  }
  run.more = true;
  return run;
}

async function compactBatch(trx: Transaction<Database>, before: number, doneId: number, batch: number): Promise<{ observations: number; chunks: number }> {
  const rows = await trx
    .selectFrom('observations')
    .selectAll()
    .where('at', '<', before)
    .where('id', '<=', doneId)
    .orderBy('monitor_id')
    .orderBy('at')
    .orderBy('id')
    .limit(batch)
    .execute();
  const groups: Selectable<ObservationTable>[][] = [];
  for (const row of rows) {
    const last = groups.at(-1)?.[0];
    if (last && last.monitor_id === row.monitor_id && hourOf(last.at) === hourOf(row.at)) groups.at(-1)!.push(row);
    else groups.push([row]);
  }
  // A full batch may have cut the last monitor-hour short: leave it whole for the next batch.
  if (rows.length === batch && groups.length > 1) groups.pop();
  const chunks = groups.map((g) => ({
    monitor_id: g[0]!.monitor_id,
    hour: hourOf(g[0]!.at),
    first_id: g.reduce((m, r) => Math.min(m, r.id), Infinity),
    count: g.length,
    first_at: g[0]!.at,
    last_at: g.at(-1)!.at,
    data: encodeObservations(g.map(toObservation)),
  }));
  for (let i = 0; i < chunks.length; i += 500) await trx.insertInto('observation_chunks').values(chunks.slice(i, i + 500)).execute();
  await addRollups(trx, minuteRollups(groups.flat().map(checked)), ['minute', 'hour']);
  const ids = groups.flat().map((r) => r.id);
  for (let i = 0; i < ids.length; i += 5000) await trx.deleteFrom('observations').where('id', 'in', ids.slice(i, i + 5000)).execute();
  return { observations: ids.length, chunks: chunks.length };
}

const hourOf = (at: number) => at - (((at % CHUNK_MS) + CHUNK_MS) % CHUNK_MS);

/**
 * One monitor's compacted observations, an hour at a time, newest hour first; each hour newest
 * first. Two short index reads per hour: callers stop as soon as they have enough.
 */
export async function* chunkHoursNewestFirst(db: Kysely<Database>, monitorId: string): AsyncGenerator<{ hour: number; observations: Observation[] }> {
  let cursor = Number.MAX_SAFE_INTEGER;
  for (;;) {
    const top = await db
      .selectFrom('observation_chunks')
      .select((eb) => eb.fn.max('hour').as('hour'))
      .where('monitor_id', '=', monitorId)
      .where('hour', '<', cursor)
      .executeTakeFirst();
    if (top?.hour === null || top?.hour === undefined) return;
    const hour = Number(top.hour);
    const rows = await db.selectFrom('observation_chunks').selectAll().where('monitor_id', '=', monitorId).where('hour', '=', hour).orderBy('first_id').execute();
    // Reversed first so that, sorted stably, equal times keep the newest write first (as rows do).
    const observations = rows.flatMap(chunkObservations).reverse().sort((a, b) => b.at - a.at);
    yield { hour, observations };
    cursor = hour;
  }
}
