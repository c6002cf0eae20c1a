// The notification outbox. Events are written in the same transaction as the change that causes
// them (enqueue* take the caller's transaction); the notify worker turns each event into one
// delivery per target and works the deliveries off with retries. Nothing here sends anything.
//
// Order: deliveries that share an order_key (one target, one incident or component) are claimed
// strictly one at a time in id order, so a receiver sees them in the order they happened even
// across retries, crashes and several worker processes.
import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { ComponentStatus } from '../core/status.js';
import type { Engine } from './db.js';
import type { Database, NotifyDeliveryTable } from './schema.js';

type Db = Kysely<Database> | Transaction<Database>;

export const NOTIFY_EVENT_KINDS = ['component_status', 'incident', 'maintenance', 'reminder', 'gateway'] as const;
export type NotifyEventKind = (typeof NOTIFY_EVENT_KINDS)[number];
export const DELIVERY_STATUSES = ['pending', 'sending', 'delivered', 'dead', 'skipped'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface NotifyEventInput {
  kind: NotifyEventKind;
  /** What order is kept by: "component:<id>" or "incident:<id>". */
  subject: string;
  componentIds: string[];
  payload: unknown;
  at: number;
}

export interface NotifyEvent extends NotifyEventInput {
  id: number;
  createdAt: number;
}

/** What a component_status event carries: enough to render every message without the config. */
export interface ComponentStatusPayload {
  componentId: string;
  componentName: string;
  serviceId: string;
  serviceName: string;
  from: ComponentStatus;
  to: ComponentStatus;
  at: number;
  reason: string;
  /** The reason as a message key and parameters (JSON, src/i18n/text.ts), for messages in the subscriber's language. */
  reasonText?: string;
}

/** Writes one event to the outbox, inside the caller's transaction. Returns its id. */
export async function enqueueNotifyEvent(db: Db, e: NotifyEventInput, createdAt: number = e.at): Promise<number> {
  const row = await db
    .insertInto('notify_events')
    .values({ kind: e.kind, subject: e.subject, component_ids: JSON.stringify(e.componentIds), payload: JSON.stringify(e.payload), at: Math.round(e.at), created_at: Math.round(createdAt), expanded_at: null })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

/** A component's and its service's names for an event's payload (its ids where the rows are gone). */
export async function componentNames(db: Db, componentId: string): Promise<Pick<ComponentStatusPayload, 'componentId' | 'componentName' | 'serviceId' | 'serviceName'>> {
  const names = await db
    .selectFrom('components as c')
    .innerJoin('services as s', 's.id', 'c.service_id')
    .select(['c.name as componentName', 's.id as serviceId', 's.name as serviceName'])
    .where('c.id', '=', componentId)
    .executeTakeFirst();
  const service = componentId.split('/')[0]!;
  return { componentId, componentName: names?.componentName ?? componentId, serviceId: names?.serviceId ?? service, serviceName: names?.serviceName ?? service };
}

/** The outbox row for a component status change; called inside recordComponentStatus's transaction. */
export async function enqueueComponentStatus(db: Db, c: { componentId: string; from: ComponentStatus; to: ComponentStatus; at: number; reason: string; reasonText?: string | null }): Promise<number> {
  const payload: ComponentStatusPayload = {
    ...(await componentNames(db, c.componentId)),
    from: c.from,
    to: c.to,
    at: c.at,
    reason: c.reason,
    ...(c.reasonText ? { reasonText: c.reasonText } : {}),
  };
  return enqueueNotifyEvent(db, { kind: 'component_status', subject: `component:${c.componentId}`, componentIds: [c.componentId], payload, at: c.at });
}

function toEvent(r: { id: number; kind: string; subject: string; component_ids: string; payload: string; at: number; created_at: number }): NotifyEvent {
  return {
    id: Number(r.id),
    kind: r.kind as NotifyEventKind,
    subject: r.subject,
    componentIds: JSON.parse(r.component_ids) as string[],
    payload: JSON.parse(r.payload) as unknown,
    at: Number(r.at),
    createdAt: Number(r.created_at),
  };
}

/**
 * Takes the oldest events not yet expanded, locked for this transaction (PostgreSQL: other workers
 * skip them), in id order.
 */
export async function lockUnexpandedEvents(trx: Transaction<Database>, engine: Engine, limit: number): Promise<NotifyEvent[]> {
  let q = trx.selectFrom('notify_events').selectAll().where('expanded_at', 'is', null).orderBy('id').limit(limit);
  if (engine === 'postgres') q = q.forUpdate().skipLocked();
  return (await q.execute()).map(toEvent);
}

export async function markEventsExpanded(trx: Transaction<Database>, ids: number[], at: number): Promise<void> {
  if (ids.length === 0) return;
  await trx.updateTable('notify_events').set({ expanded_at: at }).where('id', 'in', ids).execute();
}

export interface NewDelivery {
  eventId: number | null;
  target: string;
  action: string;
  orderKey: string;
  idempotencyKey: string;
  context?: unknown;
}

const INSERT_CHUNK = 400;

/** Inserts deliveries; one already there with the same idempotency key is left as it is. */
export async function insertDeliveries(db: Db, list: NewDelivery[], now: number): Promise<void> {
  const rows = list.map((d) => ({
    event_id: d.eventId,
    target: d.target,
    action: d.action,
    order_key: d.orderKey,
    idempotency_key: d.idempotencyKey,
    status: 'pending',
    attempts: 0,
    next_attempt_at: now,
    lease_until: null,
    created_at: now,
    updated_at: now,
    delivered_at: null,
    last_error: null,
    last_status: null,
    response: null,
    context: JSON.stringify(d.context ?? {}),
  }));
  for (let i = 0; i < rows.length; i += INSERT_CHUNK)
    await db.insertInto('notify_deliveries').values(rows.slice(i, i + INSERT_CHUNK)).onConflict((oc) => oc.column('idempotency_key').doNothing()).execute();
}

export interface Delivery {
  id: number;
  eventId: number | null;
  target: string;
  action: string;
  orderKey: string;
  idempotencyKey: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: number;
  createdAt: number;
  updatedAt: number;
  deliveredAt: number | null;
  lastError: string | null;
  lastStatus: number | null;
  response: string | null;
  context: Record<string, unknown>;
}

export interface ClaimedDelivery extends Delivery {
  event: NotifyEvent | null;
}

function toDelivery(r: Selectable<NotifyDeliveryTable>): Delivery {
  return {
    id: Number(r.id),
    eventId: r.event_id === null ? null : Number(r.event_id),
    target: r.target,
    action: r.action,
    orderKey: r.order_key,
    idempotencyKey: r.idempotency_key,
    status: r.status as DeliveryStatus,
    attempts: Number(r.attempts),
    nextAttemptAt: Number(r.next_attempt_at),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    deliveredAt: r.delivered_at === null ? null : Number(r.delivered_at),
    lastError: r.last_error,
    lastStatus: r.last_status,
    response: r.response,
    context: JSON.parse(r.context) as Record<string, unknown>,
  };
}

/** Deliveries whose sender vanished (crash, kill) while sending: back to pending once the lease ran out. */
export async function reclaimExpiredLeases(db: Kysely<Database>, now: number): Promise<number> {
  const r = await db
    .updateTable('notify_deliveries')
    .set({ status: 'pending', lease_until: null, updated_at: now, last_error: 'sender stopped before recording the outcome (lease expired); sent again with the same idempotency key' })
    .where('status', '=', 'sending')
    .where('lease_until', '<', now)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/**
 * Claims due deliveries, each the oldest unfinished one of its order key, and leases them to this
 * worker until now + leaseMs. Attempts are counted here, before sending, so a crash mid-send counts.
 */
export async function claimDueDeliveries(db: Kysely<Database>, engine: Engine, now: number, limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
  return db.transaction().execute(async (trx) => {
    let q = trx
      .selectFrom('notify_deliveries as d')
      .select('d.id')
      .where('d.status', '=', 'pending')
      .where('d.next_attempt_at', '<=', now)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('notify_deliveries as e')
              .select(sql`1`.as('one'))
              .whereRef('e.order_key', '=', 'd.order_key')
              .whereRef('e.id', '<', 'd.id')
              .where('e.status', 'in', ['pending', 'sending']),
          ),
        ),
      )
      .orderBy('d.id')
      .limit(limit);
    if (engine === 'postgres') q = q.forUpdate().skipLocked();
    const ids = (await q.execute()).map((r) => Number(r.id));
    if (ids.length === 0) return [];
    const out: ClaimedDelivery[] = [];
    for (let i = 0; i < ids.length; i += INSERT_CHUNK) {
      const chunk = ids.slice(i, i + INSERT_CHUNK);
      await trx
        .updateTable('notify_deliveries')
        .set((eb) => ({ status: 'sending', lease_until: now + leaseMs, updated_at: now, attempts: eb('attempts', '+', 1) }))
        .where('id', 'in', chunk)
        .where('status', '=', 'pending')
        .execute();
      const rows = await trx
        .selectFrom('notify_deliveries as d')
        .leftJoin('notify_events as ev', 'ev.id', 'd.event_id')
        .selectAll('d')
        .select(['ev.kind as ev_kind', 'ev.subject as ev_subject', 'ev.component_ids as ev_component_ids', 'ev.payload as ev_payload', 'ev.at as ev_at', 'ev.created_at as ev_created_at'])
        .where('d.id', 'in', chunk)
        .where('d.status', '=', 'sending')
        .orderBy('d.id')
        .execute();
      for (const r of rows) {
        const d = toDelivery(r);
        const event =
          r.event_id !== null && r.ev_kind !== null
            ? toEvent({ id: Number(r.event_id), kind: r.ev_kind, subject: r.ev_subject!, component_ids: r.ev_component_ids!, payload: r.ev_payload!, at: r.ev_at!, created_at: r.ev_created_at! })
            : null;
        out.push({ ...d, event });
      }
    }
    return out;
  });
}

