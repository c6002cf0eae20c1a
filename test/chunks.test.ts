// Compact storage: raw observations of past hours as chunks, minute/hour rollups as blocks, the
// blobs' codecs, and the migration that converts the old one-row-per-bucket rollups.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import type { Entities, MonitorEntity } from '../src/config/schema.js';
import type { Observation } from '../src/core/observation.js';
import { BlobError, ByteWriter } from '../src/store/bytes.js';
import { CHUNK_MS, compactObservations, decodeObservations, encodeObservations } from '../src/store/chunks.js';
import { openDatabase } from '../src/store/db.js';
import { migrateToLatest, migrator } from '../src/store/migrations.js';
import { applyRetention, DEFAULT_RETENTION } from '../src/store/retention.js';
import { decodeBlock, encodeBlock } from '../src/store/rollup-blocks.js';
import { rollupSeries, runRollups, type Rollup } from '../src/store/rollups.js';
import { CorruptRowError } from '../src/store/rows.js';
import type { Store } from '../src/store/store.js';
import { forEachEngine } from './helpers/engines.js';

const H0 = Date.UTC(2025, 2, 3, 10); // an hour start
const HOUR = CHUNK_MS;

function monitor(name: string): MonitorEntity {
  return {
    id: `acme/api/${name}`,
    componentId: 'acme/api',
    kind: 'http',
    region: 'eu',
    intervalMs: 30_000,
    timeoutMs: 10_000,
    degradedAfterMs: null,
    target: { url: `http://127.0.0.1:1/${name}`, method: 'GET', headers: {}, expectedStatus: [200] },
  };
}

const entities = (): Entities => ({
  services: [{ id: 'acme', name: 'Acme', description: null, url: null, position: 0 }],
  components: [{ id: 'acme/api', serviceId: 'acme', name: 'API', description: null, groupName: null, dependsOn: [], position: 0 }],
  monitors: [monitor('a'), monitor('b')],
});

/** Every shape an observation takes: all phases, some, none; errors; several regions. */
function sample(monitorId: string, at: number, i: number): Observation {
  const region = i % 7 === 0 ? 'us' : 'eu';
  if (i % 5 === 3) return { monitorId, region, at, ok: false, degraded: false, phases: { dnsMs: 0.5, totalMs: 10_000 }, error: { kind: 'timeout', message: `no answer within 10s (${i % 2})` } };
  if (i % 5 === 4) return { monitorId, region, at, ok: false, degraded: false, statusCode: 503, phases: { connectMs: 1.25, firstByteMs: 40.5, totalMs: 41 }, error: { kind: 'http_status', message: 'expected 200, got 503' } };
  return { monitorId, region, at, ok: true, degraded: i % 3 === 0, statusCode: 200, phases: { dnsMs: 1.01, connectMs: 2.34, tlsMs: 5.67, firstByteMs: 100 + i, totalMs: 120.5 + i } };
}

describe('observation chunk codec', () => {
  it('round-trips every field, irregular times included', () => {
    const list = Array.from({ length: 200 }, (_, i) => sample('m', H0 + i * 30_000 + (i % 4 === 0 ? 17 : -3) * i, i));
    const blob = encodeObservations(list);
    assert.deepEqual(decodeObservations(blob, 'm'), list);
    assert.ok(blob.length < list.length * 8, `${blob.length} bytes for ${list.length} observations`);
    assert.deepEqual(decodeObservations(encodeObservations([]), 'm'), []);
  });

  it('keeps phases to 10 µs', () => {
    const [o] = decodeObservations(encodeObservations([{ monitorId: 'm', region: 'r', at: H0, ok: true, degraded: false, phases: { connectMs: 0.123456, totalMs: 99.999 } }]), 'm');
    assert.deepEqual(o!.phases, { connectMs: 0.12, totalMs: 100 });
  });

  it('refuses a malformed blob with BlobError', () => {
    assert.throws(() => decodeObservations(Buffer.from('not deflate at all'), 'm'), BlobError);
    const truncated = new ByteWriter();
    truncated.uint(1);
    truncated.uint(5); // five observations announced, none written
    truncated.uint(0);
    assert.throws(() => decodeObservations(truncated.deflated(), 'm'), BlobError);
    const future = new ByteWriter();
    future.uint(99);
    assert.throws(() => decodeObservations(future.deflated(), 'm'), /unknown format 99/);
  });
});

