// The admin API's shared parts: route definitions that carry their zod schemas (one source for
// validation, types and the OpenAPI document), error answers that name the bad field, and times.
// Every field is snake_case, in requests and answers; bodies and queries are strict objects.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { COMPONENT_STATUSES } from '../../core/status.js';
import { IncidentError } from '../../core/incident.js';
import type { Auth } from '../../auth/service.js';
import { authOf } from '../../auth/service.js';
import { redact, targetOf } from '../../auth/audit.js';
import type { Actor, Role } from '../../auth/roles.js';
import { INPUT_TIME_RANGE_TEXT, MAX_INPUT_TIME_MS, MIN_INPUT_TIME_MS, isInputTime, isoOrNull } from '../../core/time-range.js';

const TIME_RANGE = `must be a time ${INPUT_TIME_RANGE_TEXT}`;

/**
 * A time: an ISO 8601 date-time with its offset ("2024-12-11T23:07:00Z") or epoch milliseconds,
 * within years 2000..2100 (a time beyond that is a mistake, and one beyond a JavaScript Date's range
 * would break everything that shows it).
 */
export const time = z
  .union([z.iso.datetime({ offset: true, error: 'expected an ISO 8601 date-time with its offset, e.g. "2024-12-11T23:07:00Z" or "2024-12-12T00:07:00+01:00"' }), z.number().int().min(MIN_INPUT_TIME_MS, { error: TIME_RANGE }).max(MAX_INPUT_TIME_MS, { error: TIME_RANGE })], {
    error: 'expected an ISO 8601 date-time with offset ("2024-12-11T23:07:00Z") or epoch milliseconds',
  })
  .transform((v) => (typeof v === 'number' ? v : Date.parse(v)))
  .refine(isInputTime, { error: TIME_RANGE })
  .meta({ description: `ISO 8601 date-time with offset, or epoch milliseconds; ${INPUT_TIME_RANGE_TEXT}` });

/** A stored time as the API answers it: ISO 8601, or null (also for a stored value no Date can hold). */
export const iso = (t: number | null | undefined): string | null => isoOrNull(t);
/** The answer's type for a time field. */
export const isoTime = z.iso.datetime().meta({ description: 'ISO 8601 date-time, UTC' });

export const componentStatus = z.enum(COMPONENT_STATUSES);
/** component id ("service/component") → status. */
export const componentMap = z.record(z.string().min(1), componentStatus).meta({ description: 'component id ("service/component") → its status in this incident' });

export interface AdminContext<B, Q, P> {
  body: B;
  query: Q;
  params: P;
  /** The name of the API token or user that made the request ("bootstrap" for VIGIE_ADMIN_TOKEN). */
  author: string;
  /** Who made the request; kind 'anonymous' only on routes with `auth: 'none'`. */
  actor: Actor | { kind: 'anonymous'; name: 'anonymous'; role: undefined };
  /**
   * Tells the audit log what the change was about: its target (an id) and the entity before and
   * after (JSON; secrets are removed). Without a call, a change is logged with its request body as
   * "after" and its path parameter as target.
   */
  audit: (a: { target?: string | null; before?: unknown; after?: unknown }) => void;
  /** The raw request and reply, for the few routes that set cookies or redirect (sign-in). */
  http: { req: FastifyRequest; reply: FastifyReply };
}

export type AdminMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface AdminRoute<B extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType, P extends z.ZodType = z.ZodType> {
  method: AdminMethod;
  /** Fastify path under /api/admin, e.g. /incidents/:id */
  url: string;
  /** Unique, camelCase (createIncident): client generators name their methods after it. */
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  body?: B;
  query?: Q;
  /** Path parameters; each :name of the url is a string when left out. */
  params?: P;
  /** The success answer's shape, for the document (not enforced on the way out). */
  response?: z.ZodType;
  /** Status code of a success (204 sends no body). */
  okStatus?: number;
  /** The least role that may call it; default: GET → viewer, other methods → editor. */
  role?: Role;
  /** 'none': reachable without signing in (only the sign-in routes). */
  auth?: 'none';
  handler: (ctx: AdminContext<z.output<B>, z.output<Q>, z.output<P>>) => Promise<unknown>;
}

type Out<S, D> = S extends z.ZodType ? S : D;

/** Declares an admin route; the types of body, query and params follow from their schemas. */
export function route<B extends z.ZodType | undefined = undefined, Q extends z.ZodType | undefined = undefined, P extends z.ZodType | undefined = undefined>(
  r: Omit<AdminRoute<Out<B, z.ZodUndefined>, Out<Q, z.ZodUndefined>, Out<P, z.ZodRecord<z.ZodString, z.ZodString>>>, 'body' | 'query' | 'params'> & { body?: B; query?: Q; params?: P },
): AdminRoute {
  return r as unknown as AdminRoute;
}

/** An answer other than success, thrown from a handler: `throw new AdminError(404, 'not_found', 'no agent "x"')`. */
export class AdminError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    /** Several named problems for a 400 (each field with its message); `field` is then ignored. */
    readonly issues?: Problem[],
  ) {
    super(message);
  }
}