const TEXT_MAX = 500;
const clip = (s: string | null | undefined) => (s == null ? null : s.length > TEXT_MAX ? s.slice(0, TEXT_MAX) + '…' : s);

export async function markDelivered(db: Kysely<Database>, id: number, now: number, r: { status?: number; response?: string }): Promise<void> {
  await db
    .updateTable('notify_deliveries')
    .set({ status: 'delivered', delivered_at: now, updated_at: now, lease_until: null, last_status: r.status ?? null, response: clip(r.response), last_error: null })
    .where('id', '=', id)
    .execute();
}

/** A failed attempt: pending again at retryAt, or dead when `dead` says the delivery is past its time. */
export async function markFailed(db: Kysely<Database>, id: number, now: number, r: { error: string; status?: number; response?: string; retryAt: number; dead: boolean }): Promise<void> {
  await db
    .updateTable('notify_deliveries')
    .set({
      status: r.dead ? 'dead' : 'pending',
      next_attempt_at: r.retryAt,
      updated_at: now,
      lease_until: null,
      last_error: clip(r.error),
      last_status: r.status ?? null,
      response: clip(r.response),
    })
    .where('id', '=', id)
    .execute();
}

/** Sets a claimed delivery back without counting the attempt (rate limit reached before sending). */
export async function deferDelivery(db: Kysely<Database>, id: number, now: number, until: number): Promise<void> {
  await db
    .updateTable('notify_deliveries')
    .set((eb) => ({ status: 'pending', next_attempt_at: until, updated_at: now, lease_until: null, attempts: eb('attempts', '-', 1) }))
    .where('id', '=', id)
    .execute();
}

