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

// The two thresholds and how fast each learns: [u, rate memory (values), excess memory
// (exceedance runs), prior weight (values), prior weight (runs), winsorizing cap (× beta)].
const LEVELS = [
  [1.3, 2000, 100, 300, 20, 4, 1.05],
  [4, 10000, 30, 1000, 1, 20, 1.2],
] as const;
const L = LEVELS.length;
// Flat copies for the hot path (destructuring a tuple goes through the iterator protocol).
const U = Float64Array.from(LEVELS, (x) => x[0]);
const A_RATE = Float64Array.from(LEVELS, (x) => 1 / x[1]);
const A_EXCESS = Float64Array.from(LEVELS, (x) => 1 / x[2]);
const PRIOR = Float64Array.from(LEVELS, (x) => x[3]);
const PRIOR_EXCESS = Float64Array.from(LEVELS, (x) => x[4]);
const CAP = Float64Array.from(LEVELS, (x) => x[5]);
const STEP = Float64Array.from(LEVELS, (x) => x[6]);
const U0 = LEVELS[0][0];

/**
 * The calibration of several views of one series at once. State lives in typed arrays and one call
 * handles every view: a call per view per value would cost more than the arithmetic.
 */
export class Calibrators {
  private readonly rate: Float64Array;
  private readonly beta: Float64Array;
  private readonly k: Float64Array;
  private readonly peak: Float64Array;
  private readonly inRun: Uint8Array;
  private n = 0;

  /** `heavy`: how many of the first views are single values, whose tails may be heavier than their body (ordinary outliers). */
  constructor(
    readonly views: number,
    private readonly heavy = views,
  ) {
    const m = views * L;
    this.rate = new Float64Array(m);
    this.beta = new Float64Array(m).fill(BETA0);
    this.k = new Float64Array(m);
    this.peak = new Float64Array(m);
    this.inRun = new Uint8Array(m);
    for (let v = 0; v < views; v++) for (let l = 0; l < L; l++) this.rate[v * L + l] = Math.pow(10, -LEVELS[l]![0]);
  }

  /** Calibrated surprise of raw[v] for every view into out (read before learning: a value never masks itself). */
  step(raw: Float64Array, out: Float64Array): void {
    const n = ++this.n;
    for (let v = 0; v < this.views; v++) {
      const s = raw[v]!;
      // Below the low threshold the reading hardly matters (no alarm is that low): keep it as is.
      let best = s;
      if (s > U0) {
        for (let l = 0; l < L; l++) {
          const i = v * L + l;
          const r = -Math.log10(this.rate[i]!) + ((s - U[l]!) * BETA0) / this.beta[i]!;
          if (l === 0 || r < best) best = r;
        }
      }
      out[v] = best;
      for (let l = 0; l < L; l++) this.learn(v * L + l, l, s, n);
    }
  }

  private learn(i: number, l: number, s: number, n: number): void {
    const u = U[l]!;
    const a = Math.max(A_RATE[l]!, 1 / (n + PRIOR[l]!));
    const over = s > u;
    // Declustered: a run of exceedances is one event (one outage is one surprise, however long),
    // and teaches its peak once, when it ends.
    const start = over && this.inRun[i] === 0;
    const r = this.rate[i]! + a * ((start ? 1 : 0) - this.rate[i]!);
    this.rate[i] = r < 1e-7 ? 1e-7 : r;
    if (over) {
      if (start || s > this.peak[i]!) this.peak[i] = s;
      this.inRun[i] = 1;
      return;
    }
    if (this.inRun[i] === 0) return;
    this.inRun[i] = 0;
    const k = this.k[i]! + 1;
    this.k[i] = k;
    const b = this.beta[i]!;
    let ex = this.peak[i]! - u;
    let nb: number;
    if (i >= this.heavy * L) {
      // A view of several values (a mean, a run): its large excesses come from what is unusual,
      // not from ordinary outliers. Its scale is read through the median of its excesses (an
      // exponential's is beta·ln 2), tracked in bounded multiplicative steps, so one outage barely
      // moves it while a tail that keeps producing large excesses still lifts it.
      nb = ex > b * Math.LN2 ? b * STEP[l]! : b / STEP[l]!;
    } else {
      const ae = Math.max(A_EXCESS[l]!, 1 / (k + PRIOR_EXCESS[l]!));
      const cap = CAP[l]!;
      if (ex > cap * b) ex = cap * b;
      nb = b + ae * (ex - b);
    }
    this.beta[i] = nb < 0.05 ? 0.05 : nb;
  }
}
