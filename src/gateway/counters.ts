// Per-client counters: the rate limit and the monthly token budget.
//
// MemoryCounters: one process, nothing stored (a gateway with no database; the unit tests).
// StoreCounters: in the database (SQLite for one gateway, PostgreSQL shared by replicas), surviving
// restarts, and cheap on the request path:
//   - rate limit: a fixed window of `perMs` per client, shared in one row. A replica leases a slice of
//     the window (a tenth of the limit, at least one request) with one atomic upsert and spends it
//     locally; the database never grants more than the limit per window, so replicas together admit
//     at most the limit per window (a burst of up to twice the limit can straddle a window boundary, as
//     with any fixed window). A lease left unspent when its window ends is lost: under-use, never over-use.
//   - monthly budget: each replica adds the tokens it charged to the month's row (an atomic upsert that
//     returns the total, every replica's included) once `usage_slice` tokens are pending or every
//     `usage_flush`, and reads the totals of clients it did not charge on the same tick. A request is
//     admitted while (last total seen + own pending) is under the budget. Over-spend is bounded: each
//     replica can overshoot by what it charges before its next flush (at most `usage_slice` tokens, or one
//     `usage_flush` of its traffic if that is less), plus the answers in flight when the budget runs out
//     (their size is known only at the end).
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../core/time.js';
import { addGatewayUsage, gatewayUsage, leaseGatewayRate } from '../store/gateway.js';
import type { Database } from '../store/schema.js';

export interface Limits {
  name: string;
  rateLimit?: { count: number; perMs: number } | null;
  monthlyTokens?: number | null;
}

export interface Counters {
  /** Takes one request from the client's rate limit: 0 if admitted, else milliseconds until it may try again. */
  take(c: Limits, now: number): number | Promise<number>;
  /** Tokens used this month, as far as this process knows. */
  used(name: string, now: number): number;
  charge(name: string, tokens: number, now: number): void;
  /** Starts background flushes (store only). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** The UTC month of the last call, and its bounds: asked on every request, computed once a month. */
let monthCache = { from: 0, to: -1, month: '' };

export function monthOf(ms: number): string {
  const c = monthCache;
  if (ms >= c.from && ms < c.to) return c.month;
  const d = new Date(ms);
  const month = d.toISOString().slice(0, 7);
  if (!Number.isNaN(d.getTime())) monthCache = { from: Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1), to: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1), month };
  return month;
}

