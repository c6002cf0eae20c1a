// The detection state of a running Vigie: observations in, component status changes out.
// No I/O: the caller stores observations first and stores the changes it is given.
//
// Besides probes it takes two overlays:
// - crowd level per service (setCrowd): recorded always (crowdLevel); how much it weighs is the
//   service's crowd weight: "ignore" (recorded only), "confirm" (default: while the crowd level is
//   "detected", one failed check takes a monitor down instead of failures_to_down), "decisive"
//   (as confirm, and "detected" alone puts every component of the service in partial outage).
// - maintenance windows (setMaintenance): a component in maintenance shows under_maintenance
//   whatever its probes say, and passes nothing on to its dependents.
import type { Observation } from '../core/observation.js';
import type { ComponentStatus } from '../core/status.js';
import { severity } from '../core/status.js';
import type { ComponentEntity, MonitorEntity } from '../config/schema.js';
import type { GenText } from '../i18n/text.js';
import { text } from '../i18n/text.js';
import { type Affected, type Verdict, ownStatus, resolveStatuses, say } from './component-status.js';
import { type Hysteresis, type MonitorState, initialMonitorState, nextMonitorState } from './monitor-state.js';

export type { Affected } from './component-status.js';

export interface StatusChange {
  componentId: string;
  from: ComponentStatus;
  to: ComponentStatus;
  at: number;
  /** In English; reasonText words it in every language. */
  reason: string;
  reasonText?: GenText;
  /** Share of regions/monitors failing, when the status comes from the component's own probes. */
  affected?: Affected;
  /** For an outage seen by the component's own probes: the first failed check, before hysteresis confirmed it. */
  observedSince?: number;
}

export const CROWD_LEVELS = ['none', 'possible', 'detected'] as const;
export type CrowdLevel = (typeof CROWD_LEVELS)[number];
export const CROWD_WEIGHTS = ['ignore', 'confirm', 'decisive'] as const;
export type CrowdWeight = (typeof CROWD_WEIGHTS)[number];

export class Detector {
  private states = new Map<string, MonitorState>();
  private monitors = new Map<string, MonitorEntity>();
  private components = new Map<string, ComponentEntity>();
  private current = new Map<string, ComponentStatus>();
  private byComponent = new Map<string, MonitorEntity[]>();
  /** When each component last changed: checks finish out of order, but a component's history must not go back in time. */
  private lastChangeAt = new Map<string, number>();
  private own = new Map<string, Verdict>();
  private crowd = new Map<string, { level: CrowdLevel; at: number }>();
  private crowdWeights = new Map<string, CrowdWeight>();
  private defaultCrowdWeight: CrowdWeight = 'confirm';
  private maintenance = new Set<string>();
  private names = new Map<string, string>();

  constructor(private hysteresis: Hysteresis) {}

  /** Sets what exists and what each component's status is now (from the store, after a restart). */
  load(components: ComponentEntity[], monitors: MonitorEntity[], statuses: Map<string, ComponentStatus>): void {
    this.components = new Map(components.map((c) => [c.id, c]));
    this.monitors = new Map(monitors.map((m) => [m.id, m]));
    for (const id of this.states.keys()) if (!this.monitors.has(id)) this.states.delete(id);
    this.current = new Map(components.map((c) => [c.id, statuses.get(c.id) ?? this.current.get(c.id) ?? 'operational']));
    this.byComponent = new Map(components.map((c) => [c.id, [] as MonitorEntity[]]));
    for (const m of monitors) this.byComponent.get(m.componentId)?.push(m);
    this.own = new Map(components.map((c) => [c.id, this.ownVerdict(c.id)]));
  }

  /** How people know each component ("ChatGPT API"), for the reasons it gives; ids otherwise. */
  setNames(names: ReadonlyMap<string, string>): void {
    this.names = new Map(names);
  }

  /** How much crowd reports weigh, per service id; services not in the map get `fallback`. */
  setCrowdWeights(weights: Map<string, CrowdWeight>, fallback: CrowdWeight = 'confirm'): void {
    this.crowdWeights = new Map(weights);
    this.defaultCrowdWeight = fallback;
  }

  status(componentId: string): ComponentStatus | undefined {
    return this.current.get(componentId);
  }

  monitorState(monitorId: string): MonitorState {
    return this.states.get(monitorId) ?? initialMonitorState;
  }

  /** The latest crowd level set for the service ("none" if never set). */
  crowdLevel(serviceId: string): CrowdLevel {
    return this.crowd.get(serviceId)?.level ?? 'none';
  }

