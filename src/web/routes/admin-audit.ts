// The audit log, for owners only: it names people, addresses and what they changed.
import { z } from 'zod';
import type { AuditStore } from '../../store/audit.js';
import { iso, isoTime, route, time } from './admin-common.js';

const entry = z.strictObject({
  id: z.string(),
  at: isoTime.nullable(),
  actor: z.strictObject({ kind: z.string(), name: z.string() }),
  action: z.string(),
  method: z.string(),
  path: z.string(),
  target: z.string().nullable(),
  before: z.unknown(),
  after: z.unknown(),
  outcome: z.string(),
  status: z.number(),
  address: z.string(),
});

export function auditAdminRoutes(o: { audit: AuditStore }) {
  return [
    route({
      method: 'GET',
      url: '/audit',
      operationId: 'listAudit',
      summary: 'The audit log, newest first: changes made through the admin API and sign-in attempts',
      description: 'Pages: pass the answer’s `next_cursor` as `cursor` for older entries (null when there are none).',
      tag: 'audit',
      role: 'owner',
      query: z.strictObject({
        actor: z.string().max(256).optional().meta({ description: 'user or token name' }),
        action: z.string().max(100).optional().meta({ description: 'operationId, e.g. updateIncident or signIn' }),
        target: z.string().max(256).optional(),
        since: time.optional(),
        until: time.optional(),
        cursor: z.string().regex(/^\d{1,15}$/, { error: 'must be a next_cursor from a previous answer' }).optional(),
        limit: z.coerce.number().int().min(1).max(500).default(100),
      }),
      response: z.strictObject({ entries: z.array(entry), next_cursor: z.string().nullable() }),
      handler: async ({ query }) => {
        const rows = await o.audit.list({ actor: query.actor, action: query.action, target: query.target, since: query.since, until: query.until, before: query.cursor === undefined ? undefined : Number(query.cursor), limit: query.limit + 1 });
        const page = rows.slice(0, query.limit);
        return {
          entries: page.map((e) => ({ id: String(e.id), at: iso(e.at), actor: { kind: e.actorKind, name: e.actorName }, action: e.action, method: e.method, path: e.path, target: e.target, before: e.before, after: e.after, outcome: e.outcome, status: e.status, address: e.address })),
          next_cursor: rows.length > query.limit ? String(page.at(-1)!.id) : null,
        };
      },
    }),
  ];
}
