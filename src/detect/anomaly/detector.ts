// The streaming anomaly detector: one instance per series, O(1) memory and time per value,
// deterministic (no randomness, no clock: time comes with each value).
//
// What it models (all learned from the series itself, no look-ahead):
// - Counts (every early value a whole number >= 0) are read through Anscombe's transform
//   2·sqrt(x + 3/8), under which Poisson noise has unit spread whatever the rate: one model then
//   serves a service with 400 reports a minute and one with a report an hour. Below ~10 per value
//   the transformed spread collapses (mostly zeros), so there the point is scored against a negative
//   binomial tail at the rate learned in counts, its over-dispersion estimated online (tails.ts).
// - A robust level (a Huber-clipped exponentially weighted mean) and, when the series shows one, a
//   daily profile; the profile is used only while it predicts better than the plain level.
// - Two point predictors, the level alone and the level plus a fast correction (a random walk is
//   predicted by its last values, white noise by its mean): the one with the smaller recent error
//   is used, with its own robust spread.
// - Timescales: the point; the last minutes (a short mean of residuals); the last hour (a longer
//   one, which sees drifts the level follows too slowly); the spread of recent residuals against
//   the usual one (spread changes); the run of identical values against how often this series
//   repeats itself (flatlines).
// Each timescale gives a tail probability, re-read against the series' own history of such
// probabilities (likelihood.ts); the score is the strongest of them, corrected for having looked
// several times. A sustained change of level is re-learned after `relearn` points: the level jumps
// to the recent one instead of crawling toward it for days; when the series comes back to the level
// of before (the end of an outage that lasted), that level is restored within a few values.
import { Calibrators } from './likelihood.js';
import { DailyProfile } from './season.js';
import { countZ, type Direction, sidedSurprise } from './tails.js';
import { toScore } from './score.js';
import { type Rates, Track } from './track.js';

export type { Direction } from './tails.js';

export type SeriesKind = 'auto' | 'count' | 'level';

export interface AnomalyOptions {
  /** Which side counts as unusual. Default both. */
  direction?: Direction;
  /** How values are read. auto: counts when the first values are all whole numbers >= 0. */
  kind?: SeriesKind;
  /** Values buffered before anything is scored (they decide the kind and the step). Default 32. */
  warmup?: number;
  /** Use the daily profile when it helps. Default true. */
  seasonal?: boolean;
  /**
   * How long a sustained change of level must last before it is taken as the new usual, in ms of
   * the series' own time. Default an hour (12 to 60 values). The crowd level uses hours: an outage
   * is not a new normal an hour in.
   */
  relearnMs?: number;
}

/** What the detector expects at a time, in the series' own units (see `expect`). */
export interface Expectation {
  mean: number;
  /** One robust standard deviation of a single value. */
  spread: number;
}

/** Which view of the series found the value unusual. */
export const FEATURES = ['point', 'minutes', 'hour', 'spread', 'flatline'] as const;
export type Feature = (typeof FEATURES)[number];

/** What the detector made of the last value, in the series' own units. */
export interface Reading {
  score: number;
  /** Calibrated surprise: -log10 of the chance of something at least this unusual. */
  surprise: number;
  expected: number;
  /** The usual level (without the fast correction that follows recent values). */
  level: number;
  /** Usual spread around `expected` (one robust standard deviation), NaN while warming up. */
  spread: number;
  feature: Feature;
  /** Signed deviation of the deciding feature, in its own spreads (the flatline: its length). */
  z: number;
}

const MIN = 60_000;
const HOUR = 3_600_000;
const K = 1.2533; // mean absolute deviation -> standard deviation under a normal
const LOG10_FEATURES = Math.log10(FEATURES.length);
const HUBER = 3;
/** Separate visits after which an edge of the series' range counts as one it is pinned at. */
const EDGE_VISITS = 3;

