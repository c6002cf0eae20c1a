// The admin REST API under /api/admin. Every route is an AdminRoute (admin-common.ts) handed to
// AdminRoutes.add before the server starts; that one registration gives it Bearer auth, zod
// validation with answers naming the bad field, and its operation in /api/admin/openapi.json.
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest, RouteOptions, onRequestHookHandler, onResponseHookHandler } from 'fastify';
import { targetOf } from '../../auth/audit.js';
import type { IncidentEngine } from '../../incidents/engine.js';
import { VIGIE_VERSION } from '../../core/version.js';
import type { Auth } from '../../auth/service.js';
import { defaultRole } from '../../auth/roles.js';
import { type AdminRoute, handle, sendInvalid } from './admin-common.js';
import { incidentRoutes } from './admin-incidents.js';
import { maintenanceRoutes } from './admin-maintenance.js';
import { openApiDocument } from './admin-openapi.js';

export const ADMIN_PREFIX = '/api/admin';

/** Marks the routes this plugin registers, to tell them from routes put under /api/admin by other means. */
const OURS = 'vigieAdminRoute';

/** The admin routes of one Vigie: every part adds its own before the server starts. */
export class AdminRoutes {
  private list: AdminRoute[] = [];
  private sealed = false;
  private readonly foreign: RouteOptions[] = [];
  /** The sign-in and role check, set when the admin API loads; routes registered by other means get it too. */
  private guard: ((req: FastifyRequest, reply: FastifyReply) => Promise<unknown>) | undefined;
  private auth: Auth | undefined;

  add(...routes: AdminRoute[]): this {
    if (this.sealed) throw new Error('admin routes must be added before the server starts (Fastify cannot add routes later)');
    for (const r of routes) {
      if (!/^[a-z][A-Za-z0-9]*$/.test(r.operationId)) throw new Error(`admin route ${r.method} ${r.url}: operationId "${r.operationId}" must be camelCase`);
      const clash = this.list.find((x) => x.operationId === r.operationId || (x.method === r.method && x.url === r.url));
      if (clash) throw new Error(`admin route ${r.method} ${r.url} (${r.operationId}) clashes with ${clash.method} ${clash.url} (${clash.operationId})`);
      this.list.push(r);
    }
    return this;
  }

  get routes(): readonly AdminRoute[] {
    return this.list;
  }

  /** Routes under /api/admin that Fastify registered by other means (they appear in the document too). */
  get others(): readonly RouteOptions[] {
    return this.foreign;
  }

  /**
   * Call on the root Fastify instance before anything is registered, so every admin route is seen:
   * one registered by other means is documented from its Fastify schema, and still needs a token.
   */
  watch(app: FastifyInstance): void {
    app.addHook('onRoute', (r) => {
      if (!r.url.startsWith(`${ADMIN_PREFIX}/`) || (r.config as Record<string, unknown> | undefined)?.[OURS]) return;
      this.foreign.push(r);
      const check: onRequestHookHandler = async (req, reply) => {
        if (!this.guard) return reply.code(503).send({ error: 'unavailable', message: 'the admin API is not loaded' });
        return this.guard(req, reply);
      };
      r.onRequest = [check, ...(r.onRequest === undefined ? [] : [r.onRequest].flat())];
      // A change through such a route goes to the audit log too (with no body: it was not validated here).
      const methods = [r.method].flat();
      if (methods.some((m) => defaultRole(m) !== 'viewer')) {
        const audit: onResponseHookHandler = async (req, reply) => {
          if (!this.auth || defaultRole(req.method) === 'viewer' || reply.statusCode >= 400) return;
          const s = (r.schema ?? {}) as { operationId?: unknown };
          await this.auth.record(req, { action: typeof s.operationId === 'string' ? s.operationId : `${req.method} ${r.url}`, outcome: 'ok', status: reply.statusCode, target: targetOf(req.params) });
        };
        r.onResponse = [audit, ...(r.onResponse === undefined ? [] : [r.onResponse].flat())];
      }
    });
  }

  /** The hook every admin route runs first; `auth` also gets the audit entries of routes registered by other means. */
  protect(guard: (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>, auth?: Auth): void {
    this.guard = guard;
    this.auth = auth;
  }

  seal(): void {
    this.sealed = true;
  }
}

/** The incident and maintenance routes (the engine's). */
export function adminRoutes(engine: IncidentEngine): AdminRoute[] {
  return [...incidentRoutes(engine), ...maintenanceRoutes(engine)];
}

export interface AdminApiOptions {
  routes: AdminRoutes;
  auth: Auth;
  /** The public origin for the document's `servers` (site.base_url, else the listening address). */
  serverUrl?: () => string | undefined;
}

/** Register with `{ prefix: ADMIN_PREFIX }`. */
export const adminApi: FastifyPluginAsync<AdminApiOptions> = async (app: FastifyInstance, opts) => {
  opts.routes.seal();
  const guard = opts.auth.guard;
  opts.routes.protect(guard, opts.auth);
  // Built on first request: by then every plugin has registered its routes and the address is known.
  let doc: string | undefined;
  app.get('/openapi.json', { config: { [OURS]: true } }, async (_req, reply) => {
    doc ??= JSON.stringify(openApiDocument(opts.routes.routes, opts.routes.others, { prefix: ADMIN_PREFIX, version: VIGIE_VERSION, serverUrl: opts.serverUrl?.() }));
    return reply.type('application/json; charset=utf-8').send(doc);
  });
  app.register(async (secured) => {
    secured.addHook('onRequest', guard);
    secured.setErrorHandler((err: Error & { statusCode?: number; code?: string }, _req, reply) => {
      if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500)
        return sendInvalid(reply, [{ field: 'body', message: err.message }], err.statusCode);
      if (err.name === 'HashingBusyError') return reply.code(503).header('retry-after', '2').send({ error: 'busy', message: 'too many password operations at once: try again in a moment' });
      secured.log.error({ err }, 'admin API request failed');
      // A row the store cannot read is the operator's to repair: name it.
      if (err.name === 'CorruptRowError') return reply.code(500).send({ error: 'corrupt_row', message: err.message });
      return reply.code(500).send({ error: 'internal', message: 'internal error' });
    });
    for (const r of opts.routes.routes)
      secured.route({
        method: r.method,
        url: r.url,
        config: { [OURS]: true, vigieOperation: r.operationId, vigieRole: r.role ?? defaultRole(r.method), ...(r.auth ? { vigieAuth: r.auth } : {}) },
        handler: handle(r, opts.auth),
      });
  });
};
