// One `vigie start` among several on one PostgreSQL (config `cluster:`). What it adds to a Vigie:
//
// - Shards: each monitor unit belongs to one of `shards` leases (by a hash of its id). A node runs
//   the units of the shards it holds (its fair share of the live nodes), and writes their
//   observations in a transaction that first checks, row-locked, that it still holds each shard at
//   the epoch it was given: a node paused past its lease writes nothing for the shards it lost.
// - The leader role: one more lease ("role/leader"), taken by any node while free. Its holder does
//   the work that must happen once: recording status changes (fenced the same way), the incident
//   engine's automatic work, vendor polling, the storage job.
// - The observation tail: every node reads back every observation (its own, other nodes', agents')
//   in id order, so every node's detector sees the whole picture: the leader's decides, the others'
//   stay warm to take over at once and give the page its per-region view.
// - The change feed: LISTEN/NOTIFY; a node that changed something tells the others, which re-read
//   the store and publish their page.
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { type Kysely, type Transaction, sql } from 'kysely';
import { StoreLockedError } from '../store/instance-lock.js';
import type { Logger } from 'pino';
import type { Observation } from '../core/observation.js';
import { type Held, LeaseLost, assertLease, assertLeases, countWrites, limitIdle } from '../store/leases.js';
import { observationRow } from '../store/rows.js';
import type { Database } from '../store/schema.js';
import { ChangeFeed, type FeedMessage } from './feed.js';
import { Leaser } from './leaser.js';
import { ObservationTail } from './tail.js';

export const LEADER = 'role/leader';

export interface ClusterSettings {
  nodeId: string;
  shards: number;
  ttlMs: number;
}

export interface ClusterNodeOptions {
  db: Kysely<Database>;
  url: string;
  settings: ClusterSettings;
  log: Logger;
  /** The shards this node holds changed: the scheduler follows. */
  onShards: () => void;
  /** Shards about to be given back (a node joined): stop their checks and write their results first. */
  beforeRelease: (owned: (monitorId: string) => boolean) => Promise<void>;
  onLeader: (leader: boolean) => void;
  /** Observations any node or agent wrote, in id order. */
  onRows: (list: Observation[]) => void;
  onMessage: (m: FeedMessage) => void;
  /** The feed's connection came back: what was said meanwhile was missed. */
  onReconnect: () => void;
}

/** The default node name: the host and the process, unique on a machine. */
export function defaultNodeId(): string {
  return `${hostname()}-${process.pid}`;
}

export function shardOf(monitorId: string, shards: number): string {
  return `shard/${createHash('sha1').update(monitorId).digest().readUInt32BE(0) % shards}`;
}

const INSERT_CHUNK = 500;

export class ClusterNode {
  readonly id: string;
  private readonly shards: Leaser;
  private readonly roles: Leaser;
  private readonly feed: ChangeFeed;
  readonly tail: ObservationTail;
  private leading = false;
  private started = false;
  /** Observations not written because their shard was lost (counted for /metrics and tests). */
  fenced = 0;
  /** Checks not run because this node's view of their shard's lease had lapsed (a pause, or renewals too slow). */
  skipped = 0;

  constructor(private readonly opts: ClusterNodeOptions) {
    const { db, settings, log } = opts;
    this.id = settings.nodeId;
    const names = Array.from({ length: settings.shards }, (_, i) => `shard/${i}`);
    this.shards = new Leaser({
      db,
      nodeId: this.id,
      names,
      ttlMs: settings.ttlMs,
      fair: true,
      onChange: (held) => {
        log.info({ node: this.id, shards: held.size }, 'cluster shards changed');
        opts.onShards();
      },
      beforeRelease: async (given) => {
        const set = new Set(given);
        await opts.beforeRelease((id) => set.has(this.shardOf(id)));
      },
      onError: (err) => log.warn({ err, node: this.id }, 'cluster shard leases: could not renew or take (retrying)'),
    });
    this.roles = new Leaser({
      db,
      nodeId: this.id,
      names: [LEADER],
      ttlMs: settings.ttlMs,
      fair: false,
      onChange: (held) => this.setLeading(held.has(LEADER)),
      onError: (err) => log.warn({ err, node: this.id }, 'cluster leader lease: could not renew or take (retrying)'),
    });
    this.feed = new ChangeFeed({
      url: opts.url,
      nodeId: this.id,
      onMessage: (m) => m.from !== this.id && opts.onMessage(m),
      onReconnect: opts.onReconnect,
      onError: (err) => log.warn({ err, node: this.id }, 'cluster change feed: connection lost (reconnecting)'),
    });
    this.tail = new ObservationTail({ db, onRows: opts.onRows, onError: (err) => log.warn({ err, node: this.id }, 'cluster observation tail: read failed (retrying)') });
  }

  shardOf(monitorId: string): string {
    return shardOf(monitorId, this.opts.settings.shards);
  }

  /** Whether this node may run the monitor now (its local, conservative view of its leases). */
  owns(monitorId: string): boolean {
    return this.shards.current().has(this.shardOf(monitorId));
  }

  /**
   * Whether this node holds the monitor's shard as last renewed: what it schedules. A renewal that
   * comes late lapses the local view (`owns`) for a moment without changing what is held, and no
   * change is announced when it comes back: a schedule built from `owns` would lose those units for good.
   */
  holds(monitorId: string): boolean {
    return this.shards.holding(this.shardOf(monitorId)) !== undefined;
  }

