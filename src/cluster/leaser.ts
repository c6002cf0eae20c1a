// Holding leases from a set of names (the monitor shards, or the once-only roles) on one
// PostgreSQL shared by several nodes. Every tick (a third of the time-to-live) the node records its
// heartbeat, renews what it holds, gives back what is over its fair share of the live nodes and
// tries to take free or expired names up to it. A node killed with SIGKILL stops renewing: its
// leases expire after one time-to-live and the others take them on their next tick.
//
// The node's own view is conservative: a lease counts as held locally only until the time its last
// renewal was *sent* plus the time-to-live minus a margin, so a paused node stops acting on its own
// before the database would let another take over. The database's fencing check (assertLease, in
// the write's own transaction) is what guarantees it even when the local view is wrong.
import { createHash } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { type Held, LeaseLost, acquireLease, assertLease, heldByOthers, limitIdle, nodeHeartbeat, nodeLeft, releaseLease, renewLeases } from '../store/leases.js';
import type { Database } from '../store/schema.js';

export interface LeaserOptions {
  db: Kysely<Database>;
  nodeId: string;
  names: readonly string[];
  ttlMs: number;
  /** Hold at most ceil(names / live nodes) (shards); false: try to hold every name (each still has one holder). */
  fair: boolean;
  /** Called after each tick that changed what this node holds. */
  onChange?: (held: ReadonlyMap<string, Held>) => void;
  onError?: (err: unknown) => void;
  /** Before names over the fair share are given back: the node stops their work and writes what it has (a graceful handover). */
  beforeRelease?: (names: string[]) => Promise<void>;
}

function preference(node: string, name: string): bigint {
  return createHash('sha1').update(node).update('\0').update(name).digest().readBigUInt64BE(0);
}

export class Leaser {
  private held = new Map<string, Held>();
  /** performance.now() until which each held lease may be acted on locally. */
  private localUntil = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly startedAt = Date.now();
  private readonly order: string[];

  constructor(private readonly opts: LeaserOptions) {
    // Each node prefers different names, so joining nodes do not all race for the same ones.
    this.order = [...opts.names].sort((a, b) => (preference(opts.nodeId, b) > preference(opts.nodeId, a) ? 1 : -1));
  }

  start(): void {
    this.stopped = false;
    const every = Math.max(100, Math.floor(this.opts.ttlMs / 3));
    let busy = false;
    const run = () => {
      // A tick slower than the interval (a loaded database, a handover waiting for checks) is not run twice at once.
      if (busy) return;
      busy = true;
      this.ticking = this.tick()
        .catch((err) => this.opts.onError?.(err))
        .finally(() => (busy = false));
    };
    run();
    this.timer = setInterval(run, every);
  }

  /** Stops renewing and gives every lease back at once, so others need not wait for them to expire. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.ticking;
    const held = [...this.held.values()];
    this.held.clear();
    this.localUntil.clear();
    await Promise.allSettled(held.map((h) => releaseLease(this.opts.db, h, this.opts.nodeId)));
    await nodeLeft(this.opts.db, this.opts.nodeId).catch(() => {});
  }

  /** The leases this node may act on now (its conservative local view). */
  current(): Map<string, Held> {
    const now = performance.now();
    return new Map([...this.held].filter(([name]) => (this.localUntil.get(name) ?? 0) > now));
  }

  /** The lease as last renewed, whatever the local view says (the database decides, in fenced writes). */
  holding(name: string): Held | undefined {
    return this.held.get(name);
  }

  /** Runs `write` in a transaction that first checks the lease is still this node's at its epoch. */
  fenced<T>(held: Held, write: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    return this.opts.db.transaction().execute(async (trx) => {
      await limitIdle(trx, this.opts.ttlMs / 2);
      await assertLease(trx, held, this.opts.nodeId);
      return write(trx);
    });
  }

  async tick(): Promise<void> {
    if (this.stopped) return;
    const { db, nodeId, ttlMs } = this.opts;
    const sentAt = performance.now();
    const localFor = ttlMs * 0.8;
    const before = new Map(this.held);
    const live = await nodeHeartbeat(db, nodeId, this.startedAt, ttlMs);
    const target = this.opts.fair ? Math.ceil(this.opts.names.length / Math.max(1, live.length)) : this.opts.names.length;

    const renewed = await renewLeases(db, [...this.held.values()], nodeId, ttlMs);
    for (const name of [...this.held.keys()]) {
      const r = renewed.get(name);
      if (r) {
        this.held.set(name, r);
        this.localUntil.set(name, sentAt + localFor);
      } else {
        this.held.delete(name);
        this.localUntil.delete(name);
      }
    }
    // Over the fair share (a node joined): give back the names this node likes least.
    const mine = this.order.filter((n) => this.held.has(n));
    const over = mine.slice(target).reverse();
    if (over.length > 0) await this.opts.beforeRelease?.(over).catch((err) => this.opts.onError?.(err));
    for (const name of over) {
      const h = this.held.get(name)!;
      this.held.delete(name);
      this.localUntil.delete(name);
      await releaseLease(db, h, nodeId);
    }
    const others = this.held.size < target ? await heldByOthers(db, this.order.filter((n) => !this.held.has(n)), nodeId) : new Set<string>();
    for (const name of this.order) {
      if (this.held.size >= target || this.stopped) break;
      if (this.held.has(name) || others.has(name)) continue;
      const got = await acquireLease(db, name, nodeId, ttlMs);
      if (got) {
        this.held.set(name, got);
        this.localUntil.set(name, sentAt + localFor);
      }
    }
    const changed = before.size !== this.held.size || [...this.held].some(([n, h]) => before.get(n)?.epoch !== h.epoch);
    if (changed) this.opts.onChange?.(this.held);
  }
}

export { LeaseLost };
