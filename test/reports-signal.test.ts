// The crowd-report detector on generated traces (deterministic seeds): a daily and weekly rhythm
// with Poisson noise, an old outage in the history, a normal week, 5× surges, and a one-prefix flood.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { scoreThreshold } from '../src/detect/anomaly/alarms.js';
import { Gate } from '../src/signals/reports/gate.js';
import { networkPrefix } from '../src/signals/reports/identity.js';
import { LatencyWatch } from '../src/signals/reports/latency.js';
import { CROWD_RELEARN_MS, DEFAULT_FALSE_ALARMS, DEFAULT_LEVEL_SETTINGS, type CrowdLevel, MinuteSeries, ServiceSignal } from '../src/signals/reports/signal.js';
import { feedTrace as run, gauss, poisson, usualReports as usual } from '../src/signals/reports/traces.js';
import { seededRandom as rng } from '../src/core/random.js';

const MIN = 60_000;
const DAY = 86_400_000;
// A Monday, 00:00 UTC.
const T0 = Date.UTC(2024, 0, 1);

function trained(seed: number, weeks = 4) {
  const r = rng(seed);
  const sig = new ServiceSignal('acme', ['website', 'app', 'login'], DEFAULT_LEVEL_SETTINGS, T0);
  const end = T0 + weeks * 7 * DAY;
  // An earlier outage in the history: 10× for two hours on the second Tuesday evening.
  const outFrom = T0 + 8 * DAY + 18 * 3_600_000;
  const outTo = outFrom + 2 * 3_600_000;
  const history = run(sig, r, T0, end, (t) => (t >= outFrom && t < outTo ? 10 : 1) * usual(t));
  return { sig, r, end, history };
}

describe('crowd report signal on generated traces', () => {
  test('a week of normal traffic after four weeks of history raises no flag', () => {
    const { sig, r, end } = trained(1);
    const changes = run(sig, r, end, end + 7 * DAY, usual);
    assert.deepEqual(changes, [], `unexpected levels: ${JSON.stringify(changes.slice(0, 5))}`);
  });

  test('the old outage did not inflate the baseline: the same hour a week later expects the usual volume', () => {
    const { sig, r, end } = trained(2, 2);
    // Two weeks trained; the outage was on day 8 at 18:00. Expectation for day 15 at 19:00, with the
    // weekday's traffic up to then (the detector has a daily profile; the week's rhythm is in its level):
    const t = T0 + 15 * DAY + 19 * 3_600_000;
    run(sig, r, end, t, usual);
    const e = sig.total.det.expect(t).mean;
    assert.ok(Math.abs(e - usual(t)) / usual(t) < 0.25, `expected ≈ ${usual(t).toFixed(1)}, got ${e.toFixed(1)}`);
  });

  for (const [label, hour] of [
    ['at night (the trough)', 3],
    ['in the afternoon', 14],
    ['in the evening peak', 18],
  ] as const) {
    test(`a 5× surge ${label} is "problems detected" within 3 minutes`, () => {
      const { sig, r, end } = trained(10 + hour);
      const start = end + 2 * DAY + hour * 3_600_000;
      assert.deepEqual(run(sig, r, end, start, usual), []);
      const changes = run(sig, r, start, start + 30 * MIN, (t) => 5 * usual(t));
      const detected = changes.find((c) => c.to === 'detected');
      assert.ok(detected, `no detection: ${JSON.stringify(changes)}`);
      assert.ok(detected.at - start <= 3 * MIN, `detected after ${(detected.at - start) / 1000} s`);
      // And it goes back to none once the surge is over.
      const after = run(sig, r, start + 30 * MIN, start + 60 * MIN, usual);
      assert.equal(after.at(-1)?.to, 'none');
    });
  }

  test('a flood from one network prefix raises no flag: the prefix cap holds it to a few counted reports', () => {
    const { sig, r, end } = trained(3, 2);
    const gate = new Gate({ windowMs: 10 * MIN, perReporterPerMinute: 10, perPrefixPerMinute: 60, prefixCap: 3 });
    const start = end + 12 * 3_600_000;
    let counted = 0;
    let rejected = 0;
    const changes: CrowdLevel[] = [];
    for (let m = start; m < start + 30 * MIN; m += MIN) {
      // 2,000 reports a minute from 2,000 made-up reporters, all in one /24, besides the usual traffic.
      for (let i = 0; i < 2000; i++) {
        const t = m + (i / 2000) * MIN;
        const g = gate.admit('acme', 1_000_000 + Math.floor(r() * 1e9), 42, t);
        if (g.ok && g.counted) {
          counted++;
          sig.add('website', t);
        } else if (!g.ok) rejected++;
      }
      const n = poisson(r, usual(m));
      for (let i = 0; i < n; i++) sig.add('website', m + r() * MIN);
      for (let tick = m + 15_000; tick <= m + MIN; tick += 15_000) {
        const c = sig.evaluate(tick);
        if (c) changes.push(c.to);
      }
    }
    assert.deepEqual(changes, []);
    assert.ok(counted <= 3 * 4, `counted ${counted}`);
    assert.ok(rejected > 50_000, 'the prefix rate limit refused most of it');
  });
});

