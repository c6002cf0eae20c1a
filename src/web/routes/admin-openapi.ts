// The admin API's OpenAPI 3.1 document, generated from the routes' own zod schemas (zod 4's
// z.toJSONSchema), so the document cannot describe an API other than the one that validates requests.
// Routes registered under /api/admin by other means than AdminRoutes appear too, from their Fastify
// `schema` (JSON Schema, `operationId`, `summary`, `tags`).
import type { RouteOptions } from 'fastify';
import { z } from 'zod';
import type { AdminRoute } from './admin-common.js';
import { defaultRole } from '../../auth/roles.js';

type Json = Record<string, unknown>;

export interface OpenApiOptions {
  prefix: string;
  version: string;
  /** The server's origin (site.base_url, else the address it listens on). */
  serverUrl?: string | undefined;
}

/** Moves zod's local $defs into components.schemas and points the $refs there; drops date-time regexes. */
function adopt(schema: unknown, components: Json): unknown {
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v === null || typeof v !== 'object') return v;
    const out: Json = {};
    for (const [k, x] of Object.entries(v as Json)) {
      if (k === '$schema' || k === '$defs') continue;
      if (k === '$ref' && typeof x === 'string') out[k] = x.replace(/^#\/\$defs\//, '#/components/schemas/');
      else if (k === 'pattern' && (v as Json).format === 'date-time') continue;
      else out[k] = walk(x);
    }
    return out;
  };
  const defs = (schema as Json).$defs as Json | undefined;
  for (const [name, def] of Object.entries(defs ?? {})) components[name] ??= walk(def);
  return walk(schema);
}

function fromZod(s: z.ZodType, io: 'input' | 'output', components: Json): Json {
  return adopt(z.toJSONSchema(s, { io, unrepresentable: 'any' }), components) as Json;
}

const ERROR = { $ref: '#/components/schemas/Error' };
const errorAnswer = (description: string) => ({ description, content: { 'application/json': { schema: ERROR } } });

interface Operation {
  method: string;
  /** Fastify URL, e.g. /api/admin/incidents/:id */
  url: string;
  operationId: string;
  summary: string;
  description?: string | undefined;
  tags: string[];
  params?: Json | undefined;
  query?: Json | undefined;
  body?: Json | undefined;
  okStatus: number;
  response?: Json | undefined;
  /** The least role allowed (x-vigie-role); undefined for a route open without signing in. */
  role: string | undefined;
}

function parameters(url: string, params: Json | undefined, query: Json | undefined) {
  const props = (s: Json | undefined) => Object.entries((s?.properties ?? {}) as Record<string, Json>);
  const given = new Map(props(params));
  const path = [...url.matchAll(/:(\w+)/g)].map((m) => {
    const schema = given.get(m[1]!) ?? { type: 'string' };
    const { description, ...rest } = schema;
    return { name: m[1], in: 'path', required: true, ...(description ? { description } : {}), schema: rest };
  });
  const required = new Set((query?.required as string[] | undefined) ?? []);
  const q = props(query).map(([name, schema]) => {
    const { description, ...rest } = schema;
    return { name, in: 'query', required: required.has(name), ...(description ? { description } : {}), schema: rest };
  });
  return [...path, ...q];
}

function operation(op: Operation) {
  const params = parameters(op.url, op.params, op.query);
  const ok = String(op.okStatus);
  const hasInput = op.body !== undefined || op.query !== undefined || op.params !== undefined;
  return {
    operationId: op.operationId,
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    tags: op.tags,
    security: op.role === undefined ? [] : [{ bearer: [] }, { session: [] }],
    'x-vigie-role': op.role ?? null,
    ...(params.length > 0 ? { parameters: params } : {}),
    ...(op.body ? { requestBody: { required: true, content: { 'application/json': { schema: op.body } } } } : {}),
    responses: {
      [ok]: ok === '204' ? { description: 'Done' } : { description: 'OK', content: { 'application/json': { schema: op.response ?? { type: 'object' } } } },
      ...(hasInput ? { 400: errorAnswer('Invalid request: `message` and `issues` name each bad field (unknown fields included)') } : {}),
      ...(op.role !== undefined ? { 401: errorAnswer('Not signed in, or a missing or invalid API token'), 403: errorAnswer(`Needs the ${op.role} role (error "forbidden"), or a session request without its x-csrf-token header or from another site (error "csrf")`) } : {}),
      ...(op.url.includes(':') ? { 404: errorAnswer('Unknown id') } : {}),
      ...(op.method !== 'GET' ? { 409: errorAnswer('Not allowed in the current state') } : {}),
    },
  };
}

