// The reliability report of a service or a component: outages per 30, 90 and 365 days, downtime,
// MTTD/MTTA/MTTR, availability against the SLO, the 12-month calendar and causes.
//
// Definitions (also in README "Outage history"):
// - an outage is an incident whose worst status is a partial or major outage (outages.ts); it counts
//   in a window when it started inside it; overlapping incidents each count once.
// - downtime is the time in major outage plus 30 % of the time in partial outage only (Statuspage's
//   weighting), from the status history (spans.ts); overlapping incidents never count twice, and an
//   outage across midnight or a month end is cut at the window's edges.
// - availability = 1 - downtime / tracked time in the window (tracked: since the service is known).
// - MTTD = time to detect, MTTA = the vendor's acknowledgement lag (0 when it spoke first; outages
//   never acknowledged are counted apart), MTTR = time to resolve, all from incidents/figures.ts.
import type { Cause } from '../core/incident.js';
import { type ComponentStatus, worst } from '../core/status.js';
import { lastTwelveMonths } from '../core/days.js';
import type { Outage } from './outages.js';
import { type Span, componentSpans, flatten, timeIn } from './spans.js';
import { type Summary, summarize } from './stats.js';
import { DAY_MS, type HistoryInput, type HistoryService, type SloTarget } from './types.js';

export const WINDOWS_DAYS = [30, 90, 365] as const;
/** Share of partial-outage time counted as downtime. */
export const PARTIAL_WEIGHT = 0.3;

export interface WindowFigures {
  days: number;
  from: number;
  /** Tracked time in the window (ms): the window, cut at when tracking began. */
  trackedMs: number;
  outages: number;
  majorOutages: number;
  majorMs: number;
  partialMs: number;
  degradedMs: number;
  downtimeMs: number;
  availability: number | null;
  timeToDetect: Summary;
  timeToAcknowledge: Summary;
  timeToResolve: Summary;
  neverAcknowledged: number;
}

export interface SloFigures {
  targetPct: number;
  windowDays: number;
  availability: number | null;
  budgetMs: number;
  usedMs: number;
  leftMs: number;
  /** Left / budget: 1 untouched, 0 spent, negative overspent. */
  leftShare: number | null;
  /** Downtime rate over the window divided by the rate the target allows (1: on pace to spend it exactly). */
  burnRate: number | null;
  /** The same over the last 24 hours. */
  burnRate24h: number | null;
  state: 'met' | 'at_risk' | 'breached';
}

export interface CalendarDay {
  date: string;
  start: number;
  /** Worst status of the day; null before tracking began. */
  worst: ComponentStatus | null;
  outageMs: number;
}

export interface CauseFigures {
  cause: Cause;
  outages: number;
  /** Sum of their durations (ongoing ones up to now). */
  durationMs: number;
}

export interface ReliabilityReport {
  id: string;
  name: string;
  windows: WindowFigures[];
  slo: SloFigures | null;
  calendar: { timeZone: string; days: CalendarDay[] };
  causes: CauseFigures[];
  /** Outages in the last 365 days, newest first. */
  outages: Outage[];
}

const isPartial = (s: ComponentStatus) => s === 'partial_outage';
const isMajor = (s: ComponentStatus) => s === 'major_outage';

function downtime(spans: readonly Span[], from: number, to: number): { majorMs: number; partialMs: number; degradedMs: number; downtimeMs: number } {
  const majorMs = timeIn(spans, from, to, isMajor);
  const partialMs = timeIn(spans, from, to, isPartial);
  const degradedMs = timeIn(spans, from, to, (s) => s === 'degraded_performance');
  return { majorMs, partialMs, degradedMs, downtimeMs: majorMs + PARTIAL_WEIGHT * partialMs };
}

function windowFigures(days: number, spans: readonly Span[], outages: readonly Outage[], trackedSince: number, now: number): WindowFigures {
  const from = now - days * DAY_MS;
  const inside = outages.filter((o) => o.start > from && o.start <= now);
  const trackedMs = Math.max(0, now - Math.max(from, trackedSince));
  const d = downtime(spans, Math.max(from, trackedSince), now);
  return {
    days,
    from,
    trackedMs,
    outages: inside.length,
    majorOutages: inside.filter((o) => o.major).length,
    ...d,
    availability: trackedMs > 0 ? 1 - d.downtimeMs / trackedMs : null,
    timeToDetect: summarize(inside.map((o) => o.figures.timeToDetectMs)),
    timeToAcknowledge: summarize(inside.map((o) => (o.figures.acknowledgementLagMs === null ? null : Math.max(0, o.figures.acknowledgementLagMs)))),
    timeToResolve: summarize(inside.map((o) => o.figures.timeToResolveMs)),
    neverAcknowledged: inside.filter((o) => o.figures.vendorAcknowledgedAt === null && o.end !== null).length,
  };
}

