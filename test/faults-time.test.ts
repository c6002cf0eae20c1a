// Time faults: deadlines beyond setTimeout's 2^31-1 ms (a maintenance 30 days ahead used to fire its
// timer every millisecond: TimeoutOverflowWarning, half a core), NaN and infinite deadlines, and a
// wall clock stepped back or forward under a running timer.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { createVigie, type Vigie } from '../src/app.js';
import { ManualClock, MAX_TIMER_MS, acceleratedClock, safeTimeout, systemClock } from '../src/core/time.js';
import { ADMIN_PREFIX } from '../src/web/routes/admin-api.js';
import { sqliteEngine, type TestEngine } from './helpers/engines.js';
import { waitFor } from './helpers/wait.js';
import { faultConfig, startTarget, type Target } from './faults-helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Counts TimeoutOverflowWarnings while `fn` runs. */
async function overflowWarnings(fn: () => Promise<void>): Promise<number> {
  let n = 0;
  const on = (w: Error) => {
    if (w.name === 'TimeoutOverflowWarning') n++;
  };
  process.on('warning', on);
  try {
    await fn();
    await sleep(20); // warnings are emitted on the next tick
  } finally {
    process.off('warning', on);
  }
  return n;
}

describe('timers past 2^31-1 ms', () => {
  it('a deadline 30 days ahead neither fires nor warns (system clock, safeTimeout, accelerated clock)', async () => {
    let fired = 0;
    const handles: { cancel(): void }[] = [];
    const warnings = await overflowWarnings(async () => {
      handles.push(systemClock.at(Date.now() + 30 * 86_400_000, () => fired++));
      handles.push(safeTimeout(() => fired++, MAX_TIMER_MS + 1000));
      handles.push(acceleratedClock(Date.now(), 2).at(Date.now() + 365 * 86_400_000 * 10, () => fired++));
      await sleep(150);
    });
    for (const h of handles) h.cancel();
    assert.equal(fired, 0, 'no far timer fired');
    assert.equal(warnings, 0, 'no TimeoutOverflowWarning');
  });

  it('NaN and -Infinity fire at once, Infinity never; cancel stops them', async () => {
    const fired: string[] = [];
    const inf = systemClock.at(Infinity, () => fired.push('inf'));
    safeTimeout(() => fired.push('nan'), NaN);
    systemClock.at(-Infinity, () => fired.push('-inf'));
    safeTimeout(() => fired.push('cancelled'), 5).cancel();
    await waitFor('the due ones', () => fired.length >= 2, 2000);
    await sleep(30);
    inf.cancel();
    assert.deepEqual(fired.sort(), ['-inf', 'nan']);
  });

  it('a wall clock stepped back does not freeze timers; stepped forward fires them within a second', async () => {
    const realNow = Date.now;
    let offset = 0;
    Date.now = () => realNow() + offset;
    try {
      let fired = 0;
      // NTP steps the clock an hour back: waiting until it shows the old time again would stop every check for an hour.
      const h = systemClock.at(Date.now() + 100, () => fired++);
      offset = -3_600_000;
      await waitFor('fired after its real delay despite the step back', () => fired === 1, 3000);
      h.cancel();

      // Forward: a deadline an hour ahead is reached by a step, not by waiting an hour.
      const far = systemClock.at(Date.now() + 3_600_000, () => fired++);
      offset += 3_600_000 + 1000;
      await waitFor('fired after the forward step', () => fired === 2, 5000);
      far.cancel();
    } finally {
      Date.now = realNow;
    }
  });

  it('a manual clock jumping years ahead fires due timers in order and leaves later ones', () => {
    const c = new ManualClock(0);
    const order: number[] = [];
    c.at(10 * 365 * 86_400_000, () => order.push(2));
    c.at(5, () => order.push(1));
    c.at(Number.MAX_SAFE_INTEGER, () => order.push(3));
    c.advanceTo(20 * 365 * 86_400_000);
    assert.deepEqual(order, [1, 2]);
  });
});

describe('a maintenance scheduled 30 days ahead', () => {
  let engine: TestEngine;
  let target: Target;
  let vigie: Vigie;
  let base: string;
  before(async () => {
    engine = await sqliteEngine();
    target = await startTarget();
    vigie = await createVigie({ config: faultConfig(target.url, { path: engine.options.path! }), adminToken: 'time-faults-admin' });
    base = await vigie.start();
  });
  after(async () => {
    await vigie.stop();
    await target.close();
    await engine.cleanup();
  });

  it('arms no overflowing timer and the page keeps updating', async () => {
    const now = Date.now();
    const post = (body: Record<string, unknown>) =>
      request(`${base}${ADMIN_PREFIX}/maintenances`, { method: 'POST', headers: { authorization: 'Bearer time-faults-admin', 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const warnings = await overflowWarnings(async () => {
      const from = now + 30 * 86_400_000;
      const until = now + 31 * 86_400_000;
      let r = await post({ name: 'Far away', components: ['acme/api'], scheduled_for: from, scheduled_until: until });
      // Either spelling of the admin API (it moves to snake_case).
      if (r.statusCode === 400) {
        await r.body.dump();
        r = await post({ name: 'Far away', components: ['acme/api'], scheduledFor: from, scheduledUntil: until });
      }
      assert.equal(r.statusCode, 201, await r.body.text());
      await sleep(300); // an overflowing timer fires (and warns) every millisecond
    });
    assert.equal(warnings, 0, 'no TimeoutOverflowWarning');
    target.failing.on = true;
    await waitFor('the page follows an outage', async () => {
      const s = (await (await request(`${base}/api/v2/summary.json`)).body.json()) as { components: { name: string; status: string }[] };
      return s.components.find((c) => c.name === 'API')?.status === 'major_outage';
    });
  });
});
