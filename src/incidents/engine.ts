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
//
// Its parts: automatic.ts (following statuses, opening, resolving, "still under way"), vendor-link.ts
// (the vendor's acknowledgement, the silent-vendor flag), maintenance.ts, manual.ts (people's writes),
// deadline.ts (the timer's next deadline), memory.ts (what it knows beyond the store), types.ts.
import type { TimerHandle } from '../core/time.js';
import type { ComponentStatus } from '../core/status.js';
import type { StatusChange } from '../detect/detector.js';
import { IncidentStore, type ListOptions } from '../store/incidents.js';
import { text } from '../i18n/text.js';
import { draftStill, followChange, openDue, resolveDue } from './automatic.js';
import { nextDeadline } from './deadline.js';
import { drafted } from './drafts.js';
import { createMaintenance, moveMaintenance, updateMaintenance } from './maintenance.js';
import { createIncident, patchIncident, postUpdate, postmortem, setVendorAcknowledgement } from './manual.js';
import { EngineMemory, type VendorState } from './memory.js';
import { view } from './records.js';
import {
  type ComponentInfo,
  type CreateIncidentInput,
  type CreateMaintenanceInput,
  DEFAULT_INCIDENT_SETTINGS,
  type IncidentEngineOptions,
  type IncidentPatchInput,
  type IncidentSettings,
  type IncidentUpdateInput,
  type IncidentView,
  type MaintenanceUpdateInput,
} from './types.js';
import { flagSilentVendors, vendorAck, vendorPage } from './vendor-link.js';

export class IncidentEngine {
  readonly settings: IncidentSettings;
  private readonly db: IncidentStore;
  private readonly m: EngineMemory;
  private chain: Promise<unknown> = Promise.resolve();
  private timer: TimerHandle | undefined;
  private timerAt: number | undefined;
  private running = false;

  constructor(private readonly opts: IncidentEngineOptions) {
    this.db = new IncidentStore(opts.store);
    this.settings = { ...DEFAULT_INCIDENT_SETTINGS, ...opts.settings };
    this.m = new EngineMemory(this.db, opts.clock, this.settings, opts);
    this.setComponents(opts.components);
  }

  /** What exists (after a config reload). */
  setComponents(list: ComponentInfo[]): void {
    this.m.components = new Map(list.map((c) => [c.id, c]));
  }

  /**
   * The components' statuses as the store has them (at start, after a restart): a component already in
   * outage counts from its status time, so its incident opens once the grace period has passed.
   * Components the engine already follows are left as they are.
   */
  seed(statuses: Map<string, { status: ComponentStatus; since: number }>, replace = false): void {
    this.m.seed(statuses, replace);
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
    return this.run(async () => {
      await followChange(this.m, change);
      await this.handleTick(change.at);
    });
  }

  tick(now: number): Promise<void> {
    return this.run(() => this.handleTick(now));
  }

  /** The vendor said something about a problem (from its feed, or entered by hand). The first word counts. */
  vendorAcknowledged(serviceId: string, at: number, source: 'feed' | 'manual', text?: string): Promise<void> {
    return this.run(() => vendorAck(this.m, serviceId, at, source, text));
  }

  /**
   * What the vendor's status page says now. A reachable page that says not operational counts as an
   * acknowledgement (from the feed); a green one starts the silent-vendor clock; an unreachable one is neither.
   */
  vendorStatus(serviceId: string, at: number, saysOperational: boolean, reachable: boolean): Promise<void> {
    return this.run(async () => {
      await vendorPage(this.m, serviceId, at, saysOperational, reachable);
      await this.handleTick(at);
    });
  }

