// The pieces of sign-in on their own: scrypt hashes (parameters stored, malformed rows refused),
// the Cookie header and the CSRF check against hostile input (fast-check), roles from claims, the
// auth.oidc config section with ${ENV}, session pruning, and Secure cookies for an https site.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseCookies, serializeCookie } from '../src/auth/cookies.js';
import { HashingBusyError, hashPassword, needsRehash, passwordProblem, verifyPassword } from '../src/auth/password.js';
import { roleFromClaim } from '../src/auth/oidc.js';
import { Sessions, sameSecret } from '../src/auth/sessions.js';
import { ManualClock } from '../src/core/time.js';
import { parseConfigText } from '../src/config/load.js';
import { forEachEngine, sqliteEngine } from './helpers/engines.js';
import { Browser, PASSWORD, addUser, send, startAuthVigie } from './helpers/auth.js';
import { randomBytes } from 'node:crypto';

test('passwords: scrypt with its parameters stored, verified in constant time, malformed hashes refused', async () => {
  const h = await hashPassword('a long enough password');
  assert.match(h, /^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
  assert.notEqual(h, await hashPassword('a long enough password'), 'salted');
  assert.equal(await verifyPassword('a long enough password', h), true);
  assert.equal(await verifyPassword('a long enough passworD', h), false);
  // Weaker parameters stay verifiable, and are flagged for a rehash at the next sign-in.
  const weak = await hashPassword('a long enough password', { N: 2 ** 10, r: 8, p: 1 });
  assert.equal(await verifyPassword('a long enough password', weak), true);
  assert.equal(needsRehash(weak), true);
  assert.equal(needsRehash(h), false);
  for (const bad of ['', 'plain', 'scrypt$3$8$1$AAAA$AAAA', `scrypt$${2 ** 30}$8$1$AAAAAAAAAAAAAAAAAAAAAA$${'A'.repeat(43)}`, h.replace(/\$[^$]+$/, '$short'), 'scrypt$32768$99$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'])
    assert.equal(await verifyPassword('x', bad), false, bad);
  assert.match(passwordProblem('short') ?? '', /at least 10/);
  assert.equal(passwordProblem('ten chars!'), undefined);
  assert.match(passwordProblem('x'.repeat(2000)) ?? '', /at most/);
});

test('passwords: a burst of checks runs a few at a time and refuses past a bounded queue', async () => {
  const h = await hashPassword('a long enough password', { N: 2 ** 10, r: 8, p: 1 });
  const results = await Promise.allSettled(Array.from({ length: 100 }, (_, i) => verifyPassword(i % 2 ? 'a long enough password' : 'wrong', h)));
  const busy = results.filter((r) => r.status === 'rejected');
  assert.ok(busy.length > 0 && busy.every((r) => r.status === 'rejected' && r.reason instanceof HashingBusyError), 'the overflow is refused as busy');
  const done = results.filter((r): r is PromiseFulfilledResult<boolean> => r.status === 'fulfilled');
  assert.ok(done.length >= 64, `${done.length} checked`);
  assert.equal(await verifyPassword('a long enough password', h), true, 'and it recovers');
});

test('cookies: any Cookie header parses without throwing, and only well-formed session values are taken', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.array(fc.string())), (header) => {
      const m = parseCookies(header);
      for (const [k] of m) assert.match(k, /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/);
      const v = Sessions.cookieValue(header);
      assert.ok(v === undefined || /^[A-Za-z0-9_-]{43}$/.test(v));
    }),
    { numRuns: 2000 },
  );
  // A real value survives any noise around it.
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.stringMatching(/^[a-z_]{1,10}$/), fc.stringMatching(/^[^;]{0,20}$/))), fc.uint8Array({ minLength: 32, maxLength: 32 }), (noise, bytes) => {
      const value = Buffer.from(bytes).toString('base64url');
      const pairs = noise.filter(([k]) => k !== 'vigie_session').map(([k, v]) => `${k}=${v}`);
      pairs.splice(noise.length % (pairs.length + 1), 0, `vigie_session=${value}`);
      assert.equal(Sessions.cookieValue(pairs.join('; ')), value);
    }),
  );
  assert.equal(parseCookies('a=1; a=2').get('a'), '1', 'the first (most specific) wins');
  assert.equal(parseCookies('x'.repeat(20_000)).size, 0);
  assert.throws(() => serializeCookie('n', 'a;b', { secure: false }));
  assert.equal(serializeCookie('n', 'v', { secure: true, maxAgeSeconds: 60 }), 'n=v; Path=/; HttpOnly; SameSite=Strict; Max-Age=60; Secure');
});

test('csrf: the token comparison accepts only the exact token', () => {
  fc.assert(
    fc.property(fc.string(), fc.string(), (a, b) => {
      assert.equal(sameSecret(a, b), a === b);
    }),
  );
  const t = randomBytes(32).toString('base64url');
  assert.equal(sameSecret(t, t), true);
  assert.equal(sameSecret(t, t.slice(0, -1)), false);
});

test('roles from an OpenID Connect claim: the highest known role named, case-insensitive', () => {
  assert.equal(roleFromClaim(['staff', 'Editor', 'viewer']), 'editor');
  assert.equal(roleFromClaim('owner'), 'owner');
  assert.equal(roleFromClaim(['admin', 42, null]), undefined);
  assert.equal(roleFromClaim(undefined), undefined);
});

