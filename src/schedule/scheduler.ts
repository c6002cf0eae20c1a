// When each monitor runs next. One timer for all monitors (Uptime Kuma's timer per
// monitor is what we avoid), first runs spread over the interval so monitors with
// the same interval do not fire together, a cap on checks in flight, and a cap per
// host so many monitors on one target do not hammer it.
import { setMaxListeners } from 'node:events';
import type { Clock, TimerHandle } from '../core/time.js';
import { TimeHeap } from './heap.js';
import { Queue } from './queue.js';

export interface Schedulable {
  id: string;
  intervalMs: number;
  /** Checks sharing a host key share the per-host cap. */
  hostKey: string;
}

export interface SchedulerOptions<M extends Schedulable> {
  clock: Clock;
  /** Runs one check. Must settle; the scheduler aborts the signal on stop(). */
  run: (monitor: M, plannedAt: number, signal: AbortSignal) => Promise<void>;
  maxConcurrent?: number;
  maxPerHost?: number;
  /** Called with how late each check started, in clock ms. */
  onLag?: (monitor: M, lagMs: number) => void;
  onError?: (monitor: M, err: unknown) => void;
  /**
   * First runs on a grid shared by every process (the phase counted from the epoch, not from now):
   * a monitor handed from one cluster node to another keeps its slots, neither run twice nor skipped.
   */
  aligned?: boolean;
  /**
   * The first planned time of a monitor new to this scheduler, when the caller knows better (a cluster
   * node taking a shard over: the slot after the last stored check, which may be past: it runs at once,
   * on its grid). Undefined: the usual first slot.
   */
  firstAt?: (monitor: M, now: number) => number | undefined;
}

interface Entry<M> {
  key: string;
  at: number;
  monitor: M;
}

/** A stable offset in [0, interval) from the id, so restarts keep the same spread. */
export function phaseOffset(id: string, intervalMs: number): number {
  let h = 2166136261;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 16777619);
  return (h >>> 0) % Math.max(1, Math.floor(intervalMs));
}

/** One controller for every running check: each adds a listener, hundreds at a time by design. */
function sharedAbort(): AbortController {
  const c = new AbortController();
  setMaxListeners(0, c.signal);
  return c;
}

export class Scheduler<M extends Schedulable> {
  private heap = new TimeHeap<Entry<M>>();
  private monitors = new Map<string, M>();
  private timer: TimerHandle | undefined;
  private timerAt = Infinity;
  /** Due checks waiting for a slot, one FIFO per host. */
  private waiting = new Map<string, Queue<Entry<M>>>();
  /** Hosts with waiting checks and room under their cap, in turn (each at most once). */
  private ready = new Queue<string>();
  private inReady = new Set<string>();
  private waitingCount = 0;
  private inFlight = new Map<string, Promise<void>>();
  private perHost = new Map<string, number>();
  private abort = sharedAbort();
  /** Nothing runs before start(): the app loads monitors first, then restores state, then starts. */
  private stopped = true;
  private readonly maxConcurrent: number;
  private readonly maxPerHost: number;

  constructor(private opts: SchedulerOptions<M>) {
    this.maxConcurrent = opts.maxConcurrent ?? 256;
    this.maxPerHost = opts.maxPerHost ?? 32;
  }

  get size(): number {
    return this.monitors.size;
  }
  get running(): number {
    return this.inFlight.size;
  }
  /** Due checks held back by the concurrency caps. */
  get backlog(): number {
    return this.waitingCount;
  }

  /** Replaces the set of monitors; unchanged ones keep their place in time. */
  setMonitors(list: M[]): void {
    const next = new Map(list.map((m) => [m.id, m]));
    for (const id of this.monitors.keys()) if (!next.has(id)) this.remove(id);
    for (const m of list) this.upsert(m);
  }

  upsert(m: M): void {
    const old = this.monitors.get(m.id);
    this.monitors.set(m.id, m);
    const entry = this.heap.remove(m.id);
    if (old && entry && old.intervalMs === m.intervalMs) {
      this.heap.push({ ...entry, monitor: m });
    } else if (!this.inFlight.has(m.id)) {
      const now = this.opts.clock.now();
      const phase = phaseOffset(m.id, m.intervalMs);
      const first = this.opts.firstAt?.(m, now) ?? (this.opts.aligned ? now + ((((phase - now) % m.intervalMs) + m.intervalMs) % m.intervalMs) : now + phase);
      this.heap.push({ key: m.id, at: first, monitor: m });
    }
    this.arm();
  }