/** Nothing left to send to (subscription removed, unsubscribed): finished without sending. */
export async function markSkipped(db: Kysely<Database>, id: number, now: number, why: string): Promise<void> {
  await db.updateTable('notify_deliveries').set({ status: 'skipped', updated_at: now, lease_until: null, last_error: clip(why) }).where('id', '=', id).execute();
}

export async function listDeliveries(db: Kysely<Database>, opts: { status?: DeliveryStatus; target?: string; limit?: number } = {}): Promise<Delivery[]> {
  let q = db.selectFrom('notify_deliveries').selectAll();
  if (opts.status) q = q.where('status', '=', opts.status);
  if (opts.target) q = q.where('target', '=', opts.target);
  const rows = await q.orderBy('id', 'desc').limit(Math.max(1, Math.min(opts.limit ?? 100, 1000))).execute();
  return rows.map((r) => toDelivery(r));
}

/** A dead delivery back in the queue, due now, with a fresh time budget. */
export async function retryDelivery(db: Kysely<Database>, id: number, now: number): Promise<boolean> {
  const r = await db
    .updateTable('notify_deliveries')
    .set({ status: 'pending', next_attempt_at: now, created_at: now, updated_at: now, lease_until: null })
    .where('id', '=', id)
    .where('status', '=', 'dead')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function deliveryCounts(db: Kysely<Database>): Promise<Record<DeliveryStatus, number>> {
  const rows = await db.selectFrom('notify_deliveries').select(['status', db.fn.countAll<number>().as('n')]).groupBy('status').execute();
  const out = Object.fromEntries(DELIVERY_STATUSES.map((s) => [s, 0])) as Record<DeliveryStatus, number>;
  for (const r of rows) out[r.status as DeliveryStatus] = Number(r.n);
  return out;
}

export async function unexpandedEventCount(db: Kysely<Database>): Promise<number> {
  const r = await db.selectFrom('notify_events').select(db.fn.countAll<number>().as('n')).where('expanded_at', 'is', null).executeTakeFirst();
  return Number(r?.n ?? 0);
}

/** Retention: finished deliveries, and events whose deliveries are all finished, older than `before`. */
export async function pruneOutbox(db: Kysely<Database>, before: number): Promise<number> {
  const r = await db.deleteFrom('notify_deliveries').where('status', 'in', ['delivered', 'skipped']).where('updated_at', '<', before).executeTakeFirst();
  await db
    .deleteFrom('notify_events')
    .where('expanded_at', '<', before)
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('notify_deliveries as d').select(sql`1`.as('one')).whereRef('d.event_id', '=', 'notify_events.id'))))
    .execute();
  return Number(r.numDeletedRows);
}

