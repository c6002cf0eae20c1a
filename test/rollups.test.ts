// Rollups, retention and the 90-day bars, on both engines.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Entities, MonitorEntity } from '../src/config/schema.js';
import type { Observation } from '../src/core/observation.js';
import { ManualClock } from '../src/core/time.js';
import { compactObservations } from '../src/store/chunks.js';
import { applyRetention, DEFAULT_RETENTION } from '../src/store/retention.js';
import { DAY_MS, dayBars, latencyQuantile, mergeInto, rollupProgress, rollupSeries, runRollups, uptimeBars, type Rollup } from '../src/store/rollups.js';
import { StorageJob } from '../src/store/storage-job.js';
import type { Store } from '../src/store/store.js';
import { forEachEngine } from './helpers/engines.js';

const DAY0 = Date.UTC(2025, 0, 10); // a UTC midnight

function monitor(componentId: string, name: string): MonitorEntity {
  return {
    id: `${componentId}/${name}`,
    componentId,
    kind: 'http',
    region: 'local',
    intervalMs: 30_000,
    timeoutMs: 10_000,
    degradedAfterMs: null,
    target: { url: `http://127.0.0.1:1/${name}`, method: 'GET', headers: {}, expectedStatus: [200] },
  };
}

function entities(): Entities {
  return {
    services: [{ id: 'acme', name: 'Acme', description: null, url: null, position: 0 }],
    components: [
      { id: 'acme/api', serviceId: 'acme', name: 'API', description: null, groupName: null, dependsOn: [], position: 0 },
      { id: 'acme/web', serviceId: 'acme', name: 'Web', description: null, groupName: null, dependsOn: [], position: 1 },
    ],
    monitors: [monitor('acme/api', 'us'), monitor('acme/api', 'eu'), monitor('acme/web', 'home')],
  };
}

function obs(monitorId: string, at: number, ok: boolean, totalMs: number, degraded = false): Observation {
  return ok
    ? { monitorId, region: 'local', at, ok, degraded, phases: { totalMs }, statusCode: 200 }
    : { monitorId, region: 'local', at, ok, degraded: false, phases: { totalMs }, error: { kind: 'timeout', message: 'timed out' } };
}

/** Day 0: api/us 4 checks (1 failed, 1 degraded); day 1: api/us 2 ok, api/eu 2 (1 failed); web/home nothing. */
function fixture(): Observation[] {
  return [
    obs('acme/api/us', DAY0 + 1_000, true, 20),
    obs('acme/api/us', DAY0 + 31_000, true, 80, true),
    obs('acme/api/us', DAY0 + 61_000, false, 10_000),
    obs('acme/api/us', DAY0 + 3_600_000 + 5_000, true, 400),
    obs('acme/api/us', DAY0 + DAY_MS + 1_000, true, 30),
    obs('acme/api/us', DAY0 + DAY_MS + 31_000, true, 40),
    obs('acme/api/eu', DAY0 + DAY_MS + 2_000, true, 60),
    obs('acme/api/eu', DAY0 + DAY_MS + 32_000, false, 5),
  ];
}

async function setup(open: () => Promise<Store>): Promise<Store> {
  const store = await open();
  await store.syncEntities(entities(), DAY0);
  return store;
}

async function rollAll(store: Store) {
  return runRollups(store.db, store.engine, { upTo: 'all', now: DAY0 + 2 * DAY_MS });
}