/** Above this rate per value a count is read on the Anscombe scale, whose spread is then learned well. */
const BUSY = 10;
/** Values in a row back at the level of before the last re-learning that restore it. */
const BACK = 3;

const EMPTY = new Float64Array(0);
const clamp = (v: number, lo: number, hi: number) => (v < lo ? lo : v > hi ? hi : v);

export class AnomalyDetector {
  readonly direction: Direction;
  private kindOpt: SeriesKind;
  private readonly warm: number;
  private readonly useSeason: boolean;
  private readonly relearnMs: number | undefined;
  // Warm-up buffer (bounded): decides the kind and the step, then is replayed into the models.
  private bufT: Float64Array;
  private bufX: Float64Array;
  private nb = 0;
  private ready = false;

  private count = false;
  private step = MIN;
  private aS = 0.1;
  private aL = 1 / 60;
  private aLevel = 1 / 360;
  private aScale = 1 / 500;
  private aV = 1 / 30;
  private relearn = 120;

  private plain!: Track; // the level alone
  private daily!: Track; // the level under the daily profile
  private profile!: DailyProfile;
  private rates: Rates = { level: 1 / 360, scale: 1 / 500, short: 0.1, long: 1 / 60, rShort: Math.sqrt(0.1), rLong: Math.sqrt(1 / 60), y: 0.5, fl: 0.5, aLevel: 0.5 };
  private seasonal = false;
  private vs = 0; // recent absolute residual
  private lrMean = 0;
  private lrMad = 0.25;
  private res = Infinity; // resolution: smallest change seen
  private typ = 0; // typical magnitude
  private last = NaN;
  private lastRaw = NaN;
  private run = 0;
  private q = 0.05; // chance a value repeats the last one
  // A value at an edge the series keeps coming back to (a metric clipped at 0 % or 100 %, a queue
  // that is usually empty) is censored: its repeats say only "at or past the edge", and they cluster
  // for as long as the hidden value stays past it. Runs there are left to the level and point views
  // (a level pinned where it is not usually is still unusual); the flatline view ignores them.
  private lo = Infinity;
  private hi = -Infinity;
  /** Separate visits to the edge (entered from another value), so one long first run is not a habit. */
  private loVisits = 0;
  private hiVisits = 0;
  private snapRun = 0;
  private snapSign = 0;
  /** Consecutive values the caller kept out of the usual: past `relearn`, the recent level is taken anyway. */
  private frozen = 0;
  private n = 0;
  // Counts, in their own units: the rate per value with the daily rhythm divided out, its hour mean
  // (where a lasting change went), and moments of the residuals from which the over-dispersion of
  // a negative binomial is read (variance = mu + invK·mu²).
  private muR = 0;
  private muH = 0;
  private dSq = 0;
  private dMu = 0;
  private dMu2 = 0;
  private invK = 0;
  /** The count rate before the last re-learning, and the run of values that look like a return to it. */
  private prevMu = NaN;
  private backRun = 0;
  private backSign = 0;
  private hm = 0;
  private readonly cal = new Calibrators(FEATURES.length, 1);
  private readonly calOut = new Float64Array(FEATURES.length);
  private readonly raw = new Float64Array(FEATURES.length);
  private readonly zs = new Float64Array(FEATURES.length);

  /** The last reading (reused object: copy it to keep it). */
  readonly reading: Reading = { score: 0, surprise: 0, expected: NaN, level: NaN, spread: NaN, feature: 'point', z: 0 };

  constructor(o: AnomalyOptions = {}) {
    this.direction = o.direction ?? 'both';
    this.kindOpt = o.kind ?? 'auto';
    this.warm = Math.max(8, o.warmup ?? 32);
    this.useSeason = o.seasonal ?? true;
    this.relearnMs = o.relearnMs !== undefined && o.relearnMs > 0 ? o.relearnMs : undefined;
    this.bufT = new Float64Array(this.warm);
    this.bufX = new Float64Array(this.warm);
  }

