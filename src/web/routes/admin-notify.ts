// Admin API: public subscriptions (list, remove) and the notification outbox (its counts and channel
// problems, deliveries, retrying a dead one). Subscribers' addresses appear only here.
import { z } from 'zod';
import { DELIVERY_STATUSES, listDeliveries, retryDelivery } from '../../store/outbox.js';
import { listSubscriptions, removeSubscription } from '../../store/subscriptions.js';
import type { Store } from '../../store/store.js';
import { type NotifyWorker, type SiteInfo, sendTestMessage } from '../../notify/worker.js';
import type { NotifyConfig } from '../../config/schema.js';
import { AdminError, iso, isoTime, route, strip } from './admin-common.js';

export interface NotifyAdminDeps {
  store: Store;
  worker: NotifyWorker;
  now: () => number;
  /** For "Send test": the running notify config and the page's title and address. */
  notifyConfig?: () => NotifyConfig;
  site?: () => SiteInfo;
}

const channelTestResponse = z.strictObject({
  channel: z.string(),
  type: z.string().nullable(),
  ok: z.boolean(),
  status: z.number().int().nullable().meta({ description: 'what the receiver answered: HTTP status or SMTP reply code' }),
  response: z.string().nullable(),
  error: z.string().nullable(),
  problems: z.array(z.strictObject({ field: z.string(), message: z.string() })).meta({ description: "the channel's configuration problems (it is disabled while it has any)" }),
});

const intId = z.strictObject({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });
const t = isoTime.nullable();

const subscriptionsQuery = z.strictObject({
  status: z.enum(['pending', 'active', 'unsubscribed']).optional(),
  kind: z.enum(['email', 'webhook']).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(100),
  after: z.coerce.number().int().min(0).optional().meta({ description: 'only subscriptions with a larger id (paging)' }),
});

const subscriptionResponse = z.strictObject({
  id: z.number().int(),
  kind: z.enum(['email', 'webhook']),
  address: z.string(),
  components: z.array(z.string()).meta({ description: 'component ids; empty for the whole page' }),
  locale: z.string(),
  status: z.enum(['pending', 'active', 'unsubscribed']),
  created_at: t,
  confirmed_at: t,
  unsubscribed_at: t,
});

