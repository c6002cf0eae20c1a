// The detection state of a running Vigie: observations in, component status changes out.
// No I/O: the caller stores observations first and stores the changes it is given.
import type { Observation } from '../core/observation.js';
import type { ComponentStatus } from '../core/status.js';
import type { ComponentEntity, MonitorEntity } from '../config/schema.js';
import { type Verdict, ownStatus, resolveStatuses } from './component-status.js';
import { type Hysteresis, type MonitorState, initialMonitorState, nextMonitorState } from './monitor-state.js';

export interface StatusChange {
  componentId: string;
  from: ComponentStatus;
  to: ComponentStatus;
  at: number;
  reason: string;
}

export class Detector {
  private states = new Map<string, MonitorState>();
  private monitors = new Map<string, MonitorEntity>();
  private components = new Map<string, ComponentEntity>();
  private current = new Map<string, ComponentStatus>();
  private byComponent = new Map<string, MonitorEntity[]>();
  private own = new Map<string, Verdict>();

  constructor(private hysteresis: Hysteresis) {}

  /** Sets what exists and what each component's status is now (from the store, after a restart). */
  load(components: ComponentEntity[], monitors: MonitorEntity[], statuses: Map<string, ComponentStatus>): void {
    this.components = new Map(components.map((c) => [c.id, c]));
    this.monitors = new Map(monitors.map((m) => [m.id, m]));
    for (const id of this.states.keys()) if (!this.monitors.has(id)) this.states.delete(id);
    this.current = new Map(components.map((c) => [c.id, statuses.get(c.id) ?? this.current.get(c.id) ?? 'operational']));
    this.byComponent = new Map(components.map((c) => [c.id, monitors.filter((m) => m.componentId === c.id)]));
    this.own = new Map(components.map((c) => [c.id, this.ownVerdict(c.id)]));
  }

  status(componentId: string): ComponentStatus | undefined {
    return this.current.get(componentId);
  }

  monitorState(monitorId: string): MonitorState {
    return this.states.get(monitorId) ?? initialMonitorState;
  }

  observe(o: Observation): StatusChange[] {
    const m = this.monitors.get(o.monitorId);
    if (!m) return [];
    const before = this.monitorState(o.monitorId).health;
    const after = nextMonitorState(this.monitorState(o.monitorId), o, this.hysteresis);
    this.states.set(o.monitorId, after);
    if (after.health === before) return [];
    this.own.set(m.componentId, this.ownVerdict(m.componentId));
    return this.evaluate(o.at);
  }

  private ownVerdict(componentId: string): Verdict {
    const views = (this.byComponent.get(componentId) ?? []).map((m) => ({ region: m.region, health: this.monitorState(m.id).health }));
    return ownStatus(views);
  }

  /** Resolves dependencies over all components and returns the ones whose status changed. */
  evaluate(at: number): StatusChange[] {
    const deps = new Map([...this.components.values()].map((c) => [c.id, c.dependsOn]));
    const changes: StatusChange[] = [];
    for (const [id, v] of resolveStatuses(this.own, deps)) {
      const from = this.current.get(id) ?? 'operational';
      if (from !== v.status) {
        changes.push({ componentId: id, from, to: v.status, at, reason: v.reason });
        this.current.set(id, v.status);
      }
    }
    return changes;
  }
}