// --- operator alert rules: open alerts per (rule, component) ------------------------------------

export interface RuleState {
  rule: string;
  componentId: string;
  status: string;
  openedAt: number;
  lastSentAt: number;
}

export async function getRuleState(db: Db, rule: string, componentId: string): Promise<RuleState | undefined> {
  const r = await db.selectFrom('notify_rule_state').selectAll().where('rule', '=', rule).where('component_id', '=', componentId).executeTakeFirst();
  return r && { rule: r.rule, componentId: r.component_id, status: r.status, openedAt: Number(r.opened_at), lastSentAt: Number(r.last_sent_at) };
}

export async function putRuleState(db: Db, s: RuleState): Promise<void> {
  await db
    .insertInto('notify_rule_state')
    .values({ rule: s.rule, component_id: s.componentId, status: s.status, opened_at: s.openedAt, last_sent_at: s.lastSentAt })
    .onConflict((oc) => oc.columns(['rule', 'component_id']).doUpdateSet({ status: s.status, opened_at: s.openedAt, last_sent_at: s.lastSentAt }))
    .execute();
}

export async function deleteRuleState(db: Db, rule: string, componentId: string): Promise<void> {
  await db.deleteFrom('notify_rule_state').where('rule', '=', rule).where('component_id', '=', componentId).execute();
}

export async function openRuleStates(db: Db): Promise<RuleState[]> {
  const rows = await db.selectFrom('notify_rule_state').selectAll().orderBy('rule').orderBy('component_id').execute();
  return rows.map((r) => ({ rule: r.rule, componentId: r.component_id, status: r.status, openedAt: Number(r.opened_at), lastSentAt: Number(r.last_sent_at) }));
}

