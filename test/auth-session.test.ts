// Sessions through the real app: the cookie's attributes, CSRF refusals (missing, wrong, another
// site), no session fixation, sign-out and revocation on password change, role change and removal,
// the idle timeout and the absolute lifetime (on a manual clock).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ManualClock } from '../src/core/time.js';
import { forEachEngine } from './helpers/engines.js';
import { ADMIN_TOKEN, Browser, PASSWORD, addUser, bearer, send, sessionCookieOf, startAuthVigie } from './helpers/auth.js';

const incident = { name: 'API errors', body: 'Investigating.', impact: 'minor', components: { 'acme/api': 'degraded_performance' } };

forEachEngine('auth: sessions, cookies, CSRF and fixation', async (engine) => {
  const clock = new ManualClock(Date.UTC(2026, 5, 1, 12));
  const { vigie, base } = await startAuthVigie(engine, { clock });
  try {
    await addUser(vigie, 'ana@example.org', 'editor');
    await addUser(vigie, 'bo', 'owner');

    // Methods, and the same answer for an unknown name and a wrong password.
    assert.deepEqual((await send(base, 'GET', '/auth/methods', undefined, {})).json, { password: true, oidc: null });
    const b = new Browser(base);
    const unknown = await b.signIn('nobody', PASSWORD);
    const wrong = await b.signIn('ana@example.org', 'not the password');
    assert.equal(unknown.status, 401);
    assert.deepEqual(unknown.json, wrong.json);
    assert.equal(sessionCookieOf(wrong), undefined);

    // Sign in (the name is case-insensitive); the cookie's attributes.
    let r = await b.signIn('Ana@Example.org');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(Object.keys(r.json).sort(), ['csrf_token', 'user']);
    assert.equal(r.json.user.name, 'ana@example.org');
    assert.equal(r.json.user.role, 'editor');
    assert.equal(r.json.user.totp_enabled, false);
    const set = String([r.headers['set-cookie']].flat()[0]);
    assert.match(set, /^vigie_session=[A-Za-z0-9_-]{43}; /);
    for (const attr of ['HttpOnly', 'SameSite=Strict', 'Path=/']) assert.ok(set.split('; ').includes(attr), `${attr} in ${set}`);
    assert.ok(!/Secure/i.test(set), 'plain http on 127.0.0.1: not Secure');
    const stored = await vigie.store.db.selectFrom('sessions').selectAll().execute();
    assert.ok(!JSON.stringify(stored).includes(b.cookie!), 'only a hash of the cookie is stored');
    r = await b.call('GET', '/session');
    assert.equal(r.status, 200);
    assert.equal(r.json.csrf_token, b.csrf);

    // CSRF: a change needs the header, the right value, and our own origin.
    r = await b.call('POST', '/incidents', incident, { csrf: null });
    assert.equal(r.status, 403);
    assert.equal(r.json.error, 'csrf');
    assert.match(r.json.message, /x-csrf-token/);
    r = await b.call('POST', '/incidents', incident, { csrf: randomBytes(32).toString('base64url') });
    assert.deepEqual([r.status, r.json.error], [403, 'csrf']);
    r = await b.call('POST', '/incidents', incident, { headers: { origin: 'https://evil.example' } });
    assert.deepEqual([r.status, r.json.error], [403, 'csrf']);
    r = await b.call('POST', '/incidents', incident, { headers: { 'sec-fetch-site': 'cross-site' } });
    assert.deepEqual([r.status, r.json.error], [403, 'csrf']);
    assert.equal((await bearer(base, ADMIN_TOKEN)('GET', '/incidents')).json.incidents.length, 0, 'nothing was created by a refused request');
    r = await b.call('POST', '/incidents', incident, { headers: { origin: base } });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.updates[0].author, 'ana@example.org');
    // A bearer token needs no CSRF token; a session's token does not work as another's.
    assert.equal((await bearer(base, ADMIN_TOKEN)('PATCH', `/incidents/${r.json.id}`, { cause: 'network' })).status, 200);
    const other = new Browser(base);
    await other.signIn('bo');
    assert.equal((await other.call('PATCH', `/incidents/${r.json.id}`, { cause: 'unknown' }, { csrf: b.csrf! })).status, 403);
    // Sign-in from another site is refused too (login CSRF).
    assert.equal((await send(base, 'POST', '/session', { name: 'bo', password: PASSWORD }, { 'content-type': 'application/json', origin: 'https://evil.example' })).status, 403);

    // Fixation: a cookie planted before sign-in is never promoted.
    const planted = randomBytes(32).toString('base64url');
    const victim = new Browser(base);
    victim.cookie = planted;
    assert.equal((await victim.call('GET', '/session')).status, 401);
    await victim.signIn('bo');
    assert.notEqual(victim.cookie, planted);
    assert.equal((await victim.call('GET', '/session', undefined, { cookie: planted })).status, 401);
    // Even a live session planted by an attacker (their own) ends when the victim signs in with it.
    const attacker = new Browser(base);
    await attacker.signIn('ana@example.org');
    const victim2 = new Browser(base);
    victim2.cookie = attacker.cookie;
    await victim2.signIn('bo');
    assert.notEqual(victim2.cookie, attacker.cookie);
    assert.equal((await attacker.call('GET', '/session')).status, 401);
    assert.equal((await victim2.call('GET', '/session')).json.user.name, 'bo');

    // Password change ends the user's other sessions, not the one that made it.
    const phone = new Browser(base);
    const laptop = new Browser(base);
    await phone.signIn('ana@example.org');
    await laptop.signIn('ana@example.org');
    r = await laptop.call('POST', '/me/password', { current_password: 'wrong one!', new_password: 'a brand new passphrase' });
    assert.equal(r.status, 400);
    assert.match(r.json.message, /body\.current_password/);
    assert.equal((await laptop.call('POST', '/me/password', { current_password: PASSWORD, new_password: 'short' })).status, 400);
    assert.equal((await laptop.call('POST', '/me/password', { current_password: PASSWORD, new_password: 'a brand new passphrase' })).status, 204);
    assert.equal((await phone.call('GET', '/session')).status, 401);
    assert.equal((await laptop.call('GET', '/session')).status, 200);
    assert.equal((await new Browser(base).signIn('ana@example.org')).status, 401);
    assert.equal((await new Browser(base).signIn('ana@example.org', 'a brand new passphrase')).status, 200);

    // An owner's role change and removal end the user's sessions.
    const owner = new Browser(base);
    await owner.signIn('bo');
    const ana = new Browser(base);
    await ana.signIn('ana@example.org', 'a brand new passphrase');
    r = await owner.call('PATCH', '/users/ana@example.org', { role: 'viewer' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.role, 'viewer');
    assert.equal((await ana.call('GET', '/session')).status, 401);
    await ana.signIn('ana@example.org', 'a brand new passphrase');
    assert.equal((await ana.call('POST', '/incidents', incident)).status, 403, 'a viewer now');
    // The last owner can be neither demoted nor removed.
    assert.equal((await owner.call('PATCH', '/users/bo', { role: 'editor' })).status, 409);
    assert.equal((await owner.call('DELETE', '/users/bo')).status, 409);
    assert.equal((await owner.call('DELETE', '/users/ana@example.org')).status, 204);
    assert.equal((await ana.call('GET', '/session')).status, 401);
    r = await owner.call('POST', '/users', { name: 'Cy@Example.org', role: 'editor', password: 'long enough password' });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.name, 'cy@example.org');
    assert.equal((await owner.call('POST', '/users', { name: 'cy@example.org', role: 'editor' })).status, 409);
    r = await owner.call('POST', '/users', { name: ' bad name', role: 'boss', password: 'x' });
    assert.equal(r.status, 400);
    assert.deepEqual(r.json.issues.map((i: { field: string }) => i.field).sort(), ['body.name', 'body.password', 'body.role']);

    // Sign-out ends it on the server: the old cookie no longer works.
    const out = new Browser(base);
    await out.signIn('bo');
    const cookie = out.cookie;
    assert.equal((await out.call('DELETE', '/session', undefined, { csrf: null })).status, 403, 'signing out needs the CSRF token too');
    r = await out.call('DELETE', '/session');
    assert.equal(r.status, 204);
    assert.match(String([r.headers['set-cookie']].flat()[0]), /^vigie_session=; .*Max-Age=0/);
    assert.equal((await out.call('GET', '/session', undefined, { cookie })).status, 401);

    // Idle timeout (12 h) and absolute lifetime (7 days).
    const idle = new Browser(base);
    await idle.signIn('bo');
    clock.advance(11 * 3_600_000);
    assert.equal((await idle.call('GET', '/session')).status, 200);
    clock.advance(12 * 3_600_000 + 1000);
    assert.equal((await idle.call('GET', '/session')).status, 401, 'idle for 12 h');
    const busy = new Browser(base);
    await busy.signIn('bo');
    for (let h = 0; h < 7 * 24; h += 6) {
      clock.advance(6 * 3_600_000);
      const s = (await busy.call('GET', '/session')).status;
      if (h + 6 < 7 * 24) assert.equal(s, 200, `still live after ${h + 6} h of use`);
      else assert.equal(s, 401, 'ended after 7 days however busy');
    }

    // Malformed cookies and bodies: 401/400, never a 5xx.
    for (const c of ['vigie_session=', 'vigie_session=%%%', `vigie_session=${'a'.repeat(5000)}`, 'x=1; vigie_session="abc"', ';;;=;'])
      assert.equal((await send(base, 'GET', '/session', undefined, { cookie: c })).status, 401, c);
    assert.equal((await send(base, 'POST', '/session', '{"name":', { 'content-type': 'application/json' })).status, 400);
    assert.equal((await send(base, 'POST', '/session', { name: 'bo' }, { 'content-type': 'application/json' })).status, 400);
  } finally {
    await vigie.stop();
  }
});
