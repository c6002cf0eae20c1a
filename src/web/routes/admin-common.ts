// The admin API's shared parts: route definitions that carry their zod schemas (one source for
// validation, types and the OpenAPI document), error answers that name the bad field, and times.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { COMPONENT_STATUSES } from '../../core/status.js';
import { IncidentError } from '../../core/incident.js';
import type { IncidentView } from '../../incidents/engine.js';
import { renderMarkdown } from '../markdown.js';

/** A time: an ISO 8601 date-time with its offset ("2024-12-11T23:07:00Z") or epoch milliseconds. */
export const time = z
  .union([z.iso.datetime({ offset: true }), z.number().int().nonnegative()])
  .transform((v) => (typeof v === 'number' ? v : Date.parse(v)))
  .meta({ description: 'ISO 8601 date-time with offset, or epoch milliseconds' });
export const componentStatus = z.enum(COMPONENT_STATUSES);
/** component id ("service/component") → status. */
export const componentMap = z.record(z.string().min(1), componentStatus).meta({ description: 'component id ("service/component") → its status in this incident' });

export interface AdminContext<B, Q> {
  body: B;
  query: Q;
  params: Record<string, string>;
  author: string;
}

export interface AdminRoute<B extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType> {
  method: 'GET' | 'POST' | 'PATCH';
  /** Fastify path under /api/admin, e.g. /incidents/:id */
  url: string;
  summary: string;
  tag: string;
  body?: B;
  query?: Q;
  /** Status code of a success. */
  okStatus?: number;
  handler: (ctx: AdminContext<z.output<B>, z.output<Q>>) => Promise<unknown>;
}

export function route<B extends z.ZodType = z.ZodUndefined, Q extends z.ZodType = z.ZodUndefined>(r: AdminRoute<B, Q>): AdminRoute {
  return r as unknown as AdminRoute;
}

interface Problem {
  field: string;
  message: string;
}

function problems(where: 'body' | 'query', err: z.ZodError): Problem[] {
  return err.issues.flatMap((i) => {
    const base = [where, ...i.path.map(String)];
    if (i.code === 'unrecognized_keys') return i.keys.map((k) => ({ field: [...base, k].join('.'), message: 'is not a known field' }));
    return [{ field: base.join('.'), message: i.message }];
  });
}

export function sendInvalid(reply: FastifyReply, list: Problem[], code = 400) {
  return reply.code(code).send({
    error: 'invalid_request',
    message: list.map((p) => `${p.field}: ${p.message}`).join('; '),
    issues: list,
  });
}

/** Runs one admin route: validates, calls, maps domain errors to 4xx. */
export function handle(r: AdminRoute) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    let body: unknown = undefined;
    let query: unknown = undefined;
    if (r.body) {
      const parsed = r.body.safeParse(req.body ?? {});
      if (!parsed.success) return sendInvalid(reply, problems('body', parsed.error));
      body = parsed.data;
    }
    if (r.query) {
      const parsed = r.query.safeParse(req.query ?? {});
      if (!parsed.success) return sendInvalid(reply, problems('query', parsed.error));
      query = parsed.data;
    }
    try {
      const out = await r.handler({ body, query, params: req.params as Record<string, string>, author: (req as FastifyRequest & { adminAuthor?: string }).adminAuthor ?? 'unknown' });
      return reply.code(r.okStatus ?? 200).send(out);
    } catch (err) {
      if (err instanceof IncidentError) {
        if (err.code === 'not_found') return reply.code(404).send({ error: 'not_found', message: err.message });
        const field = err.field ? `body.${err.field}` : 'body';
        return reply.code(err.code === 'conflict' ? 409 : 400).send({ error: err.code === 'conflict' ? 'conflict' : 'invalid_request', message: `${field}: ${err.message}`, issues: [{ field, message: err.message }] });
      }
      throw err;
    }
  };
}

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

/** An incident or maintenance as the admin API answers it: ISO times, bodies with their rendered HTML. */
export function incidentJson(v: IncidentView) {
  const f = v.figures;
  return {
    id: v.id,
    kind: v.kind,
    name: v.name,
    status: v.status,
    impact: v.impact,
    cause: v.cause,
    serviceId: v.serviceId,
    origin: v.origin,
    humanControlled: v.human,
    createdAt: iso(v.createdAt),
    updatedAt: iso(v.updatedAt),
    monitoringAt: iso(v.monitoringAt),
    resolvedAt: iso(v.resolvedAt),
    scheduledFor: iso(v.scheduledFor),
    scheduledUntil: iso(v.scheduledUntil),
    startedAt: iso(v.startedAt),
    autoTransitions: v.autoTransitions,
    postmortem: v.postmortemBody === null ? null : { body: v.postmortemBody, html: renderMarkdown(v.postmortemBody), publishedAt: iso(v.postmortemPublishedAt) },
    components: v.components.map((c) => ({ id: c.componentId, status: c.status, addedAt: iso(c.addedAt) })),
    updates: v.updates.map((u) => ({
      id: u.id,
      status: u.status,
      body: u.body,
      html: renderMarkdown(u.body),
      at: iso(u.at),
      author: u.author,
      affectedComponents: u.affected.map((a) => ({ id: a.componentId, oldStatus: a.oldStatus, newStatus: a.newStatus })),
    })),
    figures: {
      observedStart: iso(f.observedStart),
      openedAt: iso(f.openedAt),
      timeToDetectSeconds: sec(f.timeToDetectMs),
      faultStart: iso(f.faultStart),
      detectedAt: iso(f.detectedAt),
      timeToOpenSeconds: sec(f.timeToOpenMs),
      vendorAcknowledgedAt: iso(f.vendorAcknowledgedAt),
      vendorAcknowledgementSource: f.vendorAcknowledgementSource,
      vendorAcknowledgementText: f.vendorAcknowledgementText,
      acknowledgementLagSeconds: sec(f.acknowledgementLagMs),
      timeToResolveSeconds: sec(f.timeToResolveMs),
      peakAffectedShare: f.peakAffectedShare,
      peakAffectedDetail: f.peakAffectedDetail,
      silentVendor: f.silentVendor,
      silentVendorAt: iso(f.silentVendorAt),
    },
  };
}

const sec = (ms: number | null) => (ms === null ? null : Math.round(ms / 1000));