  crowdWeight(serviceId: string): CrowdWeight {
    return this.crowdWeights.get(serviceId) ?? this.defaultCrowdWeight;
  }

  /** Components currently under maintenance. */
  maintenanceSet(): ReadonlySet<string> {
    return this.maintenance;
  }

  observe(o: Observation): StatusChange[] {
    const m = this.monitors.get(o.monitorId);
    if (!m) return [];
    const before = this.monitorState(o.monitorId).health;
    const after = nextMonitorState(this.monitorState(o.monitorId), o, this.hysteresisFor(m));
    this.states.set(o.monitorId, after);
    if (after.health === before) return [];
    this.own.set(m.componentId, this.ownVerdict(m.componentId));
    return this.evaluate(o.at);
  }

  /**
   * The crowd-report level for a service, from the crowd-report intake. With weight "confirm" or
   * "decisive", "detected" takes down at once any monitor of the service that has already failed
   * at least once; with "decisive" it also impairs the service's components on its own.
   */
  setCrowd(serviceId: string, level: CrowdLevel, at: number): StatusChange[] {
    const prev = this.crowdLevel(serviceId);
    this.crowd.set(serviceId, { level, at });
    if (prev === level || this.crowdWeight(serviceId) === 'ignore') return [];
    const ids = [...this.components.values()].filter((c) => c.serviceId === serviceId).map((c) => c.id);
    if (level === 'detected') {
      for (const id of ids)
        for (const m of this.byComponent.get(id) ?? []) {
          const s = this.monitorState(m.id);
          if (s.fails >= 1 && s.health !== 'down') this.states.set(m.id, { ...s, health: 'down' });
        }
    }
    for (const id of ids) this.own.set(id, this.ownVerdict(id));
    return this.evaluate(at);
  }

  /** The components under maintenance now (the whole set, replacing the previous one). */
  setMaintenance(componentIds: Iterable<string>, at: number): StatusChange[] {
    const next = new Set(componentIds);
    if (next.size === this.maintenance.size && [...next].every((id) => this.maintenance.has(id))) return [];
    this.maintenance = next;
    return this.evaluate(at);
  }

  private hysteresisFor(m: MonitorEntity): Hysteresis {
    const serviceId = this.components.get(m.componentId)?.serviceId;
    if (serviceId !== undefined && this.crowdLevel(serviceId) === 'detected' && this.crowdWeight(serviceId) !== 'ignore')
      return { ...this.hysteresis, failuresToDown: 1 };
    return this.hysteresis;
  }

  private ownVerdict(componentId: string): Verdict {
    const views = (this.byComponent.get(componentId) ?? []).map((m) => {
      const st = this.monitorState(m.id);
      return { region: m.region, health: st.health, failingSince: st.failingSince };
    });
    const v = ownStatus(views);
    const serviceId = this.components.get(componentId)?.serviceId;
    if (
      serviceId !== undefined &&
      this.crowdWeight(serviceId) === 'decisive' &&
      this.crowdLevel(serviceId) === 'detected' &&
      severity(v.status) < severity('partial_outage')
    )
      return { ...v, ...say({ status: 'partial_outage' }, text('crowdDecisive')) };
    return v;
  }

  /** Resolves dependencies over all components and returns the ones whose status changed. */
  evaluate(at: number): StatusChange[] {
    const deps = new Map([...this.components.values()].map((c) => [c.id, c.dependsOn]));
    const maint: Verdict = say({ status: 'under_maintenance' }, text('maintenanceReason'));
    const own = new Map([...this.own].map(([id, v]) => [id, this.maintenance.has(id) ? maint : v] as const));
    const changes: StatusChange[] = [];
    for (const [id, resolved] of resolveStatuses(own, deps, this.names)) {
      const v = this.maintenance.has(id) ? maint : resolved;
      const from = this.current.get(id) ?? 'operational';
      if (from !== v.status) {
        const when = Math.max(at, this.lastChangeAt.get(id) ?? at);
        this.lastChangeAt.set(id, when);
        changes.push({
          componentId: id,
          from,
          to: v.status,
          at: when,
          reason: v.reason,
          ...(v.text ? { reasonText: v.text } : {}),
          ...(v.affected ? { affected: v.affected } : {}),
          ...(v.observedSince !== undefined ? { observedSince: v.observedSince } : {}),
        });
        this.current.set(id, v.status);
      }
    }
    return changes;
  }
}
