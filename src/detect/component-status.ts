// From monitor health to a component's status: quorum across regions, worst of its
// monitors within a region, and what its dependencies pass on.
import { type ComponentStatus, isOutage, worst } from '../core/status.js';
import { type GenText, english, text } from '../i18n/text.js';
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
  /** In English; `text` words it in every language. */
  reason: string;
  text?: GenText;
  /** Present when the verdict comes from the component's own monitors. */
  affected?: Affected;
  /** For an outage: when the first of the failing monitors began failing, which is before hysteresis confirmed it. */
  observedSince?: number;
}

const HEALTH_RANK: Record<MonitorHealth, number> = { up: 0, degraded: 1, down: 2 };

/** The component's own status from its monitors, before dependencies. */
export function ownStatus(monitors: MonitorView[]): Verdict {
  if (monitors.length === 0) return say({ status: 'operational' }, text('noMonitors'));
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
    return say({ status: 'major_outage', affected, ...since }, regions.length > 1 ? text('failingAll', { n: regions.length }) : text('failing'));
  if (down.length > 0) return say({ status: 'partial_outage', affected, ...since }, text('failingIn', { regions: down.join(', '), down: down.length, total: regions.length }));
  if (slow.length > 0) return say({ status: 'degraded_performance', affected }, text('slowIn', { regions: slow.join(', ') }));
  return say({ status: 'operational', affected }, text('allPassing'));
}

/** A verdict with its reason, in English and as a key for every language. */
export function say(v: Omit<Verdict, 'reason' | 'text'>, t: GenText): Verdict {
  return { ...v, reason: english(t), text: t };
}

/** What a failing dependency does to a component that needs it: it is impaired, not wholly down. `name` is how people know it. */
export function inherited(depId: string, dep: ComponentStatus, name: string = depId): Verdict | undefined {
  // ref keeps the dependency's id in the record (no language shows it), so later updates can look at it again.
  if (isOutage(dep)) return say({ status: 'partial_outage' }, text('dependsOn', { component: name, status: { status: dep }, ref: depId }));
  if (dep === 'degraded_performance') return say({ status: 'degraded_performance' }, text('dependsOn', { component: name, status: { status: dep }, ref: depId }));
  return undefined;
}

/**
 * Statuses of all components, dependencies included. `deps` maps a component to the ones it needs;
 * a cycle is cut where it closes, so a misconfigured loop cannot hang detection.
 */
export function resolveStatuses(own: Map<string, Verdict>, deps: Map<string, string[]>, names?: ReadonlyMap<string, string>): Map<string, Verdict> {
  const out = new Map<string, Verdict>();
  const visiting = new Set<string>();
  const visit = (id: string): Verdict => {
    const done = out.get(id);
    if (done) return done;
    const base = own.get(id) ?? say({ status: 'operational' }, text('unknownComponent'));
    if (visiting.has(id)) return base;
    visiting.add(id);
    let v = base;
    for (const d of deps.get(id) ?? []) {
      const got = inherited(d, visit(d).status, names?.get(d));
      if (got && worst([v.status, got.status]) !== v.status) v = got;
    }
    visiting.delete(id);
    out.set(id, v);
    return v;
  };
  for (const id of own.keys()) visit(id);
  return out;
}
