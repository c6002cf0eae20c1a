// Response time watched by the same detector: a check much slower than this monitor's own usual
// latency for that hour counts as degraded, without a hand-set threshold. Works on log(ms) (latency
// is skewed and changes multiplicatively) and needs, besides an unusual score, a real slowdown:
// at least `ratio` times the usual and `minExcessMs` more, so loopback jitter never qualifies.
import { SeasonalDetector } from './baseline.js';

export interface LatencyWatchOptions {
  /** Checks learned before any verdict. Default 30. */
  warmup?: number;
  /** Score (0..1) from which a check is unusual. Default 0.5 (about 5.4 spreads). */
  score?: number;
  ratio?: number;
  minExcessMs?: number;
}

export class LatencyWatch {
  private monitors = new Map<string, { det: SeasonalDetector; n: number }>();
  private readonly o: Required<LatencyWatchOptions>;

  constructor(o: LatencyWatchOptions = {}) {
    this.o = { warmup: o.warmup ?? 30, score: o.score ?? 0.5, ratio: o.ratio ?? 2, minExcessMs: o.minExcessMs ?? 200 };
  }

  /** Learns from one successful check; true when it was unusually slow for this monitor. */
  slow(monitorId: string, at: number, totalMs: number): boolean {
    let m = this.monitors.get(monitorId);
    // One week of hour-of-week history per monitor (not the crowd signal's four): at 10,000 monitors
    // every week kept costs about 40 MB, and a latency baseline needs less memory of the past.
    if (!m) this.monitors.set(monitorId, (m = { det: new SeasonalDetector({ direction: 'up', warmup: 10, weeks: 1 }), n: 0 }));
    const x = Math.log1p(Math.max(0, totalMs));
    const e = m.det.expect(at).mean;
    const score = m.det.update(at, x);
    m.n++;
    if (m.n <= this.o.warmup || e !== e) return false;
    const usual = Math.expm1(e);
    return score >= this.o.score && totalMs >= this.o.ratio * usual && totalMs - usual >= this.o.minExcessMs;
  }

  forget(keep: Set<string>): void {
    for (const id of this.monitors.keys()) if (!keep.has(id)) this.monitors.delete(id);
  }
}
