// The admin REST API under /api/admin: incidents and maintenance, Bearer API tokens, and the OpenAPI
// document generated from the same zod schemas that validate the requests (zod 4's own
// z.toJSONSchema: no second description of the API to drift from the first).
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { IncidentEngine } from '../../incidents/engine.js';
import { type Authenticator, requireToken } from '../auth.js';
import { type AdminRoute, handle, sendInvalid } from './admin-common.js';
import { incidentRoutes } from './admin-incidents.js';
import { maintenanceRoutes } from './admin-maintenance.js';

export interface AdminApiOptions {
  engine: IncidentEngine;
  auth: Authenticator;
  now: () => number;
}

export const ADMIN_PREFIX = '/api/admin';

export function adminRoutes(engine: IncidentEngine): AdminRoute[] {
  return [...incidentRoutes(engine), ...maintenanceRoutes(engine)];
}

const jsonSchema = (s: z.ZodType, io: 'input' | 'output') => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(s, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
};

export function openApiDocument(routes: AdminRoute[]) {
  const paths: Record<string, Record<string, unknown>> = {};
  const errorRef = { $ref: '#/components/schemas/Error' };
  for (const r of routes) {
    const path = ADMIN_PREFIX + r.url.replace(/:(\w+)/g, '{$1}');
    const params = [...r.url.matchAll(/:(\w+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    const query = r.query ? jsonSchema(r.query, 'input') : undefined;
    const queryParams = query
      ? Object.entries((query.properties ?? {}) as Record<string, unknown>).map(([name, schema]) => ({ name, in: 'query', required: false, schema }))
      : [];
    paths[path] ??= {};
    paths[path]![r.method.toLowerCase()] = {
      summary: r.summary,
      tags: [r.tag],
      security: [{ bearer: [] }],
      ...(params.length + queryParams.length > 0 ? { parameters: [...params, ...queryParams] } : {}),
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(r.body, 'input') } } } } : {}),
      responses: {
        [String(r.okStatus ?? 200)]: { description: 'OK', content: { 'application/json': { schema: { type: 'object' } } } },
        ...(r.body || r.query ? { 400: { description: 'Invalid request: the message and issues name each bad field', content: { 'application/json': { schema: errorRef } } } } : {}),
        401: { description: 'Missing or invalid API token', content: { 'application/json': { schema: errorRef } } },
        ...(params.length > 0 ? { 404: { description: 'Unknown id', content: { 'application/json': { schema: errorRef } } } } : {}),
        ...(r.method !== 'GET' ? { 409: { description: 'Not allowed in the current status', content: { 'application/json': { schema: errorRef } } } } : {}),
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Vigie admin API', version: '1', description: 'Incidents and scheduled maintenance. Authenticate with `Authorization: Bearer <token>` (create one with `vigie token create --name NAME`).' },
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        Error: {
          type: 'object',
          required: ['error', 'message'],
          properties: {
            error: { type: 'string' },
            message: { type: 'string' },
            issues: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } } },
          },
        },
      },
    },
  };
}

/** Register with `{ prefix: ADMIN_PREFIX }`. */
export const adminApi: FastifyPluginAsync<AdminApiOptions> = async (app: FastifyInstance, opts) => {
  const routes = adminRoutes(opts.engine);
  const doc = JSON.stringify(openApiDocument(routes));
  app.get('/openapi.json', async (_req, reply) => reply.type('application/json; charset=utf-8').send(doc));
  app.register(async (secured) => {
    secured.addHook('onRequest', requireToken(opts.auth, opts.now));
    secured.setErrorHandler((err: Error & { statusCode?: number; code?: string }, _req, reply) => {
      if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500)
        return sendInvalid(reply, [{ field: 'body', message: err.message }], err.statusCode);
      secured.log.error({ err }, 'admin API request failed');
      return reply.code(500).send({ error: 'internal', message: 'internal error' });
    });
    for (const r of routes) secured.route({ method: r.method, url: r.url, handler: handle(r) });
  });
};
