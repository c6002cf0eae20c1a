// One way of predicting a series (its level alone, or its level under a daily profile) and the
// statistics of its residuals at each timescale. The detector keeps two and reads the one that
// predicts better, so switching between them never makes a jump in what is expected.

const K = 1.2533; // mean absolute deviation -> standard deviation under a normal
const HUBER = 3;
/** Residuals enter the minute and hour means clipped at this many point spreads: one outlier moves them a little, a surge a lot. */
const CLIP = 4;

const clamp = (v: number, lo: number, hi: number) => (v < lo ? lo : v > hi ? hi : v);

export interface Rates {
  level: number;
  scale: number;
  short: number;
  long: number;
  /** sqrt(short), sqrt(long): how much the resolution floor shrinks in a mean. */
  rShort: number;
  rLong: number;
  // The value being read and its context, passed here rather than as arguments: a double passed
  // to a function that is not inlined is boxed, and this runs for every value of every series.
  y: number;
  fl: number;
  aLevel: number;
}

export class Track {
  loc: number;
  /** The level before the re-learnings since the series was last at its usual (NaN once the series came back to it, or before any). */
  prev = NaN;
  /** Mean absolute residual of the level alone, and of the level plus the fast correction. */
  mad0: number;
  mad1: number;
  corr = 0;
  ms = 0;
  madS: number;
  ml = 0;
  /** The hour mean of residuals, unclipped: where the level went (for re-learning). */
  mlr = 0;
  madL: number;
  // Read by the detector after `read`.
  r0 = 0;
  rP = 0;
  sP = 0;
  pred = 0;
  p0 = 0;
  nms = 0;
  nml = 0;
  zS = 0;
  zL = 0;

  constructor(loc: number, mad: number) {
    this.loc = loc;
    this.mad0 = this.mad1 = mad;
    this.madS = this.madL = mad / 2;
  }

  /** The spread this track would score a point with. */
  err(): number {
    return this.mad1 < this.mad0 ? this.mad1 : this.mad0;
  }

  /** Residuals of y against this track's predictions (offset: the daily profile, or 0). */
  read(r: Rates, seasonal: boolean, profile: number): void {
    const y = r.y;
    const fl = r.fl;
    const p0 = seasonal ? this.loc + profile : this.loc;
    const fast = this.mad1 < this.mad0;
    const pred = fast ? p0 + this.corr : p0;
    const sP = Math.max(K * (fast ? this.mad1 : this.mad0), fl);
    const r0 = y - p0;
    const c = CLIP * sP;
    const rc = clamp(r0, -c, c);
    const ms = this.ms + r.short * (rc - this.ms);
    const ml = this.ml + r.long * (rc - this.ml);
    this.p0 = p0;
    this.pred = pred;
    this.sP = sP;
    this.r0 = r0;
    this.rP = y - pred;
    this.nms = ms;
    this.nml = ml;
    this.zS = ms / Math.max(K * this.madS, fl * r.rShort);
    this.zL = ml / Math.max(K * this.madL, fl * r.rLong);
  }

  /** Learns from the value last read. */
  learn(r: Rates): void {
    const y = r.y;
    const fl = r.fl;
    const aLevel = r.aLevel;
    const r0 = this.r0;
    const c0 = HUBER * Math.max(K * this.mad0, fl);
    const c1 = HUBER * Math.max(K * this.mad1, fl);
    this.loc += aLevel * clamp(r0, -c0, c0);
    this.mad0 += r.scale * (Math.min(Math.abs(r0), c0) - this.mad0);
    this.mad1 += r.scale * (Math.min(Math.abs(y - this.p0 - this.corr), c1) - this.mad1);
    this.corr += 0.5 * (clamp(r0, -c0, c0) - this.corr);
    const sS = Math.max(K * this.madS, fl * r.rShort);
    const sL = Math.max(K * this.madL, fl * r.rLong);
    this.madS += r.scale * (Math.min(Math.abs(this.nms), HUBER * sS) - this.madS);
    this.madL += r.scale * (Math.min(Math.abs(this.nml), HUBER * sL) - this.madL);
    this.follow(r);
  }

  /** Only the recent means follow the value last read (a value not learned as usual). */
  follow(r: Rates): void {
    this.ms = this.nms;
    this.ml = this.nml;
    this.mlr += r.long * (this.r0 - this.mlr);
  }

  /**
   * A sustained change of level: take the recent level as the level. `weight`: the share of the hour
   * mean the change fills (1 once it has lasted its memory; less for a change held out of the usual
   * for a shorter time, whose hour mean still remembers the old level).
   */
  relearn(weight: number): void {
    // Several re-learnings in one episode (a change that moves on) keep the level of before it.
    if (this.prev !== this.prev) this.prev = this.loc;
    this.loc += weight > 0.05 && weight < 1 ? this.mlr / weight : this.mlr;
    this.ms = 0;
    this.ml = 0;
    this.mlr = 0;
    this.corr = 0;
  }

  /** The series came back to the level it had before the last re-learning: take it back. */
  back(): void {
    if (this.prev === this.prev) this.loc = this.prev;
    this.prev = NaN;
    this.ms = 0;
    this.ml = 0;
    this.mlr = 0;
    this.corr = 0;
  }
}