export function nextMonth(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

/** A rate as a whole number of requests per window: 0.5/s is 1 per 2 s. */
export function rateWindow(r: { count: number; perMs: number }): { limit: number; windowMs: number } {
  const limit = Math.max(1, Math.floor(r.count));
  return { limit, windowMs: Math.max(1, Math.round((r.perMs * limit) / r.count)) };
}

export class MemoryCounters implements Counters {
  private buckets = new Map<string, { tokens: number; at: number }>();
  private usage = new Map<string, { month: string; tokens: number }>();

  take(c: Limits, now: number): number {
    if (!c.rateLimit) return 0;
    const { count, perMs } = c.rateLimit;
    const b = this.buckets.get(c.name) ?? { tokens: count, at: now };
    const tokens = Math.min(count, b.tokens + (Math.max(0, now - b.at) * count) / perMs);
    if (tokens < 1) {
      this.buckets.set(c.name, { tokens, at: now });
      return Math.max(1, Math.ceil(((1 - tokens) * perMs) / count));
    }
    this.buckets.set(c.name, { tokens: tokens - 1, at: now });
    return 0;
  }

  used(name: string, now: number): number {
    const u = this.usage.get(name);
    return u && u.month === monthOf(now) ? u.tokens : 0;
  }

  charge(name: string, tokens: number, now: number): void {
    const month = monthOf(now);
    const u = this.usage.get(name);
    this.usage.set(name, { month, tokens: (u && u.month === month ? u.tokens : 0) + tokens });
  }

  async start(): Promise<void> {}
  async stop(): Promise<void> {}
}

export interface StoreCountersOptions {
  db: Kysely<Database>;
  clock: Clock;
  log: Logger;
  /** Flush pending usage (and read others') this often, in real milliseconds. */
  flushMs: number;
  /** Flush a client's usage as soon as this many of its tokens are pending. */
  sliceTokens: number;
  /** The clients with a budget, whose totals are read on each tick. */
  budgeted: () => string[];
  /** Told of a failing store (the counters keep working locally meanwhile). */
  onError?: (err: unknown) => void;
}

interface Usage {
  month: string;
  /** The month's total at the last flush or read, every replica's included. */
  known: number;
  /** Charged here, not yet added to the row. */
  pending: number;
}

interface Lease {
  window: number;
  left: number;
  /** The database granted nothing for this window: refuse until it ends. */
  exhausted: boolean;
}

export class StoreCounters implements Counters {
  private usage = new Map<string, Usage>();
  private leases = new Map<string, Lease>();
  private leasing = new Map<string, Promise<void>>();
  private flushing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly o: StoreCountersOptions) {}

  take(c: Limits, now: number): number | Promise<number> {
    if (!c.rateLimit) return 0;
    const { limit, windowMs } = rateWindow(c.rateLimit);
    const window = now - (now % windowMs);
    const l = this.leases.get(c.name);
    if (l && l.window === window && l.left > 0) {
      l.left--;
      return 0;
    }
    if (l && l.window === window && l.left === 0 && l.exhausted) return window + windowMs - now;
    return this.lease(c.name, window, limit).then(() => this.take(c, now));
  }

  /** One lease at a time per client: requests arriving meanwhile wait for it instead of leasing again. */
  private lease(name: string, window: number, limit: number): Promise<void> {
    const busy = this.leasing.get(name);
    if (busy) return busy;
    const want = Math.max(1, Math.ceil(limit / 10));
    const p = leaseGatewayRate(this.o.db, name, window, want, limit)
      .then(
        (g) => {
          const l = this.leases.get(name);
          const left = l && l.window === window ? l.left : 0;
          // Nothing granted: the window is spent for every replica until it ends.
          this.leases.set(name, { window, left: left + g.granted, exhausted: g.granted === 0 });
        },
        (err: unknown) => {
          // A store that does not answer must not stop traffic: this window is admitted locally, up to the limit.
          this.o.onError?.(err);
          this.leases.set(name, { window, left: limit, exhausted: false });
        },
      )
      .finally(() => this.leasing.delete(name));
    this.leasing.set(name, p);
    return p;
  }

  used(name: string, now: number): number {
    const u = this.usage.get(name);
    return u && u.month === monthOf(now) ? u.known + u.pending : 0;
  }

  charge(name: string, tokens: number, now: number): void {
    const month = monthOf(now);
    let u = this.usage.get(name);
    if (!u || u.month !== month) {
      // The old month's pending tokens are still flushed, into their own month.
      if (u && u.pending > 0) void this.flushOne(name, u.month, u.pending);
      u = { month, known: 0, pending: 0 };
      this.usage.set(name, u);
    }
    u.pending += tokens;
    if (u.pending >= this.o.sliceTokens) void this.flush();
  }

  async start(): Promise<void> {
    await this.refresh();
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.flush()
        .then(() => this.refresh())
        .finally(() => this.schedule());
    }, this.o.flushMs);
    this.timer.unref();
  }

  /** Adds every pending count to its row; one flush at a time. */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing.then(() => (this.hasPending() ? this.flush() : undefined));
    this.flushing = (async () => {
      for (const [name, u] of this.usage) {
        if (u.pending === 0) continue;
        const n = u.pending;
        u.pending = 0;
        await this.flushOne(name, u.month, n, u);
      }
    })().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private hasPending(): boolean {
    for (const u of this.usage.values()) if (u.pending > 0) return true;
    return false;
  }

  private async flushOne(name: string, month: string, n: number, u?: Usage): Promise<void> {
    try {
      const total = await addGatewayUsage(this.o.db, name, month, n);
      if (u && u.month === month) u.known = Math.max(u.known, total);
    } catch (err) {
      // Kept for the next flush: a failing store delays the count, never loses it while the process lives.
      if (u && u.month === month) u.pending += n;
      this.o.onError?.(err);
    }
  }

  /** Reads the month's totals of budgeted clients (others' charges included). */
  private async refresh(): Promise<void> {
    const names = this.o.budgeted();
    if (names.length === 0) return;
    const month = monthOf(this.o.clock.now());
    try {
      const totals = await gatewayUsage(this.o.db, names, month);
      for (const name of names) {
        const total = totals.get(name) ?? 0;
        const u = this.usage.get(name);
        if (!u || u.month !== month) this.usage.set(name, { month, known: total, pending: 0 });
        else u.known = Math.max(u.known, total);
      }
    } catch (err) {
      this.o.onError?.(err);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await Promise.all([...this.leasing.values()]);
    await this.flush();
  }
}
