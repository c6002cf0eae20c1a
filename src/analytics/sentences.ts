// The facts behind the history's plain sentences ("Second major outage of ChatGPT this month; the
// last one, 14 days ago, lasted 6 h 02 min."), without words: src/i18n/history.ts says them.
// "This month" is the calendar month in the history's time zone.
import { monthStart } from '../core/days.js';
import type { Outage } from './outages.js';

export interface IncidentSentenceFacts {
  kind: 'incident';
  service: string;
  major: boolean;
  /** 1 for the first such outage of the month (major ones only when this one is major). */
  rankThisMonth: number;
  /** The outage of the same kind before this one, if any. */
  previous: { start: number; durationMs: number | null; agoMs: number; sameMonth: boolean } | null;
}

export interface ServiceSentenceFacts {
  kind: 'service';
  service: string;
  /** The latest outage, if any. */
  last: { start: number; major: boolean; durationMs: number | null; agoMs: number; ongoing: boolean } | null;
  outages30d: number;
  majorOutages30d: number;
}

const durationOf = (o: Outage) => (o.end === null ? null : o.end - o.start);

/** Facts about an outage among its service's outages (any order). */
export function incidentSentence(service: string, outage: Outage, serviceOutages: readonly Outage[], timeZone: string): IncidentSentenceFacts {
  const peers = serviceOutages.filter((o) => o.id !== outage.id && (!outage.major || o.major)).filter((o) => o.start < outage.start || (o.start === outage.start && o.id < outage.id));
  const month = monthStart(timeZone, outage.start);
  const earlier = [...peers].sort((a, b) => b.start - a.start);
  const prev = earlier[0];
  return {
    kind: 'incident',
    service,
    major: outage.major,
    rankThisMonth: 1 + earlier.filter((o) => o.start >= month).length,
    previous: prev ? { start: prev.start, durationMs: durationOf(prev), agoMs: outage.start - prev.start, sameMonth: prev.start >= month } : null,
  };
}

/** Facts about a service's recent outages, as of `now`. */
export function serviceSentence(service: string, serviceOutages: readonly Outage[], now: number): ServiceSentenceFacts {
  const past = serviceOutages.filter((o) => o.start <= now).sort((a, b) => b.start - a.start);
  const last = past[0];
  const recent = past.filter((o) => o.start > now - 30 * 86_400_000);
  return {
    kind: 'service',
    service,
    last: last ? { start: last.start, major: last.major, durationMs: durationOf(last), agoMs: now - last.start, ongoing: last.end === null } : null,
    outages30d: recent.length,
    majorOutages30d: recent.filter((o) => o.major).length,
  };
}
