// From a raw surprise to an anomaly likelihood judged against the series' own history of surprises
// (the idea behind Numenta's anomaly likelihood), so that a score means the same on every series.
//
// A model of the usual is never exact: on one series a 4-sigma residual happens every hour, on
// another never. So each raw surprise S (-log10 of a model tail probability) is re-read against how
// often this series has produced surprises that large: peaks over a threshold with an exponential
// tail (Pickands; SPOT, Siffer et al. 2017), O(1), at two thresholds:
//   rate_u = how often S exceeds u (exponentially weighted, long memory)
//   beta_u = mean excess of S over u when it does
//   S'_u   = -log10(rate_u) + (S - u) · log10(e) / beta_u
// and S' = the smaller reading. The low threshold (p = 0.05) sees the body; the high one (p = 1e-4)
// sees series whose tail is heavier than their body (latencies with ordinary slow outliers), where
// the body alone would call every outlier a one-in-a-billion event.
// Under a well-calibrated model rate_u = 10^-u and beta_u = log10(e), so S' = S: priors start there
// and the series moves them with what it shows. Excesses are winsorized before they are learned,
// so one outage teaches "this series can surprise" without deafening the detector for days.

const BETA0 = Math.LOG10E;

/** One threshold's peaks-over-threshold statistics. */
class Peaks {
  private rate: number;
  private beta = BETA0;
  private n = 0;
  private k = 0;
  private inRun = false;
  private peak = 0;
  private readonly aRate: number;
  private readonly aExcess: number;

  constructor(
    private readonly u: number,
    memory: number,
    excessMemory: number,
    private readonly prior: number,
    private readonly priorExcess: number,
    private readonly cap: number,
  ) {
    this.rate = Math.pow(10, -u);
    this.aRate = 1 / memory;
    this.aExcess = 1 / excessMemory;
  }

  read(s: number): number {
    return -Math.log10(this.rate) + ((s - this.u) * BETA0) / this.beta;
  }

  learn(s: number): void {
    this.n++;
    const a = Math.max(this.aRate, 1 / (this.n + this.prior));
    const over = s > this.u;
    // Declustered: a run of exceedances is one event (one outage is one surprise, however long),
    // and teaches its peak once, when it ends.
    const start = over && !this.inRun;
    const r = this.rate + a * ((start ? 1 : 0) - this.rate);
    this.rate = r < 1e-7 ? 1e-7 : r;
    if (over) {
      if (!this.inRun || s > this.peak) this.peak = s;
      this.inRun = true;
      return;
    }
    if (!this.inRun) return;
    this.inRun = false;
    this.k++;
    const ae = Math.max(this.aExcess, 1 / (this.k + this.priorExcess));
    let ex = this.peak - this.u;
    const cap = this.cap * this.beta;
    if (ex > cap) ex = cap;
    this.beta += ae * (ex - this.beta);
    if (this.beta < 0.05) this.beta = 0.05;
  }
}

export class TailCalibrator {
  private readonly lo = new Peaks(1.3, 2000, 100, 300, 20, 4);
  private readonly hi = new Peaks(4, 10000, 30, 1000, 1, 20);

  /** The calibrated surprise of s (not learned). */
  read(s: number): number {
    // Below the low threshold the reading hardly matters (no alarm is that low): keep it as is.
    if (s <= 1.3) return s;
    const a = this.lo.read(s);
    const b = this.hi.read(s);
    return a < b ? a : b;
  }

  /** Learns from s (after it was read: a value never masks itself). */
  learn(s: number): void {
    this.lo.learn(s);
    this.hi.learn(s);
  }

  step(s: number): number {
    const r = this.read(s);
    this.learn(s);
    return r;
  }
}
