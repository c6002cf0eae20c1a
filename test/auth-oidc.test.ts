// OpenID Connect sign-in against a real provider (oidc-provider, started here on 127.0.0.1), driven
// as a browser would: redirects followed, the provider's own login and consent forms submitted,
// cookies kept. Covers: a new user with the default role, a role from a claim, a domain refused,
// linking an existing user by verified e-mail, and a callback without its flow cookie or with a bad state.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import type { Vigie } from '../src/app.js';
import { sqliteEngine, type TestEngine } from './helpers/engines.js';
import { addUser, send, startAuthVigie } from './helpers/auth.js';

const ACCOUNTS: Record<string, Record<string, unknown>> = {
  alice: { sub: 'alice', email: 'Alice@Example.org', email_verified: true, preferred_username: 'alice' },
  bob: { sub: 'bob', email: 'bob@example.org', email_verified: true, vigie_roles: ['staff', 'editor'] },
  carol: { sub: 'carol', email: 'carol@other.net', email_verified: true },
  dave: { sub: 'dave', email: 'dave@example.org', email_verified: true },
  eve: { sub: 'eve', email: 'dave@example.org', email_verified: false, preferred_username: 'dave@example.org' },
};

/** A cookie jar that ignores ports and paths (both servers are on 127.0.0.1; cookie names differ). */
class Jar {
  readonly cookies = new Map<string, string>();
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  take(setCookie: string | string[] | undefined): void {
    for (const c of [setCookie ?? []].flat()) {
      const [pair = '', ...attrs] = c.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const gone = value === '' || attrs.some((a) => /^\s*max-age=0\s*$/i.test(a) || (/^\s*expires=/i.test(a) && Date.parse(a.split('=')[1]!) < Date.now()));
      if (gone) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
}

/** Signs in as `account` from /admin/oidc/start; returns where Vigie finally sends the browser. */
async function signInWith(base: string, account: string, jar = new Jar()): Promise<{ landing: URL; jar: Jar; callback?: URL }> {
  let url = new URL(`${base}/admin/oidc/start`);
  let method: 'GET' | 'POST' = 'GET';
  let body: string | undefined;
  let callback: URL | undefined;
  for (let hop = 0; hop < 20; hop++) {
    if (url.pathname === '/admin/oidc/callback') callback = url;
    const r: Awaited<ReturnType<typeof request>> = await request(url, { method, headers: { cookie: jar.header(), ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) }, ...(body ? { body } : {}) });
    jar.take(r.headers['set-cookie'] as string | string[] | undefined);
    const text = await r.body.text();
    method = 'GET';
    body = undefined;
    if (r.statusCode >= 300 && r.statusCode < 400) {
      url = new URL(String(r.headers.location), url);
      if (url.origin === new URL(base).origin && url.pathname === '/admin/') return { landing: url, jar, ...(callback ? { callback } : {}) };
      continue;
    }
    assert.equal(r.statusCode, 200, `${url.href}: ${text.slice(0, 300)}`);
    // The provider's interaction page: its form says which prompt it is.
    const prompt = /name="prompt" value="(\w+)"/.exec(text)?.[1];
    const action = /<form[^>]*action="([^"]+)"/.exec(text)?.[1];
    assert.ok(prompt && action, `no form at ${url.href}: ${text.slice(0, 300)}`);
    url = new URL(action.replace(/&amp;/g, '&'), url);
    method = 'POST';
    body = new URLSearchParams(prompt === 'login' ? { prompt, login: account, password: 'any' } : { prompt }).toString();
  }
  throw new Error('too many hops');
}

