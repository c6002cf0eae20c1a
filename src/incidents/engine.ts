// The incident engine: component status changes, the vendor's word and the clock in; incidents and
// maintenance out, written to the store. It works in clock time only (the changes' own times, tick's
// now, the injected clock for people's actions), so a replay drives it under a ManualClock.
//
// What it does by itself (never on an incident a human has written to):
// - opens an incident when a component stays in partial or major outage past the grace period, with
//   a drafted first update; components of the same service failing together share one incident;
// - posts an update when an affected component's status changes; moves to monitoring when none is
//   in outage any more, back to investigating if one fails again, resolves once all have been
//   operational for the resolve hold;
// - records the vendor's acknowledgement and flags a silent vendor (observed outage, official page
//   green past the threshold);
// - moves scheduled maintenance scheduled → in_progress → verifying → completed on the clock and
//   tells the caller which components are under maintenance (onMaintenanceChange).
// Every operation runs one at a time, in call order.
import {
  IncidentError,
  type AnyIncidentStatus,
  type Cause,
  type Impact,
  type IncidentStatus,
  type MaintenanceStatus,
  canMove,
  impactOf,
  isOpenStatus,
  worseImpact,
} from '../core/incident.js';
import { type ComponentStatus, isOutage } from '../core/status.js';
import type { Clock, TimerHandle } from '../core/time.js';
import type { StatusChange } from '../detect/detector.js';
import {
  type AffectedComponent,
  type IncidentComponent,
  type IncidentFields,
  type IncidentRecord,
  IncidentStore,
  type ListOptions,
  type NewUpdate,
  newPublicId,
} from '../store/incidents.js';
import type { Store } from '../store/store.js';
import { type IncidentFigures, incidentFigures } from './figures.js';
import { blankFields } from './blank.js';
import { type GenText, text } from '../i18n/text.js';
import {
  type StillMember,
  drafted,
  draftedName,
  maintenanceBody,
  maintenanceScheduled,
  memberBody,
  openBody,
  plainReason,
  resolvedBody,
  silentVendorBody,
  stillBody,
  title,
  vendorAckBody,
} from './drafts.js';

export interface IncidentSettings {
  /** An outage must last this long (clock time) before an incident opens. Default 2 min. */
  graceMs: number;
  /** After recovery, everything must stay operational this long before the incident resolves. Default 15 min. */
  resolveHoldMs: number;
  /** Observed outage while the vendor page stays green this long → silent-vendor flag. Default 30 min. */
  silentVendorAfterMs: number;
  /** A maintenance stays in verifying this long after its window before it completes. Default 5 min. */
  maintenanceVerifyMs: number;
  /** An automatic incident still under way with nothing new gets a drafted update after this long. Default 1 h. */
  stillEveryMs: number;
}

export const DEFAULT_INCIDENT_SETTINGS: IncidentSettings = {
  graceMs: 2 * 60_000,
  resolveHoldMs: 15 * 60_000,
  silentVendorAfterMs: 30 * 60_000,
  maintenanceVerifyMs: 5 * 60_000,
  stillEveryMs: 60 * 60_000,
};

export interface ComponentInfo {
  id: string;
  serviceId: string;
  name: string;
  serviceName: string;
}

export interface IncidentEngineOptions {
  store: Store;
  clock: Clock;
  components: ComponentInfo[];
  settings?: Partial<IncidentSettings>;
  /** The set of components under maintenance changed (whole set). The app feeds it to the detector. */
  onMaintenanceChange?: (componentIds: Set<string>, at: number) => void;
  /** Something was written (re-publish the page). */
  onChange?: () => void;
  onError?: (err: unknown) => void;
  /** False on a cluster node that is not the leader: people's actions are written, the automatic work waits for the leader. */
  automatic?: () => boolean;
}

/** An incident with its figures, as the API, the page and the replays read it. */
export interface IncidentView extends IncidentRecord {
  figures: IncidentFigures;
}

