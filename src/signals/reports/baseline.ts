// The seasonal rate of crowd reports: what volume is usual for this hour of the week, learned from
// the service's own past (signal.ts reads its expectation and spread; the level is decided there on
// `detection.false_alarms`). Latency and `vigie detect` use the streaming detector in
// src/detect/anomaly instead, which has timescales, flatlines and per-series calibration.
//
// How it learns (pure, O(1) per value, no look-ahead):
// - Values are grouped by clock hour. Each closed hour keeps its mean and spread (standard
//   deviation within the hour) in a ring covering `weeks` + 1 weeks.
// - The expectation for hour h is the MEDIAN of the same hour in the previous weeks (hour of week)
//   when at least 3 are known, else of the same hour on the previous 7 days (hour of day), else of
//   the last few hours; the spread is the median of those hours' spreads. A median ignores an
//   earlier outage as long as it is not the majority of the hours it looks at.
// - Values are winsorized before they enter the history: clipped to expected ± k·spread, so an
//   outage that does reach the history moves it by at most k spreads.
// - Inside an hour the expectation is interpolated between hour centres, so a steep daily rhythm
//   does not look like an anomaly at the hour's edges.
// - Before any hourly history exists, a winsorized exponentially weighted mean and mean absolute
//   deviation stand in (the first `warmup` values score 0).
// Counts (reports per minute) add a Poisson floor to the spread: sqrt(expected).

export type Direction = 'up' | 'down' | 'both';

export interface DetectorOptions {
  /** Which side counts as unusual. Reports and latency: up. Default both. */
  direction?: Direction;
  /** Values are event counts: the spread is at least sqrt(expected + 0.25). */
  count?: boolean;
  /** Weeks of hourly history kept and used for the hour-of-week median. Default 4. */
  weeks?: number;
  /** Winsorizing bound, in spreads. Default 3. */
  clip?: number;
  /** Values scored 0 while nothing is known. Default 20. */
  warmup?: number;
  /** Deviations (in spreads) below this score 0. Default 3. */
  z0?: number;
}

export interface Expectation {
  /** Expected value. NaN while warming up. */
  mean: number;
  /** Expected spread (one standard deviation of a single value), floors included. */
  spread: number;
}

const HOUR = 3_600_000;
const WEEK_H = 168;
const DAY_H = 24;

/** 0 below z0, rising to 1: 0.39 at z0+2, 0.86 at z0+4, 0.99 at z0+6. */
export function scoreOf(z: number, z0 = 3): number {
  if (!(z > z0)) return 0;
  const d = z - z0;
  return 1 - Math.exp(-(d * d) / 8);
}

function median(a: number[], n: number): number {
  // Insertion sort: n is at most a handful.
  for (let i = 1; i < n; i++) {
    const v = a[i]!;
    let j = i - 1;
    while (j >= 0 && a[j]! > v) {
      a[j + 1] = a[j]!;
      j--;
    }
    a[j + 1] = v;
  }
  return n % 2 === 1 ? a[(n - 1) >> 1]! : (a[n / 2 - 1]! + a[n / 2]!) / 2;
}

export class SeasonalDetector {
  private readonly dir: Direction;
  private readonly count: boolean;
  private readonly weeks: number;
  private readonly clip: number;
  private readonly warmup: number;
  private readonly z0: number;
  private readonly ring: number;
  private readonly hourOf: Float32Array;
  private readonly means: Float32Array;
  private readonly spreads: Float32Array;

  // The open hour.
  private cur = NaN;
  private n = 0;
  private sum = 0;
  private sumSq = 0;
  // Expectations of the open hour and its neighbours, computed once per hour.
  private ePrev = NaN;
  private eCur = NaN;
  private eNext = NaN;
  private sCur = NaN;
  /** The open hour's expectation comes from the same hour on earlier days or weeks (so it may winsorize). */
  private seasonal = false;
  // Fallback: winsorized EWMA and EW mean absolute deviation.
  private lvl = NaN;
  private mad = 0;
  /** EW mean absolute residual against the seasonal expectation: the spread when hours hold one value each. */
  private rmad = NaN;
  private seen = 0;
  private readonly scratchA: number[] = [];
  private readonly scratchB: number[] = [];

  constructor(o: DetectorOptions = {}) {
    this.dir = o.direction ?? 'both';
    this.count = o.count ?? false;
    this.weeks = Math.max(1, o.weeks ?? 4);
    this.clip = o.clip ?? 3;
    this.warmup = o.warmup ?? 20;
    this.z0 = o.z0 ?? 3;
    // The oldest hour ever read is `weeks` weeks (at least the 7 days of the hour-of-day median)
    // before the hour before the open one: a ring one slot longer is enough, and an hour found in it
    // is the hour asked for (hourOf), so a longer ring would change nothing but the memory: with
    // one week, as per-monitor latency keeps, 170 slots instead of 336, 40 MB less at 10,000 monitors.
    // One buffer for the three columns: one allocation per detector, not three. Float32 halves it
    // again: hour numbers stay exact (below 2^24, the year 3884) and a mean or spread to 7 digits is
    // more than a score needs.
    this.ring = WEEK_H * this.weeks + 2;
    const buf = new ArrayBuffer(this.ring * 3 * Float32Array.BYTES_PER_ELEMENT);
    this.hourOf = new Float32Array(buf, 0, this.ring).fill(NaN);
    this.means = new Float32Array(buf, this.ring * 4, this.ring);
    this.spreads = new Float32Array(buf, this.ring * 8, this.ring);
  }

