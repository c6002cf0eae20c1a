// Properties of the streaming anomaly detector (src/detect/anomaly), on series drawn by fast-check:
// calibration where nothing happens, recovery after a level shift, sparse counts, flatlines,
// determinism and well-formed scores. None asserts on timing.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { AnomalyDetector } from '../src/detect/anomaly/detector.js';
import { parseFalseAlarms, scoreThreshold, surpriseThreshold } from '../src/detect/anomaly/alarms.js';
import { toScore, toSurprise } from '../src/detect/anomaly/score.js';
import { seededRandom as rng } from '../src/core/random.js';

const MIN = 60_000;
const DAY = 86_400_000;
const T0 = Date.UTC(2025, 2, 3);

const gauss = (r: () => number) => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
function poisson(r: () => number, lam: number): number {
  if (lam > 50) return Math.max(0, Math.round(lam + Math.sqrt(lam) * gauss(r)));
  const L = Math.exp(-lam);
  let k = 0;
  let p = 1;
  for (;;) {
    p *= r();
    if (p <= L) return k;
    k++;
  }
}

/** Alarm episodes: runs of consecutive values at or past the threshold, after `skip` values. */
function episodes(scores: number[], th: number, skip: number): number {
  let n = 0;
  let inRun = false;
  for (let i = skip; i < scores.length; i++) {
    const on = scores[i]! >= th;
    if (on && !inRun) n++;
    inRun = on;
  }
  return n;
}

function run(values: number[], stepMs = MIN, o: ConstructorParameters<typeof AnomalyDetector>[0] = {}): number[] {
  const d = new AnomalyDetector(o);
  return values.map((v, i) => d.update(T0 + i * stepMs, v));
}

const DAYS = 10;
const N = (DAYS * DAY) / MIN;
const PER_DAY = parseFalseAlarms('1/1d')!;