describe('rollup block codec', () => {
  const r = (bucket: number, count: number, min: number | null): Rollup => ({
    monitorId: 'm',
    bucket,
    count,
    okCount: min === null ? 0 : count,
    degradedCount: 1,
    latencySumMs: min === null ? 0 : 123.45 * count,
    latencyMinMs: min,
    latencyMaxMs: min === null ? null : min + 10.5,
    histogram: Array.from({ length: 12 }, (_, i) => (i === 3 && min !== null ? count : 0)),
  });
  it('round-trips sparse buckets, nulls included, sorted', () => {
    const list = [r(H0 + 59 * 60_000, 2, 0), r(H0, 2, 12.5), r(H0 + 60_000, 3, null)];
    const back = decodeBlock(encodeBlock(H0, 'minute', list), 'm', H0, 'minute');
    assert.deepEqual(back, [list[1], list[2], list[0]]);
  });
  it('refuses a bucket outside its block', () => {
    assert.throws(() => encodeBlock(H0, 'minute', [r(H0 + HOUR, 1, 1)]), RangeError);
    assert.throws(() => encodeBlock(H0, 'hour', [r(H0 + 30_000, 1, 1)]), RangeError);
  });
});

async function setup(open: () => Promise<Store>): Promise<Store> {
  const store = await open();
  await store.syncEntities(entities(), H0 - HOUR);
  return store;
}

/** Three hours of checks every 30 s for both monitors, in write order. */
function threeHours(): Observation[] {
  const out: Observation[] = [];
  for (let i = 0; i < 360; i++) for (const m of ['acme/api/a', 'acme/api/b']) out.push(sample(m, H0 + i * 30_000, i));
  return out;
}

forEachEngine('compaction: finished, rolled-up hours become chunks; reads are unchanged', async (env) => {
  const store = await setup(env.open);
  const all = threeHours();
  await store.recordObservations(all);
  const before = await store.recentObservations('acme/api/a', 1000);
  assert.equal(before.length, 360);

  const now = H0 + 2 * HOUR + 10 * 60_000; // hours 0 and 1 are over (and past the grace); hour 2 is not
  assert.equal((await compactObservations(store.db, { now })).observations, 0, 'nothing is compacted before the rollup job counted it');
  await runRollups(store.db, store.engine, { upTo: 'all', now });
  const run = await compactObservations(store.db, { now, batch: 100 }); // small batches: monitor-hours cut by the limit
  assert.deepEqual([run.observations, run.more], [2 * 2 * 120, false]);
  const chunks = await store.db.selectFrom('observation_chunks').select(['monitor_id', 'hour', 'count']).orderBy('monitor_id').orderBy('hour').orderBy('first_id').execute();
  assert.ok(chunks.every((c) => c.hour === H0 || c.hour === H0 + HOUR));
  assert.equal(chunks.reduce((n, c) => n + c.count, 0), 480);
  const rows = await store.db.selectFrom('observations').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  assert.equal(Number(rows.n), 2 * 120, 'hour 2 stays as rows');

  // Same answers from rows + chunks as from rows alone, at every limit that crosses an hour.
  const after = await store.recentObservations('acme/api/a', 1000);
  assert.deepEqual(after, before.map(toTenMicros));
  for (const limit of [1, 120, 121, 240, 241])
    assert.deepEqual(await store.recentObservations('acme/api/a', limit), before.slice(0, limit).map(toTenMicros));

  // A late check for a compacted hour: a second chunk for that hour once rolled up, and in place when read.
  const late = sample('acme/api/a', H0 + 45 * 60_000 + 5, 1);
  await store.recordObservations([late]);
  await runRollups(store.db, store.engine, { upTo: 'all', now });
  assert.equal((await compactObservations(store.db, { now })).chunks, 1);
  const withLate = await store.recentObservations('acme/api/a', 1000);
  assert.equal(withLate.length, 361);
  const i = withLate.findIndex((o) => o.at === late.at);
  assert.ok(withLate[i - 1]!.at > late.at && withLate[i + 1]!.at < late.at, 'in time order');
  const minutes = await rollupSeries(store.db, 'acme/api/a', 'minute', H0 + 45 * 60_000, H0 + 46 * 60_000);
  assert.equal(minutes[0]!.count, 3, 'the late check was rolled up into its minute');

  // Retention deletes chunks by whole hours: at 7 days + 1 h 30 min after H0, hour 0 goes, hour 1 stays.
  const hour0 = (await store.db.selectFrom('observation_chunks').select('first_id').where('hour', '=', H0).execute()).length;
  assert.ok(hour0 >= 3, 'hour 0: two monitors, a split by the batch limit, and the late chunk');
  const ret = await applyRetention(store.db, DEFAULT_RETENTION, { now: H0 + 7 * 86_400_000 + 90 * 60_000, rollups: false });
  assert.equal(ret.chunks, hour0);
  const left = await store.db.selectFrom('observation_chunks').select('hour').distinct().execute();
  assert.deepEqual(left.map((c) => c.hour), [H0 + HOUR]);
});

