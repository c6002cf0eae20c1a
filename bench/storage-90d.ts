// Bench: 1,000 monitors checked every 30 s for 90 days, stored through the store's own code in
// simulated time, on SQLite and on PostgreSQL: disk size at the end, and the time to read the
// 90-day uptime bars of all 1,000 monitors.
//
// How the 90 days are written (259 M checks are too many to insert raw in a bench run):
//  - the last `raw + 1` days are written raw, as production writes them: Store.recordObservations
//    in batches of five simulated minutes, and the storage job (StorageJob.runOnce on a manual
//    clock) after each batch: rollups, compaction of finished hours into chunks, retention, so raw
//    history past the retention time is deleted and its day and hour rollups stay;
//  - the days before that exist only as rollups: for each simulated hour, the same per-minute sums
//    the rollup job would have computed from raw rows are made in JS from the same check generator
//    and added with the rollup job's own addRollups, into the hour blocks and day rows. Their minute
//    rollups are not written: retention (2 days) would have deleted them long before the end.
// So the final database holds what production would hold on day 90, reached by a shorter path.
//
//   node dist/bench/storage-90d.js [--quick] [--engine sqlite|postgres|both] [--monitors N] [--days D] [--raw-days R]
//   PostgreSQL: a temp database created and dropped on VIGIE_BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres)
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import type { Entities } from '../src/config/schema.js';
import type { Observation } from '../src/core/observation.js';
import type { Engine } from '../src/store/db.js';
import { openStore, type Store } from '../src/store/index.js';
import { databaseSize, DEFAULT_RETENTION } from '../src/store/retention.js';
import { StorageJob } from '../src/store/storage-job.js';
import { ManualClock } from '../src/core/time.js';
import { seededRandom as rng } from '../src/core/random.js';
import { addRollups, LATENCY_BOUNDS_MS, uptimeBars, type Rollup } from '../src/store/rollups.js';
import { arg, flag, runMain } from './lib/proc.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const INTERVAL = 30_000;

/** Deterministic checks: ~0.3 % failures, one bad hour a week per monitor, latency ~ 20-400 ms. */

function check(monitorIndex: number, at: number, r: () => number): { ok: boolean; degraded: boolean; totalMs: number } {
  const badHour = Math.floor(at / HOUR) % 168 === monitorIndex % 168;
  const ok = r() > (badHour ? 0.5 : 0.003);
  const totalMs = ok ? 15 + r() * r() * 400 : 10_000;
  return { ok, degraded: ok && totalMs > 350, totalMs };
}

function entities(n: number): Entities {
  const e: Entities = { services: [{ id: 'bench', name: 'Bench', description: null, url: null, position: 0 }], components: [], monitors: [] };
  for (let c = 0; c < Math.ceil(n / 10); c++) e.components.push({ id: `bench/c${c}`, serviceId: 'bench', name: `C${c}`, description: null, groupName: null, dependsOn: [], position: c });
  for (let i = 0; i < n; i++)
    e.monitors.push({
      id: `bench/c${Math.floor(i / 10)}/m${i % 10}`,
      componentId: `bench/c${Math.floor(i / 10)}`,
      kind: 'http',
      region: 'local',
      intervalMs: INTERVAL,
      timeoutMs: 10_000,
      degradedAfterMs: 350,
      target: { url: `http://127.0.0.1:1/${i}`, method: 'GET', headers: {}, expectedStatus: [200] },
    } as Entities['monitors'][number]);
  return e;
}

function bucketOf(ms: number): number {
  const i = LATENCY_BOUNDS_MS.findIndex((b) => ms <= b);
  return i < 0 ? LATENCY_BOUNDS_MS.length : i;
}