interface ComponentState {
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

interface VendorState {
  green: boolean;
  reachable: boolean;
  greenSince: number | null;
  at: number;
}

export interface CreateIncidentInput {
  name: string;
  status?: IncidentStatus;
  body: string;
  impact?: Impact;
  cause?: Cause;
  /** component id → its status in this incident. */
  components?: Record<string, ComponentStatus>;
  serviceId?: string | null;
  at?: number;
  author: string;
  faultStart?: number | null;
}

export interface IncidentUpdateInput {
  status?: IncidentStatus;
  body: string;
  /** Set only when the body is Vigie's own wording (a default text): its key and parameters. */
  bodyText?: string;
  components?: Record<string, ComponentStatus>;
  impact?: Impact;
  cause?: Cause;
  name?: string;
  at?: number;
  author: string;
}

export interface IncidentPatchInput {
  name?: string;
  impact?: Impact;
  cause?: Cause;
  components?: Record<string, ComponentStatus>;
  /** Component ids to take off the incident. */
  removeComponents?: string[];
  faultStart?: number | null;
  author: string;
}

export interface CreateMaintenanceInput {
  name: string;
  body?: string;
  components: string[];
  scheduledFor: number;
  scheduledUntil: number;
  impact?: Impact;
  autoTransitions?: boolean;
  author: string;
}

export interface MaintenanceUpdateInput {
  status?: MaintenanceStatus;
  body?: string;
  name?: string;
  components?: string[];
  scheduledFor?: number;
  scheduledUntil?: number;
  autoTransitions?: boolean;
  author: string;
}

const VIGIE = 'vigie';
const ACK_MEMORY_MS = 6 * 3_600_000;

export class IncidentEngine {
  readonly settings: IncidentSettings;
  private readonly db: IncidentStore;
  private readonly clock: Clock;
  private components = new Map<string, ComponentInfo>();
  private state = new Map<string, ComponentState>();
  private vendor = new Map<string, VendorState>();
  private pendingAck = new Map<string, { at: number; source: 'feed' | 'manual'; text?: string }>();
  private pendingFault = new Map<string, number>();
  private maintenanceSet = new Set<string>();
  private chain: Promise<unknown> = Promise.resolve();
  private timer: TimerHandle | undefined;
  private timerAt: number | undefined;
  private running = false;
  private lastTickAt = -Infinity;

  constructor(private readonly opts: IncidentEngineOptions) {
    this.db = new IncidentStore(opts.store);
    this.clock = opts.clock;
    this.settings = { ...DEFAULT_INCIDENT_SETTINGS, ...opts.settings };
    this.setComponents(opts.components);
  }

  /** What exists (after a config reload). */
  setComponents(list: ComponentInfo[]): void {
    this.components = new Map(list.map((c) => [c.id, c]));
  }

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

  /** Arms a clock timer for the next deadline (grace, hold, silent vendor, maintenance) after every operation. */
  start(): void {
    this.running = true;
    this.chain = this.chain.then(() => this.rearm()).catch((err) => this.opts.onError?.(err));
  }

  /** Cancels the timer and waits for the operation under way. */
  async stop(): Promise<void> {
    this.running = false;
    this.timer?.cancel();
    this.timer = undefined;
    await this.chain.catch(() => {});
  }

  /** Waits for every operation queued so far. */
  async idle(): Promise<void> {
    await this.chain.catch(() => {});
  }

  // ---- inputs -------------------------------------------------------------------------------

  onStatusChange(change: StatusChange): Promise<void> {
    return this.run(() => this.handleChange(change));
  }

  tick(now: number): Promise<void> {
    return this.run(() => this.handleTick(now));
  }

  /** The vendor said something about a problem (from its feed, or entered by hand). The first word counts. */
  vendorAcknowledged(serviceId: string, at: number, source: 'feed' | 'manual', text?: string): Promise<void> {
    return this.run(() => this.handleAck(serviceId, at, source, text));
  }

  /**
   * What the vendor's status page says now. A reachable page that says not operational counts as an
   * acknowledgement (from the feed); a green one starts the silent-vendor clock; an unreachable one is neither.
   */
  vendorStatus(serviceId: string, at: number, saysOperational: boolean, reachable: boolean): Promise<void> {
    return this.run(async () => {
      const prev = this.vendor.get(serviceId);
      const green = reachable && saysOperational;
      this.vendor.set(serviceId, { green, reachable, at, greenSince: green ? (prev?.green ? prev.greenSince : at) : null });
      if (reachable && !saysOperational) await this.handleAck(serviceId, at, 'feed', undefined);
      await this.handleTick(at);
    });
  }

  /** Where the fault's real start is known (replays): recorded on the service's open or next incident, for the figures. */
  faultStarted(serviceId: string, at: number): Promise<void> {
    return this.run(async () => {
      const open = await this.openIncidentFor(serviceId);
      if (open && open.faultStart === null) await this.db.write({ id: open.id, patch: { faultStart: at } });
      else this.pendingFault.set(serviceId, at);
    });
  }

  // ---- reading ------------------------------------------------------------------------------

  async incidents(opts: ListOptions = {}): Promise<IncidentView[]> {
    return (await this.db.list({ kind: 'incident', ...opts })).map(view);
  }

  async maintenances(opts: Omit<ListOptions, 'kind'> = {}): Promise<IncidentView[]> {
    return (await this.db.list({ ...opts, kind: 'maintenance' })).map(view);
  }

  async get(id: string): Promise<IncidentView | undefined> {
    const r = await this.db.get(id);
    return r ? view(r) : undefined;
  }

  /** Components under maintenance now. */
  underMaintenance(): ReadonlySet<string> {
    return this.maintenanceSet;
  }

  /** The latest vendor page state per service, as last given to vendorStatus. */
  vendorState(serviceId: string): Readonly<VendorState> | undefined {
    return this.vendor.get(serviceId);
  }

  // ---- people's actions (admin API) -----------------------------------------------------------

