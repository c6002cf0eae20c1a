// What keeps Vigie telling the truth while its store fails: observations and status changes go
// through write-behind queues (written later, in order, once the store is back), the page is built
// from the last model read plus the changes still waiting in memory, and the health says since when
// writing fails (the page's notice, /healthz, /metrics).
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Observation } from '../core/observation.js';
import type { ComponentStatus } from '../core/status.js';
import type { Clock } from '../core/time.js';
import { FaultLog, type HealthView, StoreHealth } from './health.js';
import type { PageModel, StatusChange, Store } from './store.js';
import { WriteBehind } from './write-behind.js';

/** A status change as detection produced it (the detector's shape; the store reads `from` itself). */
export interface ChangeToWrite {
  componentId: string;
  from: ComponentStatus;
  to: ComponentStatus;
  at: number;
  reason: string;
  /** The reason as a message key and parameters (src/i18n/text.ts); stored as JSON. */
  reasonText?: unknown;
}

/** Longest a page read waits before the page is built from the last answer. */
const READ_WAIT_MS = 5_000;

export interface StoreGuardOptions<C extends ChangeToWrite> {
  store: Store;
  clock: Clock;
  log: Logger;
  registry?: Registry;
  /** Each status change once it is in the store (at once, or when the store is back). */
  onChangeWritten: (c: C) => void;
  /** Writing began or stopped failing. */
  onHealthChange?: (v: HealthView) => void;
  /** Observations kept in memory at most while the store fails. */
  maxHeldObservations?: number;
  /** Instead of the store's own writes (a cluster node writes under its shard and leader leases, src/cluster). */
  writeObservations?: (batch: Observation[]) => Promise<void>;
  writeChange?: (c: { componentId: string; status: ComponentStatus; at: number; reason: string; reasonText: string | null }) => Promise<void>;
}

export class StoreGuard<C extends ChangeToWrite = ChangeToWrite> {
  readonly faults: FaultLog;
  readonly health: StoreHealth;
  readonly observations: WriteBehind<Observation>;
  readonly changes: WriteBehind<C>;
  private lastGood = new Map<string, unknown>();

  constructor(opts: StoreGuardOptions<C>) {
    this.faults = new FaultLog({ log: opts.log, clock: opts.clock, ...(opts.registry ? { registry: opts.registry } : {}) });
    this.health = new StoreHealth({ clock: opts.clock, faults: this.faults, ...(opts.registry ? { registry: opts.registry } : {}), ...(opts.onHealthChange ? { onChange: opts.onHealthChange } : {}) });
    this.observations = new WriteBehind<Observation>({
      kind: 'observations',
      health: this.health,
      write: (batch) => (opts.writeObservations ?? ((b) => opts.store.recordObservations(b)))(batch),
      ...(opts.maxHeldObservations !== undefined ? { maxHeld: opts.maxHeldObservations } : {}),
    });
    // One change per write, in order: a change about a component that no longer exists is given up alone.
    this.changes = new WriteBehind<C>({
      kind: 'status changes',
      health: this.health,
      maxBatch: 1,
      maxHeld: 100_000,
      write: async (batch) => {
        const write = opts.writeChange ?? ((x) => opts.store.recordComponentStatus(x));
        for (const c of batch) await write({ componentId: c.componentId, status: c.to, at: c.at, reason: c.reason, reasonText: c.reasonText ? JSON.stringify(c.reasonText) : null });
      },
      onWritten: (batch) => {
        for (const c of batch) opts.onChangeWritten(c);
      },
    });
  }

  /**
   * A read for the page: its result, or while the store cannot answer the last result it gave (the
   * failure counted once in the fault log). Throws only if it never answered.
   */
  async read<T>(key: string, fn: () => Promise<T>): Promise<T> {
    let t: NodeJS.Timeout | undefined;
    try {
      const p = fn();
      // A store that does not answer (a connection lost without a reset) must not stop the page.
      const v = this.lastGood.has(key)
        ? await Promise.race([p, new Promise<never>((_, rej) => (t = setTimeout(() => rej(new Error(`the store did not answer within ${READ_WAIT_MS / 1000} s`)), READ_WAIT_MS)))])
        : await p;
      this.lastGood.set(key, v);
      return v;
    } catch (err) {
      this.faults.report(`page read (${key})`, err);
      if (this.lastGood.has(key)) return this.lastGood.get(key) as T;
      throw err;
    } finally {
      clearTimeout(t);
    }
  }

  /** The page model with the status changes still waiting in memory applied. */
  overlayModel(model: PageModel): PageModel {
    const pending = this.changes.pending;
    if (pending.length === 0) return model;
    const latest = new Map<string, C>();
    for (const c of pending) latest.set(c.componentId, c);
    let updatedAt = model.updatedAt;
    const services = model.services.map((s) => ({
      ...s,
      components: s.components.map((comp) => {
        const c = latest.get(comp.id);
        if (!c) return comp;
        updatedAt = Math.max(updatedAt, c.at);
        return { ...comp, status: c.to, statusSince: c.at, updatedAt: Math.max(comp.updatedAt, c.at) };
      }),
    }));
    return { services, updatedAt };
  }

  /** Recent changes with those still waiting in memory, newest first. */
  overlayChanges(list: StatusChange[], limit: number): StatusChange[] {
    const pending = this.changes.pending;
    if (pending.length === 0) return list;
    const mem = pending.map((c) => ({ componentId: c.componentId, fromStatus: c.from, toStatus: c.to, at: c.at, reason: c.reason, ...(c.reasonText ? { reasonText: JSON.stringify(c.reasonText) } : {}) })).reverse();
    return [...mem, ...list].sort((a, b) => b.at - a.at).slice(0, limit);
  }

  /** Waits for what was submitted, tries once more to write what is held; logs what could not be. */
  async close(): Promise<void> {
    const obs = await this.observations.close();
    const changes = await this.changes.close();
    if (obs + changes > 0) this.faults.report('shutdown', new Error(`${obs} observation(s) and ${changes} status change(s) could not be written before stopping`));
  }
}
