// The admin OpenAPI document: every route Fastify serves under /api/admin is in it (read from
// Fastify's own route table, not from the list the document is built from), each operation has a
// unique operationId, and the document holds together as OpenAPI 3.1 (servers, license, bearer
// security, path parameters that match their templates, $refs that resolve).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import Fastify from 'fastify';
import { request } from 'undici';
import { z } from 'zod';
import type { Vigie } from '../src/app.js';
import { AdminRoutes, ADMIN_PREFIX } from '../src/web/routes/admin-api.js';
import { route } from '../src/web/routes/admin-common.js';
import { requireToken } from '../src/web/auth.js';
import { openApiDocument } from '../src/web/routes/admin-openapi.js';
import { startAdminVigie } from './helpers/admin.js';
import { sqliteEngine, type TestEngine } from './helpers/engines.js';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** [METHOD, /path/{param}] for every route in Fastify's printRoutes tree under the prefix. */
export function servedRoutes(tree: string, prefix: string): string[] {
  const stack: string[] = [];
  const out: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^([│ ]*)[├└]── (\S+)(?: \(([^)]*)\))?$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    stack.length = depth;
    stack.push(m[2]!);
    const path = stack.join('');
    if (!m[3] || !path.startsWith(`${prefix}/`)) continue;
    for (const method of m[3].split(', ')) if (method !== 'HEAD') out.push(`${method} ${path.replace(/:(\w+)/g, '{$1}')}`);
  }
  return out.sort();
}