export function sloFigures(slo: SloTarget, spans: readonly Span[], trackedSince: number, now: number): SloFigures {
  const allowed = 1 - slo.target / 100;
  const from = Math.max(now - slo.windowMs, trackedSince);
  const period = Math.max(0, now - from);
  const used = downtime(spans, from, now).downtimeMs;
  const budgetMs = allowed * period;
  const from24 = Math.max(now - DAY_MS, trackedSince);
  const used24 = downtime(spans, from24, now).downtimeMs;
  const rate = (u: number, p: number) => (p > 0 && allowed > 0 ? u / p / allowed : null);
  const leftShare = budgetMs > 0 ? (budgetMs - used) / budgetMs : null;
  const burnRate = rate(used, period);
  return {
    targetPct: slo.target,
    windowDays: slo.windowMs / DAY_MS,
    availability: period > 0 ? 1 - used / period : null,
    budgetMs,
    usedMs: used,
    leftMs: budgetMs - used,
    leftShare,
    burnRate,
    burnRate24h: rate(used24, now - from24),
    // At risk: over a quarter of the budget gone faster than the window allows.
    state: budgetMs - used < 0 || (allowed === 0 && used > 0) ? 'breached' : burnRate !== null && burnRate > 1 && leftShare !== null && leftShare < 0.75 ? 'at_risk' : 'met',
  };
}

function calendar(spans: readonly Span[], trackedSince: number, input: Pick<HistoryInput, 'now' | 'timeZone'>): CalendarDay[] {
  return lastTwelveMonths(input.timeZone, input.now).map((d) => {
    const tracked = d.end > trackedSince;
    const day = spans.filter((s) => s.start < d.end && s.end > d.start).map((s) => s.status);
    return {
      date: d.date,
      start: d.start,
      worst: tracked ? worst(day) : null,
      outageMs: timeIn(spans, d.start, d.end, (s) => isMajor(s) || isPartial(s)),
    };
  });
}

function causes(outages: readonly Outage[], now: number): CauseFigures[] {
  const by = new Map<Cause, CauseFigures>();
  for (const o of outages) {
    const c = by.get(o.cause) ?? { cause: o.cause, outages: 0, durationMs: 0 };
    c.outages++;
    c.durationMs += Math.max(0, (o.end ?? now) - o.start);
    by.set(o.cause, c);
  }
  return [...by.values()].sort((a, b) => b.outages - a.outages || b.durationMs - a.durationMs || a.cause.localeCompare(b.cause));
}

function report(id: string, name: string, spans: Span[], outages: Outage[], trackedSince: number, slo: SloTarget | null, input: HistoryInput): ReliabilityReport {
  const year = outages.filter((o) => o.start > input.now - 365 * DAY_MS && o.start <= input.now);
  return {
    id,
    name,
    windows: WINDOWS_DAYS.map((d) => windowFigures(d, spans, outages, trackedSince, input.now)),
    slo: slo ? sloFigures(slo, spans, trackedSince, input.now) : null,
    calendar: { timeZone: input.timeZone, days: calendar(spans, trackedSince, input) },
    causes: causes(year, input.now),
    outages: [...year].reverse(),
  };
}

/** The outages of a service (its own incidents, or incidents on any of its components). */
export function serviceOutages(service: HistoryService, outages: readonly Outage[]): Outage[] {
  const ids = new Set(service.components.map((c) => c.id));
  return outages.filter((o) => o.serviceId === service.id || [...o.components.keys()].some((c) => ids.has(c)));
}

export interface ServiceReliability extends ReliabilityReport {
  components: ReliabilityReport[];
}

/** The report of one service and of each of its components. `outages` are every outage, oldest first. */
export function serviceReliability(service: HistoryService, outages: readonly Outage[], input: HistoryInput): ServiceReliability {
  const mine = serviceOutages(service, outages);
  const perComponent = new Map(service.components.map((c) => [c.id, componentSpans(c.id, input.changes, mine, input.now)] as const));
  const components = service.components.map((c) => {
    const spans = perComponent.get(c.id)!;
    const own = mine.filter((o) => o.components.has(c.id));
    return report(c.id, c.name, spans, own, service.trackedSince, null, input);
  });
  // The service is as bad as its worst component; an incident declared on it with no component counts too.
  const all = flatten([...[...perComponent.values()].flat(), ...serviceOnlySpans(mine, input.now)]);
  return { ...report(service.id, service.name, all, mine, service.trackedSince, service.slo, input), components };
}

/** The service's status over time: its worst component at each instant. */
export function serviceSpans(service: HistoryService, outages: readonly Outage[], input: Pick<HistoryInput, 'changes' | 'now'>): Span[] {
  const mine = serviceOutages(service, outages);
  return flatten([...service.components.flatMap((c) => componentSpans(c.id, input.changes, mine, input.now)), ...serviceOnlySpans(mine, input.now)]);
}

/** Spans of outages declared on the service with no component: the service's own record. */
function serviceOnlySpans(outages: readonly Outage[], now: number): Span[] {
  return flatten(outages.filter((o) => o.components.size === 0).map((o) => ({ start: o.start, end: Math.min(o.end ?? now, now), status: o.worst })));
}
