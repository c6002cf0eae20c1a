// Rollup values and their arithmetic, without I/O: shared by the rollup job (rollups.ts), the
// block storage of minute and hour rollups (rollup-blocks.ts) and whoever reads them.
export const RESOLUTIONS = ['minute', 'hour', 'day'] as const;
export type Resolution = (typeof RESOLUTIONS)[number];
export const RESOLUTION_MS: Record<Resolution, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
export const DAY_MS = RESOLUTION_MS.day;

/** Upper bounds (ms, inclusive) of the latency buckets h0…h10; h11 is everything slower. */
export const LATENCY_BOUNDS_MS = [25, 50, 100, 200, 300, 500, 750, 1000, 2000, 5000, 10_000] as const;

/** One rollup row as the code sees it. */
export interface Rollup {
  monitorId: string;
  bucket: number;
  count: number;
  okCount: number;
  degradedCount: number;
  /** Latency of successful checks only (a timeout's duration says nothing about speed). */
  latencySumMs: number;
  latencyMinMs: number | null;
  latencyMaxMs: number | null;
  /** Successful checks per latency bucket (LATENCY_BOUNDS_MS, then slower). */
  histogram: number[];
}

/** What a rollup needs of a check. */
export interface Checked {
  monitorId: string;
  at: number;
  ok: boolean;
  degraded: boolean;
  totalMs: number;
}

/** Checks summed per monitor and minute. Latency counts successful checks only. */
export function minuteRollups(checks: Iterable<Checked>): Rollup[] {
  return bucketRollups(checks, RESOLUTION_MS.minute);
}

/**
 * Checks summed per monitor and bucket of `ms` (a whole number of minutes): the same sums as minute
 * rollups merged into that bucket, without making the minutes first (the rollup job's day pass).
 */
export function bucketRollups(checks: Iterable<Checked>, ms: number): Rollup[] {
  const out = new Map<string, Rollup>();
  for (const c of checks) {
    const bucket = c.at - (((c.at % ms) + ms) % ms);
    const key = `${c.monitorId}\u0000${bucket}`;
    let r = out.get(key);
    if (!r) out.set(key, (r = { monitorId: c.monitorId, bucket, count: 0, okCount: 0, degradedCount: 0, latencySumMs: 0, latencyMinMs: null, latencyMaxMs: null, histogram: new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0) }));
    r.count++;
    if (c.degraded) r.degradedCount++;
    if (!c.ok) continue;
    r.okCount++;
    r.latencySumMs += c.totalMs;
    r.latencyMinMs = Math.min(r.latencyMinMs ?? Infinity, c.totalMs);
    r.latencyMaxMs = Math.max(r.latencyMaxMs ?? -Infinity, c.totalMs);
    r.histogram[latencyBucket(c.totalMs)]! += 1;
  }
  return [...out.values()];
}

function latencyBucket(ms: number): number {
  for (let i = 0; i < LATENCY_BOUNDS_MS.length; i++) if (ms <= LATENCY_BOUNDS_MS[i]!) return i;
  return LATENCY_BOUNDS_MS.length;
}

/** Folds rollups into coarser buckets of `ms`. */
export function mergeInto(list: Rollup[], ms: number): Rollup[] {
  const out = new Map<string, Rollup>();
  for (const r of list) {
    const bucket = r.bucket - (r.bucket % ms);
    const key = `${r.monitorId}\u0000${bucket}`;
    const cur = out.get(key);
    if (!cur) out.set(key, { ...r, bucket, histogram: [...r.histogram] });
    else mergeRollup(cur, r);
  }
  return [...out.values()];
}

export function mergeRollup(into: Rollup, r: Rollup): void {
  into.count += r.count;
  into.okCount += r.okCount;
  into.degradedCount += r.degradedCount;
  into.latencySumMs += r.latencySumMs;
  into.latencyMinMs = minN(into.latencyMinMs, r.latencyMinMs);
  into.latencyMaxMs = maxN(into.latencyMaxMs, r.latencyMaxMs);
  for (let i = 0; i < into.histogram.length; i++) into.histogram[i]! += r.histogram[i] ?? 0;
}

const minN = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.min(a, b));
const maxN = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b));

/**
 * The latency under which a fraction q of successful checks fell, read from the histogram with
 * linear interpolation inside the bucket (as Prometheus's histogram_quantile does); null without data.
 * The last bucket has no upper bound: its answer is the rollup's max.
 */
export function latencyQuantile(r: Pick<Rollup, 'histogram' | 'latencyMinMs' | 'latencyMaxMs'>, q: number): number | null {
  const total = r.histogram.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < r.histogram.length; i++) {
    const n = r.histogram[i]!;
    if (seen + n >= rank && n > 0) {
      const lo = Math.max(i === 0 ? 0 : LATENCY_BOUNDS_MS[i - 1]!, r.latencyMinMs ?? 0);
      const hi = Math.min(i < LATENCY_BOUNDS_MS.length ? LATENCY_BOUNDS_MS[i]! : Infinity, r.latencyMaxMs ?? Infinity);
      if (!Number.isFinite(hi)) return r.latencyMaxMs;
      return lo + (hi - lo) * ((rank - seen) / n);
    }
    seen += n;
  }
  return r.latencyMaxMs;
}