export interface Problem {
  field: string;
  message: string;
}

const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function problems(where: 'body' | 'query' | 'params', err: z.ZodError): Problem[] {
  return err.issues.flatMap((i) => {
    const base = [where, ...i.path.map(String)];
    if (i.code === 'unrecognized_keys')
      return i.keys.map((k) => ({ field: [...base, k].join('.'), message: snake(k) !== k ? `is not a known field (fields are snake_case: "${snake(k)}")` : 'is not a known field' }));
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

/**
 * Where a request holds a NUL character: PostgreSQL text cannot store one (the write would fail
 * with a 500), and no field has a use for it.
 */
function nulFields(v: unknown, at: string, out: Problem[] = []): Problem[] {
  if (out.length >= 10) return out;
  if (typeof v === 'string') {
    if (v.includes('\u0000')) out.push({ field: at, message: 'contains a NUL character' });
  } else if (Array.isArray(v)) v.forEach((x, i) => nulFields(x, `${at}.${i}`, out));
  else if (v !== null && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) {
      if (k.includes('\u0000')) out.push({ field: `${at}.${k.replace(/\u0000/g, '\\0')}`, message: 'contains a NUL character' });
      nulFields(x, `${at}.${k}`, out);
    }
  return out;
}

/** Runs one admin route: validates, calls, maps domain errors to 4xx, and logs a change in the audit log. */
export function handle(r: AdminRoute, auth?: Auth) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    let body: unknown = undefined;
    let query: unknown = undefined;
    let params: unknown = req.params;
    const nul = [...nulFields(req.params, 'params'), ...nulFields(req.query, 'query'), ...nulFields(req.body, 'body')];
    if (nul.length > 0) return sendInvalid(reply, nul);
    const bad: Problem[] = [];
    if (r.params) {
      const parsed = r.params.safeParse(req.params ?? {});
      if (parsed.success) params = parsed.data;
      else bad.push(...problems('params', parsed.error));
    }
    if (r.query) {
      const parsed = r.query.safeParse(req.query ?? {});
      if (parsed.success) query = parsed.data;
      else bad.push(...problems('query', parsed.error));
    } else if (req.query && Object.keys(req.query as object).length > 0) {
      bad.push(...Object.keys(req.query as object).map((k) => ({ field: `query.${k}`, message: 'is not a known parameter (this route takes none)' })));
    }
    if (r.body) {
      const parsed = r.body.safeParse(req.body ?? {});
      if (parsed.success) body = parsed.data;
      else bad.push(...problems('body', parsed.error));
    } else if (req.body !== undefined && req.body !== null && !(typeof req.body === 'object' && Object.keys(req.body).length === 0)) {
      bad.push({ field: 'body', message: 'this route takes no body' });
    }
    if (bad.length > 0) return sendInvalid(reply, bad);
    let told: { target?: string | null; before?: unknown; after?: unknown } | undefined;
    try {
      const actor = authOf(req).actor ?? { kind: 'anonymous' as const, name: 'anonymous' as const, role: undefined };
      const out = await r.handler({
        body,
        query,
        params,
        author: (req as FastifyRequest & { adminAuthor?: string }).adminAuthor ?? 'unknown',
        actor,
        audit: (a) => void (told = { ...told, ...a }),
        http: { req, reply },
      });
      const status = r.okStatus ?? 200;
      // The sign-in route writes its own entries (failures included); every other change is logged here.
      if (auth && r.method !== 'GET' && r.auth !== 'none')
        await auth.record(req, {
          action: r.operationId,
          outcome: 'ok',
          status,
          target: told?.target !== undefined ? told.target : targetOf(params),
          before: redact(told?.before ?? null),
          after: redact(told?.after !== undefined ? told.after : (body ?? null)),
        });
      if (reply.sent) return reply;
      return status === 204 ? reply.code(204).send() : reply.code(status).send(out);
    } catch (err) {
      if (err instanceof AdminError) {
        if (err.status === 400) return sendInvalid(reply, err.issues?.length ? err.issues : [{ field: err.field ?? 'body', message: err.message }]);
        return reply.code(err.status).send({ error: err.code, message: err.message });
      }
      if (err instanceof IncidentError) {
        if (err.code === 'not_found') return reply.code(404).send({ error: 'not_found', message: err.message });
        // The engine names its inputs in camelCase (scheduledUntil); the API's fields are their snake_case.
        const [head = '', ...rest] = (err.field ?? '').split('.');
        const field = err.field ? ['body', snake(head), ...rest].join('.') : 'body';
        const message = err.message.replace(/\b[a-z]+(?:[A-Z][a-z]+)+\b/g, snake);
        return reply.code(err.code === 'conflict' ? 409 : 400).send({ error: err.code === 'conflict' ? 'conflict' : 'invalid_request', message: `${field}: ${message}`, issues: [{ field, message }] });
      }
      throw err;
    }
  };
}

/** Drops undefined values (exactOptionalPropertyTypes: the engine's inputs have no `x: undefined`). */
export const strip = <T extends Record<string, unknown>>(o: T) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> };