  /** What is expected at time t (epoch ms), from what was seen before. */
  expect(t: number): Expectation {
    const h = Math.floor(t / HOUR);
    if (h > this.cur || this.cur !== this.cur) this.enter(h);
    const mean = this.meanAt(t);
    return { mean, spread: this.spreadAt(mean) };
  }

  /** Scores the value against what was expected at t, then learns from it. Returns 0..1. */
  update(t: number, x: number): number {
    const h = Math.floor(t / HOUR);
    if (h !== this.cur) {
      // A timestamp from an earlier hour (unsorted input) is scored and learned in the open one.
      if (!(h < this.cur)) this.enter(h);
    }
    const e = this.meanAt(t);
    let z = 0;
    let learn = x;
    if (e === e) {
      const s = this.spreadAt(e);
      const d = (x - e) / s;
      z = this.dir === 'up' ? d : this.dir === 'down' ? -d : Math.abs(d);
      if (this.seasonal) {
        const lo = e - this.clip * s;
        const hi = e + this.clip * s;
        learn = x < lo ? lo : x > hi ? hi : x;
      }
      if (this.eCur === this.eCur) {
        const r = Math.abs(learn - e);
        this.rmad = this.rmad === this.rmad ? this.rmad + 0.05 * (r - this.rmad) : r;
      }
    }
    // Fallback level.
    if (this.lvl !== this.lvl) this.lvl = x;
    else {
      const bound = this.clip * 1.25 * this.mad;
      const r = x - this.lvl;
      const c = this.seen < this.warmup || bound === 0 ? r : r > bound ? bound : r < -bound ? -bound : r;
      this.lvl += 0.05 * c;
      this.mad += 0.05 * (Math.abs(c) - this.mad);
    }
    this.seen++;
    this.n++;
    this.sum += learn;
    this.sumSq += learn * learn;
    return scoreOf(z, this.z0);
  }

  private meanAt(t: number): number {
    if (this.eCur === this.eCur) {
      const f = (t - this.cur * HOUR) / HOUR - 0.5;
      if (f < 0) return this.ePrev === this.ePrev ? this.eCur + (this.eCur - this.ePrev) * f : this.eCur;
      return this.eNext === this.eNext ? this.eCur + (this.eNext - this.eCur) * f : this.eCur;
    }
    if (this.seen < this.warmup) return NaN;
    return this.lvl;
  }

  private spreadAt(e: number): number {
    let s = this.eCur !== this.eCur ? 1.25 * this.mad : this.sCur === this.sCur ? this.sCur : this.rmad === this.rmad ? 1.25 * this.rmad : 1.25 * this.mad;
    if (this.count) {
      const p = Math.sqrt((e > 0 ? e : 0) + 0.25);
      if (s < p) s = p;
    } else {
      const floor = Math.max(Math.abs(e) * 0.01, 1e-9);
      if (!(s >= floor)) s = floor;
    }
    return s;
  }

  /** Closes the open hour into the history and prepares hour h. */
  private enter(h: number): void {
    if (this.cur === this.cur && this.n > 0) {
      const i = this.slot(this.cur);
      const m = this.sum / this.n;
      const v = this.n > 1 ? Math.max(0, this.sumSq / this.n - m * m) * (this.n / (this.n - 1)) : NaN;
      this.hourOf[i] = this.cur;
      this.means[i] = m;
      this.spreads[i] = v === v ? Math.sqrt(v) : NaN;
    }
    this.cur = h;
    this.n = 0;
    this.sum = 0;
    this.sumSq = 0;
    this.ePrev = this.expectHour(h - 1, h);
    const cur = this.expectHourWithSpread(h, h);
    this.eCur = cur[0];
    this.sCur = cur[1];
    this.eNext = this.expectHour(h + 1, h);
  }

  private slot(h: number): number {
    const i = h % this.ring;
    return i < 0 ? i + this.ring : i;
  }

  private known(h: number, now: number): boolean {
    return h < now && this.hourOf[this.slot(h)] === h;
  }

  private expectHour(h: number, now: number): number {
    return this.expectHourWithSpread(h, now)[0];
  }

  /** [mean, spread] for hour h from hours strictly before `now`; NaN when nothing fits. */
  private expectHourWithSpread(h: number, now: number): [number, number] {
    const ms = this.scratchA;
    const ss = this.scratchB;
    let n = 0;
    let ns = 0;
    const take = (hh: number) => {
      const i = this.slot(hh);
      ms[n++] = this.means[i]!;
      const s = this.spreads[i]!;
      if (s === s) ss[ns++] = s;
    };
    for (let k = 1; k <= this.weeks; k++) if (this.known(h - k * WEEK_H, now)) take(h - k * WEEK_H);
    if (n < 3) {
      n = 0;
      ns = 0;
      for (let k = 1; k <= 7; k++) if (this.known(h - k * DAY_H, now)) take(h - k * DAY_H);
    }
    if (n >= 3) {
      if (h === now) this.seasonal = true;
      return [median(ms, n), ns > 0 ? median(ss, ns) : NaN];
    }
    // Not enough days yet: the last few hours, whatever their time of day. Their drift adds to the
    // spread, and nothing is winsorized against so rough a guess.
    if (h === now) this.seasonal = false;
    n = 0;
    ns = 0;
    for (let k = 1; k <= 6 && n < 3; k++) if (this.known(now - k, now)) take(now - k);
    if (n === 0) return [NaN, NaN];
    let mean = 0;
    for (let i = 0; i < n; i++) mean += ms[i]!;
    mean /= n;
    let drift = 0;
    for (let i = 0; i < n; i++) drift += (ms[i]! - mean) ** 2;
    const within = ns > 0 ? median(ss, ns) : 0;
    return [median(ms, n), Math.sqrt(within * within + drift / Math.max(1, n - 1))];
  }
}