forEachEngine('rollups: per minute, hour and day, with counts, latency and histogram', async (env) => {
  const store = await setup(env.open);
  await store.recordObservations(fixture());
  const run = await rollAll(store);
  assert.equal(run.observations, 8);

  const minutes = await rollupSeries(store.db, 'acme/api/us', 'minute', DAY0, DAY0 + 2 * DAY_MS);
  assert.deepEqual(minutes.map((m) => [m.bucket - DAY0, m.count, m.okCount, m.degradedCount]), [
    [0, 2, 2, 1],
    [60_000, 1, 0, 0],
    [3_600_000, 1, 1, 0],
    [DAY_MS, 2, 2, 0],
  ]);
  const hours = await rollupSeries(store.db, 'acme/api/us', 'hour', DAY0, DAY0 + 2 * DAY_MS);
  assert.deepEqual(hours.map((h) => [h.bucket - DAY0, h.count, h.okCount]), [
    [0, 3, 2],
    [3_600_000, 1, 1],
    [DAY_MS, 2, 2],
  ]);
  const [day0] = await rollupSeries(store.db, 'acme/api/us', 'day', DAY0, DAY0 + DAY_MS);
  assert.ok(day0);
  assert.equal(day0.count, 4);
  assert.equal(day0.okCount, 3);
  assert.equal(day0.degradedCount, 1);
  // Latency of successful checks only: the 10 s timeout is not in it.
  assert.equal(day0.latencySumMs, 500);
  assert.equal(day0.latencyMinMs, 20);
  assert.equal(day0.latencyMaxMs, 400);
  assert.deepEqual(day0.histogram, [1, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
  const eu = await rollupSeries(store.db, 'acme/api/eu', 'day', DAY0, DAY0 + 2 * DAY_MS);
  assert.equal(eu.length, 1);
  assert.equal(eu[0]!.latencyMinMs, 60);
  assert.equal(eu[0]!.latencyMaxMs, 60);
});

forEachEngine('rollups: idempotent, late rows counted once, resumable batch by batch', async (env) => {
  const store = await setup(env.open);
  const all = fixture();
  await store.recordObservations(all.slice(0, 5));
  // Small batches, stopped after one: a run cut short (as by a crash) leaves a watermark to resume from.
  const first = await runRollups(store.db, store.engine, { upTo: 'all', batchIds: 2, maxBatches: 1, now: DAY0 });
  assert.equal(first.observations, 2);
  assert.equal((await rollupProgress(store.db))?.doneId, first.doneId);
  await runRollups(store.db, store.engine, { upTo: 'all', batchIds: 2, now: DAY0 });
  await rollAll(store); // nothing new: changes nothing
  // A late row for day 0 (written after day 1's rows) is counted once, into its own day.
  await store.recordObservations([...all.slice(5), obs('acme/api/us', DAY0 + 120_000, true, 10)]);
  assert.equal((await rollAll(store)).observations, 4);
  assert.equal((await rollAll(store)).observations, 0);
  const days = await rollupSeries(store.db, 'acme/api/us', 'day', DAY0, DAY0 + 2 * DAY_MS);
  assert.deepEqual(days.map((d) => [d.count, d.okCount]), [[5, 4], [2, 2]]);
  const eu = await rollupSeries(store.db, 'acme/api/eu', 'day', DAY0, DAY0 + 2 * DAY_MS);
  assert.deepEqual(eu.map((d) => [d.count, d.okCount]), [[2, 1]]);
});

forEachEngine('rollups: by default PostgreSQL waits one run before counting new ids; SQLite counts them at once', async (env) => {
  const store = await setup(env.open);
  await store.recordObservations(fixture());
  const first = await runRollups(store.db, store.engine, { now: DAY0 });
  assert.equal(first.observations, store.engine === 'postgres' ? 0 : 8);
  const second = await runRollups(store.db, store.engine, { now: DAY0 + 60_000 });
  assert.equal(first.observations + second.observations, 8);
});

forEachEngine('uptimeBars: 90 per-day bars per monitor or component, from the day rollups', async (env) => {
  const store = await setup(env.open);
  await store.recordObservations(fixture());
  await rollAll(store);
  const now = DAY0 + DAY_MS + 3_600_000;
  const bars = await uptimeBars(store.db, { monitorIds: ['acme/api/us', 'acme/web/home', 'nope'] }, { now });
  const us = dayBars(bars.get('acme/api/us')!);
  assert.equal(us.length, 90);
  assert.equal(us[89]!.day, DAY0 + DAY_MS);
  assert.equal(us[88]!.day, DAY0);
  assert.deepEqual([us[88]!.count, us[88]!.okCount, us[88]!.degradedCount, us[88]!.uptime], [4, 3, 1, 0.75]);
  assert.equal(us[89]!.uptime, 1);
  assert.equal(us[0]!.uptime, null);
  assert.ok(dayBars(bars.get('acme/web/home')!).every((b) => b.uptime === null && b.count === 0));
  assert.equal(bars.get('nope')!.count.length, 90);

  const comps = await uptimeBars(store.db, { componentIds: ['acme/api', 'acme/web'] }, { now, days: 3 });
  const api = dayBars(comps.get('acme/api')!);
  assert.deepEqual(api.map((b) => [b.day - DAY0, b.count, b.okCount]), [
    [-DAY_MS, 0, 0],
    [0, 4, 3],
    [DAY_MS, 4, 3],
  ]);
  assert.deepEqual(dayBars(comps.get('acme/web')!).map((b) => b.uptime), [null, null, null]);
});

forEachEngine('retention: raw history goes by compacted hours once rolled up; rollups past their time go too', async (env) => {
  const store = await setup(env.open);
  await store.recordObservations(fixture());
  const now = DAY0 + 2 * DAY_MS;
  // Nothing is rolled up yet: nothing is compacted, so nothing can be deleted.
  assert.equal((await compactObservations(store.db, { now })).observations, 0);
  await rollAll(store);
  assert.equal((await compactObservations(store.db, { now })).observations, 8);
  // The minute and hour rollups came with the compaction, the same as summed from the rows before.
  assert.deepEqual((await rollupSeries(store.db, 'acme/api/us', 'minute', DAY0, now)).map((m) => m.count), [2, 1, 1, 2]);
  assert.deepEqual((await rollupSeries(store.db, 'acme/api/us', 'hour', DAY0, now)).map((h) => h.count), [3, 1, 2]);

  // Raw kept 1 day (by whole hours), minute rollups 1 day: day 0 goes from both; hour and day rollups stay.
  const run = await applyRetention(store.db, { ...DEFAULT_RETENTION, rawMs: DAY_MS, minuteMs: DAY_MS }, { now });
  assert.equal(run.chunks, 2, 'the two hours of day 0 that had checks');
  assert.equal(run.rollups.minute, 2);
  assert.equal(run.rollups.hour, 0);
  assert.equal((await store.recentObservations('acme/api/us', 10)).length, 2);
  assert.equal((await store.recentObservations('acme/api/eu', 10)).length, 2);
  assert.equal((await rollupSeries(store.db, 'acme/api/us', 'minute', 0, now + DAY_MS)).length, 1);
  assert.equal((await rollupSeries(store.db, 'acme/api/us', 'hour', 0, now + DAY_MS)).length, 3);
  // The bars still show the deleted raw day.
  const bars = await uptimeBars(store.db, { monitorIds: ['acme/api/us'] }, { now, days: 3 });
  assert.deepEqual([...bars.get('acme/api/us')!.count], [4, 2, 0]);
});

forEachEngine('storage job: runs on the clock, rolls up and applies retention', async (env) => {
  const store = await setup(env.open);
  // Raw history goes by whole hours: an hour after the eighth day began, day 1 is all past 7 days.
  const clock = new ManualClock(DAY0 + 8 * DAY_MS + 3_600_000);
  await store.recordObservations(fixture());
  const runs: number[] = [];
  const compacted: number[] = [];
  const job = new StorageJob({
    store,
    clock,
    policy: { ...DEFAULT_RETENTION, minuteMs: DAY_MS },
    onRun: (r) => {
      runs.push(r.rollup.observations);
      compacted.push(r.compaction.observations);
    },
  });
  job.start();
  try {
    for (let i = 0; i < 3; i++) {
      clock.advance(60_000);
      await job.runOnce(); // joins the run the timer started
    }
    assert.equal(runs.reduce((a, b) => a + b, 0), 8);
    assert.equal(compacted.reduce((a, b) => a + b, 0), 8, 'every row was compacted into chunks before retention deleted them');
    // Eight days later, all raw rows are past 7 days and rolled up: gone; the bars remain.
    assert.equal((await store.recentObservations('acme/api/us', 10)).length, 0);
    const bars = await uptimeBars(store.db, { monitorIds: ['acme/api/us'] }, { now: clock.now() });
    assert.equal(bars.get('acme/api/us')!.count.reduce((n, c) => n + c, 0), 6);
  } finally {
    await job.stop();
  }
});

describe('rollup arithmetic', () => {
  it('merges minutes into hours and reads quantiles from the histogram', () => {
    const h = (i: number, n: number) => Array.from({ length: 12 }, (_, j) => (j === i ? n : 0));
    const a: Rollup = { monitorId: 'm', bucket: 60_000, count: 10, okCount: 10, degradedCount: 0, latencySumMs: 300, latencyMinMs: 20, latencyMaxMs: 40, histogram: h(1, 10) };
    const b: Rollup = { monitorId: 'm', bucket: 120_000, count: 10, okCount: 9, degradedCount: 2, latencySumMs: 900, latencyMinMs: 60, latencyMaxMs: 180, histogram: h(3, 9) };
    const [hour] = mergeInto([a, b], 3_600_000);
    assert.ok(hour);
    assert.deepEqual([hour.bucket, hour.count, hour.okCount, hour.degradedCount, hour.latencyMinMs, hour.latencyMaxMs], [0, 20, 19, 2, 20, 180]);
    assert.equal(a.count, 10, 'inputs untouched');
    const p50 = latencyQuantile(hour, 0.5)!;
    assert.ok(p50 > 20 && p50 <= 50, `p50 ${p50}`);
    const p95 = latencyQuantile(hour, 0.95)!;
    assert.ok(p95 > 100 && p95 <= 180, `p95 ${p95}`);
    assert.equal(latencyQuantile({ histogram: h(0, 0), latencyMinMs: null, latencyMaxMs: null }, 0.95), null);
  });
});