  /** Where the fault's real start is known (replays): recorded on the service's open or next incident, for the figures. */
  faultStarted(serviceId: string, at: number): Promise<void> {
    return this.run(async () => {
      const open = await this.m.openIncidentFor(serviceId);
      if (open && open.faultStart === null) await this.db.write({ id: open.id, patch: { faultStart: at } });
      else this.m.pendingFault.set(serviceId, at);
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
    return this.m.maintenanceSet;
  }

  /** The latest vendor page state per service, as last given to vendorStatus. */
  vendorState(serviceId: string): Readonly<VendorState> | undefined {
    return this.m.vendor.get(serviceId);
  }

  /** The next time tick() has something to do, if any. */
  nextDeadline(): Promise<number | undefined> {
    return nextDeadline(this.m);
  }

  // ---- people's actions (admin API) -----------------------------------------------------------

  createIncident(input: CreateIncidentInput): Promise<IncidentView> {
    return this.run(async () => this.written(await createIncident(this.m, input)));
  }

  /** A human's update: takes the incident over (auto never writes to it again). */
  postUpdate(id: string, input: IncidentUpdateInput): Promise<IncidentView> {
    return this.run(async () => this.written(await postUpdate(this.m, id, input)));
  }

  patchIncident(id: string, input: IncidentPatchInput): Promise<IncidentView> {
    return this.run(async () => this.written(await patchIncident(this.m, id, input)));
  }

  resolve(id: string, input: { body?: string; at?: number; author: string }): Promise<IncidentView> {
    return this.postUpdate(id, { status: 'resolved', ...(input.body !== undefined ? { body: input.body } : drafted(text('resolvedDefault'))), author: input.author, ...(input.at !== undefined ? { at: input.at } : {}) });
  }

  postmortem(id: string, input: { body: string; at?: number; author: string }): Promise<IncidentView> {
    return this.run(async () => this.written(await postmortem(this.m, id, input)));
  }

  /** The vendor's acknowledgement time entered by hand for this incident (replaces what the feed said). */
  setVendorAcknowledgement(id: string, input: { at: number; text?: string; author: string }): Promise<IncidentView> {
    return this.run(async () => this.written(await setVendorAcknowledgement(this.m, id, input)));
  }

  createMaintenance(input: CreateMaintenanceInput): Promise<IncidentView> {
    return this.run(async () => {
      const at = this.opts.clock.now();
      const id = await createMaintenance(this.m, input, at);
      await this.handleTick(at);
      return this.written(id);
    });
  }

  updateMaintenance(id: string, input: MaintenanceUpdateInput): Promise<IncidentView> {
    return this.run(async () => {
      const at = this.opts.clock.now();
      await updateMaintenance(this.m, id, input, at);
      await this.handleTick(at);
      return this.written(id);
    });
  }

  // ---- the automatic part ---------------------------------------------------------------------

  private async handleTick(now: number): Promise<void> {
    if (this.opts.automatic?.() === false) return;
    this.m.lastTickAt = Math.max(this.m.lastTickAt, now);
    await openDue(this.m, now);
    await resolveDue(this.m, now);
    await flagSilentVendors(this.m, now);
    await draftStill(this.m, now);
    await moveMaintenance(this.m, now);
  }

  // ---- helpers --------------------------------------------------------------------------------

  /** The incident or maintenance just written, as the API shows it. */
  private async written(id: string): Promise<IncidentView> {
    return (await this.get(id))!;
  }

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
    this.timer = this.opts.clock.at(at, () => {
      this.timerAt = undefined;
      this.tick(this.opts.clock.now()).catch((err) => this.opts.onError?.(err));
    });
  }
}

export { DEFAULT_INCIDENT_SETTINGS } from './types.js';
export type {
  ComponentInfo,
  CreateIncidentInput,
  CreateMaintenanceInput,
  IncidentEngineOptions,
  IncidentPatchInput,
  IncidentSettings,
  IncidentUpdateInput,
  IncidentView,
  MaintenanceUpdateInput,
} from './types.js';
export type { IncidentRecord, IncidentUpdate, IncidentComponent, AffectedComponent, ListOptions } from '../store/incidents.js';
export type { IncidentFigures } from './figures.js';
export { IncidentError } from '../core/incident.js';