  createIncident(input: CreateIncidentInput): Promise<IncidentView> {
    return this.run(async () => {
      const at = input.at ?? this.clock.now();
      const comps = this.checkComponents(input.components ?? {});
      const id = newPublicId();
      const status = input.status ?? 'investigating';
      if (status === 'postmortem') throw new IncidentError('invalid', 'a new incident cannot start in postmortem', 'status');
      const serviceId = input.serviceId ?? commonService(comps.map((c) => this.components.get(c.componentId)!.serviceId));
      const observed = comps.map((c) => this.state.get(c.componentId)?.nonOpSince).filter((t): t is number => t != null);
      const detected = comps.map((c) => this.state.get(c.componentId)?.detectedAt).filter((t): t is number => t != null);
      await this.db.write({
        id,
        create: {
          ...blankFields(at),
          kind: 'incident',
          serviceId,
          name: input.name,
          status,
          impact: input.impact ?? impactOf(comps.map((c) => c.status)),
          cause: input.cause ?? 'unknown',
          origin: 'manual',
          human: true,
          observedStart: observed.length > 0 ? Math.min(...observed) : null,
          detectedAt: detected.length > 0 ? Math.min(...detected) : null,
          faultStart: input.faultStart ?? null,
          monitoringAt: status === 'monitoring' ? at : null,
          resolvedAt: status === 'resolved' ? at : null,
        },
        components: comps.map((c) => ({ ...c, addedAt: at })),
        update: { status, body: input.body, affected: comps.map((c) => ({ componentId: c.componentId, oldStatus: this.observed(c.componentId), newStatus: c.status })), at, author: input.author },
      });
      return (await this.get(id))!;
    });
  }

  /** A human's update: takes the incident over (auto never writes to it again). */
  postUpdate(id: string, input: IncidentUpdateInput): Promise<IncidentView> {
    return this.run(async () => {
      const i = await this.mustGet(id, 'incident');
      const at = input.at ?? this.clock.now();
      const status = input.status ?? (i.status as IncidentStatus);
      if (!canMove('incident', i.status, status)) throw new IncidentError('conflict', `an incident cannot go from ${i.status} to ${status}`, 'status');
      const comps = this.checkComponents(input.components ?? {});
      await this.db.write({
        id,
        patch: {
          human: true,
          status,
          updatedAt: at,
          ...(input.name !== undefined ? { name: input.name, nameText: null } : {}),
          ...(input.impact !== undefined ? { impact: input.impact } : {}),
          ...(input.cause !== undefined ? { cause: input.cause } : {}),
          ...statusTimes(i, status, at),
        },
        components: comps.map((c) => ({ ...c, addedAt: at })),
        update: { status, body: input.body, bodyText: input.bodyText ?? null, affected: this.affectedFor(i, comps), at, author: input.author },
      });
      return (await this.get(id))!;
    });
  }

  patchIncident(id: string, input: IncidentPatchInput): Promise<IncidentView> {
    return this.run(async () => {
      const i = await this.mustGet(id, 'incident');
      const at = this.clock.now();
      const comps = this.checkComponents(input.components ?? {});
      for (const [n, c] of (input.removeComponents ?? []).entries())
        if (!i.components.some((x) => x.componentId === c)) throw new IncidentError('invalid', `component "${c}" is not on this incident`, `removeComponents.${n}`);
      const affected = this.affectedFor(i, comps);
      await this.db.write({
        id,
        patch: {
          human: true,
          updatedAt: at,
          ...(input.name !== undefined ? { name: input.name, nameText: null } : {}),
          ...(input.impact !== undefined ? { impact: input.impact } : {}),
          ...(input.cause !== undefined ? { cause: input.cause } : {}),
          ...(input.faultStart !== undefined ? { faultStart: input.faultStart } : {}),
        },
        components: comps.map((c) => ({ ...c, addedAt: at })),
        ...(input.removeComponents?.length ? { removeComponents: input.removeComponents } : {}),
        // Affected components only exist on updates (as in Statuspage): a change of them is one.
        ...(affected.length > 0 ? { update: { status: i.status, body: '', affected, at, author: input.author } } : {}),
      });
      return (await this.get(id))!;
    });
  }

  resolve(id: string, input: { body?: string; at?: number; author: string }): Promise<IncidentView> {
    return this.postUpdate(id, { status: 'resolved', ...(input.body !== undefined ? { body: input.body } : drafted(text('resolvedDefault'))), author: input.author, ...(input.at !== undefined ? { at: input.at } : {}) });
  }

  postmortem(id: string, input: { body: string; at?: number; author: string }): Promise<IncidentView> {
    return this.run(async () => {
      const i = await this.mustGet(id, 'incident');
      if (i.status !== 'resolved' && i.status !== 'postmortem') throw new IncidentError('conflict', `a postmortem needs a resolved incident (this one is ${i.status})`, 'status');
      const at = input.at ?? this.clock.now();
      await this.db.write({
        id,
        patch: { human: true, status: 'postmortem', postmortemBody: input.body, postmortemPublishedAt: at, updatedAt: at },
        update: { status: 'postmortem', body: input.body, affected: [], at, author: input.author },
      });
      return (await this.get(id))!;
    });
  }