describe('anomaly detector: properties', () => {
  test('calibration: on series with nothing unusual, alarms come about as often as configured (1/1d, within 4×)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.constantFrom('level', 'counts', 'walk', 'heavy', 'constant'),
        fc.double({ min: 0, max: 0.6, noNaN: true }),
        (seed, kind, dayAmp) => {
          const r = rng(seed);
          const base = kind === 'counts' ? 5 + 300 * r() : 10 + 1000 * r();
          const noise = 0.02 + 0.2 * r();
          const phase = r();
          let walk = 0;
          const xs: number[] = [];
          for (let i = 0; i < N; i++) {
            const rhythm = 1 + dayAmp * Math.sin(2 * Math.PI * (i / 1440 + phase));
            if (kind === 'counts') xs.push(poisson(r, base * rhythm));
            // Latencies: multiplicative noise and ordinary slow outliers (2 to 4 times, 1 in 500).
            else if (kind === 'heavy') xs.push(Math.round(base * rhythm * Math.exp(noise * gauss(r)) * (r() < 0.002 ? 2 + 2 * r() : 1) * 1000) / 1000);
            // A level that does not move (a configured limit, a gauge at rest): nothing there is news.
            else if (kind === 'constant') xs.push(Math.round(base));
            else if (kind === 'walk') {
              walk = 0.99 * walk + gauss(r) * base * noise * 0.3;
              xs.push(Math.round((base * rhythm + walk + gauss(r) * base * noise) * 1000) / 1000);
            } else xs.push(Math.round(base * rhythm * Math.exp(noise * gauss(r)) * 1000) / 1000);
          }
          const scores = run(xs);
          const n = episodes(scores, scoreThreshold(PER_DAY, MIN), 1440);
          // DAYS - 1 days scored at about one false alarm a day; generous: 4×.
          assert.ok(n <= 4 * (DAYS - 1), `${kind}: ${n} alarm episodes in ${DAYS - 1} days (configured ~${DAYS - 1})`);
        },
      ),
      { numRuns: 12, seed: 15 },
    );
  });

  test('recovery: after a sustained level shift, flags stop within a bounded number of points', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.double({ min: 6, max: 40, noNaN: true }),
        fc.boolean(),
        (seed, k, up) => {
          const r = rng(seed);
          const base = 50 + 500 * r();
          const sd = base * (0.01 + 0.1 * r());
          const shiftAt = 3000;
          const xs: number[] = [];
          for (let i = 0; i < 6000; i++) xs.push(base + (i >= shiftAt ? (up ? k : -k) * sd : 0) + sd * gauss(r));
          const scores = run(xs);
          const th = scoreThreshold(PER_DAY, MIN);
          assert.ok(scores.slice(shiftAt, shiftAt + 30).some((s) => s >= th), 'the shift is flagged');
          // Re-learned within 2 hours of points (the old detector flagged for 700 to 1,000).
          const late = scores.slice(shiftAt + 240).filter((s) => s >= th).length;
          assert.ok(late <= 3, `${late} flags more than 240 points after the shift`);
        },
      ),
      { numRuns: 15, seed: 15 },
    );
  });

  test('return: a shift taken as the new usual that ends is not flagged as a change of its own', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.double({ min: 6, max: 40, noNaN: true }),
        fc.boolean(),
        (seed, k, up) => {
          const r = rng(seed);
          const base = 50 + 500 * r();
          const sd = base * (0.01 + 0.1 * r());
          const from = 3000;
          const to = 3600; // ten hours: re-learned long before it ends
          const xs: number[] = [];
          for (let i = 0; i < 6000; i++) xs.push(base + (i >= from && i < to ? (up ? k : -k) * sd : 0) + sd * gauss(r));
          const scores = run(xs);
          const th = scoreThreshold(PER_DAY, MIN);
          assert.ok(scores.slice(from, from + 30).some((s) => s >= th), 'the shift is flagged');
          // Back at the old level: a few values at most, not the re-learning time (60 values).
          const flagged = scores.slice(to, to + 240).filter((s) => s >= th).length;
          assert.ok(flagged <= 6, `${flagged} flags in the 240 points after the return`);
        },
      ),
      { numRuns: 15, seed: 15 },
    );
  });

  test('a second outage is flagged as surely as the first (one outage does not deafen the detector)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.double({ min: 3, max: 10, noNaN: true }), (seed, mult) => {
        const r = rng(seed);
        const base = 20 + 300 * r();
        const xs: number[] = [];
        const surge = (i: number) => (i >= 2000 && i < 2090) || (i >= 4000 && i < 4090);
        for (let i = 0; i < 6000; i++) xs.push(poisson(r, base * (surge(i) ? mult : 1)));
        const scores = run(xs);
        const th = scoreThreshold(PER_DAY, MIN);
        const first = Math.max(...scores.slice(2000, 2010));
        const second = Math.max(...scores.slice(4000, 4010));
        assert.ok(first >= th && second >= th, `first ${first.toFixed(3)}, second ${second.toFixed(3)}, threshold ${th.toFixed(3)}`);
      }),
      { numRuns: 12, seed: 15 },
    );
  });

  test('sparse counts (mostly zeros) never score as extreme noise', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.double({ min: 0.005, max: 0.5, noNaN: true }), (seed, lam) => {
        const r = rng(seed);
        const xs: number[] = [];
        for (let i = 0; i < N; i++) xs.push(poisson(r, lam * (1 + 0.5 * Math.sin((2 * Math.PI * i) / 1440))));
        const scores = run(xs);
        const worst = Math.max(...scores.slice(1440));
        // 1 in 10^12 is "an outage": noise in a sparse series must stay far below it.
        assert.ok(toSurprise(worst) < 12, `worst surprise ${toSurprise(worst).toFixed(1)} at rate ${lam}`);
        assert.ok(episodes(scores, scoreThreshold(PER_DAY, MIN), 1440) <= 4 * (DAYS - 1));
      }),
      { numRuns: 12, seed: 15 },
    );
  });

  test('flatlines: a noisy series stuck on one value is flagged within 30 points', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.integer({ min: 2000, max: 4000 }), (seed, at) => {
        const r = rng(seed);
        const base = 20 + 80 * r();
        const xs: number[] = [];
        for (let i = 0; i < 5000; i++) xs.push(i >= at && i < at + 300 ? xs[at - 1]! : Math.round((base + base * 0.05 * gauss(r)) * 100) / 100);
        const scores = run(xs);
        const th = scoreThreshold(PER_DAY, MIN);
        assert.ok(scores.slice(at, at + 30).some((s) => s >= th), 'the flatline is flagged');
      }),
      { numRuns: 15, seed: 15 },
    );
  });

  test('a value kept out of the usual (learn false) is not learned, for at most relearnMs', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.double({ min: 3, max: 20, noNaN: true }),
        fc.integer({ min: 30, max: 240 }),
        fc.boolean(),
        (seed, k, holdMin, counts) => {
          const r = rng(seed);
          const base = counts ? 2 + 50 * r() : 100 + 1000 * r();
          const sd = counts ? Math.sqrt(base) : base * 0.05;
          const d = new AnomalyDetector({ direction: 'up', kind: counts ? 'count' : 'level', relearnMs: holdMin * MIN });
          const draw = (mean: number) => (counts ? poisson(r, mean) : mean + sd * gauss(r));
          let i = 0;
          for (; i < 2000; i++) d.update(T0 + i * MIN, draw(base));
          const high = base + k * sd;
          // Held for less than relearnMs: the expectation stays where it was.
          for (let j = 0; j < holdMin - 5; j++, i++) d.update(T0 + i * MIN, draw(high), false);
          const held = d.expect(T0 + i * MIN).mean;
          assert.ok(Math.abs(held - base) < 1.5 * sd + 0.5, `held ${held.toFixed(1)} (usual ${base.toFixed(1)}, raised ${high.toFixed(1)})`);
          // Held past it: the raised level is taken as the usual anyway (no deadlock).
          for (let j = 0; j < 10; j++, i++) d.update(T0 + i * MIN, draw(high), false);
          const after = d.expect(T0 + i * MIN).mean;
          assert.ok(Math.abs(after - high) < Math.abs(after - base), `after ${after.toFixed(1)} (usual ${base.toFixed(1)}, raised ${high.toFixed(1)})`);
        },
      ),
      { numRuns: 25, seed: 15 },
    );
  });

  test('a new count series whose history is all zeros does not score its first reports as impossible for ever', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.double({ min: 0.5, max: 20, noNaN: true }), (seed, lam) => {
        const r = rng(seed);
        const d = new AnomalyDetector({ direction: 'up', kind: 'count' });
        let i = 0;
        for (; i < 600; i++) d.update(T0 + i * MIN, 0);
        const th = scoreThreshold(PER_DAY, MIN);
        const flags: boolean[] = [];
        for (let j = 0; j < 1440; j++, i++) flags.push(d.update(T0 + i * MIN, poisson(r, lam)) >= th);
        // The change is news at first; a day later it is the usual.
        const late = flags.slice(-600).filter(Boolean).length;
        assert.ok(late <= 3, `${late} flags in the last 10 hours of steady traffic at ${lam.toFixed(2)} a minute`);
      }),
      { numRuns: 20, seed: 15 },
    );
  });

  test('deterministic, and scores stay in [0, 1) whatever the values', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 }), fc.integer({ min: 0, max: 5 }), fc.constant(0)), { minLength: 1, maxLength: 400 }),
        fc.integer({ min: 1000, max: 3_600_000 }),
        (xs, step) => {
          const a = run(xs, step);
          const b = run(xs, step);
          assert.deepEqual(a, b);
          for (const s of a) assert.ok(s >= 0 && s < 1 && Number.isFinite(s), `score ${s}`);
        },
      ),
      { numRuns: 100, seed: 15 },
    );
  });

  test('scores are a log scale: they never saturate and map back to the same chance', () => {
    assert.ok(toScore(200) < toScore(400) && toScore(400) < 1);
    for (const s of [0.5, 2, 6, 30]) assert.ok(Math.abs(toSurprise(toScore(s)) - s) < 1e-9);
    assert.equal(parseFalseAlarms('1/30d')!.per, 30 * DAY);
    assert.equal(parseFalseAlarms('2 / 1w')!.count, 2);
    assert.equal(parseFalseAlarms('often'), undefined);
    // One false alarm per 30 days on a minute series: one value in 43,200.
    assert.ok(Math.abs(surpriseThreshold(parseFalseAlarms('1/30d')!, MIN) - Math.log10(43_200)) < 1e-9);
  });
});
