// Response time watched by the streaming anomaly detector (src/detect/anomaly): a check much slower
// than this monitor's own usual latency counts as degraded, without a hand-set threshold. Works on
// log(ms) (latency is skewed and changes multiplicatively). A check is unusual when its score passes
// the threshold of `detection.false_alarms` (about one false alarm per monitor per 30 days by
// default) for the monitor's own check interval, and it must also be a real slowdown: at least
// `ratio` times the usual and `minExcessMs` more, so loopback jitter never qualifies. A slowdown that
// lasts is re-learned as the monitor's new usual after an hour's worth of checks, at most 60 (the
// detector's bounded re-learning), so a slower region does not stay degraded for ever.
import { AnomalyDetector } from '../../detect/anomaly/detector.js';
import { type FalseAlarmRate, parseFalseAlarms, scoreThreshold } from '../../detect/anomaly/alarms.js';

export interface LatencyWatchOptions {
  /** Checks learned before any verdict. Default 30. */
  warmup?: number;
  /** False alarms allowed per monitor. Default 1/30d. */
  falseAlarms?: FalseAlarmRate;
  ratio?: number;
  minExcessMs?: number;
}

interface Watched {
  det: AnomalyDetector;
  n: number;
  last: number;
  /** Typical gap between checks (EW mean), which sets how many chances a false alarm has. */
  gap: number;
}

export class LatencyWatch {
  private monitors = new Map<string, Watched>();
  private readonly o: { warmup: number; ratio: number; minExcessMs: number };
  private falseAlarms: FalseAlarmRate;

  constructor(o: LatencyWatchOptions = {}) {
    this.o = { warmup: o.warmup ?? 30, ratio: o.ratio ?? 2, minExcessMs: o.minExcessMs ?? 200 };
    this.falseAlarms = o.falseAlarms ?? { count: 1, per: 30 * 86_400_000 };
  }

  /** Follows `detection.false_alarms` (a text such as "1/30d"; unreadable text keeps the current rate). */
  configure(falseAlarms: string | FalseAlarmRate): void {
    const r = typeof falseAlarms === 'string' ? parseFalseAlarms(falseAlarms) : falseAlarms;
    if (r) this.falseAlarms = r;
  }

  /** Learns from one successful check; true when it was unusually slow for this monitor. */
  slow(monitorId: string, at: number, totalMs: number): boolean {
    let m = this.monitors.get(monitorId);
    if (!m) this.monitors.set(monitorId, (m = { det: new AnomalyDetector({ direction: 'up', kind: 'level', seasonal: true }), n: 0, last: NaN, gap: NaN }));
    if (m.last === m.last && at > m.last) m.gap = m.gap === m.gap ? m.gap + 0.05 * (at - m.last - m.gap) : at - m.last;
    m.last = at;
    const x = Math.log1p(Math.max(0, totalMs));
    const score = m.det.update(at, x);
    const e = m.det.reading.level;
    m.n++;
    if (m.n <= this.o.warmup || e !== e) return false;
    const usual = Math.expm1(e);
    return score >= scoreThreshold(this.falseAlarms, m.gap === m.gap ? m.gap : 60_000) && totalMs >= this.o.ratio * usual && totalMs - usual >= this.o.minExcessMs;
  }

  forget(keep: Set<string>): void {
    for (const id of this.monitors.keys()) if (!keep.has(id)) this.monitors.delete(id);
  }
}