  /** The vendor's acknowledgement time entered by hand for this incident (replaces what the feed said). */
  setVendorAcknowledgement(id: string, input: { at: number; text?: string; author: string }): Promise<IncidentView> {
    return this.run(async () => {
      await this.mustGet(id, 'incident');
      await this.db.write({ id, patch: { vendorAckAt: input.at, vendorAckSource: 'manual', vendorAckText: input.text ?? null, updatedAt: this.clock.now() } });
      return (await this.get(id))!;
    });
  }

  createMaintenance(input: CreateMaintenanceInput): Promise<IncidentView> {
    return this.run(async () => {
      const at = this.clock.now();
      if (!(input.scheduledUntil > input.scheduledFor)) throw new IncidentError('invalid', 'scheduledUntil must be after scheduledFor', 'scheduledUntil');
      const ids = this.checkComponentIds(input.components, 'components');
      const id = newPublicId();
      await this.db.write({
        id,
        create: {
          ...blankFields(at),
          kind: 'maintenance',
          serviceId: commonService(ids.map((c) => this.components.get(c)!.serviceId)),
          name: input.name,
          status: 'scheduled',
          impact: input.impact ?? 'none',
          origin: 'manual',
          human: true,
          scheduledFor: input.scheduledFor,
          scheduledUntil: input.scheduledUntil,
          autoTransitions: input.autoTransitions ?? true,
        },
        components: ids.map((c) => ({ componentId: c, status: 'under_maintenance', addedAt: at })),
        update: { status: 'scheduled', ...(input.body !== undefined ? { body: input.body } : drafted(maintenanceScheduled(input.scheduledFor, input.scheduledUntil))), affected: [], at, author: input.author },
      });
      await this.handleTick(at);
      return (await this.get(id))!;
    });
  }

  updateMaintenance(id: string, input: MaintenanceUpdateInput): Promise<IncidentView> {
    return this.run(async () => {
      const m = await this.mustGet(id, 'maintenance');
      const at = this.clock.now();
      const status = input.status ?? (m.status as MaintenanceStatus);
      if (!canMove('maintenance', m.status, status)) throw new IncidentError('conflict', `a maintenance cannot go from ${m.status} to ${status}`, 'status');
      const from = input.scheduledFor ?? m.scheduledFor!;
      const until = input.scheduledUntil ?? m.scheduledUntil!;
      if (!(until > from)) throw new IncidentError('invalid', 'scheduledUntil must be after scheduledFor', 'scheduledUntil');
      const ids = input.components ? this.checkComponentIds(input.components, 'components') : undefined;
      const patch: Partial<IncidentFields> = {
        status,
        updatedAt: at,
        scheduledFor: from,
        scheduledUntil: until,
        ...(input.name !== undefined ? { name: input.name, nameText: null } : {}),
        ...(input.autoTransitions !== undefined ? { autoTransitions: input.autoTransitions } : {}),
        ...maintenanceTimes(m, status, at),
      };
      await this.db.write({
        id,
        patch,
        ...(ids ? { components: ids.map((c) => ({ componentId: c, status: 'under_maintenance' as const, addedAt: at })), removeComponents: m.components.map((c) => c.componentId).filter((c) => !ids.includes(c)) } : {}),
        ...(input.body !== undefined || status !== m.status ? { update: { status, ...(input.body !== undefined ? { body: input.body } : drafted(maintenanceBody(status))), affected: [], at, author: input.author } } : {}),
      });
      await this.handleTick(at);
      return (await this.get(id))!;
    });
  }

  // ---- the automatic part ---------------------------------------------------------------------

  private async handleChange(c: StatusChange): Promise<void> {
    const s = this.componentState(c.componentId);
    s.status = c.to;
    s.reason = c.reason;
    s.text = c.reasonText ?? plainReason(c.reason);
    if (c.affected) s.affected = c.affected;
    if (c.to === 'operational' || c.to === 'under_maintenance') {
      s.nonOpSince = null;
      s.detectedAt = null;
      s.outageSince = null;
      s.operationalSince ??= c.at;
    } else {
      // The outage was observed from its first failed check, not from when hysteresis confirmed it.
      s.nonOpSince ??= Math.min(c.at, c.observedSince ?? c.at);
      s.detectedAt ??= c.at;
      s.operationalSince = null;
      s.outageSince = isOutage(c.to) ? (s.outageSince ?? c.at) : null;
    }
    const info = this.components.get(c.componentId);
    if (info) {
      const open = await this.openIncidentFor(info.serviceId);
      if (open) await this.followIncident(open, c, info);
    }
    await this.handleTick(c.at);
  }

