import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '../src/core/time.js';
import { Scheduler, phaseOffset } from '../src/schedule/scheduler.js';

interface M { id: string; intervalMs: number; hostKey: string }
const flush = () => new Promise((r) => setImmediate(r));

describe('scheduler', () => {
  test('runs every monitor once per interval, first runs spread across the interval', async () => {
    const clock = new ManualClock(0);
    const runs: Array<[string, number]> = [];
    const s = new Scheduler<M>({ clock, run: async (m, at) => void runs.push([m.id, at]) });
    const monitors = Array.from({ length: 50 }, (_, i) => ({ id: `m${i}`, intervalMs: 30_000, hostKey: `h${i}` }));
    s.setMonitors(monitors);
    s.start();
    for (let t = 0; t <= 90_000; t += 1000) {
      clock.advanceTo(t);
      await flush();
    }
    for (const m of monitors) {
      const times = runs.filter(([id]) => id === m.id).map(([, at]) => at);
      assert.equal(times.length, 3, `${m.id} ran ${times.length} times`);
      assert.equal(times[0], phaseOffset(m.id, 30_000));
      assert.equal(times[1]! - times[0]!, 30_000);
    }
    const firsts = new Set(monitors.map((m) => Math.floor(phaseOffset(m.id, 30_000) / 3000)));
    assert.ok(firsts.size >= 6, `first runs fall in only ${firsts.size} of 10 slices of the interval`);
    await s.stop();
  });

  test('caps checks in flight overall and per host', async () => {
    const clock = new ManualClock(0);
    let inFlight = 0, maxSeen = 0;
    const perHost = new Map<string, number>();
    let maxHost = 0;
    const release: Array<() => void> = [];
    const s = new Scheduler<M>({
      clock,
      maxConcurrent: 5,
      maxPerHost: 2,
      run: (m) => new Promise<void>((resolve) => {
        inFlight++;
        perHost.set(m.hostKey, (perHost.get(m.hostKey) ?? 0) + 1);
        maxSeen = Math.max(maxSeen, inFlight);
        maxHost = Math.max(maxHost, perHost.get(m.hostKey)!);
        release.push(() => { inFlight--; perHost.set(m.hostKey, perHost.get(m.hostKey)! - 1); resolve(); });
      }),
    });
    s.setMonitors(Array.from({ length: 20 }, (_, i) => ({ id: `m${i}`, intervalMs: 1000, hostKey: i < 10 ? 'same' : `h${i}` })));
    s.start();
    clock.advanceTo(1000);
    await flush();
    assert.equal(maxSeen, 5);
    assert.equal(maxHost, 2);
    let done = 0;
    while (release.length > 0 && done < 100) {
      release.shift()!();
      done++;
      await flush();
    }
    assert.equal(done, 20, 'every monitor got its turn once slots freed');
    assert.ok(maxSeen <= 5 && maxHost <= 2);
    await s.stop();
  });

  test('changes take effect without restart: add, change interval, remove', async () => {
    const clock = new ManualClock(0);
    const runs: string[] = [];
    const s = new Scheduler<M>({ clock, run: async (m) => void runs.push(m.id) });
    s.setMonitors([{ id: 'a', intervalMs: 10_000, hostKey: 'a' }]);
    s.start();
    clock.advanceTo(20_000);
    await flush();
    const aBefore = runs.filter((r) => r === 'a').length;
    assert.ok(aBefore >= 1);
    s.setMonitors([{ id: 'b', intervalMs: 10_000, hostKey: 'b' }]);
    runs.length = 0;
    for (let t = 21_000; t <= 60_000; t += 1000) { clock.advanceTo(t); await flush(); }
    assert.equal(runs.filter((r) => r === 'a').length, 0, 'removed monitor no longer runs');
    assert.ok(runs.filter((r) => r === 'b').length >= 3, 'added monitor runs');
    assert.equal(s.size, 1);
    await s.stop();
  });

  test('a late start skips missed slots instead of piling up, and reports the lag', async () => {
    const clock = new ManualClock(0);
    const lags: number[] = [];
    const ats: number[] = [];
    const s = new Scheduler<M>({ clock, run: async (_m, at) => void ats.push(at), onLag: (_m, lag) => lags.push(lag) });
    s.setMonitors([{ id: 'x', intervalMs: 1000, hostKey: 'x' }]);
    s.start();
    clock.stall(5_500); // the event loop was blocked: the run planned at phaseOffset starts at 5.5 s
    clock.advance(0);
    await flush();
    assert.equal(ats.length, 1);
    assert.equal(lags[0], 5_500 - ats[0]!);
    clock.advanceTo(6_999);
    await flush();
    assert.equal(ats.length, 2, 'next run is on the grid after now, not a burst of missed ones');
    assert.ok(ats[1]! > 5_500 && ats[1]! <= 6_999);
    await s.stop();
  });

  test('stop aborts running checks and waits for them', async () => {
    const clock = new ManualClock(0);
    let aborted = false;
    const s = new Scheduler<M>({
      clock,
      run: (_m, _at, signal) => new Promise<void>((resolve) => signal.addEventListener('abort', () => { aborted = true; resolve(); })),
    });
    s.setMonitors([{ id: 'x', intervalMs: 1000, hostKey: 'x' }]);
    s.start();
    clock.advanceTo(1000);
    await flush();
    assert.equal(s.running, 1);
    await s.stop();
    assert.equal(aborted, true);
    assert.equal(s.running, 0);
  });
});
