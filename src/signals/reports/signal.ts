// From counted reports to a level: per service (and per category), reports per minute against the
// volume the streaming detector (src/detect/anomaly, counts read as such, with its daily profile)
// expects for that minute, over a short sliding window.
//
//   n = counted reports in the last `window` minutes (the current minute pro rata in the expectation)
//   e = expected reports in that window, v = its variance (spreads², Poisson floor included)
//   z = 2·(√(n + 3/8) − √(e + 3/8)), scaled by √(e / v) when the learned spread exceeds Poisson
//   S = -log10 P(Z ≥ z): how rare that window is for this service at this time of week
//   possible problems: S ≥ S1, n ≥ 2·e and n ≥ min_reports / 2
//   problems detected: S ≥ S1 + 2 (a hundred times rarer), n ≥ 3·e and n ≥ min_reports
// S1 comes from `detection.false_alarms` (default 1/30d: about one "possible problems" a month
// from chance alone on a service): a window read every minute is past S1 = log10(43,200) = 4.6
// (z ≈ 4.1) about once in 30 days. The z thresholds are divided by the service's weight
// (0 < weight ≤ 1). A level is entered once its condition has held for `hold` and left once it has
// failed for `cool`: both volume and duration.
//
// While a level is raised, its minutes are not learned as the usual volume: an outage in a service's
// first hours stays an outage instead of becoming the expectation an hour in. The detector still
// follows them, and a volume that lasts past CROWD_RELEARN_MS is taken as the new usual whatever the
// level says, so a series can never stay stuck on a past it no longer resembles (a new service whose
// only history is zeros, then steady traffic, comes back to "none").
import { type FalseAlarmRate, surpriseThreshold } from '../../detect/anomaly/alarms.js';
import { toScore } from '../../detect/anomaly/score.js';
import { normalSurprise, zForSurprise } from '../../detect/anomaly/tails.js';
import { AnomalyDetector, type Expectation } from '../../detect/anomaly/detector.js';

export const CROWD_LEVELS = ['none', 'possible', 'detected'] as const;
export type CrowdLevel = (typeof CROWD_LEVELS)[number];

export interface LevelSettings {
  windowMinutes: number;
  holdMs: number;
  coolMs: number;
  minReports: number;
  weight: number;
  /** False alarms allowed per service from chance alone (detection.false_alarms). */
  falseAlarms: FalseAlarmRate;
}

export const DEFAULT_FALSE_ALARMS: FalseAlarmRate = { count: 1, per: 30 * 86_400_000 };
export const DEFAULT_LEVEL_SETTINGS: LevelSettings = { windowMinutes: 3, holdMs: 45_000, coolMs: 5 * 60_000, minReports: 10, weight: 1, falseAlarms: DEFAULT_FALSE_ALARMS };

/** The z a window must reach for "possible problems" and "problems detected" at a false-alarm rate. */
export function levelThresholds(fa: FalseAlarmRate): { possible: number; detected: number; surprise: number } {
  const s1 = surpriseThreshold(fa, MIN);
  return { possible: zForSurprise(s1), detected: zForSurprise(s1 + 2), surprise: s1 };
}

export interface LevelChange {
  serviceId: string;
  from: CrowdLevel;
  to: CrowdLevel;
  at: number;
  score: number;
  reason: string;
}

const MIN = 60_000;
const DAY_MIN = 1440;
/** A restart longer than this starts the series afresh at now instead of replaying empty minutes. */
const MAX_GAP_MIN = 6 * 7 * DAY_MIN;
const NO_MINUTE = -(2 ** 31);

/** Minutes a category series keeps: enough for `recent(now, 60)` and the longest window (1 h). */
const CATEGORY_KEEP_MIN = 64;

/** How long a raised volume is kept out of the usual before it is taken as the new usual. */
export const CROWD_RELEARN_MS = 6 * 3_600_000;
/** Minutes scored before the detector has an expectation (the first minutes of a new service). */
const CROWD_WARMUP_MIN = 20;

/** One series of counts per minute, with what was expected of each closed minute (the last `keep`). */
export class MinuteSeries {
  readonly det = new AnomalyDetector({ direction: 'up', kind: 'count', warmup: CROWD_WARMUP_MIN, relearnMs: CROWD_RELEARN_MS });
  /** Set by the series' level: while a level is raised, closed minutes are not learned as usual. */
  holding = false;
  private readonly e: Expectation = { mean: NaN, spread: NaN };
  private open: number;
  private openCount = 0;
  // Minute numbers need 32-bit integers (~29 M now); counts, expectations and spreads fit Float32.
  private readonly minuteOf: Int32Array;
  private readonly counts: Float32Array;
  private readonly exp: Float32Array;
  private readonly spr: Float32Array;

