// Tail probabilities as surprise: S = -log10(p), so 2 means "1 in 100", 6 "1 in a million".
// Working in logs keeps resolution where it matters (p = 1e-12 and 1e-30 stay apart) and never
// overflows; the erfc approximation is Numerical Recipes' erfcc (fractional error < 1.2e-7), whose
// exp(...) form gives the logarithm directly.

const LOG10E = Math.LOG10E;

/** -log10 P(Z >= z) for a standard normal Z (0 for z <= 0 would lie: it is log10(2)-ish, we return the true value). */
export function normalSurprise(z: number): number {
  if (!(z === z)) return 0;
  const x = z / Math.SQRT2;
  const ax = Math.abs(x);
  const t = 1 / (1 + 0.5 * ax);
  const poly =
    -ax * ax -
    1.26551223 +
    t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  // ln erfc(|x|) = ln t + poly; Q(z) = erfc(x)/2 for z >= 0, 1 - erfc(|x|)/2 below.
  if (x >= 0) return -(Math.log(t) + poly - Math.LN2) * LOG10E;
  const q = 1 - 0.5 * t * Math.exp(poly);
  return -Math.log(q) * LOG10E;
}

/** Surprise of a signed z for the side(s) watched: one-sided tails, doubled (one bit) for both sides. */
export function sidedSurprise(z: number, dir: Direction): number {
  // Below 1.5 spreads (p > 0.07) nothing is unusual: skip the logarithms (most values land here).
  if (dir === 'up') return z > 1.5 ? normalSurprise(z) : 0;
  if (dir === 'down') return z < -1.5 ? normalSurprise(-z) : 0;
  if (z < 1.5 && z > -1.5) return 0;
  const s = normalSurprise(Math.abs(z)) - Math.LOG10E * Math.LN2;
  return s > 0 ? s : 0;
}

export type Direction = 'up' | 'down' | 'both';

/** The z whose one-sided normal surprise is s (bisection: called once per setting, not per value). */
export function zForSurprise(s: number): number {
  let lo = 0;
  let hi = 40;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (normalSurprise(mid) < s) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * Signed z of a count x under a negative binomial of mean mu and over-dispersion invK (variance
 * mu + invK·mu²; 0 is Poisson): the signed root of the deviance, with a half-unit continuity
 * correction, whose normal tail approximates the exact discrete tail well even for a rate of one
 * report an hour (where a transform to a normal, such as Anscombe's, has no spread to speak of).
 */
export function countZ(x: number, mu: number, invK: number): number {
  if (!(mu > 0)) return x > 0 ? 40 : 0;
  const up = x > mu;
  const v = up ? x - 0.5 : x + 0.5;
  if (up ? v <= mu : v >= mu) return 0;
  let d: number;
  const a = v > 0 ? v * Math.log(v / mu) : 0;
  if (invK > 1e-9) {
    const k = 1 / invK;
    d = 2 * (a - (v + k) * Math.log1p((v - mu) / (mu + k)));
  } else d = 2 * (a - (v - mu));
  const z = d > 0 ? Math.sqrt(d) : 0;
  return up ? z : -z;
}
