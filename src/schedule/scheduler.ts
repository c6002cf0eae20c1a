// When each monitor runs next. One timer for all monitors (Uptime Kuma's timer per
// monitor is what we avoid), first runs spread over the interval so monitors with
// the same interval do not fire together, a cap on checks in flight, and a cap per
// host so many monitors on one target do not hammer it.
import type { Clock, TimerHandle } from '../core/time.js';
import { TimeHeap } from './heap.js';

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

export class Scheduler<M extends Schedulable> {
  private heap = new TimeHeap<Entry<M>>();
  private monitors = new Map<string, M>();
  private timer: TimerHandle | undefined;
  private timerAt = Infinity;
  private waiting: Entry<M>[] = [];
  private inFlight = new Map<string, Promise<void>>();
  private perHost = new Map<string, number>();
  private abort = new AbortController();
  private stopped = false;
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
      this.heap.push({ key: m.id, at: now + phaseOffset(m.id, m.intervalMs), monitor: m });
    }
    this.arm();
  }

  remove(id: string): void {
    this.monitors.delete(id);
    this.heap.remove(id);
    this.waiting = this.waiting.filter((e) => e.key !== id);
    this.arm();
  }

  start(): void {
    this.stopped = false;
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
    this.abort = new AbortController();
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
      this.waiting.push(e);
    }
    this.drain();
    this.arm();
  }

  private drain(): void {
    if (this.stopped) return;
    const held: Entry<M>[] = [];
    while (this.waiting.length > 0 && this.inFlight.size < this.maxConcurrent) {
      const e = this.waiting.shift()!;
      const host = e.monitor.hostKey;
      if ((this.perHost.get(host) ?? 0) >= this.maxPerHost) {
        held.push(e);
        continue;
      }
      this.launch(e);
    }
    this.waiting.unshift(...held);
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
