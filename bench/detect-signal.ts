// Detection figures on generated traces (daily and weekly rhythm, Poisson noise, an old outage in the
// history), over many seeds: time for a 5× surge to reach "problems detected", flags raised by a
// normal week, and by a flood from one network prefix (through the same gate as intake).
//
//   node dist/bench/detect-signal.js [--quick] [--seeds N]
import { Gate } from '../src/signals/reports/gate.js';
import { DEFAULT_LEVEL_SETTINGS, ServiceSignal } from '../src/signals/reports/signal.js';
import { feedTrace as run, usualReports as usual } from '../src/signals/reports/traces.js';
import { seededRandom as rng } from '../src/core/random.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const si = args.indexOf('--seeds');
const SEEDS = si >= 0 ? Number(args[si + 1]) : quick ? 3 : 20;
const MIN = 60_000;
const DAY = 86_400_000;
const T0 = Date.UTC(2024, 0, 1);

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