/** Structural checks of an OpenAPI 3.1 document; returns the problems found. */
export function openApiProblems(doc: any): string[] {
  const p: string[] = [];
  if (typeof doc.openapi !== 'string' || !/^3\.[01]\.\d+$/.test(doc.openapi)) p.push(`openapi: ${doc.openapi}`);
  if (typeof doc.info?.title !== 'string' || typeof doc.info?.version !== 'string') p.push('info.title and info.version must be strings');
  if (typeof doc.info?.license?.name !== 'string') p.push('info.license.name missing');
  if (!Array.isArray(doc.servers) || doc.servers.length === 0 || doc.servers.some((s: any) => typeof s.url !== 'string' || s.url === '')) p.push('servers missing');
  const schemes = doc.components?.securitySchemes ?? {};
  const ids = new Set<string>();
  const checkSecurity = (where: string, sec: any) => {
    for (const req of sec ?? []) for (const name of Object.keys(req)) if (!schemes[name]) p.push(`${where}: security scheme "${name}" is not defined`);
  };
  checkSecurity('root', doc.security);
  for (const [path, item] of Object.entries<any>(doc.paths ?? {})) {
    if (!path.startsWith('/')) p.push(`path "${path}" must start with /`);
    const templated = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
    for (const [method, op] of Object.entries<any>(item)) {
      const where = `${method.toUpperCase()} ${path}`;
      if (!METHODS.includes(method)) {
        p.push(`${where}: not an HTTP method`);
        continue;
      }
      if (typeof op.operationId !== 'string' || op.operationId === '') p.push(`${where}: no operationId`);
      else if (ids.has(op.operationId)) p.push(`${where}: operationId ${op.operationId} used twice`);
      else ids.add(op.operationId);
      const responses = Object.entries<any>(op.responses ?? {});
      if (responses.length === 0) p.push(`${where}: no responses`);
      for (const [code, r] of responses) {
        if (!/^([1-5](\d\d|XX)|default)$/.test(code)) p.push(`${where}: response code ${code}`);
        if (typeof r.description !== 'string') p.push(`${where} ${code}: no description`);
      }
      const params: any[] = op.parameters ?? [];
      for (const prm of params) {
        if (typeof prm.name !== 'string' || !['path', 'query', 'header', 'cookie'].includes(prm.in)) p.push(`${where}: bad parameter ${JSON.stringify(prm)}`);
        if (prm.in === 'path' && prm.required !== true) p.push(`${where}: path parameter ${prm.name} must be required`);
        if (typeof prm.schema !== 'object') p.push(`${where}: parameter ${prm.name} has no schema`);
      }
      const inPath = params.filter((x) => x.in === 'path').map((x) => x.name).sort();
      if (JSON.stringify(inPath) !== JSON.stringify([...templated].sort())) p.push(`${where}: path parameters ${inPath} do not match the template ${templated}`);
      if (op.requestBody && typeof op.requestBody.content !== 'object') p.push(`${where}: requestBody without content`);
      checkSecurity(where, op.security);
    }
  }
  const walk = (v: unknown, at: string) => {
    if (Array.isArray(v)) return v.forEach((x, i) => walk(x, `${at}[${i}]`));
    if (v === null || typeof v !== 'object') return;
    const o = v as { type?: unknown; required?: unknown; properties?: Record<string, unknown> };
    if (o.type === 'object' && Array.isArray(o.required) && o.properties)
      for (const name of o.required) if (!(name in o.properties)) p.push(`${at}: required "${String(name)}" is not among its properties`);
    for (const [k, x] of Object.entries(v)) {
      if (k === '$ref') {
        const target = String(x)
          .replace(/^#\//, '')
          .split('/')
          .reduce<any>((o, seg) => o?.[seg], doc);
        if (target === undefined) p.push(`${at}: $ref ${String(x)} does not resolve`);
      } else walk(x, `${at}.${k}`);
    }
  };
  walk(doc, '#');
  return p;
}

describe('admin OpenAPI document from a running Vigie', () => {
  let engine: TestEngine;
  let vigie: Vigie;
  let base: string;
  let doc: any;
  before(async () => {
    engine = await sqliteEngine();
    ({ vigie, base } = await startAdminVigie(engine, { site: { title: 'Acme status', port: 0, base_url: 'https://status.acme.example' } }));
    const r = await request(`${base}/api/admin/openapi.json`);
    assert.equal(r.statusCode, 200);
    doc = await r.body.json();
  });
  after(async () => {
    await vigie?.stop();
    await engine?.cleanup();
  });

  it('lists every route Fastify serves under /api/admin, and nothing else', () => {
    const served = servedRoutes(vigie.web.app.printRoutes({ commonPrefix: false }), ADMIN_PREFIX).filter((r) => r !== `GET ${ADMIN_PREFIX}/openapi.json`);
    const documented = Object.entries<any>(doc.paths)
      .flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    assert.deepEqual(documented, served);
    for (const needed of ['GET /api/admin/incidents', 'PATCH /api/admin/maintenances/{id}', 'GET /api/admin/subscriptions', 'DELETE /api/admin/subscriptions/{id}', 'GET /api/admin/notify', 'GET /api/admin/notify/deliveries', 'POST /api/admin/notify/deliveries/{id}/retry', 'GET /api/admin/tokens', 'POST /api/admin/tokens', 'DELETE /api/admin/tokens/{name}'])
      assert.ok(served.includes(needed), `${needed} is served`);
  });

  it('is structurally valid OpenAPI 3.1 with servers, license, bearer security and an operationId per operation', () => {
    assert.deepEqual(openApiProblems(doc), []);
    assert.equal(doc.servers[0].url, 'https://status.acme.example');
    assert.equal(doc.info.license.identifier, 'MIT');
    assert.match(doc.info.version, /^\d+\.\d+\.\d+/);
    assert.deepEqual(doc.components.securitySchemes.bearer, { type: 'http', scheme: 'bearer', description: doc.components.securitySchemes.bearer.description });
    const ops = Object.values<any>(doc.paths).flatMap((item) => Object.values<any>(item));
    assert.ok(ops.length >= 17);
    for (const op of ops) assert.match(op.operationId, /^[a-z][A-Za-z0-9]*$/);
  });

  it('describes requests and answers in snake_case, from the routes’ schemas', () => {
    const create = doc.paths['/api/admin/maintenances'].post;
    const body = create.requestBody.content['application/json'].schema;
    assert.deepEqual(body.required.sort(), ['components', 'name', 'scheduled_for', 'scheduled_until']);
    assert.equal(body.additionalProperties, false);
    assert.equal(body.properties.scheduled_for.anyOf.find((s: any) => s.type === 'integer').maximum, Date.UTC(2100, 0, 1));
    assert.deepEqual(create.responses['201'].content['application/json'].schema, { $ref: '#/components/schemas/Incident' });
    const incident = doc.components.schemas.Incident;
    assert.ok(incident.required.includes('scheduled_for'));
    const keys = (o: any): string[] => (o && typeof o === 'object' ? Object.entries<any>(o).flatMap(([k, v]) => (k === 'properties' ? [...Object.keys(v), ...Object.values(v).flatMap(keys)] : keys(v))) : []);
    for (const k of keys(doc.paths).concat(keys(doc.components.schemas))) assert.match(k, /^[a-z0-9_]+$/, `field ${k} is snake_case`);
    assert.equal(incident.properties.id.type, 'string');
    const retry = doc.paths['/api/admin/notify/deliveries/{id}/retry'].post;
    assert.deepEqual(retry.parameters, [{ name: 'id', in: 'path', required: true, schema: { type: 'integer', exclusiveMinimum: 0, maximum: Number.MAX_SAFE_INTEGER } }]);
    const deliveries = doc.paths['/api/admin/notify/deliveries'].get;
    assert.deepEqual(deliveries.parameters.map((x: any) => x.name).sort(), ['limit', 'status', 'target']);
    assert.equal(doc.paths['/api/admin/tokens/{name}'].delete.responses['204'].description, 'Done');
  });

  // The console shows a control when the user's role suffices for the operation behind it
  // (console/src/lib/roles.ts reads x-vigie-role from this document): each operation it names must be here.
  it('has a role for every operation the console names', () => {
    const src = readFileSync(new URL('../../console/src/lib/roles.ts', import.meta.url), 'utf8');
    const list = /export const OPERATIONS = \[([^\]]*)\]/.exec(src);
    assert.ok(list, 'OPERATIONS in console/src/lib/roles.ts');
    const ops = [...list[1]!.matchAll(/'(\w+)'/g)].map((m) => m[1]!);
    assert.ok(ops.length >= 20, `read ${ops.length} operations`);
    const roles = new Map<string, unknown>();
    for (const item of Object.values<any>(doc.paths)) for (const op of Object.values<any>(item)) roles.set(op.operationId, op['x-vigie-role']);
    for (const op of ops) assert.ok(['viewer', 'editor', 'owner'].includes(roles.get(op) as string), `${op}: ${String(roles.get(op))}`);
    // The console's owner screens stay so (a role moved on the server moves the console with it).
    for (const op of ['listUsers', 'listTokens', 'listAudit', 'createToken', 'updateUser']) assert.equal(roles.get(op), 'owner', op);
    assert.equal(roles.get('createIncident'), 'editor');
  });
});