  /** `keep`: minutes of history (the day for a service's chart; categories only read the last hour). */
  constructor(
    startMinute: number,
    private readonly keep = DAY_MIN,
  ) {
    this.open = startMinute;
    this.minuteOf = new Int32Array(keep).fill(NO_MINUTE);
    this.counts = new Float32Array(keep);
    this.exp = new Float32Array(keep);
    this.spr = new Float32Array(keep);
  }

  private slot(m: number): number {
    return ((m % this.keep) + this.keep) % this.keep;
  }

  get openMinute(): number {
    return this.open;
  }

  add(minute: number, n = 1): void {
    if (minute > this.open) this.advanceTo(minute);
    this.openCount += n; // a report for a minute already closed lands in the open one
  }

  /** Closes every minute before `minute`. */
  advanceTo(minute: number): void {
    if (minute - this.open > MAX_GAP_MIN) this.open = minute - MAX_GAP_MIN;
    while (this.open < minute) {
      const m = this.open;
      const t = m * MIN + MIN / 2;
      const e = this.det.expect(t, this.e);
      this.det.update(t, this.openCount, !this.holding);
      const i = this.slot(m);
      this.minuteOf[i] = m;
      this.counts[i] = this.openCount;
      this.exp[i] = e.mean;
      this.spr[i] = e.spread;
      this.openCount = 0;
      this.open++;
    }
  }

  /** Observed, expected and variance over the last `w` minutes ending at `now` (open minute included). */
  window(now: number, w: number): { n: number; e: number; v: number } {
    const nowMin = Math.floor(now / MIN);
    this.advanceTo(nowMin);
    let n = this.openCount;
    const cur = this.det.expect(now, this.e);
    const frac = Math.min(1, Math.max(0, (now - nowMin * MIN) / MIN));
    const e0 = cur.mean === cur.mean ? cur.mean : 0;
    let e = e0 * frac;
    let v = (cur.spread === cur.spread ? cur.spread * cur.spread : e0 + 0.25) * frac;
    for (let m = nowMin - w + 1; m < nowMin; m++) {
      const i = this.slot(m);
      if (this.minuteOf[i] !== m) continue;
      n += this.counts[i]!;
      const em = this.exp[i]!;
      const sm = this.spr[i]!;
      e += em === em ? em : 0;
      v += sm === sm ? sm * sm : 0.25;
    }
    return { n, e, v: Math.max(v, 0.25) };
  }

  /** Counts in the last `minutes` minutes, the open one included. */
  recent(now: number, minutes: number): number {
    const nowMin = Math.floor(now / MIN);
    this.advanceTo(nowMin);
    let n = this.openCount;
    for (let m = nowMin - minutes + 1; m < nowMin; m++) {
      const i = this.slot(m);
      if (this.minuteOf[i] === m) n += this.counts[i]!;
    }
    return n;
  }

  /** The last `keep` minutes (24 h for a service), minute by minute: counts and what was expected (NaN where nothing was known). */
  history(now: number): { from: number; counts: number[]; expected: number[]; spread: number[] } {
    const nowMin = Math.floor(now / MIN);
    this.advanceTo(nowMin);
    const from = nowMin - this.keep + 1;
    const counts: number[] = [];
    const expected: number[] = [];
    const spread: number[] = [];
    for (let m = from; m < nowMin; m++) {
      const i = this.slot(m);
      const ok = this.minuteOf[i] === m;
      counts.push(ok ? this.counts[i]! : 0);
      expected.push(ok ? this.exp[i]! : NaN);
      spread.push(ok ? this.spr[i]! : NaN);
    }
    const cur = this.det.expect(now, this.e);
    counts.push(this.openCount);
    expected.push(cur.mean);
    spread.push(cur.spread);
    return { from: from * MIN, counts, expected, spread };
  }
}

const RANK: Record<CrowdLevel, number> = { none: 0, possible: 1, detected: 2 };

export interface LevelView {
  level: CrowdLevel;
  since: number;
  score: number;
  observed: number;
  expected: number;
  z: number;
}

/** The level state of one series. */
export class LevelState {
  level: CrowdLevel = 'none';
  since: number;
  score = 0;
  z = 0;
  observed = 0;
  expected = 0;
  private atLeast: (number | undefined)[] = [undefined, undefined, undefined];
  private th: { possible: number; detected: number; surprise: number };
  private below: (number | undefined)[] = [undefined, undefined, undefined];