  /** An open incident of the component's service sees one of its components change. */
  private async followIncident(i: IncidentRecord, c: StatusChange, info: ComponentInfo): Promise<void> {
    const member = i.components.find((x) => x.componentId === c.componentId);
    if (!member && !isOutage(c.to)) return;
    const peak = this.peak(i, c);
    const components: IncidentComponent[] = [{ componentId: c.componentId, status: c.to, addedAt: c.at }];
    if (i.human) {
      // A status a person declared stands until a person changes it (it shows as declared beside the observed one).
      await this.db.write({ id: i.id, patch: { ...peak }, components: member && setByPerson(i, c.componentId) ? [] : components });
      return;
    }
    const statuses = new Map(i.components.map((x) => [x.componentId, x.status]));
    statuses.set(c.componentId, c.to);
    const anyOutage = [...statuses.values()].some(isOutage);
    let status = i.status as IncidentStatus;
    const label = `${info.serviceName} ${info.name}`;
    let move: 'again' | 'recovering' | null = null;
    if (anyOutage && status === 'monitoring') {
      status = 'investigating';
      move = 'again';
    } else if (!anyOutage && (status === 'investigating' || status === 'identified')) {
      status = 'monitoring';
      move = 'recovering';
    } else if (status === 'resolved') {
      // Resolved already (a reopened outage gets its own incident): keep the record straight, say nothing.
      await this.db.write({ id: i.id, patch: { ...peak }, components: member ? components : [] });
      return;
    }
    const body = memberBody(label, member !== undefined, c.to, c.reasonText ?? plainReason(c.reason), c.at, move);
    // The title follows its components while Vigie wrote it: a component joining, or all of them down now.
    const ids = [...i.components.map((x) => x.componentId), ...(member ? [] : [c.componentId])];
    const allMajor = ids.every((id) => statuses.get(id) === 'major_outage');
    const retitle = i.nameText !== null && i.serviceId !== null && (!member || (allMajor && c.to === 'major_outage'));
    const named = retitle ? draftedName(title(this.serviceName(i.serviceId!), ids.map((id) => this.components.get(id)?.name ?? id), allMajor)) : undefined;
    const impact = worseImpact(i.impact, this.serviceImpact(i, statuses));
    await this.db.write({
      id: i.id,
      patch: { status, impact, updatedAt: c.at, ...peak, ...(named && named.nameText !== i.nameText ? named : {}), ...(status === 'monitoring' && i.status !== 'monitoring' ? { monitoringAt: c.at } : {}) },
      components,
      update: { status, ...drafted(body), affected: [{ componentId: c.componentId, oldStatus: c.from, newStatus: c.to }], at: c.at, author: VIGIE },
    });
  }

  private async handleTick(now: number): Promise<void> {
    if (this.opts.automatic?.() === false) return;
    this.lastTickAt = Math.max(this.lastTickAt, now);
    await this.openDue(now);
    await this.resolveDue(now);
    await this.flagSilentVendors(now);
    await this.draftStill(now);
    await this.moveMaintenance(now);
  }

  /** Opens one incident per service whose components have been in outage past the grace period. */
  private async openDue(now: number): Promise<void> {
    const due = new Map<string, string[]>();
    for (const [id, s] of this.state) {
      if (s.outageSince === null || now - s.outageSince < this.settings.graceMs) continue;
      const info = this.components.get(id);
      if (!info) continue;
      due.set(info.serviceId, [...(due.get(info.serviceId) ?? []), id]);
    }
    for (const serviceId of due.keys()) {
      if (await this.openIncidentFor(serviceId)) continue; // followIncident keeps that one up to date
      // Every component of the service in outage now joins, past its grace period or not: they fail together.
      const ids = [...this.state].filter(([id, s]) => s.outageSince !== null && this.components.get(id)?.serviceId === serviceId).map(([id]) => id);
      await this.open(serviceId, ids, now);
    }
  }

  private async open(serviceId: string, ids: string[], at: number): Promise<void> {
    const infos = ids.map((id) => this.components.get(id)!);
    const states = ids.map((id) => this.state.get(id)!);
    const serviceName = infos[0]!.serviceName;
    const statuses = states.map((s) => s.status);
    const allMajor = statuses.every((s) => s === 'major_outage');
    const names = infos.map((c) => c.name);
    const name = draftedName(title(serviceName, names, allMajor));
    const since = Math.min(...states.map((s) => s.outageSince!));
    const body = drafted(openBody(serviceName, infos.map((c, n) => ({ name: c.name, status: statuses[n]!, reason: states[n]!.text, since: states[n]!.outageSince! })), since));
    const id = newPublicId();
    let peakShare: number | null = null;
    let peakDetail: string | null = null;
    for (const s of states)
      if (s.affected && s.affected.regionsTotal > 0) {
        const share = s.affected.regionsDown / s.affected.regionsTotal;
        if (peakShare === null || share > peakShare) [peakShare, peakDetail] = [share, `${s.affected.regionsDown} of ${s.affected.regionsTotal} regions`];
      }
    const ack = this.pendingAck.get(serviceId);
    const useAck = ack !== undefined && at - ack.at <= ACK_MEMORY_MS;
    this.pendingAck.delete(serviceId);
    const fault = this.pendingFault.get(serviceId);
    this.pendingFault.delete(serviceId);
    const serviceStatuses = [...this.components.values()].filter((c) => c.serviceId === serviceId).map((c) => this.observed(c.id));
    await this.db.write({
      id,
      create: {
        ...blankFields(at),
        kind: 'incident',
        serviceId,
        ...name,
        status: 'investigating',
        impact: impactOf(serviceStatuses.length > 0 ? serviceStatuses : statuses),
        origin: 'auto',
        observedStart: Math.min(...states.map((s) => s.nonOpSince ?? s.outageSince!)),
        detectedAt: Math.min(...states.map((s) => s.detectedAt ?? s.outageSince!)),
        faultStart: fault ?? null,
        peakShare,
        peakDetail,
        ...(useAck ? { vendorAckAt: ack.at, vendorAckSource: ack.source, vendorAckText: ack.text ?? null } : {}),
      },
      components: ids.map((cid, n) => ({ componentId: cid, status: statuses[n]!, addedAt: at })),
      update: { status: 'investigating', ...body, affected: ids.map((cid, n) => ({ componentId: cid, oldStatus: 'operational', newStatus: statuses[n]! })), at, author: VIGIE },
    });
  }

