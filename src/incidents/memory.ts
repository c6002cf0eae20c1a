// What the incident engine knows beyond the store, shared by its parts: the components, each one's
// observed status (since when, why), what each vendor's page said last, a vendor acknowledgement or
// fault start waiting for its service's next incident, and the lookups they all use.
import { IncidentError, type Impact, impactOf } from '../core/incident.js';
import { type ComponentStatus, isOutage } from '../core/status.js';
import type { Clock } from '../core/time.js';
import type { StatusChange } from '../detect/detector.js';
import { type GenText, text } from '../i18n/text.js';
import type { AffectedComponent, IncidentFields, IncidentRecord, IncidentStore } from '../store/incidents.js';
import type { ComponentInfo, IncidentEngineOptions, IncidentSettings } from './types.js';

export interface ComponentState {
  status: ComponentStatus;
  reason: string;
  /** The reason in every language. */
  text?: GenText;
  /** First non-operational status of the current episode as Vigie's status changed (detection, after hysteresis). */
  detectedAt?: number | null;
  /** First non-operational status of the current episode. */
  nonOpSince: number | null;
  /** Start of the current partial/major outage. */
  outageSince: number | null;
  /** Since when it has been operational (null while not). */
  operationalSince: number | null;
  affected?: StatusChange['affected'];
}

export interface VendorState {
  green: boolean;
  reachable: boolean;
  greenSince: number | null;
  at: number;
}

export class EngineMemory {
  components = new Map<string, ComponentInfo>();
  readonly state = new Map<string, ComponentState>();
  readonly vendor = new Map<string, VendorState>();
  readonly pendingAck = new Map<string, { at: number; source: 'feed' | 'manual'; text?: string }>();
  readonly pendingFault = new Map<string, number>();
  /** Components under maintenance now. */
  maintenanceSet = new Set<string>();
  /** The latest time tick() ran for (deadlines up to it are handled). */
  lastTickAt = -Infinity;

  constructor(
    readonly db: IncidentStore,
    readonly clock: Clock,
    readonly settings: IncidentSettings,
    readonly opts: IncidentEngineOptions,
  ) {}

  /**
   * The components' statuses as the store has them (at start, after a restart): a component already in
   * outage counts from its status time, so its incident opens once the grace period has passed.
   * Components the engine already follows are left as they are.
   */
  seed(statuses: Map<string, { status: ComponentStatus; since: number }>, replace = false): void {
    // replace: a cluster node taking the leader role starts from the store, not from what it knew before.
    if (replace) this.state.clear();
    for (const [id, { status, since }] of statuses) {
      if (this.state.has(id)) continue;
      const ok = status === 'operational' || status === 'under_maintenance';
      this.state.set(id, {
        status,
        reason: ok ? '' : 'observed before Vigie restarted',
        ...(ok ? {} : { text: text('beforeRestart'), detectedAt: since }),
        nonOpSince: ok ? null : since,
        outageSince: isOutage(status) ? since : null,
        operationalSince: ok ? since : null,
      });
    }
  }

  componentState(id: string): ComponentState {
    let s = this.state.get(id);
    if (!s) {
      s = { status: 'operational', reason: '', nonOpSince: null, outageSince: null, operationalSince: null };
      this.state.set(id, s);
    }
    return s;
  }

  observed(componentId: string): ComponentStatus {
    return this.state.get(componentId)?.status ?? 'operational';
  }

  serviceName(serviceId: string): string {
    return [...this.components.values()].find((c) => c.serviceId === serviceId)?.serviceName ?? serviceId;
  }

  serviceImpact(i: IncidentRecord, statuses: Map<string, ComponentStatus>): Impact {
    const all = [...this.components.values()].filter((c) => c.serviceId === i.serviceId).map((c) => statuses.get(c.id) ?? this.observed(c.id));
    return impactOf(all.length > 0 ? all : [...statuses.values()]);
  }

  peak(i: IncidentRecord, c: StatusChange): Partial<IncidentFields> {
    const a = c.affected;
    if (!a || a.regionsTotal === 0 || !isOutage(c.to)) return {};
    const share = a.regionsDown / a.regionsTotal;
    if (i.peakShare !== null && share <= i.peakShare) return {};
    return { peakShare: share, peakDetail: `${a.regionsDown} of ${a.regionsTotal} regions` };
  }

  async openIncidentFor(serviceId: string): Promise<IncidentRecord | undefined> {
    return (await this.db.list({ kind: 'incident', open: true, serviceId, limit: 1 }))[0];
  }

  async mustGet(id: string, kind: 'incident' | 'maintenance'): Promise<IncidentRecord> {
    const r = await this.db.get(id);
    if (!r || r.kind !== kind) throw new IncidentError('not_found', `no ${kind} with id "${id}"`);
    return r;
  }

  checkComponents(map: Record<string, ComponentStatus>): { componentId: string; status: ComponentStatus }[] {
    return Object.entries(map).map(([id, status]) => {
      if (!this.components.has(id)) throw new IncidentError('invalid', `unknown component "${id}"`, `components.${id}`);
      return { componentId: id, status };
    });
  }

  checkComponentIds(ids: string[], field: string): string[] {
    ids.forEach((id, n) => {
      if (!this.components.has(id)) throw new IncidentError('invalid', `unknown component "${id}"`, `${field}.${n}`);
    });
    return [...new Set(ids)];
  }

  affectedFor(i: IncidentRecord, comps: { componentId: string; status: ComponentStatus }[]): AffectedComponent[] {
    return comps
      .map((c) => ({ componentId: c.componentId, oldStatus: i.components.find((x) => x.componentId === c.componentId)?.status ?? this.observed(c.componentId), newStatus: c.status }))
      .filter((a) => a.oldStatus !== a.newStatus || !i.components.some((x) => x.componentId === a.componentId));
  }
}
