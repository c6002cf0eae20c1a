// The fault timeline of a scenario, as pure functions of scenario time: what a simulated
// endpoint does at time t, and which things change between two instants.
import type { Fault, FaultMode, ReportLevel, Scenario, VendorStatement } from './scenario.js';

/** One endpoint of a simulated service: a component seen from a region. */
export interface SimTarget {
  service: string;
  component: string;
  region: string;
}

export interface ActiveFault {
  mode: FaultMode;
  /** Fraction (0..1] of requests affected; 1 when nothing is wrong. */
  share: number;
  /** Real milliseconds before a `slow` answer; 0 otherwise. */
  delay_ms: number;
  /** The scenario entry in force, or null when the endpoint behaves. */
  fault: Fault | null;
}

export const NO_FAULT: ActiveFault = Object.freeze({ mode: 'ok', share: 1, delay_ms: 0, fault: null });

function covers(f: Fault, target: SimTarget): boolean {
  return (
    f.regions.includes(target.region) &&
    f.targets.some((x) => x.service === target.service && (x.component === null || x.component === target.component))
  );
}

/**
 * The fault in force on `target` at scenario time `t` (a fault holds over [from, until)).
 * When faults overlap, the one that started latest wins; on a tie, the later one in the file.
 */
export function faultAt(scenario: Scenario, target: SimTarget, t: number): ActiveFault {
  let best: Fault | null = null;
  for (const f of scenario.faults) {
    if (t < f.from || t >= f.until || !covers(f, target)) continue;
    if (best === null || f.from >= best.from) best = f;
  }
  return best === null ? NO_FAULT : { mode: best.mode, share: best.share, delay_ms: best.delay_ms, fault: best };
}

/**
 * Whether the n-th request (0-based) to an endpoint is hit by a fault of this share. Deterministic and
 * evenly spread: exactly round-down(n × share) of the first n requests are hit, and for share ≤ 0.5
 * never two in a row.
 */
export function isAffected(share: number, n: number): boolean {
  if (share >= 1) return true;
  if (share <= 0) return false;
  const eps = 1e-9;
  return Math.floor((n + 1) * share + eps) > Math.floor(n * share + eps);
}

export type TimelineEvent =
  | { at: number; kind: 'fault'; edge: 'start' | 'end'; fault: Fault }
  | { at: number; kind: 'vendor'; statement: VendorStatement }
  | { at: number; kind: 'reports'; edge: 'start' | 'end'; level: ReportLevel };

const ORDER = { end: 0, vendor: 1, start: 2 } as const;
function rank(e: TimelineEvent): number {
  return e.kind === 'vendor' ? ORDER.vendor : ORDER[e.edge];
}

/** Everything that happens in the scenario, in time order (at equal times: ends, then statements, then starts). */
export function timeline(scenario: Scenario): TimelineEvent[] {
  const events: TimelineEvent[] = [];
  for (const fault of scenario.faults) {
    events.push({ at: fault.from, kind: 'fault', edge: 'start', fault });
    events.push({ at: fault.until, kind: 'fault', edge: 'end', fault });
  }
  for (const statement of scenario.vendor) events.push({ at: statement.at, kind: 'vendor', statement });
  for (const level of scenario.reports) {
    events.push({ at: level.from, kind: 'reports', edge: 'start', level });
    events.push({ at: level.until, kind: 'reports', edge: 'end', level });
  }
  return events
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.at - b.e.at || rank(a.e) - rank(b.e) || a.i - b.i)
    .map(({ e }) => e);
}

/**
 * The events with t0 <= at < t1, in order. A player stepping [start, t1), [t1, t2), … sees every event once;
 * pass Infinity as the last t1 to include events at the very end of the window.
 */
export function changesBetween(scenario: Scenario, t0: number, t1: number): TimelineEvent[] {
  return timeline(scenario).filter((e) => e.at >= t0 && e.at < t1);
}

/** The distinct instants at which some endpoint's behaviour may change (fault starts and ends), sorted. */
export function faultChangeTimes(scenario: Scenario): number[] {
  const times = new Set<number>();
  for (const f of scenario.faults) times.add(f.from).add(f.until);
  return [...times].sort((a, b) => a - b);
}

/**
 * Crowd reports per minute for a service at time t: in one region, or summed over all regions when none is given.
 * In each region the level that started latest wins, and a level's per_minute is spread evenly over its regions.
 */
export function reportLevelAt(scenario: Scenario, service: string, t: number, region?: string): number {
  const regionRate = (r: string) => {
    let best: ReportLevel | null = null;
    for (const l of scenario.reports) {
      if (l.service !== service || t < l.from || t >= l.until || !l.regions.includes(r)) continue;
      if (best === null || l.from >= best.from) best = l;
    }
    return best === null ? 0 : best.per_minute / best.regions.length;
  };
  if (region !== undefined) return regionRate(region);
  return scenario.regions.reduce((sum, r) => sum + regionRate(r), 0);
}

/** The vendor's statements about a service published at or before t, oldest first. */
export function vendorStatementsUntil(scenario: Scenario, service: string, t: number): VendorStatement[] {
  return scenario.vendor.filter((v) => v.service === service && v.at <= t).sort((a, b) => a.at - b.at);
}
