// A false-alarm rate a person can read ("1/30d": about one false alarm per series per 30 days)
// turned into the surprise, then the score, a value must reach. A score is calibrated per value:
// P(surprise >= S) ≈ 10^-S on a series doing what it usually does, so a series sampled every
// `step` ms over `per` ms sees about one value past S = log10(per / (count · step)).
import { toScore } from './score.js';

export interface FalseAlarmRate {
  /** False alarms allowed… */
  count: number;
  /** …per this many ms, per series. */
  per: number;
}

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** "1/30d", "2/7d", "1 / 1w" → { count, per }; undefined when it is not one. */
export function parseFalseAlarms(text: string): FalseAlarmRate | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*\/\s*(\d+(?:\.\d+)?)?\s*([mhdw])\s*$/.exec(text);
  if (!m) return undefined;
  const count = Number(m[1]);
  const per = Number(m[2] ?? '1') * UNITS[m[3]!]!;
  if (!(count > 0) || !(per > 0) || !Number.isFinite(count) || !Number.isFinite(per)) return undefined;
  return { count, per };
}

/** The surprise a value sampled every `stepMs` must reach so that false alarms stay near `rate`. */
export function surpriseThreshold(rate: FalseAlarmRate, stepMs: number): number {
  const points = rate.per / Math.max(1, stepMs) / rate.count;
  return Math.max(1, Math.log10(points));
}

export function scoreThreshold(rate: FalseAlarmRate, stepMs: number): number {
  return toScore(surpriseThreshold(rate, stepMs));
}

export function formatFalseAlarms(rate: FalseAlarmRate): string {
  const d = rate.per / UNITS.d!;
  return Number.isInteger(d) ? `${rate.count}/${d}d` : `${rate.count}/${rate.per / UNITS.h!}h`;
}
