// Leases for nodes sharing one PostgreSQL: a named lease (a shard of the monitors, or a once-only
// role) has one holder until it expires; each change of holder adds one to its epoch. Times are the
// database's clock, so nodes whose clocks disagree still agree on who holds what.
//
// Fencing: a write made under a lease runs `assertLease` in its own transaction. That reads the
// lease row FOR SHARE, so the holder, epoch and expiry it checks cannot change before the write
// commits: a node paused past its lease (SIGSTOP, a long GC, a partition) that wakes up and writes
// finds a newer epoch or an expired lease, and its whole transaction rolls back.
import { type Kysely, type Transaction, sql } from 'kysely';
import type { Database } from './schema.js';

type Db = Kysely<Database> | Transaction<Database>;

/** The database's clock in epoch ms (clock_timestamp: the time now, not the transaction's start). */
const DB_NOW = sql<number>`(extract(epoch from clock_timestamp()) * 1000)::bigint`;

export interface Held {
  name: string;
  epoch: number;
  /** Database clock. */
  expiresAt: number;
}

export class LeaseLost extends Error {
  constructor(
    readonly lease: string,
    readonly epoch: number,
  ) {
    super(`lease "${lease}" (epoch ${epoch}) is no longer held by this node: the write was not made`);
    this.name = 'LeaseLost';
  }
}

/**
 * Takes the lease if it is free, expired, or already ours (renewing it). A change of holder adds
 * one to the epoch; a renewal keeps it. Undefined when another node holds it.
 */
export async function acquireLease(db: Db, name: string, holder: string, ttlMs: number): Promise<Held | undefined> {
  // A paused holder's write may still lock the row until its session is ended (limitIdle): wait a
  // bounded time, and try again next tick rather than stall the whole tick (and this node's renewals).
  if (!('isTransaction' in db && db.isTransaction))
    return (db as Kysely<Database>).transaction().execute(async (trx) => {
      await sql.raw(`set local lock_timeout = ${Math.max(100, Math.round(ttlMs / 3))}`).execute(trx);
      return acquireLease(trx, name, holder, ttlMs).catch((err: unknown) => {
        if ((err as { code?: string }).code === '55P03') return undefined; // lock_not_available
        throw err;
      });
    });
  const r = await sql<{ epoch: number; expires_at: number }>`
    insert into cluster_leases as l (name, holder, epoch, expires_at)
    values (${name}, ${holder}, 1, ${DB_NOW} + ${ttlMs})
    on conflict (name) do update
      set holder = excluded.holder,
          epoch = case when l.holder = excluded.holder and l.expires_at >= ${DB_NOW} then l.epoch else l.epoch + 1 end,
          expires_at = excluded.expires_at
      where l.holder = excluded.holder or l.expires_at < ${DB_NOW}
    returning epoch, expires_at`.execute(db);
  const row = r.rows[0];
  return row ? { name, epoch: Number(row.epoch), expiresAt: Number(row.expires_at) } : undefined;
}

/** Extends a lease held at `epoch`; undefined when it was lost (expired and taken, or released). */
export async function renewLease(db: Db, held: Held, holder: string, ttlMs: number): Promise<Held | undefined> {
  const r = await sql<{ expires_at: number }>`
    update cluster_leases set expires_at = ${DB_NOW} + ${ttlMs}
    where name = ${held.name} and holder = ${holder} and epoch = ${held.epoch} and expires_at >= ${DB_NOW}
    returning expires_at`.execute(db);
  const row = r.rows[0];
  return row ? { ...held, expiresAt: Number(row.expires_at) } : undefined;
}

/** Extends every lease held, in one statement (a tick costs one round trip whatever the shards); returns those still held. */
export async function renewLeases(db: Db, held: readonly Held[], holder: string, ttlMs: number): Promise<Map<string, Held>> {
  const out = new Map<string, Held>();
  if (held.length === 0) return out;
  // Rows are locked in name order, the order fenced writes take them FOR SHARE in (node.ts): a renewal
  // and a write of the same node never wait on each other in a cycle (a deadlock costs a second and the renewal).
  const r = await sql<{ name: string; expires_at: number }>`
    with mine as (
      select l.name from cluster_leases as l
      join unnest(${held.map((h) => h.name)}::text[], ${held.map((h) => h.epoch)}::bigint[]) as h(name, epoch) on l.name = h.name and l.epoch = h.epoch
      where l.holder = ${holder}
      order by l.name
      for update of l
    )
    update cluster_leases as l set expires_at = ${DB_NOW} + ${ttlMs}
    from mine where l.name = mine.name and l.expires_at >= ${DB_NOW}
    returning l.name, l.expires_at`.execute(db);
  const byName = new Map(held.map((h) => [h.name, h]));
  for (const row of r.rows) out.set(row.name, { ...byName.get(row.name)!, expiresAt: Number(row.expires_at) });
  return out;
}

/** The names among these that another holder has now (so a tick tries only the others: one round trip, not one per name). */
export async function heldByOthers(db: Db, names: readonly string[], holder: string): Promise<Set<string>> {
  if (names.length === 0) return new Set();
  const r = await sql<{ name: string }>`
    select name from cluster_leases where name = any(${names}::text[]) and holder <> ${holder} and expires_at >= ${DB_NOW}`.execute(db);
  return new Set(r.rows.map((x) => x.name));
}