test('config: auth.oidc validated, with ${ENV} for the secret', () => {
  const yaml = (extra: string) => `site:\n  title: x\nauth:\n  oidc:\n    issuer: https://sso.example.org\n    client_id: vigie\n    client_secret: \${OIDC_SECRET}\n${extra}`;
  const ok = parseConfigText(yaml('    allowed_domains: ["@Example.org"]\n'), 'vigie.yaml', { OIDC_SECRET: 's3cret' });
  assert.ok(ok.ok, JSON.stringify(!ok.ok && ok.errors));
  assert.equal(ok.config.auth.oidc?.client_secret, 's3cret');
  assert.equal(ok.config.auth.oidc?.default_role, 'viewer');
  assert.deepEqual(ok.config.auth.oidc?.allowed_domains, ['example.org']);
  const bad = parseConfigText(yaml('    default_role: admin\n    allowed_domains: ["not a domain"]\n    colour: red\n'), 'vigie.yaml', { OIDC_SECRET: 's' });
  assert.ok(!bad.ok);
  const text = JSON.stringify(bad.errors);
  for (const where of ['default_role', 'allowed_domains', 'colour']) assert.ok(text.includes(where), `${where} named in ${text}`);
  assert.ok(parseConfigText('site:\n  title: x\n', 'vigie.yaml', {}).ok, 'no auth section is fine');
});

forEachEngine('sessions: ended ones are pruned from the store', async (engine) => {
  const store = await engine.open();
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  await store.db.insertInto('users').values({ id: 'u1', name: 'u', role: 'viewer', password_hash: null, totp_secret: null, totp_enabled: 0, totp_last_step: null, oidc_subject: null, created_at: 0, updated_at: 0 }).execute();
  const s = new Sessions(store, () => clock.now());
  const a = await s.start('u1', '::1');
  clock.advance(6 * 3_600_000);
  const b = await s.start('u1', '::1');
  clock.advance(7 * 3_600_000);
  assert.equal(await s.prune(), 1, 'the first one idled out');
  assert.equal(await s.resolve(a.cookie), undefined);
  assert.ok(await s.resolve(b.cookie));
  assert.equal(await s.revokeUser('u1'), 1);
});

test('an https site sets Secure cookies and accepts its public origin', async () => {
  const engine = await sqliteEngine();
  const { vigie, base } = await startAuthVigie(engine, { extra: { site: { title: 'Acme', port: 0, base_url: 'https://status.example.org' } } });
  try {
    await addUser(vigie, 'ana', 'editor');
    const b = new Browser(base);
    const r = await b.signIn('ana');
    assert.match(String([r.headers['set-cookie']].flat()[0]), /; Secure$/);
    const post = (origin: string) => b.call('POST', '/incidents', { name: 'x', body: 'y' }, { headers: { origin } });
    assert.equal((await post('https://status.example.org')).status, 201);
    assert.equal((await post('http://status.example.org')).status, 403, 'another scheme is another origin');
    assert.equal((await post('null')).status, 403);
    assert.equal((await send(base, 'POST', '/session', { name: 'ana', password: PASSWORD }, { 'content-type': 'application/json', origin: 'https://status.example.org.evil.io' })).status, 403);
  } finally {
    await vigie.stop();
    await engine.cleanup();
  }
});

test('a route put under /api/admin by other means gets the method’s role and its changes are audited', async () => {
  const { default: Fastify } = await import('fastify');
  const { AdminRoutes, ADMIN_PREFIX } = await import('../src/web/routes/admin-api.js');
  const { Auth } = await import('../src/auth/service.js');
  const { authenticator, createApiToken } = await import('../src/web/auth.js');
  const { pino } = await import('pino');
  const engine = await sqliteEngine();
  const store = await engine.open();
  const app = Fastify();
  try {
    const routes = new AdminRoutes();
    routes.watch(app);
    let calls = 0;
    app.register(
      async (a) => {
        a.post('/widgets/:id/spin', { schema: { operationId: 'spinWidget' } as object }, async () => ({ spun: ++calls }));
      },
      { prefix: ADMIN_PREFIX },
    );
    await app.ready();
    routes.seal();
    const auth = new Auth({ store, now: () => Date.now(), log: pino({ level: 'silent' }), tokens: authenticator(store), baseUrl: () => undefined, trustProxy: () => false });
    routes.protect(auth.guard, auth);
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    const viewer = await createApiToken(store, 'v', Date.now(), 'viewer');
    const editor = await createApiToken(store, 'e', Date.now(), 'editor');
    const post = (token: string) => send(base, 'POST', '/widgets/w1/spin', undefined, { authorization: `Bearer ${token}` });
    let r = await post(viewer);
    assert.equal(r.status, 403);
    assert.match(r.json.message, /spinWidget needs the editor role; you are a viewer/);
    assert.equal(calls, 0);
    r = await post(editor);
    assert.equal(r.status, 200);
    assert.equal(calls, 1);
    const entries = await auth.audit.list({ action: 'spinWidget', limit: 10 });
    assert.deepEqual(entries.map((e) => [e.actorName, e.outcome, e.target]).sort(), [['e', 'ok', 'w1'], ['v', 'forbidden', 'w1']]);
  } finally {
    await app.close();
    await engine.cleanup();
  }
});
