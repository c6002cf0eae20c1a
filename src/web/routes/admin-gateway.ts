// Admin API for the gateway: the events a standalone gateway reports (failovers and failbacks, for the
// page and notifications), the figures of a failover in progress, and the gateway's client tokens (the same as `vigie gateway client add|list|revoke`).
// A new client token is in the answer once; only its sha256 is stored.
import { z } from 'zod';
import { rateLimit } from '../../config/schema.js';
import { newClientToken, sha256Hex } from '../../gateway/clients.js';
import {
  GatewayClientNameTaken,
  type GatewayClientRecord,
  type GatewayEventRecord,
  type GatewayProgressRecord,
  type ProgressOutcome,
  createGatewayClient,
  isOngoing,
  listGatewayClients,
  recentGatewayEvents,
  revokeGatewayClient,
} from '../../store/gateway.js';
import type { Store } from '../../store/store.js';
import { english, text } from '../../i18n/text.js';
import { AdminError, iso, isoTime, route, time } from './admin-common.js';

const NAME = /^[a-z0-9][a-z0-9_.-]*$/;
const NAME_TEXT = 'lowercase letters, digits, ".", "-" or "_", starting with a letter or digit';
const slug = z.string().max(100).regex(NAME, { error: `must be ${NAME_TEXT}` });
const label = z.string().min(1).max(200);

export const gatewayEventBody = z.strictObject({
  id: z.string().min(8).max(100).meta({ description: 'chosen by the gateway; a report sent again with the same id is stored once' }),
  source: slug.meta({ description: 'the gateway’s name (gateway.name in its config)' }),
  route: slug,
  kind: z.enum(['failover', 'failback']),
  from: slug.meta({ description: 'upstream id the traffic left' }),
  to: slug.meta({ description: 'upstream id the traffic went to' }),
  from_name: label,
  to_name: label,
  component: z.string().min(1).max(200).nullable().meta({ description: 'the component ("service/component" or a v2 id) of the provider the event is about' }),
  reason: z.string().max(100).nullable(),
  at: time,
  failed_requests: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  served_requests: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).nullable(),
});

const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const gatewayProgressBody = z.strictObject({
  to: slug.meta({ description: 'upstream id the route’s traffic is on now' }),
  to_name: label,
  served_requests: count.meta({ description: 'requests of the route answered successfully since the traffic left the upstream the failover began with' }),
  failed_requests: count.meta({ description: 'requests of the route that failed at the client over the same span' }),
  as_of: time.meta({ description: 'when these figures were taken; a report older than the figures held is not applied' }),
  ended: z.boolean().default(false).meta({ description: 'the failover is over (the traffic came back): its last report' }),
});

const eventId = z.string().min(8).max(100);

const progressResponse = z.strictObject({
  served_requests: z.number(),
  failed_requests: z.number(),
  as_of: isoTime.nullable(),
  to: z.string(),
  to_name: z.string(),
});

const eventResponse = z.strictObject({
  id: z.string(),
  source: z.string(),
  route: z.string(),
  kind: z.enum(['failover', 'failback']),
  from: z.string(),
  to: z.string(),
  from_name: z.string(),
  to_name: z.string(),
  component: z.string().nullable(),
  at: isoTime.nullable(),
  failed_requests: z.number(),
  served_requests: z.number().nullable(),
  body: z.string(),
  ongoing: z.boolean().meta({ description: 'a failover whose figures are still being reported (see progress)' }),
  progress: progressResponse.nullable().meta({ description: 'a failover’s figures since the traffic left, as of a time (null: none reported)' }),
  ended_at: isoTime.nullable().meta({ description: 'when the failover ended (null: not ended, or a failback)' }),
});

const clientInfo = z.strictObject({
  name: z.string(),
  team: z.string(),
  rate_limit: z.string().nullable(),
  monthly_tokens: z.number().nullable(),
  created_at: isoTime.nullable(),
  revoked_at: isoTime.nullable(),
});

export function rateText(r: { count: number; perMs: number } | null): string | null {
  if (!r) return null;
  const unit = r.perMs === 1000 ? 's' : r.perMs === 60_000 ? 'm' : r.perMs === 3_600_000 ? 'h' : null;
  return unit ? `${r.count}/${unit}` : `${r.count}/${r.perMs / 1000}s`;
}

export function clientJson(c: GatewayClientRecord) {
  return { name: c.name, team: c.team, rate_limit: rateText(c.rateLimit), monthly_tokens: c.monthlyTokens, created_at: iso(c.createdAt), revoked_at: iso(c.revokedAt) };
}

export function eventResponseJson(e: GatewayEventRecord) {
  return {
    id: e.id,
    source: e.source,
    route: e.route,
    kind: e.kind,
    from: e.fromUpstream,
    to: e.toUpstream,
    from_name: e.fromName,
    to_name: e.toName,
    component: e.component,
    at: iso(e.at),
    failed_requests: e.failedRequests,
    served_requests: e.servedRequests,
    body: e.body,
    ongoing: isOngoing(e),
    progress: e.progress ? { served_requests: e.progress.served, failed_requests: e.progress.failed, as_of: iso(e.progress.asOf), to: e.progress.to, to_name: e.progress.toName } : null,
    ended_at: iso(e.endedAt ?? null),
  };
}

