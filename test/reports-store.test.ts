// Crowd reports in the store, on both engines: minute counts written with the reports, what
// retention deletes (reports after days, counts after weeks), and the migration that fills the
// counts from reports already there.
import assert from 'node:assert/strict';
import { openDatabase } from '../src/store/db.js';
import { migrateToLatest, migrator } from '../src/store/migrations.js';
import { countReports, insertReports, reportMinuteCounts, type ReportRow } from '../src/store/reports.js';
import { applyRetention, DEFAULT_RETENTION } from '../src/store/retention.js';
import { forEachEngine } from './helpers/engines.js';

const T0 = Date.UTC(2025, 3, 1, 12, 0);
const DAY = 86_400_000;

function row(at: number, category: string, counted = 1, service = 'acme'): ReportRow {
  return { service_id: service, category, at, region: null, reporter: `r${at}${category}`, prefix: 'p', counted, source: 'api', comment: null, comment_status: null };
}

forEachEngine('report minute counts are written with the reports, counted ones only', async (env) => {
  const store = await env.open();
  await insertReports(store.db, [row(T0 + 1000, 'login'), row(T0 + 2000, 'login'), row(T0 + 3000, 'login', 0), row(T0 + 61_000, 'app')]);
  await insertReports(store.db, [row(T0 + 59_000, 'login'), row(T0 + 5000, 'login', 1, 'other')]);
  assert.deepEqual(await reportMinuteCounts(store.db, T0), [
    { serviceId: 'acme', category: 'login', minute: T0 / 60_000, n: 3 },
    { serviceId: 'other', category: 'login', minute: T0 / 60_000, n: 1 },
    { serviceId: 'acme', category: 'app', minute: T0 / 60_000 + 1, n: 1 },
  ]);
  assert.deepEqual(await reportMinuteCounts(store.db, T0 + 60_000), [{ serviceId: 'acme', category: 'app', minute: T0 / 60_000 + 1, n: 1 }]);
});

forEachEngine('retention deletes reports after days and their counts after weeks', async (env) => {
  const store = await env.open();
  await insertReports(store.db, [row(T0, 'login'), row(T0 + 10 * DAY, 'login'), row(T0 + 40 * DAY, 'login')]);
  await store.db.insertInto('report_rejections').values([{ service_id: 'acme', minute: T0 / 60_000, reason: 'rate', count: 3 }]).execute();
  const now = T0 + 45 * DAY; // reports kept 7 d: two go; counts kept 42 d: the first minute goes
  const run = await applyRetention(store.db, DEFAULT_RETENTION, { now, batch: 1 });
  assert.deepEqual([run.reports, run.reportCounts], [2, 2]);
  assert.equal(await countReports(store.db), 1);
  assert.deepEqual((await reportMinuteCounts(store.db, 0)).map((c) => c.minute), [(T0 + 10 * DAY) / 60_000, (T0 + 40 * DAY) / 60_000]);
});

forEachEngine('migration 0010 fills the minute counts from the reports already stored', async (env) => {
  const { engine, db } = openDatabase(env.options);
  try {
    assert.equal((await migrator(db, engine).migrateTo('0009_heartbeats')).error, undefined);
    await db.insertInto('reports').values([row(T0, 'login'), row(T0 + 1, 'login'), row(T0 + 2, 'login', 0), row(T0 + 60_000, 'app')]).execute();
    // Later migrations may follow; this one must be among those applied now.
    assert.equal((await migrateToLatest(db, engine))[0], '0010_report_minutes');
    assert.deepEqual(
      (await reportMinuteCounts(db, 0)).map((c) => [c.category, c.n]),
      [['login', 2], ['app', 1]],
    );
  } finally {
    await db.destroy();
  }
});
