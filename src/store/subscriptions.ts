// Public subscriptions: e-mail (double opt-in) and webhook, per component or the whole page.
// Addresses live here and in the admin API only; nothing public reads them.
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Database, NotifySubscriptionTable } from './schema.js';

type Db = Kysely<Database> | Transaction<Database>;

export type SubscriptionKind = 'email' | 'webhook';
export type SubscriptionStatus = 'pending' | 'active' | 'unsubscribed';

export interface Subscription {
  id: number;
  kind: SubscriptionKind;
  address: string;
  /** [] = the whole page. */
  componentIds: string[];
  locale: string;
  status: SubscriptionStatus;
  secret: string | null;
  createdAt: number;
  updatedAt: number;
  confirmedAt: number | null;
  unsubscribedAt: number | null;
}

function toSubscription(r: Selectable<NotifySubscriptionTable>): Subscription {
  return {
    id: Number(r.id),
    kind: r.kind as SubscriptionKind,
    address: r.address,
    componentIds: JSON.parse(r.component_ids) as string[],
    locale: r.locale,
    status: r.status as SubscriptionStatus,
    secret: r.secret,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    confirmedAt: r.confirmed_at === null ? null : Number(r.confirmed_at),
    unsubscribedAt: r.unsubscribed_at === null ? null : Number(r.unsubscribed_at),
  };
}

/**
 * Creates a subscription, or renews the one with the same kind and address (new components and
 * locale; an unsubscribed one starts over as `status`). Returns it and whether it was new.
 */
export async function upsertSubscription(
  db: Db,
  s: { kind: SubscriptionKind; address: string; componentIds: string[]; locale: string; status: SubscriptionStatus; secret: string | null },
  now: number,
): Promise<{ subscription: Subscription; created: boolean }> {
  const existing = await findSubscription(db, s.kind, s.address);
  if (!existing) {
    const row = await db
      .insertInto('notify_subscriptions')
      .values({
        kind: s.kind,
        address: s.address,
        component_ids: JSON.stringify(s.componentIds),
        locale: s.locale,
        status: s.status,
        secret: s.secret,
        created_at: now,
        updated_at: now,
        confirmed_at: s.status === 'active' ? now : null,
        unsubscribed_at: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return { subscription: toSubscription(row), created: true };
  }
  const status = existing.status === 'unsubscribed' ? s.status : existing.status;
  const row = await db
    .updateTable('notify_subscriptions')
    .set({
      component_ids: JSON.stringify(s.componentIds),
      locale: s.locale,
      status,
      secret: existing.secret ?? s.secret,
      updated_at: now,
      unsubscribed_at: status === 'unsubscribed' ? existing.unsubscribedAt : null,
      confirmed_at: status === 'active' ? (existing.confirmedAt ?? now) : null,
    })
    .where('id', '=', existing.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return { subscription: toSubscription(row), created: false };
}

export async function findSubscription(db: Db, kind: SubscriptionKind, address: string): Promise<Subscription | undefined> {
  const r = await db.selectFrom('notify_subscriptions').selectAll().where('kind', '=', kind).where('address', '=', address).executeTakeFirst();
  return r && toSubscription(r);
}

export async function getSubscription(db: Db, id: number): Promise<Subscription | undefined> {
  const r = await db.selectFrom('notify_subscriptions').selectAll().where('id', '=', id).executeTakeFirst();
  return r && toSubscription(r);
}

/** Many by id, for the worker: one query for a batch of deliveries. */
export async function getSubscriptions(db: Db, ids: number[]): Promise<Map<number, Subscription>> {
  const out = new Map<number, Subscription>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db.selectFrom('notify_subscriptions').selectAll().where('id', 'in', ids.slice(i, i + 500)).execute();
    for (const r of rows) out.set(Number(r.id), toSubscription(r));
  }
  return out;
}

/** Pending → active. False when there is no such pending subscription (already confirmed counts as true). */
export async function confirmSubscription(db: Db, id: number, now: number): Promise<boolean> {
  const s = await getSubscription(db, id);
  if (!s || s.status === 'unsubscribed') return false;
  if (s.status === 'active') return true;
  await db.updateTable('notify_subscriptions').set({ status: 'active', confirmed_at: now, updated_at: now }).where('id', '=', id).execute();
  return true;
}

export async function unsubscribe(db: Db, id: number, now: number): Promise<boolean> {
  const r = await db
    .updateTable('notify_subscriptions')
    .set({ status: 'unsubscribed', unsubscribed_at: now, updated_at: now })
    .where('id', '=', id)
    .where('status', '!=', 'unsubscribed')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function removeSubscription(db: Db, id: number): Promise<boolean> {
  const r = await db.deleteFrom('notify_subscriptions').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export async function listSubscriptions(db: Db, opts: { status?: SubscriptionStatus; kind?: SubscriptionKind; limit?: number; afterId?: number } = {}): Promise<Subscription[]> {
  let q = db.selectFrom('notify_subscriptions').selectAll();
  if (opts.status) q = q.where('status', '=', opts.status);
  if (opts.kind) q = q.where('kind', '=', opts.kind);
  if (opts.afterId !== undefined) q = q.where('id', '>', opts.afterId);
  const rows = await q.orderBy('id').limit(Math.max(1, Math.min(opts.limit ?? 100, 10_000))).execute();
  return rows.map((r) => toSubscription(r));
}

/** Active subscriptions that follow any of these components (or the whole page). */
export async function activeSubscriptionsFor(db: Db, componentIds: readonly string[]): Promise<Subscription[]> {
  const out: Subscription[] = [];
  let afterId = 0;
  for (;;) {
    const rows = await db
      .selectFrom('notify_subscriptions')
      .selectAll()
      .where('status', '=', 'active')
      .where('id', '>', afterId)
      .orderBy('id')
      .limit(5000)
      .execute();
    if (rows.length === 0) break;
    for (const r of rows) {
      const s = toSubscription(r);
      if (s.componentIds.length === 0 || componentIds.length === 0 || s.componentIds.some((c) => componentIds.includes(c))) out.push(s);
    }
    afterId = Number(rows[rows.length - 1]!.id);
  }
  return out;
}
