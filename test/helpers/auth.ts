// Sign-in tests' helpers: a Vigie on 127.0.0.1 with users, and a client that behaves as a browser
// does with our cookie (keeps it, sends it back) and sends the CSRF token the session answered.
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { type Logger, pino } from 'pino';
import { request } from 'undici';
import { type Vigie, createVigie } from '../../src/app.js';
import { hashPassword } from '../../src/auth/password.js';
import type { Role } from '../../src/auth/roles.js';
import type { Clock } from '../../src/core/time.js';
import { ADMIN_TOKEN, type AdminAnswer, adminConfig } from './admin.js';
import type { TestEngine } from './engines.js';

export { ADMIN_TOKEN };
export const PASSWORD = 'correct horse battery staple';

export async function startAuthVigie(engine: TestEngine, o: { clock?: Clock; extra?: Record<string, unknown>; logger?: Logger } = {}): Promise<{ vigie: Vigie; base: string }> {
  const vigie = await createVigie({
    config: adminConfig(engine, o.extra ?? {}),
    adminToken: ADMIN_TOKEN,
    ...(o.clock ? { clock: o.clock } : {}),
    ...(o.logger ? { logger: o.logger } : {}),
    ...(engine.options.url ? { databaseUrl: engine.options.url } : {}),
  });
  try {
    return { vigie, base: await vigie.start() };
  } catch (err) {
    await vigie.stop().catch(() => {});
    throw err;
  }
}

export async function addUser(vigie: Vigie, name: string, role: Role, password: string | null = PASSWORD) {
  return vigie.auth.users.create({ id: randomBytes(8).toString('hex'), name, role, passwordHash: password === null ? null : await hashPassword(password), at: Date.now() });
}

export type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface SendOptions {
  /** Overrides the CSRF header: null leaves it out. */
  csrf?: string | null;
  headers?: Record<string, string>;
  cookie?: string | null;
}

export async function send(base: string, method: Method, path: string, body: unknown, headers: Record<string, string>): Promise<AdminAnswer> {
  const r = await request(`${base}/api/admin${path}`, {
    method,
    headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  // A live stream (SSE) answers its headers and never ends: its status is what a test can look at.
  if (String(r.headers['content-type'] ?? '').startsWith('text/event-stream')) {
    r.body.destroy();
    return { status: r.statusCode, headers: r.headers, json: undefined, text: '' };
  }
  const text = await r.body.text();
  let json: any;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: r.statusCode, headers: r.headers, json, text };
}

/** The session cookie's value in a Set-Cookie answer. */
export function sessionCookieOf(a: AdminAnswer): string | undefined {
  const set = [a.headers['set-cookie'] ?? []].flat();
  for (const c of set) {
    const m = /^vigie_session=([^;]*)/.exec(String(c));
    if (m) return m[1];
  }
  return undefined;
}

/** A browser's view of the console: one cookie jar, the last CSRF token. */
export class Browser {
  cookie: string | undefined;
  csrf: string | undefined;
  constructor(readonly base: string) {}

  async signIn(name: string, password = PASSWORD, totp?: string): Promise<AdminAnswer> {
    const a = await this.call('POST', '/session', { name, password, ...(totp !== undefined ? { totp } : {}) });
    const c = sessionCookieOf(a);
    if (c !== undefined) this.cookie = c;
    if (a.status === 200) this.csrf = a.json.csrf_token;
    return a;
  }

  call(method: Method, path: string, body?: unknown, o: SendOptions = {}): Promise<AdminAnswer> {
    const cookie = o.cookie === undefined ? this.cookie : o.cookie;
    const csrf = o.csrf === undefined ? this.csrf : o.csrf;
    return send(this.base, method, path, body, {
      ...(cookie ? { cookie: `vigie_session=${cookie}` } : {}),
      ...(csrf !== null && csrf !== undefined && method !== 'GET' ? { 'x-csrf-token': csrf } : {}),
      ...o.headers,
    });
  }
}

export const bearer = (base: string, token: string) => (method: Method, path: string, body?: unknown) => send(base, method, path, body, { authorization: `Bearer ${token}` });

/** A logger whose lines (parsed) land in `lines`. */
export function capturingLogger(): { logger: Logger; lines: any[] } {
  const lines: any[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l));
      cb();
    },
  });
  return { logger: pino({ level: 'warn' }, stream), lines };
}