describe('AdminRoutes: registering a route is enough to appear', () => {
  it('documents a route added by another part, refuses a late or clashing one, and shows routes registered by other means', async () => {
    const routes = new AdminRoutes();
    const extra = route({
      method: 'POST',
      url: '/agents/:id/rotate',
      operationId: 'rotateAgentToken',
      summary: 'Rotate an agent’s token',
      tag: 'agents',
      params: z.strictObject({ id: z.string() }),
      body: z.strictObject({ expires_at: z.string().optional() }),
      handler: async () => ({}),
    });
    routes.add(extra);
    assert.throws(() => routes.add({ ...extra, url: '/other' }), /clashes/);
    assert.throws(() => routes.add({ ...extra, operationId: 'Bad-Id' }), /camelCase/);
    const app = Fastify();
    routes.watch(app);
    app.register(
      async (a) => {
        a.get('/gateway/keys', { schema: { operationId: 'listGatewayKeys', summary: 'List keys', tags: ['gateway'], querystring: { type: 'object', properties: { limit: { type: 'integer' } } } } }, async () => ({}));
      },
      { prefix: ADMIN_PREFIX },
    );
    await app.ready();
    routes.seal();
    // Registered by other means, it still needs a token.
    routes.protect(requireToken({ check: async (h) => (h === 'Bearer good' ? 'ops' : undefined) }, Date.now));
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    assert.equal((await request(`${base}/api/admin/gateway/keys`)).statusCode, 401);
    assert.equal((await request(`${base}/api/admin/gateway/keys`, { headers: { authorization: 'Bearer bad' } })).statusCode, 401);
    assert.equal((await request(`${base}/api/admin/gateway/keys`, { headers: { authorization: 'Bearer good' } })).statusCode, 200);
    assert.throws(() => routes.add({ ...extra, operationId: 'late', url: '/late' }), /before the server starts/);
    const doc = openApiDocument(routes.routes, routes.others, { prefix: ADMIN_PREFIX, version: '1.2.3' });
    assert.deepEqual(openApiProblems(doc), []);
    const rotate = (doc.paths as any)['/api/admin/agents/{id}/rotate'].post;
    assert.equal(rotate.operationId, 'rotateAgentToken');
    assert.equal(rotate.requestBody.content['application/json'].schema.properties.expires_at.type, 'string');
    const keys = (doc.paths as any)['/api/admin/gateway/keys'].get;
    assert.equal(keys.operationId, 'listGatewayKeys');
    assert.deepEqual(keys.parameters.map((x: any) => x.name), ['limit']);
    assert.deepEqual(doc.servers, [{ url: '/', description: 'this Vigie' }]);
    await app.close();
  });
});
