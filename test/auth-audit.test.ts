// The audit log through the app, on both engines: an incident change with before and after, the
// actor (session or token), refusals, sign-ins, filters and cursor pages, owners only, no secret
// stored, and the retention bound.
import assert from 'node:assert/strict';
import { createApiToken } from '../src/web/auth.js';
import { AuditStore } from '../src/store/audit.js';
import { forEachEngine } from './helpers/engines.js';
import { ADMIN_TOKEN, Browser, PASSWORD, addUser, bearer, startAuthVigie } from './helpers/auth.js';

forEachEngine('auth: the audit log records changes with before and after', async (engine) => {
  const { vigie, base } = await startAuthVigie(engine);
  try {
    await addUser(vigie, 'ed', 'editor');
    await addUser(vigie, 'olga', 'owner');
    await addUser(vigie, 'vic', 'viewer');
    const ed = new Browser(base);
    const olga = new Browser(base);
    const vic = new Browser(base);
    await ed.signIn('ed');
    await olga.signIn('olga');
    await vic.signIn('vic');
    await new Browser(base).signIn('ed', 'wrong password here');

    let r = await ed.call('POST', '/incidents', { name: 'API errors', body: 'Looking.', impact: 'minor', components: { 'acme/api': 'degraded_performance' } });
    assert.equal(r.status, 201);
    const id = r.json.id as string;
    r = await ed.call('PATCH', `/incidents/${id}`, { impact: 'major', components: { 'acme/api': 'major_outage' } });
    assert.equal(r.status, 200, r.text);
    assert.equal((await vic.call('POST', `/incidents/${id}/resolve`, {})).status, 403);
    assert.equal((await ed.call('POST', `/incidents/${id}/resolve`, {}, { csrf: null })).status, 403);
    const token = await createApiToken(vigie.store, 'robot', Date.now(), 'editor');
    assert.equal((await bearer(base, token)('POST', `/incidents/${id}/resolve`, { body: 'Fixed.' })).status, 200);
    r = await olga.call('POST', '/tokens', { name: 'ci', role: 'viewer' });
    assert.equal(r.status, 201);
    const ciToken = r.json.token as string;
    assert.equal((await olga.call('POST', '/users', { name: 'new@x.io', role: 'viewer', password: 'a secret passphrase' })).status, 201);

    // Owners only.
    assert.equal((await ed.call('GET', '/audit')).status, 403);
    const all = (await olga.call('GET', '/audit?limit=500')).json.entries as any[];

    const patch = all.find((e) => e.action === 'patchIncident');
    assert.ok(patch, JSON.stringify(all.map((e) => e.action)));
    assert.deepEqual(patch.actor, { kind: 'user', name: 'ed' });
    assert.equal(patch.target, id);
    assert.equal(patch.method, 'PATCH');
    assert.equal(patch.path, `/api/admin/incidents/${id}`);
    assert.equal(patch.outcome, 'ok');
    assert.equal(patch.before.impact, 'minor');
    assert.equal(patch.after.impact, 'major');
    assert.equal(patch.before.components.find((c: any) => c.id === 'acme/api').status, 'degraded_performance');
    assert.equal(patch.after.components.find((c: any) => c.id === 'acme/api').status, 'major_outage');
    assert.equal(patch.address, '127.0.0.1');
    assert.match(patch.at, /^\d{4}-\d\d-\d\dT/);
    const created = all.find((e) => e.action === 'createIncident');
    assert.equal(created.target, id);
    assert.equal(created.before, null);
    assert.equal(created.after.name, 'API errors');
    const resolved = all.filter((e) => e.action === 'resolveIncident');
    assert.deepEqual(resolved.map((e) => [e.actor.name, e.outcome]).sort(), [['ed', 'csrf'], ['robot', 'ok'], ['vic', 'forbidden']]);
    assert.equal(resolved.find((e) => e.outcome === 'ok').after.status, 'resolved');
    assert.deepEqual(resolved.find((e) => e.outcome === 'ok').actor, { kind: 'token', name: 'robot' });
    const signIns = all.filter((e) => e.action === 'signIn');
    assert.ok(signIns.some((e) => e.outcome === 'failed' && e.actor.name === 'ed'));
    assert.equal(signIns.filter((e) => e.outcome === 'ok').length, 3);
    // No secret: the password and the new token are nowhere in the log.
    const text = JSON.stringify(all);
    for (const secret of [PASSWORD, 'a secret passphrase', ciToken, 'wrong password here']) assert.ok(!text.includes(secret), `"${secret}" leaked into the audit log`);
    assert.deepEqual(all.find((e) => e.action === 'createToken').after, { name: 'ci', role: 'viewer' });
    assert.equal(all.find((e) => e.action === 'createUser').after.name, 'new@x.io');

    // Filters and pages.
    r = await olga.call('GET', `/audit?target=${id}&action=resolveIncident`);
    assert.equal(r.json.entries.length, 3);
    r = await olga.call('GET', '/audit?actor=ed');
    assert.ok(r.json.entries.length >= 4 && r.json.entries.every((e: any) => e.actor.name === 'ed'));
    assert.equal((await olga.call('GET', `/audit?since=${encodeURIComponent(new Date(Date.now() + 3_600_000).toISOString())}`)).json.entries.length, 0);
    assert.equal((await olga.call('GET', '/audit?until=2001-01-01T00:00:00Z')).json.entries.length, 0);
    assert.equal((await olga.call('GET', '/audit?cursor=abc')).status, 400);
    assert.equal((await olga.call('GET', '/audit?colour=red')).status, 400);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      r = await olga.call('GET', `/audit?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(r.status, 200);
      assert.ok(r.json.entries.length <= 3);
      seen.push(...r.json.entries.map((e: any) => e.id));
      cursor = r.json.next_cursor;
    } while (cursor);
    const now = (await olga.call('GET', '/audit?limit=500')).json.entries.map((e: any) => e.id);
    assert.deepEqual(seen, now.slice(now.length - seen.length), 'pages are newest first, with nothing skipped or repeated');
    assert.equal(new Set(seen).size, seen.length);
    assert.equal((await bearer(base, ADMIN_TOKEN)('GET', '/audit')).status, 200, 'the bootstrap token is an owner');
  } finally {
    await vigie.stop();
  }
});

forEachEngine('auth: the audit log keeps a bounded time', async (engine) => {
  const store = await engine.open();
  const audit = new AuditStore(store.db, 365 * 86_400_000);
  const entry = { actorKind: 'user', actorName: 'a', action: 'x', method: 'POST', path: '/p', target: null, before: null, after: { n: 1 }, outcome: 'ok', status: 200, address: '::1' };
  const t0 = Date.UTC(2025, 0, 1);
  await audit.add({ ...entry, at: t0 });
  await audit.add({ ...entry, at: t0 + 200 * 86_400_000 });
  assert.equal((await audit.list({ limit: 10 })).length, 2);
  await audit.add({ ...entry, at: t0 + 366 * 86_400_000 });
  const left = await audit.list({ limit: 10 });
  assert.deepEqual(left.map((e) => e.at).sort(), [t0 + 200 * 86_400_000, t0 + 366 * 86_400_000]);
  assert.deepEqual(left[0]!.after, { n: 1 });
});