  /** Typical gap between values in ms (known once warmed up; a minute before). */
  get stepMs(): number {
    return this.step;
  }

  /** Whether values are read as counts (known once warmed up). */
  get isCount(): boolean {
    return this.count;
  }

  /** Whether the detector has seen its warm-up values (before, `expect` gives NaN). */
  get isWarm(): boolean {
    return this.ready;
  }

  /**
   * What is expected at time t from what has been learned so far (nothing is learned). The level
   * under the daily profile when the profile is in use, without the fast correction (which follows
   * the last values and says nothing of a later time). NaN while warming up.
   */
  expect(t: number, out: Expectation = { mean: NaN, spread: NaN }): Expectation {
    if (!this.ready) {
      out.mean = NaN;
      out.spread = NaN;
      return out;
    }
    const tr = this.seasonal ? this.daily : this.plain;
    const p0 = this.seasonal ? tr.loc + this.profile.at(t) : tr.loc;
    const s = Math.max(K * tr.mad0, this.floor());
    out.mean = this.untf(p0);
    out.spread = this.count ? Math.max(0, this.untf(p0 + s) - out.mean) : s;
    return out;
  }

  /**
   * Scores x at time t (epoch ms) against what came before, then learns from it. Returns 0..1.
   * `learn` false: the value is scored but not learned as usual (what the caller already judges an
   * anomaly, such as a crowd surge while its level is raised); the recent means still follow it, so
   * a change that outlasts `relearnMs` is still taken as the new usual then: a series never stays
   * stuck on a past it no longer resembles.
   */
  update(t: number, x: number, learn = true): number {
    const r = this.reading;
    if (!this.ready) {
      this.bufT[this.nb] = t;
      this.bufX[this.nb++] = x;
      r.score = 0;
      r.surprise = 0;
      r.expected = NaN;
      r.level = NaN;
      r.spread = NaN;
      r.z = 0;
      if (this.nb === this.warm) this.start();
      return 0;
    }
    return this.score(t, x, true, learn);
  }

  private start(): void {
    const n = this.nb;
    let whole = true;
    for (let i = 0; i < n; i++) {
      const v = this.bufX[i]!;
      if (!(v >= 0) || Math.floor(v) !== v) whole = false;
    }
    this.count = this.kindOpt === 'count' || (this.kindOpt === 'auto' && whole);
    // The step: the median gap of the warm-up values.
    const gaps: number[] = [];
    for (let i = 1; i < n; i++) {
      const g = this.bufT[i]! - this.bufT[i - 1]!;
      if (g > 0) gaps.push(g);
    }
    gaps.sort((a, b) => a - b);
    this.step = gaps.length > 0 ? gaps[gaps.length >> 1]! : MIN;
    const perMin = MIN / this.step;
    // Timescales in points: "the last minutes" (~10 min, 3 to 10 points), "the last hour" (12 to
    // 60 points), the level (~6 h, 50 to 400 points).
    this.aS = 1 / clamp(Math.round(10 * perMin), 3, 10);
    this.aL = 1 / clamp(Math.round(60 * perMin), 12, 60);
    this.aLevel = 1 / clamp(Math.round(360 * perMin), 50, 400);
    this.aScale = 1 / 500;
    this.aV = 1 / clamp(Math.round(30 * perMin), 6, 30);
    this.relearn = this.relearnMs !== undefined ? Math.max(2, Math.round(this.relearnMs / this.step)) : clamp(Math.round(60 * perMin), 12, 60);
    this.profile = new DailyProfile(HOUR / this.step);
    // Initial level and spread from the warm-up values (median and median absolute deviation).
    const ys = Array.from(this.bufX.subarray(0, n), (v) => this.tf(v)).sort((a, b) => a - b);
    const med = ys[n >> 1]!;
    const devs = ys.map((v) => Math.abs(v - med)).sort((a, b) => a - b);
    const mad = devs[n >> 1]!;
    this.plain = new Track(med, mad);
    this.daily = new Track(med, mad);
    this.rates = { level: this.aLevel, scale: this.aScale, short: this.aS, long: this.aL, rShort: Math.sqrt(this.aS), rLong: Math.sqrt(this.aL), y: 0.5, fl: 0.5, aLevel: 0.5 };
    this.vs = mad;
    this.typ = Math.abs(med);
    if (this.count) {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += this.bufX[i]!;
      this.muR = this.muH = sum / n;
      this.dSq = this.dMu = this.muR;
      this.dMu2 = this.muR * this.muR;
    }
    this.ready = true;
    for (let i = 0; i < n; i++) this.score(this.bufT[i]!, this.bufX[i]!, false, true);
    this.nb = 0;
    this.bufT = this.bufX = EMPTY;
  }

