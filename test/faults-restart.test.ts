// Restart memory: a Vigie restarted in the middle of a crowd-report surge comes back at the level the
// stored per-minute counts say (it used to start from "none" and stay there for the hold time or more),
// and a surge that ended long before the restart is not brought back.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createVigie } from '../src/app.js';
import { ManualClock } from '../src/core/time.js';
import { insertReports, type ReportRow } from '../src/store/reports.js';
import { forEachEngine } from './helpers/engines.js';
import { reportsConfig } from './reports-helpers.js';

const MIN = 60_000;

function burst(serviceId: string, category: string, from: number, minutes: number, perMinute: number): ReportRow[] {
  const rows: ReportRow[] = [];
  for (let m = 0; m < minutes; m++)
    for (let i = 0; i < perMinute; i++)
      rows.push({
        service_id: serviceId,
        category,
        at: from + m * MIN + Math.floor((i * MIN) / perMinute),
        region: null,
        reporter: `${m}-${i}`.padEnd(12, '0'),
        prefix: `${i % 50}`.padEnd(12, '0'),
        counted: 1,
        source: 'api',
        comment: null,
        comment_status: null,
      });
  return rows;
}

describe('crowd level after a restart', () => {
  forEachEngine('a surge under way comes back at its level, a finished one does not', async (engine) => {
    const cfg = () => ({ config: reportsConfig(engine.options.path ? { path: engine.options.path } : {}), ...(engine.options.url ? { databaseUrl: engine.options.url } : {}) });
    const first = await createVigie(cfg());
    const category = first.reports.service('acme')!.categories[0]!;
    const now = Date.now();
    // acme: 200 reports a minute for the last 6 minutes, against nothing before.
    await insertReports(first.store.db, burst('acme', category, now - 6 * MIN, 6, 200));
    await first.stop();

    // The restart comes right after the surge's last minute, however long writing it and stopping took
    // on a loaded machine (on the system clock a slow restart could start past the surge).
    const second = await createVigie({ ...cfg(), clock: new ManualClock(now) });
    try {
      assert.equal(second.reports.level('acme'), 'detected', 'the level is restored from the stored counts at start');
      const view = second.reports.view('acme')!;
      assert.ok(view.since < now, 'since when: during the surge, before the restart');
      assert.equal(second.crowdLevel('acme'), 'detected', 'detection hears the restored level');
    } finally {
      await second.stop();
    }
  });

  forEachEngine('a surge that ended an hour before the restart stays ended', async (engine) => {
    const cfg = () => ({ config: reportsConfig(engine.options.path ? { path: engine.options.path } : {}), ...(engine.options.url ? { databaseUrl: engine.options.url } : {}) });
    const first = await createVigie(cfg());
    const category = first.reports.service('acme')!.categories[0]!;
    await insertReports(first.store.db, burst('acme', category, Date.now() - 70 * MIN, 5, 200));
    await first.stop();
    const second = await createVigie(cfg());
    try {
      assert.equal(second.reports.level('acme'), 'none');
    } finally {
      await second.stop();
    }
  });
});