  private async resolveDue(now: number): Promise<void> {
    for (const i of await this.db.list({ kind: 'incident', open: true, limit: 1000 })) {
      if (i.human || i.status !== 'monitoring' || i.monitoringAt === null) continue;
      const states = i.components.map((c) => this.state.get(c.componentId));
      if (!states.every((s) => s !== undefined && s.operationalSince !== null)) continue;
      const since = Math.max(i.monitoringAt, ...states.map((s) => s!.operationalSince!));
      if (now - since < this.settings.resolveHoldMs) continue;
      await this.db.write({
        id: i.id,
        patch: { status: 'resolved', resolvedAt: now, updatedAt: now },
        components: i.components.map((c) => ({ ...c, status: 'operational' })),
        update: {
          status: 'resolved',
          ...drafted(resolvedBody(since)),
          affected: i.components.filter((c) => c.status !== 'operational').map((c) => ({ componentId: c.componentId, oldStatus: c.status, newStatus: 'operational' })),
          at: now,
          author: VIGIE,
        },
      });
    }
  }

  private async flagSilentVendors(now: number): Promise<void> {
    for (const i of await this.db.list({ kind: 'incident', open: true, limit: 1000 })) {
      if (i.serviceId === null || i.silentVendorAt !== null || i.vendorAckAt !== null) continue;
      if (i.status !== 'investigating' && i.status !== 'identified') continue;
      const v = this.vendor.get(i.serviceId);
      if (!v?.green || v.greenSince === null) continue;
      const from = Math.max(i.observedStart ?? i.createdAt, v.greenSince);
      if (now - from < this.settings.silentVendorAfterMs) continue;
      const serviceName = this.serviceName(i.serviceId);
      const body = drafted(silentVendorBody(serviceName, now - (i.observedStart ?? i.createdAt)));
      await this.db.write({
        id: i.id,
        patch: { silentVendorAt: now, ...(i.human ? {} : { updatedAt: now }) },
        ...(i.human ? {} : { update: { status: i.status, ...body, affected: [], at: now, author: VIGIE } }),
      });
    }
  }

  /** Automatic incidents still under way with nothing new for stillEveryMs get an update saying where things stand. */
  private async draftStill(now: number): Promise<void> {
    for (const i of await this.db.list({ kind: 'incident', open: true, limit: 1000 })) {
      if (!this.stillDue(i, now)) continue;
      const members: StillMember[] = [];
      for (const c of i.components) {
        const st = this.state.get(c.componentId);
        const info = this.components.get(c.componentId);
        if (!st || !info || !isOutage(st.status)) continue;
        const ref = st.text?.key === 'dependsOn' ? st.text.params?.ref : undefined;
        const up = typeof ref === 'string' ? this.components.get(ref) : undefined;
        members.push({
          label: `${info.serviceName} ${info.name}`,
          status: st.status,
          reason: st.text,
          since: st.outageSince ?? st.nonOpSince ?? now,
          ...(up ? { upstream: { name: `${up.serviceName} ${up.name}`, status: this.observed(up.id) } } : {}),
        });
      }
      if (members.length === 0) continue;
      const body = drafted(stillBody(members, now - (i.observedStart ?? i.createdAt)));
      await this.db.write({ id: i.id, patch: { updatedAt: now }, update: { status: i.status, ...body, affected: [], at: now, author: VIGIE } });
    }
  }

  private stillDue(i: IncidentRecord, now: number): boolean {
    return i.kind === 'incident' && !i.human && (i.status === 'investigating' || i.status === 'identified') && now - lastSaid(i) >= this.settings.stillEveryMs;
  }