/** Moves last_sent_at forward only if nobody else did since `seen` (one reminder, even with several workers). */
export async function claimReminder(db: Db, s: RuleState, now: number): Promise<boolean> {
  const r = await db
    .updateTable('notify_rule_state')
    .set({ last_sent_at: now })
    .where('rule', '=', s.rule)
    .where('component_id', '=', s.componentId)
    .where('last_sent_at', '=', s.lastSentAt)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

// --- incidents and maintenance ------------------------------------------------------------------

/** What an incident or maintenance event carries (read from the incident tables in the writer's transaction). */
export interface IncidentPayload {
  incidentId: string;
  kind: 'incident' | 'maintenance';
  name: string;
  /** A title Vigie drafted, as a message key and parameters (JSON, src/i18n/text.ts). */
  nameText?: string;
  status: string;
  impact: string;
  createdAt: number;
  updatedAt: number;
  resolvedAt: number | null;
  scheduledFor: number | null;
  scheduledUntil: number | null;
  /** The update this event announces (the newest), if any. */
  update: { id: string; status: string; body: string; at: number; bodyText?: string } | null;
  /** Every update so far, newest first (Statuspage's incident_updates). */
  updates: Array<{ id: string; status: string; body: string; at: number }>;
  components: Array<{ id: string; name: string; serviceId: string; serviceName: string; status: string }>;
}

/**
 * The outbox row for an incident or maintenance write; called inside the incident store's write
 * transaction, after the write, so the payload is what was just committed with it.
 */
export async function enqueueIncidentEvent(db: Db, incidentId: string, at: number): Promise<number | undefined> {
  const inc = await db.selectFrom('incidents').selectAll().where('id', '=', incidentId).executeTakeFirst();
  if (!inc) return undefined;
  const comps = await db
    .selectFrom('incident_components as ic')
    .leftJoin('components as c', 'c.id', 'ic.component_id')
    .leftJoin('services as s', 's.id', 'c.service_id')
    .select(['ic.component_id', 'ic.status', 'c.name as componentName', 's.id as serviceId', 's.name as serviceName'])
    .where('ic.incident_id', '=', incidentId)
    .orderBy('ic.added_at')
    .orderBy('ic.component_id')
    .execute();
  const updates = await db
    .selectFrom('incident_updates')
    .select(['public_id', 'status', 'body', 'at', 'body_text'])
    .where('incident_id', '=', incidentId)
    .orderBy('at', 'desc')
    .orderBy('id', 'desc')
    .limit(50)
    .execute();
  const ups = updates.map((u) => ({ id: u.public_id, status: u.status, body: u.body, at: Number(u.at), ...(u.body_text ? { bodyText: u.body_text } : {}) }));
  const payload: IncidentPayload = {
    incidentId,
    kind: inc.kind === 'maintenance' ? 'maintenance' : 'incident',
    name: inc.name,
    ...(inc.name_text ? { nameText: inc.name_text } : {}),
    status: inc.status,
    impact: inc.impact,
    createdAt: Number(inc.created_at),
    updatedAt: Number(inc.updated_at),
    resolvedAt: inc.resolved_at === null ? null : Number(inc.resolved_at),
    scheduledFor: inc.scheduled_for === null ? null : Number(inc.scheduled_for),
    scheduledUntil: inc.scheduled_until === null ? null : Number(inc.scheduled_until),
    update: ups[0] ?? null,
    updates: ups,
    components: comps.map((c) => ({
      id: c.component_id,
      name: c.componentName ?? c.component_id,
      serviceId: c.serviceId ?? c.component_id.split('/')[0]!,
      serviceName: c.serviceName ?? c.component_id.split('/')[0]!,
      status: c.status,
    })),
  };
  return enqueueNotifyEvent(db, { kind: payload.kind, subject: `incident:${incidentId}`, componentIds: payload.components.map((c) => c.id), payload, at });
}

/** Components inside a maintenance window right now (in progress or verifying). */
export async function componentsInMaintenance(db: Db, componentIds: readonly string[]): Promise<Set<string>> {
  if (componentIds.length === 0) return new Set();
  const rows = await db
    .selectFrom('incident_components as ic')
    .innerJoin('incidents as i', 'i.id', 'ic.incident_id')
    .select('ic.component_id')
    .where('i.kind', '=', 'maintenance')
    .where('i.status', 'in', ['in_progress', 'verifying'])
    .where('ic.component_id', 'in', [...componentIds])
    .execute();
  return new Set(rows.map((r) => r.component_id));
}