describe('crowd level on a fresh install', () => {
  /** Levels sampled once a minute (the last evaluation of each minute) over [from, to). */
  function levels(sig: ServiceSignal, r: () => number, from: number, to: number, rate: (t: number) => number): CrowdLevel[] {
    const out: CrowdLevel[] = [];
    for (let m = from; m < to; m += MIN) {
      run(sig, r, m, m + MIN, rate);
      out.push(sig.state.level);
    }
    return out;
  }

  test('three hours of history, then a two-hour surge: "problems detected" through the surge, "none" after it', () => {
    const r = rng(21);
    const start = T0 + 10 * 3_600_000;
    const sig = new ServiceSignal('fresh', ['website'], DEFAULT_LEVEL_SETTINGS, start);
    const base = 6;
    const surgeAt = start + 3 * 3_600_000;
    const surgeEnd = surgeAt + 2 * 3_600_000;
    // The first minutes have nothing to compare with (a service's first reports may raise a level, as
    // before); after them, the usual volume raises nothing.
    run(sig, r, start, start + 20 * MIN, () => base);
    const before = levels(sig, r, start + 20 * MIN, surgeAt, () => base);
    assert.ok(before.slice(10).every((l) => l === 'none'), `before the surge: ${before.filter((l) => l !== 'none').length} raised minutes`);
    const during = levels(sig, r, surgeAt, surgeEnd, () => 8 * base);
    assert.ok(during.slice(0, 3).includes('detected'), `detected within 3 minutes: ${during.slice(0, 5).join(',')}`);
    const firstDetected = during.indexOf('detected');
    const dropped = during.slice(firstDetected).filter((l) => l !== 'detected').length;
    assert.equal(dropped, 0, `the level left "detected" for ${dropped} of ${during.length - firstDetected} surge minutes`);
    // The surge was not learned as the usual volume.
    const e = sig.total.det.expect(surgeEnd).mean;
    assert.ok(e < 2 * base, `expected ${e.toFixed(1)} per minute at the end of the surge (usual ${base})`);
    const after = levels(sig, r, surgeEnd, surgeEnd + 60 * MIN, () => base);
    assert.equal(after.at(-1), 'none', 'back to "none" once the surge is over');
    assert.ok(after.slice(15).every((l) => l === 'none'), `after the surge: ${after.join(',')}`);
  });

  test('a new service whose history is all zeros follows its first steady traffic instead of staying raised', () => {
    const r = rng(22);
    const start = T0 + 10 * 3_600_000;
    const sig = new ServiceSignal('new', ['website'], DEFAULT_LEVEL_SETTINGS, start);
    const trafficAt = start + 3 * 3_600_000;
    assert.deepEqual(run(sig, r, start, trafficAt, () => 0), []);
    // 8 a minute where there were none: a real change, which may raise the level for a while…
    const hours = CROWD_RELEARN_MS / 3_600_000 + 2;
    const seen = levels(sig, r, trafficAt, trafficAt + hours * 3_600_000, () => 8);
    // …but not for ever: past the re-learning time it is the usual, and stays so.
    const tail = seen.slice(-60);
    assert.ok(tail.every((l) => l === 'none'), `still raised ${tail.filter((l) => l !== 'none').length} of the last 60 minutes`);
    const e = sig.total.det.expect(trafficAt + hours * 3_600_000).mean;
    assert.ok(e > 4 && e < 12, `expects ${e.toFixed(1)} a minute after hours of 8`);
    // And a surge on top of the new usual is still seen.
    const surge = levels(sig, r, trafficAt + hours * 3_600_000, trafficAt + hours * 3_600_000 + 10 * MIN, () => 60);
    assert.ok(surge.includes('detected'), `surge on the new usual: ${surge.join(',')}`);
  });
});

