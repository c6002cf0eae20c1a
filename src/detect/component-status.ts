// From monitor health to a component's status: quorum across regions, worst of its
// monitors within a region, and what its dependencies pass on.
import { type ComponentStatus, isOutage, worst } from '../core/status.js';
import type { MonitorHealth } from './monitor-state.js';

export interface MonitorView {
  region: string;
  health: MonitorHealth;
  /** The first failed check of the monitor's current run of failures. */
  failingSince?: number | undefined;
}

/** How much of a component's monitoring saw it fail: the share of probes/regions affected. */
export interface Affected {
  regionsDown: number;
  regionsTotal: number;
  monitorsDown: number;
  monitorsTotal: number;
}

export interface Verdict {
  status: ComponentStatus;
  reason: string;
  /** Present when the verdict comes from the component's own monitors. */
  affected?: Affected;
  /** For an outage: when the first of the failing monitors began failing, which is before hysteresis confirmed it. */
  observedSince?: number;
}

const HEALTH_RANK: Record<MonitorHealth, number> = { up: 0, degraded: 1, down: 2 };

/** The component's own status from its monitors, before dependencies. */
export function ownStatus(monitors: MonitorView[]): Verdict {
  if (monitors.length === 0) return { status: 'operational', reason: 'no monitors' };
  const byRegion = new Map<string, MonitorHealth>();
  for (const m of monitors) {
    const prev = byRegion.get(m.region);
    if (prev === undefined || HEALTH_RANK[m.health] > HEALTH_RANK[prev]) byRegion.set(m.region, m.health);
  }
  const regions = [...byRegion.keys()].sort();
  const down = regions.filter((r) => byRegion.get(r) === 'down');
  const slow = regions.filter((r) => byRegion.get(r) === 'degraded');
  const affected: Affected = {
    regionsDown: down.length,
    regionsTotal: regions.length,
    monitorsDown: monitors.filter((m) => m.health === 'down').length,
    monitorsTotal: monitors.length,
  };
  const starts = monitors.filter((m) => m.health === 'down' && m.failingSince !== undefined).map((m) => m.failingSince!);
  const since = starts.length > 0 ? { observedSince: Math.min(...starts) } : {};
  if (down.length > 0 && down.length === regions.length)
    return { status: 'major_outage', reason: regions.length > 1 ? `failing in all ${regions.length} regions` : 'failing', affected, ...since };
  if (down.length > 0) return { status: 'partial_outage', reason: `failing in ${down.join(', ')} (${down.length} of ${regions.length} regions)`, affected, ...since };
  if (slow.length > 0) return { status: 'degraded_performance', reason: `slow in ${slow.join(', ')}`, affected };
  return { status: 'operational', reason: 'all checks passing', affected };
}

/** What a failing dependency does to a component that needs it: it is impaired, not wholly down. */
export function inherited(depId: string, dep: ComponentStatus): Verdict | undefined {
  if (isOutage(dep)) return { status: 'partial_outage', reason: `depends on ${depId} (${dep})` };
  if (dep === 'degraded_performance') return { status: 'degraded_performance', reason: `depends on ${depId} (degraded)` };
  return undefined;
}

/**
 * Statuses of all components, dependencies included. `deps` maps a component to the ones it needs;
 * a cycle is cut where it closes, so a misconfigured loop cannot hang detection.
 */
export function resolveStatuses(own: Map<string, Verdict>, deps: Map<string, string[]>): Map<string, Verdict> {
  const out = new Map<string, Verdict>();
  const visiting = new Set<string>();
  const visit = (id: string): Verdict => {
    const done = out.get(id);
    if (done) return done;
    const base = own.get(id) ?? { status: 'operational' as const, reason: 'unknown component' };
    if (visiting.has(id)) return base;
    visiting.add(id);
    let v = base;
    for (const d of deps.get(id) ?? []) {
      const got = inherited(d, visit(d).status);
      if (got && worst([v.status, got.status]) !== v.status) v = got;
    }
    visiting.delete(id);
    out.set(id, v);
    return v;
  };
  for (const id of own.keys()) visit(id);
  return out;
}
