// Flagged stretches, explained: consecutive values whose score passed the threshold become one
// stretch, described at its most unusual value (what was expected, what was seen, which view of
// the series found it unusual, and how rare that is). Pure: the caller writes the result.
import type { Feature, Reading } from './detector.js';

export interface Stretch {
  from: number;
  to: number;
  rows: number;
  /** The most unusual value of the stretch. */
  peak: { at: number; seen: number; expected: number; spread: number; score: number; surprise: number; feature: Feature; z: number };
  why: string;
}

const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(3));

export function why(p: Stretch['peak']): string {
  const rare = p.surprise >= 1 ? `; by chance about 1 in 10^${p.surprise.toFixed(1)}` : '';
  const side = p.z >= 0 ? 'above' : 'below';
  switch (p.feature) {
    case 'point':
      return `${fmt(p.seen)} where ${fmt(p.expected)} ± ${fmt(p.spread)} was expected: ${Math.abs(p.z).toFixed(1)} spreads ${side}${rare}`;
    case 'minutes':
      return `the last few values stayed ${side} the usual ${fmt(p.expected)} (now ${fmt(p.seen)}): their mean is ${Math.abs(p.z).toFixed(1)} of its usual spreads away${rare}`;
    case 'hour':
      return `over the last hour the series moved ${side} its usual ${fmt(p.expected)} (now ${fmt(p.seen)}), ${Math.abs(p.z).toFixed(1)} of that mean's usual spreads: a drift or a change of level${rare}`;
    case 'spread':
      return `values scatter far more than usual around ${fmt(p.expected)} (now ${fmt(p.seen)}; ${p.z.toFixed(1)} spreads of the usual scatter)${rare}`;
    case 'flatline':
      return `the same value ${fmt(p.seen)} ${p.z.toFixed(0)} times in a row, on a series that rarely repeats itself${rare}`;
  }
}

/** Groups flagged values into stretches. */
export class Stretches {
  private cur: Stretch | undefined;

  constructor(private readonly threshold: () => number) {}

  /** Adds one scored value; returns a stretch that just ended, if any. */
  push(at: number, seen: number, r: Reading): Stretch | undefined {
    const th = this.threshold();
    if (r.score >= th && r.score > 0) {
      const peak = { at, seen, expected: r.expected, spread: r.spread, score: r.score, surprise: r.surprise, feature: r.feature, z: r.z };
      if (!this.cur) this.cur = { from: at, to: at, rows: 1, peak, why: '' };
      else {
        this.cur.to = at;
        this.cur.rows++;
        if (r.score > this.cur.peak.score) this.cur.peak = peak;
      }
      return undefined;
    }
    return this.end();
  }

  /** Closes the open stretch (at the end of the input). */
  end(): Stretch | undefined {
    const s = this.cur;
    this.cur = undefined;
    if (s) s.why = why(s.peak);
    return s;
  }
}