/** Gives a lease up at once (a node leaving, or over its share): it expires now. */
export async function releaseLease(db: Db, held: Held, holder: string): Promise<void> {
  await sql`update cluster_leases set expires_at = ${DB_NOW} - 1 where name = ${held.name} and holder = ${holder} and epoch = ${held.epoch}`.execute(db);
}

/**
 * First in a fenced write's transaction: the server ends the session if the transaction waits on its
 * client longer than this. A node paused (SIGSTOP, a partition) in the middle of a write would
 * otherwise keep its lease rows locked and nobody could take its shards over until it resumed.
 */
export async function limitIdle(trx: Transaction<Database>, ms: number): Promise<void> {
  await sql.raw(`set local idle_in_transaction_session_timeout = ${Math.max(500, Math.round(ms))}`).execute(trx);
}

/** In a write's transaction: throws LeaseLost unless the lease is still ours at this epoch and unexpired (and keeps it so until commit). */
export async function assertLease(trx: Transaction<Database>, held: Held, holder: string): Promise<void> {
  const r = await sql`
    select 1 from cluster_leases
    where name = ${held.name} and holder = ${holder} and epoch = ${held.epoch} and expires_at >= ${DB_NOW}
    for share`.execute(trx);
  if (r.rows.length === 0) throw new LeaseLost(held.name, held.epoch);
}

export async function leases(db: Db, prefix: string): Promise<{ name: string; holder: string; epoch: number; expiresAt: number; live: boolean }[]> {
  const r = await sql<{ name: string; holder: string; epoch: number; expires_at: number; live: boolean }>`
    select name, holder, epoch, expires_at, expires_at >= ${DB_NOW} as live from cluster_leases where name like ${prefix + '%'} order by name`.execute(db);
  return r.rows.map((x) => ({ name: x.name, holder: x.holder, epoch: Number(x.epoch), expiresAt: Number(x.expires_at), live: x.live }));
}

/** Records that the node is alive; returns the ids of the nodes seen within `liveMs` (itself included). */
export async function nodeHeartbeat(db: Db, id: string, startedAt: number, liveMs: number): Promise<string[]> {
  await sql`
    insert into cluster_nodes (id, seen_at, started_at) values (${id}, ${DB_NOW}, ${startedAt})
    on conflict (id) do update set seen_at = excluded.seen_at`.execute(db);
  const r = await sql<{ id: string }>`select id from cluster_nodes where seen_at >= ${DB_NOW} - ${liveMs} order by id`.execute(db);
  return r.rows.map((x) => x.id);
}

export async function nodeLeft(db: Db, id: string): Promise<void> {
  await sql`delete from cluster_nodes where id = ${id}`.execute(db);
}

/**
 * In a write's transaction: checks several leases at once (one round trip, rows locked FOR SHARE in
 * name order until commit). Throws LeaseLost naming the first one no longer this holder's at its epoch.
 */
export async function assertLeases(trx: Transaction<Database>, held: readonly Held[], holder: string): Promise<void> {
  if (held.length === 0) return;
  const sorted = [...held].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const r = await sql<{ name: string }>`
    select l.name from cluster_leases as l
    join unnest(${sorted.map((h) => h.name)}::text[], ${sorted.map((h) => h.epoch)}::bigint[]) as h(name, epoch) on l.name = h.name and l.epoch = h.epoch
    where l.holder = ${holder} and l.expires_at >= ${DB_NOW}
    order by l.name
    for share of l`.execute(trx);
  const ok = new Set(r.rows.map((x) => x.name));
  const lost = sorted.find((h) => !ok.has(h.name));
  if (lost) throw new LeaseLost(lost.name, lost.epoch);
}

/** In a fenced write's transaction: counts rows per shard and epoch, in one statement. */
export async function countWrites(trx: Transaction<Database>, counts: readonly { shard: string; epoch: number; rows: number }[], node: string): Promise<void> {
  if (counts.length === 0) return;
  await sql`
    insert into cluster_writes as w (shard, epoch, node, rows, last_at)
    select c.shard, c.epoch, ${node}, c.rows, ${DB_NOW}
    from unnest(${counts.map((c) => c.shard)}::text[], ${counts.map((c) => c.epoch)}::bigint[], ${counts.map((c) => c.rows)}::bigint[]) as c(shard, epoch, rows)
    on conflict (shard, epoch) do update set rows = w.rows + excluded.rows, last_at = excluded.last_at`.execute(trx);
}

/** In a fenced write's transaction: counts its rows against the shard's epoch (cluster_writes, the audit a test or an operator reads). */
export async function countWrite(trx: Transaction<Database>, shard: string, epoch: number, node: string, rows: number): Promise<void> {
  await sql`
    insert into cluster_writes as w (shard, epoch, node, rows, last_at) values (${shard}, ${epoch}, ${node}, ${rows}, ${DB_NOW})
    on conflict (shard, epoch) do update set rows = w.rows + excluded.rows, last_at = excluded.last_at`.execute(trx);
}