  private tf(x: number): number {
    return this.count ? 2 * Math.sqrt((x > 0 ? x : 0) + 0.375) : x;
  }

  private untf(y: number): number {
    if (!this.count) return y;
    const h = y / 2;
    const v = h * h - 0.375;
    return v > 0 ? v : 0;
  }

  /** The mean a count of the Anscombe-scale value y has (its unbiased inverse, kept above 0). */
  private static mean(y: number): number {
    const h = y / 2;
    const v = h * h - 0.125;
    return v > 1e-3 ? v : 1e-3;
  }

  private floor(): number {
    const f = this.res === Infinity ? 1e-3 * this.typ : this.res / 2;
    return f > 1e-9 ? f : 1e-9;
  }

  private learnCount(x: number, mu: number, ratio: number, aLv: number): void {
    const v = mu + this.invK * mu * mu;
    const cap = mu + 5 * Math.sqrt(v) + 2;
    const xc = x < cap ? x : cap;
    this.muR += aLv * (xc / ratio - this.muR);
    this.muH += this.aL * (x / ratio - this.muH);
    const e = xc - mu;
    const aD = Math.max(1 / 2000, 1 / (this.n + 50));
    this.dSq += aD * (e * e - this.dSq);
    this.dMu += aD * (mu - this.dMu);
    this.dMu2 += aD * (mu * mu - this.dMu2);
    const ik = (this.dSq - this.dMu) / Math.max(this.dMu2, 1e-9);
    this.invK = ik > 0 ? (ik < 10 ? ik : 10) : 0;
  }