  private async handleAck(serviceId: string, at: number, source: 'feed' | 'manual', text: string | undefined): Promise<void> {
    const open = await this.openIncidentFor(serviceId);
    const recent = open ?? (await this.db.list({ kind: 'incident', serviceId, limit: 1 })).find((i) => i.resolvedAt !== null && at - i.resolvedAt <= 3_600_000);
    if (!recent) {
      if (!this.pendingAck.has(serviceId)) this.pendingAck.set(serviceId, { at, source, ...(text !== undefined ? { text } : {}) });
      return;
    }
    if (recent.vendorAckAt !== null) return;
    const say = !recent.human && isOpenStatus(recent.status);
    await this.db.write({
      id: recent.id,
      patch: { vendorAckAt: at, vendorAckSource: source, vendorAckText: text ?? null, ...(say ? { updatedAt: at } : {}) },
      ...(say
        ? { update: { status: recent.status, ...drafted(vendorAckBody(this.serviceName(serviceId), at, text)), affected: [], at, author: VIGIE } }
        : {}),
    });
  }

  private async moveMaintenance(now: number): Promise<void> {
    const open = await this.db.list({ kind: 'maintenance', open: true, limit: 1000 });
    for (const m of open) {
      if (!m.autoTransitions || m.scheduledFor === null || m.scheduledUntil === null) continue;
      let next: MaintenanceStatus | undefined;
      if (m.status === 'scheduled' && now >= m.scheduledUntil) next = 'verifying';
      else if (m.status === 'scheduled' && now >= m.scheduledFor) next = 'in_progress';
      else if (m.status === 'in_progress' && now >= m.scheduledUntil) next = 'verifying';
      else if (m.status === 'verifying' && now >= Math.max(m.scheduledUntil, m.updatedAt) + this.settings.maintenanceVerifyMs) next = 'completed';
      if (!next) continue;
      await this.db.write({ id: m.id, patch: { status: next, updatedAt: now, ...maintenanceTimes(m, next, now) }, update: { status: next, ...drafted(maintenanceBody(next)), affected: [], at: now, author: VIGIE } });
      m.status = next;
    }
    const set = new Set(open.filter((m) => m.status === 'in_progress').flatMap((m) => m.components.map((c) => c.componentId)));
    if (set.size !== this.maintenanceSet.size || [...set].some((id) => !this.maintenanceSet.has(id))) {
      this.maintenanceSet = set;
      this.opts.onMaintenanceChange?.(new Set(set), now);
    }
  }

  // ---- helpers --------------------------------------------------------------------------------

  private run<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.chain.then(fn);
    // The timer is re-armed inside the chain, so idle() also waits for it.
    this.chain = p.then(
      () => this.afterRun(),
      () => this.afterRun(),
    );
    return p;
  }

  private async afterRun(): Promise<void> {
    this.opts.onChange?.();
    await this.rearm().catch((err) => this.opts.onError?.(err));
  }

  /** Sets a clock timer for the earliest deadline in memory or in open incidents/maintenances. */
  private async rearm(): Promise<void> {
    if (!this.running) return;
    if (this.opts.automatic?.() === false) {
      // Not the leader: nothing to time (tick() re-arms once it is).
      this.timer?.cancel();
      this.timer = undefined;
      this.timerAt = undefined;
      return;
    }
    const at = await this.nextDeadline();
    if (!this.running || at === this.timerAt) return;
    this.timer?.cancel();
    this.timer = undefined;
    this.timerAt = at;
    if (at === undefined) return;
    this.timer = this.clock.at(at, () => {
      this.timerAt = undefined;
      this.tick(this.clock.now()).catch((err) => this.opts.onError?.(err));
    });
  }

  /** The next time tick() has something to do, if any. */
  async nextDeadline(): Promise<number | undefined> {
    const open = await this.db.list({ open: true, limit: 1000 });
    const servicesWithIncident = new Set(open.filter((i) => i.kind === 'incident').map((i) => i.serviceId));
    const times: number[] = [];
    for (const [id, s] of this.state) {
      const info = this.components.get(id);
      if (s.outageSince !== null && info && !servicesWithIncident.has(info.serviceId)) times.push(s.outageSince + this.settings.graceMs);
    }
    for (const i of open) {
      if (i.kind === 'maintenance') {
        if (!i.autoTransitions || i.scheduledFor === null || i.scheduledUntil === null) continue;
        if (i.status === 'scheduled') times.push(i.scheduledFor);
        else if (i.status === 'in_progress') times.push(i.scheduledUntil);
        else if (i.status === 'verifying') times.push(Math.max(i.scheduledUntil, i.updatedAt) + this.settings.maintenanceVerifyMs);
        continue;
      }
      if (!i.human && i.status === 'monitoring' && i.monitoringAt !== null) {
        const ops = i.components.map((c) => this.state.get(c.componentId)?.operationalSince ?? null);
        if (ops.every((t) => t !== null)) times.push(Math.max(i.monitoringAt, ...(ops as number[])) + this.settings.resolveHoldMs);
      }
      if (i.kind === 'incident' && !i.human && (i.status === 'investigating' || i.status === 'identified') && i.components.some((c) => isOutage(this.observed(c.componentId))))
        times.push(lastSaid(i) + this.settings.stillEveryMs);
      const v = i.serviceId !== null ? this.vendor.get(i.serviceId) : undefined;
      if ((i.status === 'investigating' || i.status === 'identified') && i.silentVendorAt === null && i.vendorAckAt === null && v?.green && v.greenSince !== null)
        times.push(Math.max(i.observedStart ?? i.createdAt, v.greenSince) + this.settings.silentVendorAfterMs);
    }
    // Whatever was due by the last tick has been handled by it: never loop on a stale deadline.
    const future = times.filter((t) => Number.isFinite(t) && t > this.lastTickAt);
    return future.length > 0 ? Math.min(...future) : undefined;
  }