  /** Shards held now (local view). */
  heldShards(): string[] {
    return [...this.shards.current().keys()].sort();
  }

  /** Whether this node may act as the leader now (local, conservative view). */
  get leader(): boolean {
    return this.roles.current().has(LEADER);
  }

  async start(): Promise<void> {
    await this.nameFree();
    this.started = true;
    await this.feed.start();
    await this.tail.start();
    // The leader role first: a lone node is leader before it schedules anything.
    await this.roles.tick();
    this.roles.start();
    await this.shards.tick();
    this.shards.start();
  }

  /**
   * Two live processes with one node name would both hold its leases. A name seen within the TTL is
   * waited for (a node restarted right after a crash finds its old heartbeat going stale); one whose
   * heartbeat moves meanwhile (every TTL/3), or stays fresh, belongs to a live node: refused.
   */
  private async nameFree(): Promise<void> {
    const { db, settings } = this.opts;
    const deadline = performance.now() + 2 * settings.ttlMs + 1000;
    let firstSeen: number | undefined;
    for (;;) {
      const r = await sql<{ seen_at: string }>`
        select seen_at from cluster_nodes where id = ${this.id} and seen_at >= (extract(epoch from clock_timestamp()) * 1000)::bigint - ${settings.ttlMs}`.execute(db);
      const seen = r.rows[0] === undefined ? undefined : Number(r.rows[0].seen_at);
      if (seen === undefined) return;
      // A crashed node's heartbeat only ages; a beat after the first look is a live node's.
      if ((firstSeen !== undefined && seen > firstSeen) || performance.now() > deadline)
        throw new StoreLockedError(`another live cluster node is named "${this.id}" on this database: give each node its own --node name`);
      firstSeen ??= seen;
      await new Promise((res) => setTimeout(res, settings.ttlMs / 3));
    }
  }

  async stop(): Promise<void> {
    // Refused at start: the name's heartbeat row is another node's, never removed from here.
    if (!this.started) return;
    await this.shards.stop();
    this.setLeading(false);
    await this.roles.stop();
    await this.tail.stop();
    await this.feed.stop();
  }

  /** Tells the other nodes something changed (they re-read the store); never throws. */
  announce(kind: string, extra: Record<string, unknown> = {}): void {
    this.feed.publish({ kind, ...extra }).catch((err) => this.opts.log.debug({ err }, 'cluster change feed: could not announce'));
  }

  /** In a status write's transaction: refuses the write unless this node is still the leader at its epoch. */
  async assertLeader(trx: Transaction<Database>): Promise<void> {
    const held = this.roles.holding(LEADER);
    if (!held) throw new LeaseLost(LEADER, 0);
    await limitIdle(trx, this.opts.settings.ttlMs / 2);
    await assertLease(trx, held, this.id);
  }

  /**
   * Writes this node's observations, each under its shard's lease checked in the same transaction.
   * Observations of a shard this node no longer holds are dropped (counted in `fenced`), never written.
   */
  async writeObservations(batch: Observation[]): Promise<void> {
    const { db } = this.opts;
    let left = batch.filter((o) => {
      const mine = this.shards.holding(this.shardOf(o.monitorId)) !== undefined;
      if (!mine) this.fenced++;
      return mine;
    });
    while (left.length > 0) {
      const leases = new Map<string, Held>();
      for (const o of left) {
        const name = this.shardOf(o.monitorId);
        const h = this.shards.holding(name);
        if (h) leases.set(name, h);
      }
      const rows = left.filter((o) => leases.has(this.shardOf(o.monitorId)));
      this.fenced += left.length - rows.length;
      if (rows.length === 0) return;
      try {
        await db.transaction().execute(async (trx) => {
          // One order for every writer: two transactions never wait on each other's lease rows in a cycle.
          // Few round trips while the lease rows are locked: a transaction waiting on a busy process holds up renewals.
          await limitIdle(trx, this.opts.settings.ttlMs / 2);
          await assertLeases(trx, [...leases.values()], this.id);
          const counts = new Map<string, number>();
          for (const o of rows) counts.set(this.shardOf(o.monitorId), (counts.get(this.shardOf(o.monitorId)) ?? 0) + 1);
          await countWrites(trx, [...counts].map(([shard, n]) => ({ shard, epoch: leases.get(shard)!.epoch, rows: n })), this.id);
          const values = rows.map(observationRow);
          for (let i = 0; i < values.length; i += INSERT_CHUNK) await trx.insertInto('observations').values(values.slice(i, i + INSERT_CHUNK)).execute();
        });
        return;
      } catch (err) {
        if (!(err instanceof LeaseLost)) throw err;
        this.opts.log.warn({ node: this.id, shard: err.lease, epoch: err.epoch }, 'cluster: shard lost before its observations were written; they are dropped (the new holder checks from now on)');
        const lost = err.lease;
        const before = rows.length;
        left = rows.filter((o) => this.shardOf(o.monitorId) !== lost);
        this.fenced += before - left.length;
      }
    }
  }

  private setLeading(leading: boolean): void {
    if (leading === this.leading) return;
    this.leading = leading;
    this.opts.log.info({ node: this.id, leader: leading }, leading ? 'cluster: this node is the leader now' : 'cluster: this node is no longer the leader');
    this.opts.onLeader(leading);
  }
}

export { LeaseLost };