  private score(t: number, x: number, emit: boolean, learn: boolean): number {
    const y = this.tf(x);
    const dir = this.direction;
    const fl = this.floor();
    const rates = this.rates;
    // Spreads start from the warm-up's rough guess: learn them fast at first, then with long memory.
    const aSc = Math.max(this.aScale, 1 / (this.n + 16));
    rates.scale = aSc;
    // Predictions from what came before: both tracks read, the better one speaks.
    const prof = this.useSeason ? this.profile.at(t) : 0;
    rates.y = y;
    rates.fl = fl;
    this.plain.read(rates, false, 0);
    if (this.useSeason) this.daily.read(rates, true, prof);
    let tr = this.seasonal ? this.daily : this.plain;
    // Back to the usual of before the last re-learning (the end of an outage taken as the new
    // normal): a few values in a row usual there and unusual here, on one side, restore it at once
    // instead of flagging the return as a change of its own until it is re-learned.
    if (tr.prev === tr.prev) {
      // The minutes mean of residuals against the old level, beside the one against the current.
      const gap = tr.loc - tr.prev;
      const hm = this.hm + this.aS * (tr.r0 + gap - this.hm);
      this.hm = hm;
      // Either the value is far from the current level and much nearer the old one, a few times in a
      // row on one side, or the minutes mean is (it also sees a return smaller than a value's spread).
      const away = tr.r0 > 3 * tr.sP ? 1 : tr.r0 < -3 * tr.sP ? -1 : 0;
      const home = Math.abs(tr.r0 + gap) < 0.3 * Math.abs(tr.r0);
      if (away !== 0 && home && (this.backRun === 0 || away === this.backSign)) {
        this.backSign = away;
        this.backRun++;
      } else this.backRun = 0;
      const minutes = (tr.zS > 3 || tr.zS < -3) && Math.abs(hm) < 0.25 * Math.abs(gap);
      if (this.backRun >= BACK || minutes) {
        this.plain.back();
        this.daily.back();
        if (this.count && this.prevMu === this.prevMu) this.muR = this.muH = this.prevMu;
        this.prevMu = NaN;
        this.backRun = 0;
        this.snapRun = 0;
        this.snapSign = 0;
        this.plain.read(rates, false, 0);
        if (this.useSeason) this.daily.read(rates, true, prof);
        tr = this.seasonal ? this.daily : this.plain;
      }
    }
    const sP = tr.sP;
    const rP = tr.rP;
    const vs = this.vs + this.aV * (Math.min(Math.abs(rP), 4 * sP) - this.vs);
    const usual = Math.max(tr.err(), fl);
    const lr = Math.log((vs + fl) / (usual + fl));
    const sV = Math.max(K * this.lrMad, 0.05);
    // Flatline: the run of repeats, against how often this series repeats.
    // Counts: a run of zeros is a drop, which the level sees; a stuck counter repeats a non-zero value.
    const same = x === this.lastRaw && !(this.count && x === 0);
    const run = same ? this.run + 1 : 0;

    const zs = this.zs;
    // Counts: the point against a negative binomial at the expected rate (the daily rhythm, read as
    // a ratio on the Anscombe scale, applied to the rate learned in counts).
    let ratio = 1;
    let mu = 0;
    if (this.count) {
      if (this.seasonal) ratio = clamp(AnomalyDetector.mean(tr.p0) / AnomalyDetector.mean(tr.loc), 0.05, 20);
      mu = this.muR * ratio;
    }
    zs[0] = this.count && this.muR < BUSY ? countZ(x, mu, this.invK) : rP / sP;
    zs[1] = tr.zS;
    zs[2] = tr.zL;
    zs[3] = (lr - this.lrMean) / sV;
    zs[4] = run;
    const raw = this.raw;
    raw[0] = sidedSurprise(zs[0]!, dir);
    raw[1] = sidedSurprise(zs[1]!, dir);
    raw[2] = sidedSurprise(zs[2]!, dir);
    raw[3] = sidedSurprise(zs[3]!, 'up');
    // Counts repeat by chance as often as their value is likely (a sparse series repeats its 0s and 1s).
    const pinned = same && ((x === this.lo && this.loVisits >= EDGE_VISITS) || (x === this.hi && this.hiVisits >= EDGE_VISITS));
    let qq = clamp(this.q, 1e-3, 0.999);
    if (this.count && same) {
      const z = (y - tr.pred) / Math.max(tr.sP, 1);
      const pm = (Math.exp(-0.5 * z * z) * 0.3989) / Math.sqrt(x + 0.375);
      if (pm > qq) qq = pm > 0.999 ? 0.999 : pm;
    }
    // A run of L repeats has chance q^L from any one start; about 1,000 starts are looked at.
    // A flatline that has lasted past the re-learning time is the series' new normal, as a level is.
    const fs = run > 1 ? -run * Math.log10(qq) - 3 : 0;
    raw[4] = fs > 0 && run <= this.relearn && !pinned ? fs : 0;
    const out = this.calOut;
    this.cal.step(raw, out);
    let best = 0;
    let which = 0;
    for (let i = 0; i < out.length; i++) {
      const v = emit ? out[i]! : raw[i]!;
      if (v > best) {
        best = v;
        which = i;
      }
    }
    let surprise = best - LOG10_FEATURES;
    if (surprise < 0) surprise = 0;

    // Learn (or, for a value the caller keeps out of the usual, only follow it).
    if (learn) {
      this.n++;
      const aLv = Math.max(this.aLevel, 1 / (this.n + 1));
      rates.aLevel = aLv;
      this.plain.learn(rates);
      if (this.useSeason) {
        this.daily.learn(rates);
        this.profile.learn(t, y - this.daily.loc, HUBER * this.daily.sP);
        this.seasonal = this.profile.ready(t) && this.daily.mad0 < 0.85 * this.plain.mad0;
      }
      this.vs = vs;
      this.lrMad += aSc * (Math.min(Math.abs(lr - this.lrMean), HUBER * sV) - this.lrMad);
      this.lrMean += aSc * clamp(lr - this.lrMean, -HUBER * sV, HUBER * sV);
      if (this.lastRaw === this.lastRaw) {
        const d = Math.abs(y - this.last);
        if (d > 0 && d < this.res) this.res = d;
        this.q += (1 / 1000) * ((same ? 1 : 0) - this.q);
      }
      if (x < this.lo) {
        this.lo = x;
        this.loVisits = 1;
      } else if (x === this.lo && !same) this.loVisits++;
      if (x > this.hi) {
        this.hi = x;
        this.hiVisits = 1;
      } else if (x === this.hi && !same) this.hiVisits++;
      this.typ += (1 / 1000) * (Math.abs(y) - this.typ);
      if (this.count) this.learnCount(x, mu, ratio, aLv);
    } else {
      if (this.count) this.muH += this.aL * (x / ratio - this.muH);
      this.plain.follow(rates);
      if (this.useSeason) this.daily.follow(rates);
      this.vs = vs;
      if (this.lastRaw === this.lastRaw) {
        const d = Math.abs(y - this.last);
        if (d > 0 && d < this.res) this.res = d;
      }
    }
    this.run = run;
    this.last = y;
    this.lastRaw = x;
    // A sustained change of level: re-learn it now rather than crawl toward it. Sustained: the
    // minutes or the hour mean stayed past 3 of its spreads, on one side, for `relearn` values.
    const zS = zs[1]!;
    const zL = zs[2]!;
    const sign = zS > 3 || zL > 3 ? 1 : zS < -3 || zL < -3 ? -1 : 0;
    if (sign !== 0 && sign === this.snapSign) this.snapRun++;
    else {
      this.snapSign = sign;
      this.snapRun = sign === 0 ? 0 : 1;
    }
    this.frozen = learn ? 0 : this.frozen + 1;
    if (this.snapRun >= this.relearn || this.frozen >= this.relearn) {
      // Held out of the usual by the caller for `frozen` values, maybe fewer than the hour mean's
      // memory: scale it up so the level lands on the held one, not part way.
      const w = this.frozen >= this.relearn ? 1 - Math.pow(1 - this.aL, this.frozen) : 1;
      this.plain.relearn(w);
      this.daily.relearn(w);
      const trn = this.seasonal ? this.daily : this.plain;
      this.hm = trn.loc - trn.prev;
      this.backRun = 0;
      if (this.count) {
        if (this.prevMu !== this.prevMu) this.prevMu = this.muR;
        const m = w < 1 && w > 0.05 ? (this.muH - (1 - w) * this.muR) / w : this.muH;
        this.muR = this.muH = m > 0 ? m : 0;
      }
      this.vs = Math.max(tr.err(), fl);
      this.snapRun = 0;
      this.snapSign = 0;
      this.frozen = 0;
    }
    const pred = tr.pred;
    const p0 = tr.p0;
    const r = this.reading;
    r.surprise = surprise;
    r.score = toScore(surprise);
    r.expected = this.untf(which === 0 ? pred : p0);
    r.level = this.untf(p0);
    r.spread = this.count ? Math.max(0, this.untf(pred + sP) - this.untf(pred)) : sP;
    r.feature = FEATURES[which]!;
    r.z = zs[which]!;
    return r.score;
  }
}
