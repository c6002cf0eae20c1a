// Scores on a log scale: a score s in [0, 1) stands for a surprise S = -log10(p) of
// S = C·s / (1 - s), so 0.5 is p = 1e-2, 0.75 p = 1e-6, 0.9 p = 1e-18, 0.99 p = 1e-198. It never
// saturates: two unusual values stay apart however unusual they are, and the same score means the
// same chance on every series, which is what lets one threshold serve them all.

const C = 2;

export function toScore(surprise: number): number {
  return surprise > 0 ? surprise / (surprise + C) : 0;
}

export function toSurprise(score: number): number {
  if (!(score > 0)) return 0;
  if (score >= 1) return Infinity;
  return (C * score) / (1 - score);
}