const camel = (method: string, url: string) =>
  method.toLowerCase() +
  url
    .replace(/^\/api\/admin/, '')
    .split(/[/\-_]+/)
    .filter(Boolean)
    .map((w) => (w.startsWith(':') ? `By${w[1]!.toUpperCase()}${w.slice(2)}` : w[0]!.toUpperCase() + w.slice(1)))
    .join('');

/** A Fastify route registered outside AdminRoutes, described from its own JSON Schema. */
function foreignOperation(r: RouteOptions, method: string): Operation {
  const s = (r.schema ?? {}) as Json;
  const responses = (s.response ?? {}) as Record<string, Json>;
  const okKey = Object.keys(responses).find((k) => /^2\d\d$/.test(k));
  return {
    method,
    url: r.url,
    operationId: typeof s.operationId === 'string' ? s.operationId : camel(method, r.url),
    summary: typeof s.summary === 'string' ? s.summary : `${method} ${r.url}`,
    description: typeof s.description === 'string' ? s.description : undefined,
    tags: Array.isArray(s.tags) ? (s.tags as string[]) : [r.url.replace(/^\/api\/admin\//, '').split('/')[0] ?? 'admin'],
    params: s.params as Json | undefined,
    query: s.querystring as Json | undefined,
    body: s.body as Json | undefined,
    okStatus: okKey ? Number(okKey) : 200,
    response: okKey ? responses[okKey] : undefined,
    role: defaultRole(method),
  };
}

export function openApiDocument(routes: readonly AdminRoute[], foreign: readonly RouteOptions[], o: OpenApiOptions) {
  const components: Json = {
    Error: {
      type: 'object',
      required: ['error', 'message'],
      properties: {
        error: { type: 'string' },
        message: { type: 'string' },
        issues: { type: 'array', items: { type: 'object', required: ['field', 'message'], properties: { field: { type: 'string' }, message: { type: 'string' } } } },
      },
    },
  };
  const ops: Operation[] = routes.map((r) => ({
    method: r.method,
    url: o.prefix + r.url,
    operationId: r.operationId,
    summary: r.summary,
    description: r.description,
    tags: [r.tag],
    params: r.params ? fromZod(r.params, 'input', components) : undefined,
    query: r.query ? fromZod(r.query, 'input', components) : undefined,
    body: r.body ? fromZod(r.body, 'input', components) : undefined,
    okStatus: r.okStatus ?? 200,
    response: r.response ? fromZod(r.response, 'output', components) : undefined,
    role: r.auth === 'none' ? undefined : (r.role ?? defaultRole(r.method)),
  }));
  for (const f of foreign) for (const m of [f.method].flat()) if (m !== 'HEAD') ops.push(foreignOperation(f, m));

  const paths: Record<string, Json> = {};
  for (const op of ops) {
    const path = op.url.replace(/:(\w+)/g, '{$1}');
    paths[path] ??= {};
    paths[path]![op.method.toLowerCase()] = operation(op);
  }
  const tags = [...new Set(ops.flatMap((x) => x.tags))].sort();
  return {
    openapi: '3.1.0',
    info: {
      title: 'Vigie admin API',
      version: o.version,
      description:
        'Incidents, scheduled maintenance, subscriptions, notifications and API tokens. Fields are snake_case; ' +
        'an unknown field is refused (400, naming it). Times are ISO 8601 (or epoch milliseconds in requests), years 2000 to 2100. ' +
        'Authenticate with `Authorization: Bearer <token>` (`vigie token create --name NAME --role ROLE`, or POST /api/admin/tokens), ' +
        'or with the session cookie from POST /api/admin/session (then every change also sends `x-csrf-token`). ' +
        'Each operation names the least role it needs in `x-vigie-role` (viewer < editor < owner).',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: o.serverUrl || '/', description: 'this Vigie' }],
    security: [{ bearer: [] }],
    tags: tags.map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'an API token (vigie_…) or VIGIE_ADMIN_TOKEN' },
        session: { type: 'apiKey', in: 'cookie', name: 'vigie_session', description: 'the cookie set by POST /api/admin/session; changes also need the x-csrf-token header' },
      },
      schemas: components,
    },
  };
}
