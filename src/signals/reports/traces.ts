// Synthetic crowd-report traces for backtests: a daily and weekly rhythm with Poisson noise, fed
// into a signal the way intake and the app's tick would. The tests and the detection bench share them.
import type { CrowdLevel, ServiceSignal } from './signal.js';

const MIN = 60_000;
const DAY = 86_400_000;

/** A Poisson draw; above 60 the normal approximation, so floods cost no more than quiet minutes. */
export function poisson(r: () => number, lambda: number): number {
  if (lambda > 60) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * gauss(r)));
  const l = Math.exp(-lambda);
  let k = 0;
  let p = 1;
  do {
    k++;
    p *= r();
  } while (p > l);
  return k - 1;
}

/** A standard normal draw (Box–Muller). */
export function gauss(r: () => number): number {
  return Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
}

/** Usual reports per minute: 4 at night, about 20 in the evening, 30 % less at weekends. */
export function usualReports(t: number): number {
  const hour = ((t % DAY) / 3_600_000) % 24;
  const dow = (Math.floor(t / DAY) + 4) % 7; // 0 = Sunday (1970-01-01 was a Thursday)
  const daily = 4 + 16 * (0.5 - 0.5 * Math.cos((2 * Math.PI * (hour - 6)) / 24));
  return daily * (dow === 0 || dow === 6 ? 0.7 : 1);
}

/**
 * Feeds minutes [from, to) of a trace with the given rate into the signal, evaluating every 15 s;
 * returns the level changes. `eachMinute` runs before each minute (e.g. to add a flood through a gate).
 */
export function feedTrace(
  sig: ServiceSignal,
  r: () => number,
  from: number,
  to: number,
  rate: (t: number) => number,
  eachMinute?: (m: number) => void,
): { at: number; to: CrowdLevel }[] {
  const changes: { at: number; to: CrowdLevel }[] = [];
  for (let m = from; m < to; m += MIN) {
    eachMinute?.(m);
    const n = poisson(r, rate(m + MIN / 2));
    const times = Array.from({ length: n }, () => m + r() * MIN).sort((a, b) => a - b);
    let i = 0;
    for (let tick = m + 15_000; tick <= m + MIN; tick += 15_000) {
      while (i < times.length && times[i]! < tick) sig.add('website', times[i++]!);
      const c = sig.evaluate(tick);
      if (c) changes.push({ at: tick, to: c.to });
    }
  }
  return changes;
}