  remove(id: string): void {
    this.monitors.delete(id);
    this.heap.remove(id);
    // A waiting entry of a removed monitor is dropped when its turn comes (see drain).
    this.arm();
  }

  /** Resolves once these monitors' checks in flight have settled (a cluster node handing them over). */
  async settled(ids: Iterable<string>): Promise<void> {
    await Promise.allSettled([...ids].flatMap((id) => this.inFlight.get(id) ?? []));
  }

  start(): void {
    this.stopped = false;
    // Slots planned before start (setMonitors at load time, or while stopped) that are already
    // past move to their next slot on the same grid, instead of all firing at once now.
    const now = this.opts.clock.now();
    const late: Entry<M>[] = [];
    for (let e = this.heap.peek(); e && e.at < now; e = this.heap.peek()) late.push(this.heap.pop()!);
    for (const e of late) {
      const every = e.monitor.intervalMs;
      this.heap.push({ ...e, at: e.at + Math.ceil((now - e.at) / every) * every });
    }
    this.arm();
  }

  /** Stops planning checks, aborts the ones running, and waits for them to settle. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
    this.timerAt = Infinity;
    this.abort.abort();
    await Promise.allSettled(this.inFlight.values());
    this.abort = sharedAbort();
  }

  private arm(): void {
    if (this.stopped) return;
    const next = this.heap.peek();
    if (!next) return;
    if (next.at >= this.timerAt && this.timer) return;
    this.timer?.cancel();
    this.timerAt = next.at;
    this.timer = this.opts.clock.at(next.at, () => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.tick();
    });
  }

  private tick(): void {
    const now = this.opts.clock.now();
    for (let e = this.heap.peek(); e && e.at <= now; e = this.heap.peek()) {
      this.heap.pop();
      this.enqueue(e);
    }
    this.drain();
    this.arm();
  }

  private enqueue(e: Entry<M>): void {
    const host = e.monitor.hostKey;
    let q = this.waiting.get(host);
    if (!q) this.waiting.set(host, (q = new Queue()));
    q.push(e);
    this.waitingCount++;
    this.markReady(host);
  }

  /** Puts the host in the turn order if it has waiting checks and room under its cap. */
  private markReady(host: string): void {
    if (this.inReady.has(host)) return;
    const q = this.waiting.get(host);
    if (!q || q.length === 0 || (this.perHost.get(host) ?? 0) >= this.maxPerHost) return;
    this.inReady.add(host);
    this.ready.push(host);
  }

  // O(1) per check started: hosts at their cap are not in the turn order, so they are never scanned.
  private drain(): void {
    if (this.stopped) return;
    while (this.inFlight.size < this.maxConcurrent && this.ready.length > 0) {
      const host = this.ready.shift()!;
      this.inReady.delete(host);
      const q = this.waiting.get(host);
      const e = q?.shift();
      if (!q || !e) continue;
      this.waitingCount--;
      if (q.length === 0) this.waiting.delete(host);
      const current = this.monitors.get(e.key);
      // Removed, already running, or planned again (re-added) since it was queued: its turn is skipped.
      if (current !== undefined && !this.inFlight.has(e.key) && !this.heap.has(e.key)) this.launch({ ...e, monitor: current });
      this.markReady(host);
    }
  }

  private launch(e: Entry<M>): void {
    const { monitor, at } = e;
    const host = monitor.hostKey;
    this.perHost.set(host, (this.perHost.get(host) ?? 0) + 1);
    this.opts.onLag?.(monitor, Math.max(0, this.opts.clock.now() - at));
    const p = this.opts
      .run(monitor, at, this.abort.signal)
      .catch((err) => this.opts.onError?.(monitor, err))
      .finally(() => {
        this.inFlight.delete(monitor.id);
        const n = (this.perHost.get(host) ?? 1) - 1;
        if (n > 0) this.perHost.set(host, n);
        else this.perHost.delete(host);
        this.markReady(host);
        const current = this.monitors.get(monitor.id);
        if (current && !this.stopped && !this.heap.has(current.id)) {
          // Next run keeps the planned grid, skipping slots missed while late, so lag never accumulates.
          const now = this.opts.clock.now();
          let next = at + current.intervalMs;
          if (next <= now) next += Math.ceil((now - next) / current.intervalMs) * current.intervalMs;
          this.heap.push({ key: current.id, at: next, monitor: current });
          this.arm();
        }
        this.drain();
      });
    this.inFlight.set(monitor.id, p);
  }
}