forEachEngine('a corrupt chunk is an error naming its row', async (env) => {
  const store = await setup(env.open);
  await store.db
    .insertInto('observation_chunks')
    .values({ monitor_id: 'acme/api/a', hour: H0, first_id: 1, count: 1, first_at: H0, last_at: H0, data: Buffer.from([1, 2, 3]) })
    .execute();
  await assert.rejects(store.recentObservations('acme/api/a', 5), (err: Error) => err instanceof CorruptRowError && /observation_chunks.*acme\/api\/a/.test(err.message));
  // A chunk whose row count disagrees with its data is corrupt too.
  await store.db.updateTable('observation_chunks').set({ data: encodeObservations([sample('acme/api/a', H0, 0), sample('acme/api/a', H0 + 1, 1)]) }).execute();
  await assert.rejects(store.recentObservations('acme/api/a', 5), /holds 2 observations, the row says 1/);
});

forEachEngine('migration 0008 converts minute and hour rollup rows into blocks', async (env) => {
  // A database as the previous release left it: the real migrations up to 0007, with rollup rows.
  const { engine, db } = openDatabase(env.options);
  try {
    const old = await migrator(db, engine).migrateTo('0007_notify');
    assert.equal(old.error, undefined);
    const row = (monitor_id: string, bucket: number, count: number) => ({ monitor_id, bucket, count, ok_count: count, degraded_count: 0, latency_sum_ms: 10 * count, latency_min_ms: 10, latency_max_ms: 10, h0: count });
    const untyped = db as unknown as Kysely<any>; // the old tables are not in today's schema
    await untyped.insertInto('rollups_minute').values([row('x/y/a', H0, 2), row('x/y/a', H0 + 60_000, 1), row('x/y/a', H0 + HOUR, 2), row('x/y/b', H0, 2)]).execute();
    await untyped.insertInto('rollups_hour').values([row('x/y/a', H0, 3), row('x/y/a', H0 - 86_400_000, 4)]).execute();

    const { error, results } = await migrator(db, engine).migrateToLatest();
    assert.equal(error, undefined);
    assert.equal(results?.[0]?.migrationName, '0008_compact_storage');
    const blocks = await db.selectFrom('rollup_blocks').select(['monitor_id', 'resolution', 'start']).orderBy('resolution').orderBy('monitor_id').orderBy('start').execute();
    const dayOf = (t: number) => t - (t % 86_400_000);
    assert.deepEqual(blocks, [
      { monitor_id: 'x/y/a', resolution: 'hour', start: dayOf(H0) - 86_400_000 },
      { monitor_id: 'x/y/a', resolution: 'hour', start: dayOf(H0) },
      { monitor_id: 'x/y/a', resolution: 'minute', start: H0 },
      { monitor_id: 'x/y/a', resolution: 'minute', start: H0 + HOUR },
      { monitor_id: 'x/y/b', resolution: 'minute', start: H0 },
    ]);
    const minutes = await rollupSeries(db, 'x/y/a', 'minute', H0, H0 + 2 * HOUR);
    assert.deepEqual(minutes.map((m) => [m.bucket, m.count, m.latencySumMs, m.histogram[0]]), [[H0, 2, 20, 2], [H0 + 60_000, 1, 10, 1], [H0 + HOUR, 2, 20, 2]]);
    const tables = (await db.introspection.getTables()).map((t) => t.name);
    assert.ok(!tables.includes('rollups_minute') && !tables.includes('rollups_hour'), 'old tables dropped');
  } finally {
    await db.destroy();
  }
  // The store opens on it and has nothing left to migrate.
  assert.deepEqual(await migrateToLatest((await env.open()).db, engine), []);
});

function toTenMicros(o: Observation): Observation {
  const phases = Object.fromEntries(Object.entries(o.phases).map(([k, v]) => [k, Math.round(v * 100) / 100])) as unknown as Observation['phases'];
  return { ...o, phases };
}
