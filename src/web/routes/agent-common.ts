// Shared by the agent API and the agents' admin routes: zod validation that names the bad field,
// Fastify route schemas generated from the same zod schemas (for the OpenAPI document), and an
// error handler that keeps every client mistake a 4xx.
import type { FastifyInstance, FastifyReply, FastifySchema } from 'fastify';
import { z } from 'zod';

export interface Problem {
  field: string;
  message: string;
}

export function problems(where: 'body' | 'query' | 'params', err: z.ZodError): Problem[] {
  return err.issues.flatMap((i) => {
    const base = [where, ...i.path.map(String)];
    if (i.code === 'unrecognized_keys') return i.keys.map((k) => ({ field: [...base, k].join('.'), message: 'is not a known field' }));
    return [{ field: base.join('.'), message: i.message }];
  });
}

export function invalid(reply: FastifyReply, list: Problem[], code = 400) {
  return reply.code(code).send({ error: 'invalid_request', message: list.map((p) => `${p.field}: ${p.message}`).join('; '), issues: list });
}

/** Parses with zod; on failure answers 400 naming each field and returns undefined. */
export function parse<T extends z.ZodType>(schema: T, value: unknown, where: 'body' | 'query' | 'params', reply: FastifyReply): z.output<T> | undefined {
  const r = schema.safeParse(value ?? {});
  if (r.success) return r.data;
  void invalid(reply, problems(where, r.error));
  return undefined;
}

export const jsonSchema = (s: z.ZodType, io: 'input' | 'output' = 'input') => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(s, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
};

/**
 * Route schemas document the routes (operationId, body, query); zod validates them in the handler,
 * so errors name fields the same way everywhere. Client errors Fastify raises itself (bad JSON,
 * body too large, wrong content type) stay 4xx with the reason.
 */
export function zodValidated(app: FastifyInstance, label: string): void {
  app.setValidatorCompiler(() => () => true);
  app.setErrorHandler((err: Error & { statusCode?: number }, _req, reply) => {
    if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) return invalid(reply, [{ field: 'body', message: err.message }], err.statusCode);
    app.log.error({ err }, `${label} request failed`);
    return reply.code(500).send({ error: 'internal', message: 'internal error' });
  });
}

/** A route schema with its OpenAPI fields (operationId, summary, tags), which Fastify's own type does not list. */
export const routeSchema = (s: { operationId: string; summary: string; tags: string[] } & Record<string, unknown>): FastifySchema => s as FastifySchema;
