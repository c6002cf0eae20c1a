// The count tail (src/detect/anomaly/tails.ts countZ): its normal surprise follows the exact Poisson
// tail from busy series down to a report an hour, and over-dispersion widens it. None asserts on timing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countZ, normalSurprise } from '../src/detect/anomaly/tails.js';

/** Exact -log10 P(X >= x) (upper) or P(X <= x) (lower) for X ~ Poisson(mu), by summing the pmf. */
function exactSurprise(x: number, mu: number): number {
  let p = Math.exp(-mu);
  let below = 0;
  for (let i = 0; i < x; i++) {
    below += p;
    p *= mu / (i + 1);
  }
  return x > mu ? -Math.log10(1 - below) : -Math.log10(below + p);
}

// The deviance approximation errs on the safe side at the sparsest rates (a report every 50 minutes:
// up to a factor 5 less surprising than exact); it never overstates by more than a factor 2.
test('the count tail follows the exact Poisson tail: at most 0.3 above, 0.75 below, in log10', () => {
  let checked = 0;
  for (const mu of [0.02, 0.1, 0.5, 2, 5, 20]) {
    for (let x = 0; x <= 60; x++) {
      const exact = exactSurprise(x, mu);
      if (!(exact >= 1 && exact <= 10)) continue;
      const z = countZ(x, mu, 0);
      const got = normalSurprise(Math.abs(z));
      assert.equal(Math.sign(z), x > mu ? 1 : -1, `side of x=${x} mu=${mu}`);
      assert.ok(got - exact < 0.3 && exact - got < 0.75, `x=${x} mu=${mu}: ${got.toFixed(2)} vs exact ${exact.toFixed(2)}`);
      checked++;
    }
  }
  assert.ok(checked > 30, `only ${checked} points checked`);
});

test('over-dispersion makes the same count less surprising, on both sides', () => {
  for (const [x, mu] of [
    [15, 5],
    [0, 5],
    [3, 0.2],
  ] as const) {
    const p = Math.abs(countZ(x, mu, 0));
    const nb = Math.abs(countZ(x, mu, 0.5));
    assert.ok(nb < p, `x=${x} mu=${mu}: ${nb} not below ${p}`);
    assert.ok(nb > 0);
  }
});

test('a count at its expected value is not surprising, and a zero rate makes any report maximal', () => {
  assert.equal(countZ(5, 5, 0), 0);
  assert.equal(countZ(0, 0.3, 0), 0);
  assert.ok(countZ(1, 0, 0) > 30);
});
