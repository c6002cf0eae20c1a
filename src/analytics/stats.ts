// Small statistics the history shows: mean and median, with how many values they come from.

export interface Summary {
  n: number;
  meanMs: number | null;
  medianMs: number | null;
  maxMs: number | null;
}

export function summarize(values: readonly (number | null | undefined)[]): Summary {
  const v = values.filter((x): x is number => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return { n: 0, meanMs: null, medianMs: null, maxMs: null };
  const mid = v.length >> 1;
  return {
    n: v.length,
    meanMs: v.reduce((a, b) => a + b, 0) / v.length,
    medianMs: v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2,
    maxMs: v[v.length - 1]!,
  };
}
