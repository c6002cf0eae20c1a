// The gateway's rows (migration 0016_gateway): failover/failback events kept for the page, client
// tokens (only their sha256), and the counters replicas share. Counters change only through single
// upsert statements (INSERT … ON CONFLICT DO UPDATE … RETURNING), which both engines apply atomically
// per row: two replicas adding at once both count, none overwrites the other.
import { randomUUID } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import { enqueueNotifyEvent } from './outbox.js';
import type { Database, GatewayEventTable } from './schema.js';

type Db = Kysely<Database>;

export interface GatewayEventRecord {
  /** Chosen by the gateway that saw it, so a report sent twice is stored once. */
  id: string;
  /** Which gateway (its config's name): several may report to one Vigie. */
  source: string;
  route: string;
  kind: 'failover' | 'failback';
  fromUpstream: string;
  toUpstream: string;
  fromName: string;
  toName: string;
  /** The config's `component` of the route's preferred upstream of the two (the one that failed, or came back). */
  component: string | null;
  reason: string | null;
  at: number;
  /** failover: requests that failed at clients before the move; failback: those that failed during the failover. */
  failedRequests: number;
  /** failback: requests served during the failover. */
  servedRequests: number | null;
  /** English, for the APIs; bodyText: the key and parameters (src/i18n/text.ts) for every language. */
  body: string;
  bodyText: string | null;
  createdAt: number;
  /** A failover's live figures while it lasts (from its progress reports; read from the store, never sent with the event). */
  progress?: GatewayProgress | null;
  /** When the failover ended (traffic back where it left, or the same upstream left again after a gateway restart). */
  endedAt?: number | null;
}

/** What a failover's clients got since traffic left, as of a time. */
export interface GatewayProgress {
  served: number;
  failed: number;
  asOf: number;
  /** Where the traffic is now (the upstream id and its display name): with three upstreams or more, maybe not where it first went. */
  to: string;
  toName: string;
}

/** A report of a failover in progress (or, ended: its last). */
export interface GatewayProgressRecord extends GatewayProgress {
  /** The failover event it is the progress of. */
  eventId: string;
  ended: boolean;
}

function toRecord(r: GatewayEventTable): GatewayEventRecord {
  return {
    id: r.id,
    source: r.source,
    route: r.route,
    kind: r.kind === 'failback' ? 'failback' : 'failover',
    fromUpstream: r.from_upstream,
    toUpstream: r.to_upstream,
    fromName: r.from_name,
    toName: r.to_name,
    component: r.component,
    reason: r.reason,
    at: Number(r.at),
    failedRequests: Number(r.failed_requests),
    servedRequests: r.served_requests === null ? null : Number(r.served_requests),
    body: r.body,
    bodyText: r.body_text,
    createdAt: Number(r.created_at),
    progress:
      r.progress_at === null
        ? null
        : { served: Number(r.progress_served ?? 0), failed: Number(r.progress_failed ?? 0), asOf: Number(r.progress_at), to: r.progress_to ?? r.to_upstream, toName: r.progress_to_name ?? r.to_name },
    endedAt: r.ended_at === null ? null : Number(r.ended_at),
  };
}