const deliveriesQuery = z.strictObject({
  status: z.enum(DELIVERY_STATUSES).optional(),
  target: z.string().max(500).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

const deliveryResponse = z.strictObject({
  id: z.number().int(),
  event_id: z.number().int().nullable(),
  target: z.string(),
  action: z.string(),
  status: z.enum(DELIVERY_STATUSES),
  attempts: z.number().int(),
  idempotency_key: z.string(),
  created_at: t,
  next_attempt_at: t,
  delivered_at: t,
  last_status: z.number().int().nullable(),
  last_error: z.string().nullable(),
  response: z.string().nullable(),
});

const notifyStatusResponse = z.strictObject({
  deliveries: z.strictObject(Object.fromEntries(DELIVERY_STATUSES.map((s) => [s, z.number().int()]))).meta({ description: 'deliveries by status' }),
  events_waiting: z.number().int(),
  channels: z.array(z.strictObject({ name: z.string(), type: z.string() })),
  problems: z.array(z.strictObject({ channel: z.string(), type: z.string(), field: z.string(), message: z.string(), text: z.string() })),
});

export function notifyAdminRoutes(o: NotifyAdminDeps) {
  return [
    route({
      method: 'GET',
      url: '/subscriptions',
      operationId: 'listSubscriptions',
      summary: 'List public subscriptions (e-mail and webhook), with their addresses, by id',
      tag: 'subscriptions',
      query: subscriptionsQuery,
      response: z.strictObject({ subscriptions: z.array(subscriptionResponse) }),
      handler: async ({ query: q }) => {
        const list = await listSubscriptions(o.store.db, strip({ status: q.status, kind: q.kind, limit: q.limit, afterId: q.after }));
        return {
          subscriptions: list.map((s) => ({
            id: s.id,
            kind: s.kind,
            address: s.address,
            components: s.componentIds,
            locale: s.locale,
            status: s.status,
            created_at: iso(s.createdAt),
            confirmed_at: iso(s.confirmedAt),
            unsubscribed_at: iso(s.unsubscribedAt),
          })),
        };
      },
    }),
    route({
      method: 'DELETE',
      url: '/subscriptions/:id',
      operationId: 'deleteSubscription',
      summary: 'Remove a subscription (nothing more is sent to it)',
      tag: 'subscriptions',
      params: intId,
      okStatus: 204,
      handler: async ({ params }) => {
        if (!(await removeSubscription(o.store.db, params.id))) throw new AdminError(404, 'not_found', `no subscription ${params.id}`);
      },
    }),
    route({
      method: 'GET',
      url: '/notify',
      operationId: 'getNotifyStatus',
      summary: 'The outbox: deliveries by status, events not yet expanded, channels and their configuration problems',
      tag: 'notifications',
      response: notifyStatusResponse,
      handler: async () => o.worker.status(),
    }),
    route({
      method: 'GET',
      url: '/notify/deliveries',
      operationId: 'listDeliveries',
      summary: 'List deliveries, newest first (status=dead for the dead letters)',
      tag: 'notifications',
      query: deliveriesQuery,
      response: z.strictObject({ deliveries: z.array(deliveryResponse) }),
      handler: async ({ query: q }) => {
        const list = await listDeliveries(o.store.db, strip({ status: q.status, target: q.target, limit: q.limit }));
        return {
          deliveries: list.map((d) => ({
            id: d.id,
            event_id: d.eventId,
            target: d.target,
            action: d.action,
            status: d.status,
            attempts: d.attempts,
            idempotency_key: d.idempotencyKey,
            created_at: iso(d.createdAt),
            next_attempt_at: d.status === 'pending' ? iso(d.nextAttemptAt) : null,
            delivered_at: iso(d.deliveredAt),
            last_status: d.lastStatus,
            last_error: d.lastError,
            response: d.response,
          })),
        };
      },
    }),
    route({
      method: 'POST',
      url: '/notify/deliveries/:id/retry',
      operationId: 'retryDelivery',
      summary: 'Send a dead delivery again (same idempotency key)',
      tag: 'notifications',
      params: intId,
      okStatus: 202,
      response: z.strictObject({ status: z.literal('pending') }),
      handler: async ({ params }) => {
        if (!(await retryDelivery(o.store.db, params.id, Math.round(o.now())))) throw new AdminError(404, 'not_found', `no dead delivery ${params.id}`);
        o.worker.kick();
        return { status: 'pending' as const };
      },
    }),
    ...(o.notifyConfig && o.site
      ? [
          route({
            method: 'POST',
            url: '/notify/channels/:name/test',
            operationId: 'testNotifyChannel',
            summary: 'Send test: a test message through one configured channel, now (outside the outbox), with what the receiver answered',
            tag: 'notifications',
            params: z.strictObject({ name: z.string().min(1).max(100) }),
            response: channelTestResponse,
            handler: async ({ params }) => {
              const cfg = o.notifyConfig!();
              if (!Object.hasOwn(cfg.channels, params.name)) throw new AdminError(404, 'not_found', `no channel "${params.name}" (configured: ${Object.keys(cfg.channels).join(', ') || 'none'})`);
              const r = await sendTestMessage(cfg, params.name, o.site!(), { now: o.now() });
              return {
                channel: r.channel,
                type: r.type ?? null,
                ok: r.result?.ok ?? false,
                status: r.result?.status ?? null,
                response: r.result?.response ?? null,
                error: r.result?.error ?? (r.problems.length > 0 ? r.problems.map((p) => (p.field ? `${p.field}: ${p.message}` : p.message)).join('; ') : null),
                problems: r.problems.map((p) => ({ field: p.field, message: p.message })),
              };
            },
          }),
        ]
      : []),
  ];
}
