// Password guessing is slowed, per name and per address, and logged (a warning and an audit entry),
// and the real owner gets back in once the wait is over (on a manual clock: no real waiting).
import assert from 'node:assert/strict';
import { ManualClock } from '../src/core/time.js';
import { Throttle } from '../src/auth/throttle.js';
import { sqliteEngine } from './helpers/engines.js';
import { test } from 'node:test';
import fc from 'fast-check';
import { Browser, PASSWORD, addUser, capturingLogger, startAuthVigie } from './helpers/auth.js';

test('auth: failed sign-ins back off exponentially, answer 429 with Retry-After, and are logged', async () => {
  const engine = await sqliteEngine();
  const clock = new ManualClock(Date.UTC(2026, 5, 1, 12));
  const { logger, lines } = capturingLogger();
  const { vigie, base } = await startAuthVigie(engine, { clock, logger });
  try {
    await addUser(vigie, 'owner', 'owner');
    await addUser(vigie, 'other', 'editor');
    const b = new Browser(base);
    for (let i = 0; i < 3; i++) assert.equal((await b.signIn('owner', `guess ${i}`)).status, 401, 'three free failures');
    assert.equal((await b.signIn('owner', 'guess 3')).status, 401);
    // From now on attempts wait; even the right password is not looked at until then.
    let r = await b.signIn('owner', PASSWORD);
    assert.equal(r.status, 429);
    assert.equal(r.json.error, 'throttled');
    assert.equal(r.headers['retry-after'], '1');
    clock.advance(1000);
    assert.equal((await b.signIn('owner', 'guess 4')).status, 401);
    r = await b.signIn('owner', PASSWORD);
    assert.equal(r.headers['retry-after'], '2', 'twice as long after each failure');
    // Exponential, capped at 15 minutes: a determined guesser does not lock the owner out for good.
    let waited = 2000;
    for (let i = 0; i < 14; i++) {
      clock.advance(waited);
      assert.equal((await b.signIn('owner', `more guesses ${i}`)).status, 401);
      waited = Number((await b.signIn('owner', PASSWORD)).headers['retry-after']) * 1000;
    }
    assert.equal(waited, 15 * 60_000);
    clock.advance(waited);
    r = await b.signIn('owner', PASSWORD);
    assert.equal(r.status, 200, 'the owner gets in after the longest wait');
    assert.equal((await b.signIn('owner', 'one slip')).status, 401, 'success starts the count afresh');
    assert.equal((await b.signIn('owner', PASSWORD)).status, 200);

    // Per address too: guessing many names from one address slows that address.
    for (let i = 0; i < 4; i++) await b.signIn(`name-${i}`, 'x');
    r = await b.signIn('other', PASSWORD);
    assert.equal(r.status, 429, 'the address is slowed, whatever the name');

    // Logged: warnings with the name and address, and audit entries.
    const warned = lines.filter((l) => l.level === 40 && /sign-in/.test(l.msg));
    assert.ok(warned.some((l) => l.user === 'owner' && l.address === '127.0.0.1' && /failed/.test(l.msg)));
    assert.ok(warned.some((l) => /too many failures/.test(l.msg)));
    assert.ok(!JSON.stringify(lines).includes(PASSWORD) && !JSON.stringify(lines).includes('guess 3'), 'no password in the log');
    const entries = await vigie.auth.audit.list({ action: 'signIn', limit: 1000 });
    const outcomes = new Set(entries.map((e) => e.outcome));
    for (const o of ['ok', 'failed', 'throttled']) assert.ok(outcomes.has(o), o);
    assert.ok(entries.every((e) => e.address === '127.0.0.1' && e.actorKind === 'user'));
    assert.ok(!JSON.stringify(entries).includes(PASSWORD));
  } finally {
    await vigie.stop();
    await engine.cleanup();
  }
});

test('auth: the throttle never waits more than its ceiling, and forgets after a quiet hour', () => {
  fc.assert(
    fc.property(fc.array(fc.record({ key: fc.constantFrom('a', 'b', 'c'), gap: fc.integer({ min: 0, max: 2 * 3_600_000 }), ok: fc.boolean() }), { maxLength: 200 }), (steps) => {
      const t = new Throttle({ maxMs: 15 * 60_000 });
      let at = 0;
      for (const s of steps) {
        at += s.gap;
        if (s.ok) t.succeed([s.key]);
        else t.fail([s.key], at);
        const w = t.wait([s.key], at);
        assert.ok(w >= 0 && w <= 15 * 60_000);
        assert.equal(t.wait([s.key], at + 3_600_001), 0);
      }
    }),
  );
});