/** Stores an event; false when one with its id is already there (a retried report). */
export async function insertGatewayEvent(db: Db, e: GatewayEventRecord): Promise<boolean> {
  const r = await db
    .insertInto('gateway_events')
    .values({
      id: e.id,
      source: e.source,
      route: e.route,
      kind: e.kind,
      from_upstream: e.fromUpstream,
      to_upstream: e.toUpstream,
      from_name: e.fromName,
      to_name: e.toName,
      component: e.component,
      reason: e.reason,
      at: Math.round(e.at),
      failed_requests: e.failedRequests,
      served_requests: e.servedRequests,
      body: e.body,
      body_text: e.bodyText,
      created_at: Math.round(e.createdAt),
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
}

/** The latest events, newest first. */
export async function recentGatewayEvents(db: Db, o: { limit: number; since?: number }): Promise<GatewayEventRecord[]> {
  let q = db.selectFrom('gateway_events').selectAll().orderBy('at', 'desc').orderBy('id', 'desc').limit(o.limit);
  if (o.since !== undefined) q = q.where('at', '>=', o.since);
  return (await q.execute()).map(toRecord);
}

// Client tokens.

export interface GatewayClientRecord {
  id: string;
  name: string;
  team: string;
  tokenHash: string;
  rateLimit: { count: number; perMs: number } | null;
  monthlyTokens: number | null;
  createdAt: number;
  revokedAt: number | null;
}

export class GatewayClientNameTaken extends Error {
  constructor(name: string) {
    super(`a gateway client named "${name}" already exists (names stay taken after a revoke; pick another)`);
  }
}

export async function createGatewayClient(db: Db, c: Omit<GatewayClientRecord, 'id' | 'revokedAt'>): Promise<GatewayClientRecord> {
  const taken = await db.selectFrom('gateway_clients').select('id').where('name', '=', c.name).executeTakeFirst();
  if (taken) throw new GatewayClientNameTaken(c.name);
  const rec: GatewayClientRecord = { ...c, id: randomUUID(), revokedAt: null };
  try {
    await db
      .insertInto('gateway_clients')
      .values({ id: rec.id, name: c.name, team: c.team, token_hash: c.tokenHash, rate_count: c.rateLimit?.count ?? null, rate_per_ms: c.rateLimit?.perMs ?? null, monthly_tokens: c.monthlyTokens, created_at: Math.round(c.createdAt), revoked_at: null })
      .execute();
  } catch (err) {
    // Two creations of one name at once: the unique index decides.
    const again = await db.selectFrom('gateway_clients').select('id').where('name', '=', c.name).executeTakeFirst();
    if (again) throw new GatewayClientNameTaken(c.name);
    throw err;
  }
  return rec;
}

export async function listGatewayClients(db: Db, o: { live?: boolean } = {}): Promise<GatewayClientRecord[]> {
  let q = db.selectFrom('gateway_clients').selectAll().orderBy('created_at').orderBy('name');
  if (o.live) q = q.where('revoked_at', 'is', null);
  return (await q.execute()).map((r) => ({
    id: r.id,
    name: r.name,
    team: r.team,
    tokenHash: r.token_hash,
    rateLimit: r.rate_count !== null && r.rate_per_ms !== null ? { count: Number(r.rate_count), perMs: Number(r.rate_per_ms) } : null,
    monthlyTokens: r.monthly_tokens === null ? null : Number(r.monthly_tokens),
    createdAt: Number(r.created_at),
    revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
  }));
}

/** Revokes a live client by name; false when there is none of that name. */
export async function revokeGatewayClient(db: Db, name: string, at: number): Promise<boolean> {
  const r = await db.updateTable('gateway_clients').set({ revoked_at: Math.round(at) }).where('name', '=', name).where('revoked_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

// Shared counters.

/** Adds tokens to a client's month (atomically) and returns the month's total, every replica's included. */
export async function addGatewayUsage(db: Db, client: string, month: string, tokens: number): Promise<number> {
  const r = await db
    .insertInto('gateway_usage')
    .values({ client, month, tokens })
    .onConflict((oc) => oc.columns(['client', 'month']).doUpdateSet((eb) => ({ tokens: eb('gateway_usage.tokens', '+', eb.ref('excluded.tokens')) })))
    .returning('tokens')
    .executeTakeFirstOrThrow();
  return Number(r.tokens);
}

/** The month's totals of these clients (absent: nothing used yet). */
export async function gatewayUsage(db: Db, clients: readonly string[], month: string): Promise<Map<string, number>> {
  if (clients.length === 0) return new Map();
  const rows = await db.selectFrom('gateway_usage').select(['client', 'tokens']).where('month', '=', month).where('client', 'in', clients).execute();
  return new Map(rows.map((r) => [r.client, Number(r.tokens)]));
}

/**
 * Takes up to `want` requests from a client's rate-limit window shared by all replicas; returns how
 * many were granted (0: the window is spent). One statement: the window moves forward (never back, should
 * a replica's clock lag) and `used` grows by `want`; the grant is what fitted under `limit` before.
 */
export async function leaseGatewayRate(db: Db, client: string, windowStart: number, want: number, limit: number): Promise<{ granted: number; windowStart: number }> {
  const r = await sql<{ used: number | string; window_start: number | string }>`
    insert into gateway_rate (client, window_start, used) values (${client}, ${windowStart}, ${want})
    on conflict (client) do update set
      used = case when gateway_rate.window_start >= excluded.window_start then gateway_rate.used + excluded.used else excluded.used end,
      window_start = case when gateway_rate.window_start >= excluded.window_start then gateway_rate.window_start else excluded.window_start end
    returning used, window_start`.execute(db);
  const row = r.rows[0]!;
  const used = Number(row.used);
  const before = used - want;
  return { granted: Math.max(0, Math.min(want, limit - before)), windowStart: Number(row.window_start) };
}

/**
 * Stores an event and its notification in one transaction (outbox kind "gateway"); false, and no
 * notification, when the event was already stored (a retried report).
 */
export async function recordGatewayEvent(db: Db, e: GatewayEventRecord, componentIds: string[]): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    if (!(await insertGatewayEvent(trx, e))) return false;
    await endFailovers(trx, e);
    await enqueueNotifyEvent(trx, { kind: 'gateway', subject: `gateway:${e.source}:${e.route}`, componentIds, payload: e, at: e.at }, e.createdAt);
    return true;
  });
}

// A failover's progress.

/**
 * The failovers an event shows are over: a failback to the upstream they left ends them, and so does a
 * new failover away from it (the traffic came back without a failback on record: the gateway restarted,
 * or that report was lost). Without this a failover whose last report never came would read "ongoing"
 * for as long as the page shows it.
 */
async function endFailovers(db: Db, e: GatewayEventRecord): Promise<void> {
  const left = e.kind === 'failback' ? e.toUpstream : e.fromUpstream;
  await db
    .updateTable('gateway_events')
    .set({ ended_at: Math.round(e.at) })
    .where('source', '=', e.source)
    .where('route', '=', e.route)
    .where('kind', '=', 'failover')
    .where('from_upstream', '=', left)
    .where('ended_at', 'is', null)
    .where('at', '<=', Math.round(e.at))
    .where('id', '!=', e.id)
    .execute();
}

export type ProgressOutcome = 'applied' | 'stale' | 'unknown' | 'not_failover';

/**
 * Records a failover's figures. One conditional UPDATE: applied only when newer than the figures held
 * (a late or retried report never rewinds them) and, once the failover has ended, only by its own last
 * report (ended) — which may come after the failback that ended it. 'stale' when not applied.
 */
export async function recordGatewayProgress(db: Db, p: GatewayProgressRecord): Promise<ProgressOutcome> {
  const asOf = Math.round(p.asOf);
  let q = db
    .updateTable('gateway_events')
    .set((eb) => ({
      progress_served: p.served,
      progress_failed: p.failed,
      progress_at: asOf,
      progress_to: p.to,
      progress_to_name: p.toName,
      ...(p.ended ? { ended_at: eb.fn.coalesce('ended_at', eb.val(asOf)) } : {}),
    }))
    .where('id', '=', p.eventId)
    .where('kind', '=', 'failover')
    .where((eb) => eb.or([eb('progress_at', 'is', null), eb('progress_at', '<', asOf), ...(p.ended ? [eb('progress_at', '=', asOf)] : [])]));
  if (!p.ended) q = q.where('ended_at', 'is', null);
  const r = await q.executeTakeFirst();
  if (Number(r.numUpdatedRows) > 0) return 'applied';
  const row = await db.selectFrom('gateway_events').select('kind').where('id', '=', p.eventId).executeTakeFirst();
  if (!row) return 'unknown';
  return row.kind === 'failover' ? 'stale' : 'not_failover';
}

/** One event (with its progress), or undefined. */
export async function gatewayEvent(db: Db, id: string): Promise<GatewayEventRecord | undefined> {
  const r = await db.selectFrom('gateway_events').selectAll().where('id', '=', id).executeTakeFirst();
  return r ? toRecord(r) : undefined;
}

/** A failover whose figures are still coming: reported at least once, not ended. */
export function isOngoing(e: GatewayEventRecord): boolean {
  return e.kind === 'failover' && !!e.progress && (e.endedAt ?? null) === null;
}
