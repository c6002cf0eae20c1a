// A daily profile: what the hour of day adds to the level, learned as an exponentially weighted mean
// per hour and read by linear interpolation between hour centres (a steep rhythm does not look
// like an anomaly at an hour's edge). It only speaks once it has seen two days; whether it is used
// at all is decided by the detector, from whether it actually predicts better.

const HOUR = 3_600_000;
const DAY = 86_400_000;

export class DailyProfile {
  private readonly v = new Float64Array(24);
  private readonly n = new Uint32Array(24);
  private first = NaN;
  private readonly alpha: number;

  /** `pointsPerHour`: how many values one hour holds (sets the memory to about `days` days). */
  private readonly perHour: number;

  constructor(pointsPerHour: number, days = 4) {
    this.alpha = 1 / Math.max(2, pointsPerHour * days);
    this.perHour = Math.max(1, Math.round(pointsPerHour));
  }

  /** True once two full days have been seen. */
  ready(t: number): boolean {
    return this.first === this.first && t - this.first >= 2 * DAY;
  }

  at(t: number): number {
    const f = ((((t % DAY) + DAY) % DAY) / HOUR) - 0.5;
    const i = Math.floor(f);
    const w = f - i;
    const a = (i + 24) % 24;
    const b = (i + 25) % 24;
    return this.v[a]! * (1 - w) + this.v[b]! * w;
  }

  /** Learns what this hour adds; once the hour has been seen for a full hour, a residual further
   * than `clip` from what is known is clipped, so yesterday's outage is not today's expectation. */
  learn(t: number, residual: number, clip: number): void {
    if (this.first !== this.first) this.first = t;
    const h = Math.floor((((t % DAY) + DAY) % DAY) / HOUR);
    const k = this.n[h]! + 1;
    this.n[h] = k;
    const v = this.v[h]!;
    let r = residual - v;
    if (k > this.perHour) r = r > clip ? clip : r < -clip ? -clip : r;
    this.v[h] = v + Math.max(this.alpha, 1 / k) * r;
  }

}