/** The record of a reported event, worded here (the server's wording wins over the gateway's version). */
export function recordFromBody(b: z.output<typeof gatewayEventBody>, createdAt: number): GatewayEventRecord {
  const served = b.served_requests ?? 0;
  const t = text(b.kind === 'failover' ? 'gatewayFailover' : 'gatewayFailback', { from: b.from_name, to: b.to_name, time: { time: b.at }, route: b.route, failed: b.failed_requests, served });
  return {
    id: b.id,
    source: b.source,
    route: b.route,
    kind: b.kind,
    fromUpstream: b.from,
    toUpstream: b.to,
    fromName: b.from_name,
    toName: b.to_name,
    component: b.component,
    reason: b.reason,
    at: b.at,
    failedRequests: b.failed_requests,
    servedRequests: b.kind === 'failback' ? served : null,
    body: english(t),
    bodyText: JSON.stringify(t),
    createdAt,
  };
}

export function gatewayAdminRoutes(o: { store: Store; now: () => number; record: (e: GatewayEventRecord) => Promise<boolean>; progress: (p: GatewayProgressRecord) => Promise<ProgressOutcome> }) {
  const db = o.store.db;
  return [
    route({
      method: 'POST',
      url: '/gateway/events',
      operationId: 'reportGatewayEvent',
      summary: 'Report a failover or failback of a standalone gateway (shown on the page, sent to alert rules with events: [gateway])',
      tag: 'gateway',
      body: gatewayEventBody,
      response: z.strictObject({ id: z.string(), stored: z.boolean() }),
      okStatus: 201,
      handler: async ({ body }) => ({ id: body.id, stored: await o.record(recordFromBody(body, Math.round(o.now()))) }),
    }),
    route({
      method: 'POST',
      url: '/gateway/events/:id/progress',
      operationId: 'reportGatewayProgress',
      summary: 'Report the figures of a failover in progress (requests served and failed since the traffic left), shown on the page; not notified',
      description:
        'Sent by the gateway every gateway.progress_every while the failover lasts, and once with ended: true when it is over. Figures move only forward in as_of: an older report than those held answers applied: false.',
      tag: 'gateway',
      params: z.strictObject({ id: eventId.meta({ description: 'the failover event’s id, as reported with reportGatewayEvent' }) }),
      body: gatewayProgressBody,
      response: z.strictObject({ id: z.string(), applied: z.boolean() }),
      handler: async ({ params, body }) => {
        const outcome = await o.progress({ eventId: params.id, to: body.to, toName: body.to_name, served: body.served_requests, failed: body.failed_requests, asOf: body.as_of, ended: body.ended });
        if (outcome === 'unknown') throw new AdminError(404, 'not_found', `no gateway event "${params.id}": report the failover (POST /gateway/events) before its progress`, 'id');
        if (outcome === 'not_failover') throw new AdminError(409, 'not_failover', `gateway event "${params.id}" is a failback: only a failover has progress`, 'id');
        return { id: params.id, applied: outcome === 'applied' };
      },
    }),
    route({
      method: 'GET',
      url: '/gateway/events',
      operationId: 'listGatewayEvents',
      summary: 'The latest failovers and failbacks, newest first',
      tag: 'gateway',
      query: z.strictObject({ limit: z.coerce.number().int().min(1).max(500).default(50) }),
      response: z.strictObject({ events: z.array(eventResponse) }),
      handler: async ({ query }) => ({ events: (await recentGatewayEvents(db, { limit: query.limit })).map(eventResponseJson) }),
    }),
    route({
      method: 'GET',
      url: '/gateway/clients',
      operationId: 'listGatewayClients',
      summary: 'List the gateway’s client tokens (names, teams and limits, never the tokens)',
      tag: 'gateway',
      response: z.strictObject({ clients: z.array(clientInfo) }),
      handler: async () => ({ clients: (await listGatewayClients(db)).map(clientJson) }),
    }),
    route({
      method: 'POST',
      url: '/gateway/clients',
      operationId: 'createGatewayClient',
      // A client token spends the provider keys: made and revoked by owners, as API tokens are.
      role: 'owner',
      summary: 'Create a gateway client token; the answer is the only place the token appears',
      tag: 'gateway',
      body: z.strictObject({
        name: slug.meta({ description: 'the client (application); unique, and stays taken after a revoke' }),
        team: slug.optional().meta({ description: 'the team it belongs to (default: its name)' }),
        rate_limit: rateLimit.optional().meta({ description: 'requests per time, e.g. "10/s", "600/m"; shared by every gateway replica on this database' }),
        monthly_tokens: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional().meta({ description: 'tokens per calendar month (UTC)' }),
      }),
      response: clientInfo.extend({ token: z.string() }).strict(),
      okStatus: 201,
      handler: async ({ body }) => {
        const token = newClientToken();
        try {
          const c = await createGatewayClient(db, { name: body.name, team: body.team ?? body.name, tokenHash: sha256Hex(token), rateLimit: body.rate_limit ?? null, monthlyTokens: body.monthly_tokens ?? null, createdAt: Math.round(o.now()) });
          return { ...clientJson(c), token };
        } catch (err) {
          if (err instanceof GatewayClientNameTaken) throw new AdminError(409, 'conflict', err.message, 'name');
          throw err;
        }
      },
    }),
    route({
      method: 'DELETE',
      url: '/gateway/clients/:name',
      operationId: 'revokeGatewayClient',
      // A client token spends the provider keys: made and revoked by owners, as API tokens are.
      role: 'owner',
      summary: 'Revoke a gateway client token by name (gateways refuse it from their next refresh of the client list)',
      tag: 'gateway',
      params: z.strictObject({ name: slug }),
      okStatus: 204,
      handler: async ({ params }) => {
        if (!(await revokeGatewayClient(db, params.name, Math.round(o.now())))) throw new AdminError(404, 'not_found', `no live gateway client named "${params.name}"`);
      },
    }),
  ];
}