describe('detector pieces', () => {
  test('the crowd series reads counts: a quiet daily rhythm scores low, a surge high, on the false-alarm scale', () => {
    const r = rng(7);
    const det = new MinuteSeries(Math.floor(T0 / MIN)).det;
    const th = scoreThreshold(DEFAULT_FALSE_ALARMS, MIN);
    let high = 0;
    let n = 0;
    for (let t = T0; t < T0 + 21 * DAY; t += MIN, n++) if (det.update(t, poisson(r, usual(t))) >= th && t > T0 + DAY) high++;
    assert.ok(det.isCount, 'minute counts are read as counts');
    // About one value in 43,200 at 1/30d; generous: 10 in three weeks.
    assert.ok(high <= 10, `${high} of ${n} values past the 1/30d threshold`);
    const t = T0 + 21 * DAY + 600_000;
    const before = det.expect(t + MIN).mean;
    assert.ok(det.update(t, 6 * usual(t)) >= th, 'six times the usual volume is past the threshold');
    const after = det.expect(t + MIN).mean;
    assert.ok(after - before < 0.1 * before, `one surging minute moves the expectation little: ${before.toFixed(2)} -> ${after.toFixed(2)}`);
  });

  test('network prefixes: /24 for IPv4 (mapped too), /48 for IPv6', () => {
    assert.equal(networkPrefix('203.0.113.77'), '203.0.113.0/24');
    assert.equal(networkPrefix('::ffff:203.0.113.9'), '203.0.113.0/24');
    assert.equal(networkPrefix('2001:db8:abcd:12::1'), '2001:db8:abcd::/48');
    assert.equal(networkPrefix('2001:db8::1'), '2001:db8:0::/48');
  });

  test('latency: a monitor 5× slower than its usual is unusual; loopback jitter is not', () => {
    const r = rng(9);
    const w = new LatencyWatch();
    let flagged = 0;
    for (let i = 0; i < 2000; i++) if (w.slow('m', T0 + i * 30_000, 180 + 40 * r())) flagged++;
    assert.equal(flagged, 0);
    assert.equal(w.slow('m', T0 + 2000 * 30_000, 1100), true);
    const fast = new LatencyWatch();
    let f2 = 0;
    for (let i = 0; i < 500; i++) if (fast.slow('l', T0 + i * 30_000, i % 50 === 0 ? 40 : 1 + r())) f2++;
    assert.equal(f2, 0, 'a 40 ms blip on a 1 ms loopback target is below the absolute floor');
  });
});

test('rate windows count requests that straddle a window boundary in full', async () => {
  const { WindowCounter } = await import('../src/signals/reports/gate.js');
  const w = new WindowCounter(60_000);
  for (let i = 0; i < 8; i++) w.add(7, 59_000 + i * 100);
  assert.equal(w.count(7, 60_050), 8, 'just after the boundary, all eight still count');
  assert.equal(w.count(7, 119_999), 1, 'a remnant of the last window counts until it is over');
  assert.equal(w.count(7, 120_000), 0);
});
