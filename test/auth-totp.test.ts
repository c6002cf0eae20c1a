// TOTP second factor through the app, on both engines and a manual clock: enrol, confirm, sign in
// with a code, a replayed code refused, disable; the secret never reaches the audit log.
import assert from 'node:assert/strict';
import { ManualClock } from '../src/core/time.js';
import { totpCode } from '../src/auth/totp.js';
import { forEachEngine } from './helpers/engines.js';
import { Browser, PASSWORD, addUser, bearer, ADMIN_TOKEN, startAuthVigie } from './helpers/auth.js';

forEachEngine('auth: TOTP enrol, sign-in with a code, replay refused, disable', async (engine) => {
  // Mid-step, so "the next step" is 30 s away whatever the start.
  const clock = new ManualClock(Date.UTC(2026, 5, 1, 12, 0, 10));
  const { vigie, base } = await startAuthVigie(engine, { clock });
  try {
    await addUser(vigie, 'ana', 'editor');
    const b = new Browser(base);
    await b.signIn('ana');
    assert.equal((await bearer(base, ADMIN_TOKEN)('POST', '/me/totp')).status, 403, 'a token has no second factor');
    assert.equal((await b.call('POST', '/me/totp/confirm', { code: '123456' })).status, 409, 'nothing to confirm yet');
    let r = await b.call('POST', '/me/totp');
    assert.equal(r.status, 200, r.text);
    const secret = r.json.secret as string;
    assert.match(secret, /^[A-Z2-7]{32}$/);
    const uri = new URL(r.json.uri);
    assert.equal(uri.protocol, 'otpauth:');
    assert.equal(uri.host, 'totp');
    assert.equal(uri.searchParams.get('secret'), secret);
    assert.equal(uri.searchParams.get('issuer'), 'Acme status');
    // Until confirmed, sign-in asks for no code.
    assert.equal((await new Browser(base).signIn('ana')).status, 200);
    r = await b.call('POST', '/me/totp/confirm', { code: '000000' === totpCode(secret, clock.now()) ? '111111' : '000000' });
    assert.equal(r.status, 400);
    assert.match(r.json.message, /body\.code/);
    r = await b.call('POST', '/me/totp/confirm', { code: totpCode(secret, clock.now()) });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.totp_enabled, true);
    assert.equal((await b.call('POST', '/me/totp')).status, 409, 'already active');

    // Sign-in now needs the code; the confirming code's step is used already.
    const s = new Browser(base);
    r = await s.signIn('ana');
    assert.equal(r.status, 401);
    assert.equal(r.json.error, 'totp_required');
    assert.equal(s.cookie, undefined, 'no cookie before the code');
    r = await s.signIn('ana', PASSWORD, totpCode(secret, clock.now()));
    assert.equal(r.status, 401, 'the code used to confirm cannot sign in');
    assert.equal(r.json.error, 'totp_invalid');
    clock.advance(30_000);
    const code = totpCode(secret, clock.now());
    r = await s.signIn('ana', PASSWORD, code);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.user.totp_enabled, true);
    r = await new Browser(base).signIn('ana', PASSWORD, code);
    assert.equal(r.status, 401, 'a replayed code is refused');
    assert.equal(r.json.error, 'totp_invalid');
    assert.equal((await new Browser(base).signIn('ana', 'wrong password!', totpCode(secret, clock.now() + 30_000))).json.error, 'unauthorized', 'the password comes first');
    // One step of drift is accepted (a phone a little ahead), but no code twice.
    clock.advance(30_000);
    assert.equal((await new Browser(base).signIn('ana', PASSWORD, totpCode(secret, clock.now() + 30_000))).status, 200);
    assert.equal((await new Browser(base).signIn('ana', PASSWORD, totpCode(secret, clock.now()))).status, 401, 'an earlier step after a later one');
    assert.equal((await new Browser(base).signIn('ana', PASSWORD, 'abcdef')).status, 401);

    // Disable: needs the password.
    r = await s.call('DELETE', '/me/totp', { password: 'not it at all' });
    assert.equal(r.status, 400);
    assert.equal((await s.call('DELETE', '/me/totp', { password: PASSWORD })).status, 204);
    assert.equal((await new Browser(base).signIn('ana')).status, 200, 'no code needed any more');

    const audit = JSON.stringify(await vigie.auth.audit.list({ limit: 1000 }));
    assert.ok(!audit.includes(secret), 'the secret is not in the audit log');
    assert.ok(audit.includes('confirmTotp') && audit.includes('disableTotp') && audit.includes('totp_required'));
  } finally {
    await vigie.stop();
  }
});