describe('auth: OpenID Connect sign-in against a real provider', () => {
  let engine: TestEngine;
  let vigie: Vigie;
  let base: string;
  let provider: any;
  const server = createServer();
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_q, s) => void s.writeHead(503).end();
  server.on('request', (req, res) => handler(req, res));

  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    engine = await sqliteEngine();
    ({ vigie, base } = await startAuthVigie(engine, {
      extra: { auth: { oidc: { name: 'Example SSO', issuer, client_id: 'vigie', client_secret: 'a-client-secret-for-tests', roles_claim: 'vigie_roles', allowed_domains: ['example.org'] } } },
    }));
    const { default: Provider } = (await import('oidc-provider' as string)) as { default: any };
    provider = new Provider(issuer, {
      clients: [{ client_id: 'vigie', client_secret: 'a-client-secret-for-tests', redirect_uris: [`${base}/admin/oidc/callback`], grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_post' }],
      findAccount: async (_ctx: unknown, id: string) => (ACCOUNTS[id] ? { accountId: id, claims: async () => ACCOUNTS[id] } : undefined),
      claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['preferred_username', 'vigie_roles'] },
      conformIdTokenClaims: false,
      cookies: { keys: ['a-cookie-signing-key-for-tests'] },
      features: { devInteractions: { enabled: true } },
      pkce: { required: () => true },
    });
    provider.on('server_error', () => {});
    const callback = provider.callback();
    handler = (req, res) => callback(req, res);
  });

  after(async () => {
    await vigie?.stop();
    await engine?.cleanup();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('offers the provider by name', async () => {
    assert.deepEqual((await send(base, 'GET', '/auth/methods', undefined, {})).json, { password: true, oidc: { name: 'Example SSO', start_url: '/admin/oidc/start' } });
  });

  it('creates a new user with the default role and starts a session', async () => {
    const { landing, jar, callback } = await signInWith(base, 'alice');
    assert.equal(landing.search, '');
    assert.ok(callback?.searchParams.get('code') && callback.searchParams.get('state'), 'the code came back with the state');
    assert.ok(jar.cookies.has('vigie_session'));
    assert.ok(!jar.cookies.has('vigie_oidc'), 'the flow cookie is cleared');
    const r = await send(base, 'GET', '/session', undefined, { cookie: `vigie_session=${jar.cookies.get('vigie_session')}` });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.user.name, 'alice@example.org');
    assert.equal(r.json.user.role, 'viewer');
    const u = await vigie.auth.users.byName('alice@example.org');
    assert.equal(u?.passwordHash, null);
    assert.match(u?.oidcSubject ?? '', /\|alice$/);
    // A second sign-in finds the same user, with a new session.
    const again = await signInWith(base, 'alice');
    assert.notEqual(again.jar.cookies.get('vigie_session'), jar.cookies.get('vigie_session'));
    assert.equal((await vigie.auth.users.list()).filter((x) => x.name === 'alice@example.org').length, 1);
    const audit = await vigie.auth.audit.list({ actor: 'alice@example.org', limit: 50 });
    assert.ok(audit.some((e) => e.action === 'signInOidc' && e.outcome === 'ok'));
    assert.ok(audit.some((e) => e.action === 'createUser'));
  });

  it('takes the role from the configured claim', async () => {
    const { jar } = await signInWith(base, 'bob');
    const r = await send(base, 'GET', '/session', undefined, { cookie: `vigie_session=${jar.cookies.get('vigie_session')}` });
    assert.equal(r.json.user.role, 'editor');
  });

  it('refuses an address outside the allowed domains', async () => {
    const { landing, jar } = await signInWith(base, 'carol');
    assert.equal(landing.searchParams.get('oidc_error'), 'domain');
    assert.ok(!jar.cookies.has('vigie_session'));
    assert.equal(await vigie.auth.users.byName('carol@other.net'), undefined);
  });

  it('links an existing user by verified e-mail, never by an unverified one', async () => {
    await addUser(vigie, 'dave@example.org', 'owner');
    // An unverified address proves nothing: it is no address in an allowed domain, and no link.
    const eve = await signInWith(base, 'eve');
    assert.equal(eve.landing.searchParams.get('oidc_error'), 'domain');
    assert.ok(!eve.jar.cookies.has('vigie_session'));
    assert.equal((await vigie.auth.users.byName('dave@example.org'))?.oidcSubject, null);
    const { jar } = await signInWith(base, 'dave');
    const r = await send(base, 'GET', '/session', undefined, { cookie: `vigie_session=${jar.cookies.get('vigie_session')}` });
    assert.equal(r.json.user.name, 'dave@example.org');
    assert.equal(r.json.user.role, 'owner', 'no role claim: the role stays');
    assert.match((await vigie.auth.users.byName('dave@example.org'))?.oidcSubject ?? '', /\|dave$/);
  });

  it('refuses a callback without its flow cookie, with a forged one, or with another state', async () => {
    const { callback } = await signInWith(base, 'alice');
    assert.ok(callback);
    for (const cookie of ['', 'vigie_oidc=forged']) {
      const r: Awaited<ReturnType<typeof request>> = await request(callback, { headers: { cookie } });
      assert.equal(r.statusCode, 303);
      assert.equal(r.headers.location, '/admin/?oidc_error=expired');
      assert.ok(![r.headers['set-cookie'] ?? []].flat().some((c) => String(c).startsWith('vigie_session=') && !String(c).startsWith('vigie_session=;')));
      await r.body.dump();
    }
    // A state that does not match the flow's: the exchange is refused.
    const jar = new Jar();
    const start = await request(`${base}/admin/oidc/start`);
    jar.take(start.headers['set-cookie'] as string[]);
    await start.body.dump();
    const tampered = new URL(callback);
    tampered.searchParams.set('state', 'not-the-state');
    const r: Awaited<ReturnType<typeof request>> = await request(tampered, { headers: { cookie: jar.header() } });
    assert.equal(r.headers.location, '/admin/?oidc_error=exchange');
    await r.body.dump();
  });
});