async function openEngine(engine: Engine): Promise<{ store: Store; size: () => Promise<number>; drop: () => Promise<void> }> {
  if (engine === 'sqlite') {
    const dir = await mkdtemp(join(tmpdir(), 'vigie-bench-storage-'));
    const path = join(dir, 'vigie.db');
    const store = await openStore({ path });
    return {
      store,
      size: async () => {
        await sql`pragma wal_checkpoint(TRUNCATE)`.execute(store.db);
        const wal = await stat(`${path}-wal`).then((s) => s.size, () => 0);
        return (await stat(path)).size + wal;
      },
      drop: async () => {
        await store.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
  const adminUrl = process.env.VIGIE_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `vigie_bench_${process.pid}_${Date.now()}`;
  const admin = async (q: string) => {
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    try {
      await c.query(q);
    } finally {
      await c.end();
    }
  };
  await admin(`CREATE DATABASE "${name}"`);
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  const store = await openStore({ url: u.toString() });
  return {
    store,
    size: async () => {
      await sql`checkpoint`.execute(store.db).catch(() => {});
      return databaseSize(store.db, 'postgres');
    },
    drop: async () => {
      await store.close();
      await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}

/** MB per table (indexes and TOAST included), largest first. */
async function tableSizes(store: Store): Promise<Record<string, number>> {
  const q =
    store.engine === 'sqlite'
      ? sql<{ name: string; bytes: number }>`select coalesce(m.tbl_name, d.name) as name, sum(d.pgsize) as bytes from dbstat d left join sqlite_master m on m.name = d.name group by 1`
      : sql<{ name: string; bytes: number }>`select c.relname as name, pg_total_relation_size(c.oid) as bytes from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public' and c.relkind = 'r'`;
  const rows = (await q.execute(store.db).catch(() => ({ rows: [] }))).rows;
  return Object.fromEntries(rows.sort((a, b) => Number(b.bytes) - Number(a.bytes)).slice(0, 6).map((r) => [r.name, Math.round(Number(r.bytes) / 2 ** 20 * 10) / 10]));
}

async function runEngine(engine: Engine, monitors: number, days: number, rawDays: number) {
  const t0 = performance.now();
  const { store, size, drop } = await openEngine(engine);
  try {
    const e = entities(monitors);
    const now = Date.UTC(2025, 5, 1); // the end: a UTC midnight
    const start = now - days * DAY;
    await store.syncEntities(e, start);
    const ids = e.monitors.map((m) => m.id);
    const policy = { ...DEFAULT_RETENTION, rawMs: rawDays * DAY };
    const rawFrom = now - (rawDays + 1) * DAY; // one day more than kept, so retention has work
    let rollupOnly = 0;
    let rawWritten = 0;
    let rawMs = 0;

    // Phase 1: history as rollups, hour by hour (one transaction per simulated day).
    const tHist = performance.now();
    for (let day = start; day < rawFrom; day += DAY) {
      const minutes: Rollup[] = [];
      for (let h = day; h < day + DAY; h += HOUR) {
        for (let i = 0; i < ids.length; i++) {
          const r = rng(i * 7919 + h / HOUR);
          const acc: Rollup = { monitorId: ids[i]!, bucket: h, count: 0, okCount: 0, degradedCount: 0, latencySumMs: 0, latencyMinMs: null, latencyMaxMs: null, histogram: new Array(12).fill(0) };
          for (let at = h + (i * 997) % INTERVAL; at < h + HOUR; at += INTERVAL) {
            const c = check(i, at, r);
            acc.count++;
            if (c.ok) {
              acc.okCount++;
              acc.latencySumMs += c.totalMs;
              acc.latencyMinMs = Math.min(acc.latencyMinMs ?? Infinity, c.totalMs);
              acc.latencyMaxMs = Math.max(acc.latencyMaxMs ?? -Infinity, c.totalMs);
              acc.histogram[bucketOf(c.totalMs)]! += 1;
            }
            if (c.degraded) acc.degradedCount++;
          }
          rollupOnly += acc.count;
          minutes.push(acc);
        }
      }
      await store.db.transaction().execute((trx) => addRollups(trx, minutes, ['hour', 'day']));
    }
    const histSeconds = (performance.now() - tHist) / 1000;

    // Phase 2: the last rawDays + 1 days raw, through recordObservations and the storage job.
    const tRaw = performance.now();
    const clock = new ManualClock(rawFrom);
    const job = new StorageJob({ store, clock, policy });
    const BATCH_MS = 5 * 60_000; // five simulated minutes per write: 10,000 rows for 1,000 monitors
    const gens = ids.map((_, i) => rng(i * 104729 + 1));
    for (let t = rawFrom; t < now; t += BATCH_MS) {
      const batch: Observation[] = [];
      for (let i = 0; i < ids.length; i++) {
        const first = t + (((i * 997) % INTERVAL) - (t % INTERVAL) + INTERVAL) % INTERVAL;
        for (let at = first; at < t + BATCH_MS; at += INTERVAL) {
          const c = check(i, at, gens[i]!);
          batch.push(
            c.ok
              ? { monitorId: ids[i]!, region: 'local', at, ok: true, degraded: c.degraded, statusCode: 200, phases: { connectMs: 0.2, firstByteMs: c.totalMs - 1, totalMs: c.totalMs } }
              : { monitorId: ids[i]!, region: 'local', at, ok: false, degraded: false, phases: { connectMs: 0.2, totalMs: c.totalMs }, error: { kind: 'timeout', message: 'no response within 10s' } },
          );
        }
      }
      const w = performance.now();
      await store.recordObservations(batch);
      rawMs += performance.now() - w;
      rawWritten += batch.length;
      clock.advanceTo(t + BATCH_MS);
      await job.runOnce();
    }
    await job.runOnce(); // PostgreSQL's rollups go up to what the previous run saw: one more run takes the last batch
    const rawSeconds = (performance.now() - tRaw) / 1000;

    const count = async (t: 'observations' | 'observation_chunks' | 'rollup_blocks' | 'rollups_day') =>
      Number((await store.db.selectFrom(t).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst())?.n ?? 0);
    const rows = { observations: await count('observations'), observation_chunks: await count('observation_chunks'), rollup_blocks: await count('rollup_blocks'), rollups_day: await count('rollups_day') };
    const chunked = await store.db.selectFrom('observation_chunks').select((eb) => eb.fn.sum<number>('count').as('n')).executeTakeFirst();
    const bytes = await size();
    const tables = await tableSizes(store);

    // Reads: the 90-day bars of every monitor, and of every component; warm, median of 7.
    const time = async (fn: () => Promise<unknown>) => {
      await fn();
      const ts: number[] = [];
      for (let i = 0; i < 7; i++) {
        const s = performance.now();
        await fn();
        ts.push(performance.now() - s);
      }
      return ts.sort((a, b) => a - b)[3]!;
    };
    const barsMs = await time(() => uptimeBars(store.db, { monitorIds: ids }, { now: now - 1, days: 90 }));
    const compIds = e.components.map((c) => c.id);
    const compBarsMs = await time(() => uptimeBars(store.db, { componentIds: compIds }, { now: now - 1, days: 90 }));
    const sample = (await uptimeBars(store.db, { monitorIds: [ids[0]!] }, { now: now - 1, days: 90 })).get(ids[0]!)!;
    return {
      engine,
      disk_mb: Math.round((bytes / 2 ** 20) * 10) / 10,
      bars_all_monitors_90d_ms: Math.round(barsMs * 10) / 10,
      bars_all_components_90d_ms: Math.round(compBarsMs * 10) / 10,
      rows,
      table_mb: tables,
      raw_observations_kept: rows.observations + Number(chunked?.n ?? 0),
      checks_simulated: rollupOnly + rawWritten,
      checks_written_raw: rawWritten,
      checks_rollup_only: rollupOnly,
      raw_insert_rows_per_s: Math.round(rawWritten / (rawMs / 1000)),
      history_phase_s: Math.round(histSeconds),
      raw_phase_s: Math.round(rawSeconds),
      total_s: Math.round((performance.now() - t0) / 1000),
      days_with_data_in_bars: sample.count.filter((c) => c > 0).length,
    };
  } finally {
    await drop();
  }
}

async function main() {
  const quick = flag('quick');
  const monitors = Number(arg('monitors') ?? (quick ? 100 : 1000));
  const days = Number(arg('days') ?? (quick ? 90 : 90));
  const rawDays = Number(arg('raw-days') ?? (quick ? 1 : 7));
  const which = arg('engine') ?? 'both';
  const engines: Engine[] = which === 'both' ? ['sqlite', 'postgres'] : [which as Engine];
  const results = [];
  for (const engine of engines) results.push(await runEngine(engine, monitors, days, rawDays));
  const pass = results.every((r) => r.disk_mb < 500 && r.bars_all_monitors_90d_ms < 100);
  console.log(JSON.stringify({ bench: 'storage-90d', quick, monitors, interval_s: 30, days, raw_retention_days: rawDays, method: `last ${rawDays + 1} days raw through recordObservations + rollup job + retention; earlier days as hour/day rollups via addRollups`, results, pass }));
  console.log(`\n${monitors} monitors every 30 s for ${days} days, raw kept ${rawDays} d (written raw: the last ${rawDays + 1} days; before that rollups only, see the header):`);
  for (const r of results)
    console.log(
      `  ${r.engine.padEnd(8)} disk ${r.disk_mb} MB [< 500]; 90-day bars of all ${monitors} monitors ${r.bars_all_monitors_90d_ms} ms [< 100], of all components ${r.bars_all_components_90d_ms} ms\n` +
        `           by table (MB): ${Object.entries(r.table_mb).map(([k, v]) => `${k} ${v}`).join(', ')}\n` +
        `           raw observations kept ${r.raw_observations_kept} (rows ${r.rows.observations}, chunks ${r.rows.observation_chunks}); rollup blocks ${r.rows.rollup_blocks}, day rows ${r.rows.rollups_day}; raw inserts ${r.raw_insert_rows_per_s}/s; took ${r.total_s} s`,
    );
  console.log(`  ${pass ? 'PASS' : 'FAIL'}`);
}

runMain(() => main());