  constructor(
    private settings: LevelSettings,
    now: number,
  ) {
    this.since = now;
    this.th = levelThresholds(settings.falseAlarms);
  }

  setSettings(s: LevelSettings): void {
    if (s.falseAlarms.count !== this.settings.falseAlarms.count || s.falseAlarms.per !== this.settings.falseAlarms.per) this.th = levelThresholds(s.falseAlarms);
    this.settings = s;
  }

  /** Re-evaluates at `now`; returns the previous level when it changed. */
  evaluate(series: MinuteSeries, now: number): CrowdLevel | undefined {
    const s = this.settings;
    const wt = s.weight > 0 ? s.weight : 1;
    const { n, e, v } = series.window(now, s.windowMinutes);
    // Anscombe's variance-stabilised difference: honest Poisson tails at small counts (a Gaussian z
    // would call 28 reports against 13 expected a 4σ event; it is a 1-in-3,000 one). Scaled down when
    // the learned spread is wider than Poisson.
    const z = 2 * (Math.sqrt(n + 0.375) - Math.sqrt(e + 0.375)) * Math.min(1, Math.sqrt((e + 0.25 * s.windowMinutes) / v));
    this.z = z;
    this.observed = n;
    this.expected = e;
    this.score = toScore(z > 0 ? normalSurprise(z) : 0);
    const floorE = Math.max(e, 0.5);
    const th = this.th;
    const cand =
      z >= th.detected / wt && n >= 3 * floorE && n >= s.minReports / wt ? 2 : z >= th.possible / wt && n >= 2 * floorE && n >= s.minReports / 2 / wt ? 1 : 0;
    for (let l = 1; l <= 2; l++) {
      if (cand >= l) {
        this.atLeast[l] ??= now;
        this.below[l] = undefined;
      } else {
        this.atLeast[l] = undefined;
        this.below[l] ??= now;
      }
    }
    let next = RANK[this.level];
    for (let l = 2; l > next; l--) {
      const a = this.atLeast[l];
      if (a !== undefined && now - a >= s.holdMs) {
        next = l;
        break;
      }
    }
    if (next === RANK[this.level]) while (next > 0 && this.below[next] !== undefined && now - this.below[next]! >= s.coolMs) next--;
    const to = CROWD_LEVELS[next]!;
    series.holding = next > 0;
    if (to === this.level) return undefined;
    const from = this.level;
    this.level = to;
    this.since = now;
    return from;
  }

  view(): LevelView {
    return { level: this.level, since: this.since, score: this.score, observed: this.observed, expected: this.expected, z: this.z };
  }
}

export class ServiceSignal {
  readonly total: MinuteSeries;
  readonly byCategory = new Map<string, MinuteSeries>();
  readonly state: LevelState;
  readonly categoryStates = new Map<string, LevelState>();

  constructor(
    readonly id: string,
    categories: string[],
    private settings: LevelSettings,
    now: number,
  ) {
    const m = Math.floor(now / MIN);
    this.total = new MinuteSeries(m);
    this.state = new LevelState(settings, now);
    this.setCategories(categories, now);
  }

  get levelSettings(): LevelSettings {
    return this.settings;
  }

  setCategories(categories: string[], now: number): void {
    for (const c of categories) if (!this.byCategory.has(c)) this.addCategory(c, now);
  }

  private addCategory(c: string, now: number): MinuteSeries {
    const series = new MinuteSeries(this.total.openMinute, CATEGORY_KEEP_MIN);
    this.byCategory.set(c, series);
    this.categoryStates.set(c, new LevelState(this.settings, now));
    return series;
  }

  setSettings(s: LevelSettings): void {
    this.settings = s;
    this.state.setSettings(s);
    for (const st of this.categoryStates.values()) st.setSettings(s);
  }

  add(category: string, at: number, n = 1): void {
    const m = Math.floor(at / MIN);
    this.total.add(m, n);
    (this.byCategory.get(category) ?? this.addCategory(category, at)).add(m, n);
  }

  /** The service's level follows its total; categories get their own levels for display. */
  evaluate(now: number): LevelChange | undefined {
    for (const [c, st] of this.categoryStates) st.evaluate(this.byCategory.get(c)!, now);
    const from = this.state.evaluate(this.total, now);
    if (from === undefined) return undefined;
    const v = this.state.view();
    return {
      serviceId: this.id,
      from,
      to: v.level,
      at: now,
      score: v.score,
      reason: `${v.observed} reports in ${this.settings.windowMinutes} min, ${v.expected.toFixed(1)} expected (z ${v.z.toFixed(1)})`,
    };
  }
}
