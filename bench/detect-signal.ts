// Detection figures on generated traces (daily and weekly rhythm, Poisson noise, an old outage in the
// history), over many seeds: time for a 5× surge to reach "problems detected", flags raised by a
// normal week, and by a flood from one network prefix (through the same gate as intake).
//
//   node dist/bench/detect-signal.js [--quick] [--seeds N]
import { Gate } from '../src/signals/reports/gate.js';
import { DEFAULT_LEVEL_SETTINGS, type CrowdLevel, ServiceSignal } from '../src/signals/reports/signal.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const si = args.indexOf('--seeds');
const SEEDS = si >= 0 ? Number(args[si + 1]) : quick ? 3 : 20;
const MIN = 60_000;
const DAY = 86_400_000;
const T0 = Date.UTC(2024, 0, 1);

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function poisson(r: () => number, lambda: number): number {
  const l = Math.exp(-lambda);
  let k = 0;
  let p = 1;
  do {
    k++;
    p *= r();
  } while (p > l);
  return k - 1;
}
function usual(t: number): number {
  const hour = ((t % DAY) / 3_600_000) % 24;
  const dow = (Math.floor(t / DAY) + 4) % 7;
  const daily = 4 + 16 * (0.5 - 0.5 * Math.cos((2 * Math.PI * (hour - 6)) / 24));
  return daily * (dow === 0 || dow === 6 ? 0.7 : 1);
}
function run(sig: ServiceSignal, r: () => number, from: number, to: number, rate: (t: number) => number, extra?: (m: number) => void) {
  const changes: { at: number; to: CrowdLevel }[] = [];
  for (let m = from; m < to; m += MIN) {
    extra?.(m);
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

const latencies: number[] = [];
let missed = 0;
let normalFlags = 0;
let normalWeeks = 0;
let floodFlags = 0;
let floodCounted = 0;
let floodOffered = 0;
const t0 = performance.now();
for (let seed = 1; seed <= SEEDS; seed++) {
  const r = rng(seed * 7919);
  const sig = new ServiceSignal('acme', ['website'], DEFAULT_LEVEL_SETTINGS, T0);
  const outFrom = T0 + (7 + (seed % 7)) * DAY + (seed % 24) * 3_600_000;
  run(sig, r, T0, T0 + 28 * DAY, (t) => (t >= outFrom && t < outFrom + 2 * 3_600_000 ? 10 : 1) * usual(t));
  // A normal week.
  const wk = T0 + 28 * DAY;
  normalFlags += run(sig, r, wk, wk + 7 * DAY, usual).length;
  normalWeeks++;
  // Surges of 5× at four times of day, each 30 min, then 90 min of calm.
  let t = wk + 7 * DAY;
  for (const hour of [3, 9, 14, 19]) {
    const start = Math.floor(t / DAY) * DAY + DAY + hour * 3_600_000;
    run(sig, r, t, start, usual);
    const ch = run(sig, r, start, start + 30 * MIN, (x) => 5 * usual(x));
    const d = ch.find((c) => c.to === 'detected');
    if (d) latencies.push((d.at - start) / 1000);
    else missed++;
    t = start + 30 * MIN;
    run(sig, r, t, t + 90 * MIN, usual);
    t += 90 * MIN;
  }
  // A flood from one /24: 2,000 reports a minute for an hour, through the intake gate.
  const gate = new Gate({ windowMs: 10 * MIN, perReporterPerMinute: 10, perPrefixPerMinute: 60, prefixCap: 3 });
  const fs = Math.floor(t / DAY) * DAY + DAY + 12 * 3_600_000;
  run(sig, r, t, fs, usual);
  floodFlags += run(sig, r, fs, fs + 60 * MIN, usual, (m) => {
    for (let i = 0; i < 2000; i++) {
      const at = m + (i / 2000) * MIN;
      floodOffered++;
      const g = gate.admit('acme', Math.floor(r() * 2 ** 47), 7, at);
      if (g.ok && g.counted) {
        floodCounted++;
        sig.add('website', at);
      }
    }
  }).length;
}
latencies.sort((a, b) => a - b);
const result = {
  bench: 'detect-signal',
  quick,
  seeds: SEEDS,
  surges: latencies.length + missed,
  detected: latencies.length,
  missed,
  detect_s_p50: latencies[Math.floor(latencies.length / 2)] ?? null,
  detect_s_max: latencies.at(-1) ?? null,
  within_3_min: latencies.filter((x) => x <= 180).length,
  normal_weeks: normalWeeks,
  normal_week_flags: normalFlags,
  flood_reports: floodOffered,
  flood_counted: floodCounted,
  flood_flags: floodFlags,
  seconds: Math.round((performance.now() - t0) / 100) / 10,
};
process.stdout.write(JSON.stringify(result) + '\n');
process.stdout.write(
  `${result.detected}/${result.surges} 5× surges reached "problems detected" (median ${result.detect_s_p50} s, slowest ${result.detect_s_max} s, ${result.within_3_min} within 3 min); ` +
    `${normalFlags} flags in ${normalWeeks} normal weeks; a one-prefix flood of ${floodOffered.toLocaleString('en')} reports counted ${floodCounted} and raised ${floodFlags} flags.\n`,
);
process.exitCode = missed === 0 && normalFlags === 0 && floodFlags === 0 && result.within_3_min === latencies.length ? 0 : 1;
