// A Vigie with the admin API on 127.0.0.1 for admin tests, on the given engine's database, and a
// caller that sends JSON with the bootstrap token.
import { request } from 'undici';
import { type Vigie, createVigie } from '../../src/app.js';
import { configSchema } from '../../src/config/schema.js';
import type { TestEngine } from './engines.js';

export const ADMIN_TOKEN = 'admin-tests-bootstrap-token';

export interface AdminAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: any;
  text: string;
}

export type Call = (method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, body?: unknown, token?: string | null) => Promise<AdminAnswer>;

/** Calls `base` + `/api/admin` + path; a string body is sent as it is. */
export function adminCaller(base: string, defaultToken: string = ADMIN_TOKEN): Call {
  return async (method, path, body, token = defaultToken) => {
    const r = await request(`${base}/api/admin${path}`, {
      method,
      headers: { ...(token !== null ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await r.body.text();
    let json: unknown = undefined;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: the test looks at text
    }
    return { status: r.statusCode, headers: r.headers, json, text };
  };
}

export function adminConfig(engine: TestEngine, extra: Record<string, unknown> = {}) {
  return configSchema.parse({
    site: { title: 'Acme status', port: 0 },
    store: engine.options.path ? { path: engine.options.path } : {},
    services: [{ id: 'acme', name: 'Acme', components: [{ id: 'api', name: 'API' }, { id: 'web', name: 'Web' }] }],
    ...extra,
  });
}

export async function startAdminVigie(engine: TestEngine, extra: Record<string, unknown> = {}): Promise<{ vigie: Vigie; base: string; call: Call }> {
  const vigie = await createVigie({ config: adminConfig(engine, extra), adminToken: ADMIN_TOKEN, ...(engine.options.url ? { databaseUrl: engine.options.url } : {}) });
  try {
    const base = await vigie.start();
    return { vigie, base, call: adminCaller(base) };
  } catch (err) {
    await vigie.stop().catch(() => {});
    throw err;
  }
}