  private componentState(id: string): ComponentState {
    let s = this.state.get(id);
    if (!s) {
      s = { status: 'operational', reason: '', nonOpSince: null, outageSince: null, operationalSince: null };
      this.state.set(id, s);
    }
    return s;
  }

  private observed(componentId: string): ComponentStatus {
    return this.state.get(componentId)?.status ?? 'operational';
  }

  private serviceName(serviceId: string): string {
    return [...this.components.values()].find((c) => c.serviceId === serviceId)?.serviceName ?? serviceId;
  }

  private serviceImpact(i: IncidentRecord, statuses: Map<string, ComponentStatus>): Impact {
    const all = [...this.components.values()].filter((c) => c.serviceId === i.serviceId).map((c) => statuses.get(c.id) ?? this.observed(c.id));
    return impactOf(all.length > 0 ? all : [...statuses.values()]);
  }

  private peak(i: IncidentRecord, c: StatusChange): Partial<IncidentFields> {
    const a = c.affected;
    if (!a || a.regionsTotal === 0 || !isOutage(c.to)) return {};
    const share = a.regionsDown / a.regionsTotal;
    if (i.peakShare !== null && share <= i.peakShare) return {};
    return { peakShare: share, peakDetail: `${a.regionsDown} of ${a.regionsTotal} regions` };
  }

  private async openIncidentFor(serviceId: string): Promise<IncidentRecord | undefined> {
    return (await this.db.list({ kind: 'incident', open: true, serviceId, limit: 1 }))[0];
  }

  private async mustGet(id: string, kind: 'incident' | 'maintenance'): Promise<IncidentRecord> {
    const r = await this.db.get(id);
    if (!r || r.kind !== kind) throw new IncidentError('not_found', `no ${kind} with id "${id}"`);
    return r;
  }

  private checkComponents(map: Record<string, ComponentStatus>): { componentId: string; status: ComponentStatus }[] {
    return Object.entries(map).map(([id, status]) => {
      if (!this.components.has(id)) throw new IncidentError('invalid', `unknown component "${id}"`, `components.${id}`);
      return { componentId: id, status };
    });
  }

  private checkComponentIds(ids: string[], field: string): string[] {
    ids.forEach((id, n) => {
      if (!this.components.has(id)) throw new IncidentError('invalid', `unknown component "${id}"`, `${field}.${n}`);
    });
    return [...new Set(ids)];
  }

  private affectedFor(i: IncidentRecord, comps: { componentId: string; status: ComponentStatus }[]): AffectedComponent[] {
    return comps
      .map((c) => ({ componentId: c.componentId, oldStatus: i.components.find((x) => x.componentId === c.componentId)?.status ?? this.observed(c.componentId), newStatus: c.status }))
      .filter((a) => a.oldStatus !== a.newStatus || !i.components.some((x) => x.componentId === a.componentId));
  }
}

/** Whether a person set this component's status on the incident (its latest change came from an update not written by Vigie). */
function setByPerson(i: IncidentRecord, componentId: string): boolean {
  let latest: { at: number; author: string } | undefined;
  for (const u of i.updates) if (u.affected.some((a) => a.componentId === componentId) && (!latest || u.at >= latest.at)) latest = u;
  return latest !== undefined && latest.author !== VIGIE;
}

/** When the incident last said something (its newest update, or its opening). */
function lastSaid(i: IncidentRecord): number {
  return Math.max(i.createdAt, ...i.updates.map((u) => u.at));
}

function view(r: IncidentRecord): IncidentView {
  return { ...r, figures: incidentFigures(r) };
}

function statusTimes(i: IncidentRecord, status: IncidentStatus, at: number): Partial<IncidentFields> {
  if (status === i.status) return {};
  if (status === 'monitoring') return { monitoringAt: at };
  if (status === 'resolved') return { resolvedAt: i.resolvedAt ?? at };
  if (status === 'investigating' || status === 'identified') return { resolvedAt: null };
  return {};
}

function maintenanceTimes(m: IncidentRecord, status: MaintenanceStatus, at: number): Partial<IncidentFields> {
  if (status === m.status) return {};
  if (status === 'in_progress') return { startedAt: m.startedAt ?? at };
  if (status === 'verifying') return { startedAt: m.startedAt ?? at, monitoringAt: at };
  if (status === 'completed') return { resolvedAt: at };
  return {};
}





function commonService(ids: string[]): string | null {
  const set = new Set(ids);
  return set.size === 1 ? [...set][0]! : null;
}


export type { IncidentRecord, IncidentUpdate, IncidentComponent, AffectedComponent, ListOptions } from '../store/incidents.js';
export type { IncidentFigures } from './figures.js';
export { IncidentError } from '../core/incident.js';
