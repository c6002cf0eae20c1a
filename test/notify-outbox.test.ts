// The outbox end to end through the composition root, on both engines: a status change writes its
// outbox row in the same transaction; the worker turns it into deliveries by the operator rules
// (trigger, update, reminder, resolve, quiet during maintenance); failures retry, then dead-letter
// and show in the admin API; public subscriptions (double opt-in e-mail, webhook) get their news.
import assert from 'node:assert/strict';
import { request } from 'undici';
import { createVigie, type Vigie } from '../src/app.js';
import { configSchema } from '../src/config/schema.js';
import { verifyBody } from '../src/notify/signing.js';
import { isPrivateHost } from '../src/notify/addresses.js';
import { backoff, TokenBucket } from '../src/notify/worker.js';
import { forEachEngine, sqliteEngine, type TestEngine } from './helpers/engines.js';
import { mailPart, startRecorder, startSmtp } from './helpers/receivers.js';
import { waitFor } from './helpers/wait.js';
import { describe, it, test } from 'node:test';

const ADMIN = 'admin-token-for-tests-0123456789';

function config(engine: TestEngine, notify: Record<string, unknown>, more: Record<string, unknown> = {}) {
  return configSchema.parse({
    ...more,
    site: { title: 'Acme status', port: 0 },
    store: engine.options.path ? { path: engine.options.path } : {},
    services: [{ id: 'acme', name: 'Acme', components: [{ id: 'api', name: 'API' }, { id: 'web', name: 'Web' }] }],
    // A delivery timeout with room for a loaded machine: one that ran out on a slow answer is sent again,
    // and the tests below count what the receiver got.
    notify: { secret: 'notify-secret-0123456789', delivery: { poll: '20ms', backoff_min: '20ms', backoff_max: '80ms', timeout: '15s' }, ...notify },
  });
}

async function start(engine: TestEngine, notify: Record<string, unknown>, more: Record<string, unknown> = {}): Promise<{ vigie: Vigie; base: string }> {
  const vigie = await createVigie({ config: config(engine, notify, more), adminToken: ADMIN, ...(engine.options.url ? { databaseUrl: engine.options.url } : {}) });
  const base = await vigie.start();
  return { vigie, base };
}

const set = (v: Vigie, componentId: string, status: Parameters<Vigie['store']['recordComponentStatus']>[0]['status'], reason = 'test') =>
  v.store.recordComponentStatus({ componentId, status, at: v.clock.now(), reason });

describe('notify helpers', () => {
  it('backoff doubles from the minimum, stays within [half, all] of the ceiling, caps at the maximum', () => {
    assert.equal(backoff(1, 1000, 60_000, () => 1), 1000);
    assert.equal(backoff(1, 1000, 60_000, () => 0), 500);
    assert.equal(backoff(4, 1000, 60_000, () => 1), 8000);
    assert.equal(backoff(30, 1000, 60_000, () => 1), 60_000);
  });
  it('token bucket: a burst of `count`, then one per perMs/count', () => {
    const b = new TokenBucket({ count: 2, perMs: 1000 }, 0);
    assert.equal(b.take(0), true);
    assert.equal(b.take(0), true);
    assert.equal(b.take(0), false);
    assert.equal(b.nextAt(0), 500);
    assert.equal(b.take(500), true);
  });
  it('private hosts are refused for public webhook subscriptions', () => {
    for (const h of ['127.0.0.1', 'localhost', '10.1.2.3', '192.168.0.1', '172.20.0.1', '169.254.169.254', '[::1]', 'fd00::1', 'x.internal']) assert.equal(isPrivateHost(h), true, h);
    for (const h of ['example.com', '8.8.8.8', '172.32.0.1']) assert.equal(isPrivateHost(h), false, h);
  });
});

forEachEngine('status changes reach operator channels by rule: trigger, update, reminder, resolve; quiet in maintenance', async (engine) => {
  const rec = await startRecorder();
  const { vigie } = await start(engine, {
    channels: { hook: { type: 'webhook', url: `${rec.origin}/hook` } },
    rules: [{ name: 'ops', channels: ['hook'], components: ['acme/api'], reminder_every: '400ms' }],
  });
  try {
    // Same transaction: a failed status write leaves no outbox row; an unchanged status writes none.
    await assert.rejects(set(vigie, 'acme/nope', 'major_outage'));
    assert.equal((await vigie.store.db.selectFrom('notify_events').selectAll().execute()).length, 0);
    await set(vigie, 'acme/api', 'major_outage', 'seq1');
    await set(vigie, 'acme/api', 'major_outage', 'again');
    const events = await vigie.store.db.selectFrom('notify_events').selectAll().execute();
    assert.equal(events.length, 1);
    assert.equal(events[0]!.kind, 'component_status');

    const actions = () => rec.requests.map((r) => r.json.action as string);
    await waitFor('trigger', () => actions().includes('trigger'));
    await set(vigie, 'acme/api', 'partial_outage', 'seq2');
    await waitFor('update', () => actions().includes('update'));
    await waitFor('a reminder while the outage lasts', () => actions().includes('reminder'));
    await set(vigie, 'acme/web', 'major_outage', 'not in the rule');
    await set(vigie, 'acme/api', 'operational', 'seq3');
    await waitFor('resolve', () => actions().includes('resolve'));
    const seen = actions().filter((a, i, all) => i === 0 || a !== all[i - 1]);
    assert.deepEqual(seen.filter((a) => a !== 'reminder'), ['trigger', 'update', 'resolve'], `order kept: ${actions().join(',')}`);
    assert.ok(actions().indexOf('reminder') < actions().indexOf('resolve'));
    assert.ok(rec.requests.every((r) => r.json.event.componentId === 'acme/api'), 'acme/web is not in the rule');
    const keys = rec.requests.map((r) => r.headers['idempotency-key']);
    assert.equal(new Set(keys).size, keys.length);

    // Quiet during maintenance: going under maintenance and back says nothing.
    const before = rec.requests.length;
    await set(vigie, 'acme/api', 'under_maintenance');
    await set(vigie, 'acme/api', 'operational');
    // Expanded, and nothing left to send: whatever was sent has reached the receiver.
    await waitFor('expanded and sent', async () => {
      const st = await vigie.notify.status();
      return st.events_waiting === 0 && (st.deliveries.pending ?? 0) === 0;
    });
    assert.equal(rec.requests.length, before);
  } finally {
    await vigie.stop();
    await rec.close();
  }
});

forEachEngine('failed deliveries retry, then dead-letter after dead_after; the admin API shows and retries them', async (engine) => {
  const rec = await startRecorder();
  rec.respond = () => ({ status: 500, body: 'down' });
  const { vigie, base } = await start(engine, {
    channels: { hook: { type: 'webhook', url: `${rec.origin}/hook` } },
    rules: [{ name: 'ops', channels: ['hook'] }],
    // dead_after leaves room for several attempts even when the machine is slow to make the second.
    delivery: { poll: '20ms', backoff_min: '20ms', backoff_max: '40ms', dead_after: '3s' },
  });
  try {
    await set(vigie, 'acme/api', 'major_outage');
    const admin = (path: string, init: { method?: 'GET' | 'POST'; token?: string } = {}) =>
      request(`${base}${path}`, { method: init.method ?? 'GET', headers: init.token === '' ? {} : { authorization: `Bearer ${init.token ?? ADMIN}` } });
    const dead = await waitFor('a dead letter', async () => {
      const r = await admin('/api/admin/notify/deliveries?status=dead');
      const body = (await r.body.json()) as { deliveries: Array<{ id: number; attempts: number; last_status: number; last_error: string }> };
      return body.deliveries[0];
    });
    assert.ok(dead.attempts >= 2, 'retried before dying');
    assert.equal(dead.last_status, 500);
    assert.match(dead.last_error, /HTTP 500/);
    assert.equal((await admin('/api/admin/notify/deliveries?status=dead', { token: '' })).statusCode, 401);
    const status = (await (await admin('/api/admin/notify')).body.json()) as { deliveries: { dead: number } };
    assert.equal(status.deliveries.dead, 1);

    rec.respond = () => undefined;
    const retried = await admin(`/api/admin/notify/deliveries/${dead.id}/retry`, { method: 'POST' });
    assert.equal(retried.statusCode, 202);
    await retried.body.dump();
    await waitFor('delivered after retry', async () => (await vigie.notify.status()).deliveries.delivered === 1);

    // A refusal that retrying cannot change (404: wrong URL) dead-letters at the first attempt.
    rec.respond = () => ({ status: 404, body: 'no such hook' });
    await set(vigie, 'acme/api', 'operational');
    const refused = await waitFor('a refused delivery', async () => {
      const body = (await (await admin('/api/admin/notify/deliveries?status=dead')).body.json()) as { deliveries: Array<{ id: number; attempts: number; last_status: number }> };
      return body.deliveries.find((x) => x.id !== dead.id);
    });
    assert.deepEqual([refused.attempts, refused.last_status], [1, 404], 'not retried');
  } finally {
    await vigie.stop();
    await rec.close();
  }
});

forEachEngine('public subscriptions: e-mail double opt-in and one-click unsubscribe, signed webhook, admin list and remove', async (engine) => {
  const rec = await startRecorder();
  const smtp = await startSmtp();
  const { vigie, base } = await start(engine, {
    channels: { mail: { type: 'email', smtp: { host: '127.0.0.1', port: smtp.port }, from: 'Acme status <status@acme.test>' } },
    subscriptions: { email_channel: 'mail', allow_private_webhooks: true },
  });
  try {
    const post = async (path: string, body: unknown, type = 'application/json') => {
      const r = await request(`${base}${path}`, { method: 'POST', headers: { 'content-type': type }, body: typeof body === 'string' ? body : JSON.stringify(body) });
      return { status: r.statusCode, text: await r.body.text() };
    };
    const sub = await post('/api/v1/subscriptions', { email: 'Ann@Example.test', components: ['acme/api'], locale: 'fr' });
    assert.equal(sub.status, 202);
    assert.doesNotMatch(sub.text, /ann@example/i, 'the answer never shows the address');
    assert.equal((await post('/api/v1/subscriptions', { email: 'not-an-address' })).status, 400);
    assert.equal((await post('/api/v1/subscriptions', { email: 'x@example.test', components: ['acme/nope'] })).status, 400);

    const confirm = await waitFor('confirmation mail', () => smtp.mails.find((m) => m.to.includes('ann@example.test')));
    const text = mailPart(confirm.raw, 'text/plain')!;
    assert.match(text, /Confirmer/);
    const link = /(http:\/\/\S+\/subscriptions\/confirm\?token=\S+)/.exec(text)![1]!;
    // Nothing is sent to an unconfirmed address.
    await set(vigie, 'acme/api', 'degraded_performance');
    await waitFor('expanded', async () => (await vigie.notify.status()).events_waiting === 0);
    assert.equal((await request(link)).statusCode, 200);
    assert.equal((await request(`${base}/subscriptions/confirm?token=1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`)).statusCode, 400);

    const hook = await post('/api/v1/subscriptions', { webhook: `${rec.origin}/sub` });
    assert.equal(hook.status, 201);
    const { signing_secret } = JSON.parse(hook.text) as { signing_secret: string };

    // The form on the page posts urlencoded and gets a page back.
    const html = await (await request(`${base}/`)).body.text();
    assert.match(html, /action="\/subscriptions"/);
    const form = await post('/subscriptions', 'email=bob%40example.test&component=', 'application/x-www-form-urlencoded');
    assert.equal(form.status, 202);
    assert.match(form.text, /inbox/);

    await set(vigie, 'acme/api', 'major_outage', 'both see this');
    const news = await waitFor('status mail', () => smtp.mails.find((m) => m.to.includes('ann@example.test') && /Panne majeure/.test(mailPart(m.raw, 'text/plain') ?? '')));
    const unsub = /<(http:\/\/[^>]+\/subscriptions\/unsubscribe\?token=[^>]+)>/.exec(news.headers.get('list-unsubscribe') ?? '')![1]!;
    assert.equal(news.headers.get('list-unsubscribe-post'), 'List-Unsubscribe=One-Click');
    const wh = await waitFor('webhook news', () => rec.requests.find((r) => r.json?.component_update?.new_status === 'major_outage'));
    assert.equal(verifyBody(signing_secret, wh.body, String(wh.headers['x-vigie-signature']), Date.now()), true, 'signed with the subscriber secret');
    assert.match(wh.json.meta.unsubscribe, /\/subscriptions\/unsubscribe\?token=/);

    await set(vigie, 'acme/web', 'major_outage', 'only the whole-page subscriber');
    await waitFor('web news', () => rec.requests.some((r) => r.json?.component?.name === 'Web'));

    // One-click unsubscribe (RFC 8058), then no more mail.
    const one = await request(unsub, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    assert.equal(one.statusCode, 200);
    await one.body.dump();
    const mailsBefore = smtp.mails.filter((m) => m.to.includes('ann@example.test')).length;
    await set(vigie, 'acme/api', 'operational');
    await waitFor('webhook saw recovery', () => rec.requests.some((r) => r.json?.component_update?.new_status === 'operational' && r.json.component.name === 'API'));
    assert.equal(smtp.mails.filter((m) => m.to.includes('ann@example.test')).length, mailsBefore);

    // Admin: addresses with a token only; remove.
    assert.equal((await request(`${base}/api/admin/subscriptions`)).statusCode, 401);
    const list = (await (await request(`${base}/api/admin/subscriptions`, { headers: { authorization: `Bearer ${ADMIN}` } })).body.json()) as {
      subscriptions: Array<{ id: number; kind: string; address: string; status: string }>;
    };
    assert.deepEqual(list.subscriptions.map((s) => [s.kind, s.address, s.status]), [
      ['email', 'ann@example.test', 'unsubscribed'],
      ['webhook', `${rec.origin}/sub`, 'active'],
      ['email', 'bob@example.test', 'pending'],
    ]);
    const del = await request(`${base}/api/admin/subscriptions/${list.subscriptions[1]!.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${ADMIN}` } });
    assert.equal(del.statusCode, 204);
  } finally {
    await vigie.stop();
    await rec.close();
    await smtp.close();
  }
});

forEachEngine('incident writes put their notification in the outbox in the same transaction: trigger, update, resolve per incident in order', async (engine) => {
  const rec = await startRecorder();
  const { vigie } = await start(engine, {
    channels: { hook: { type: 'webhook', url: `${rec.origin}/hook` }, sp: { type: 'webhook', url: `${rec.origin}/sp`, format: 'statuspage' } },
    rules: [{ name: 'inc', channels: ['hook', 'sp'], events: ['incident'] }],
  });
  try {
    const inc = await vigie.incidents.createIncident({ name: 'API errors', body: 'Looking into it.', components: { 'acme/api': 'major_outage' }, impact: 'major', author: 'test' });
    await vigie.incidents.postUpdate(inc.id, { status: 'identified', body: 'A bad deploy.', author: 'test' });
    await vigie.incidents.resolve(inc.id, { body: 'Rolled back.', author: 'test' });
    await waitFor('three vigie messages', () => rec.requests.filter((r) => r.url === '/hook').length >= 3);
    const hook = rec.requests.filter((r) => r.url === '/hook');
    assert.deepEqual(hook.map((r) => r.json.action), ['trigger', 'update', 'resolve']);
    assert.deepEqual(hook.map((r) => r.json.event.update.body), ['Looking into it.', 'A bad deploy.', 'Rolled back.']);
    assert.equal(hook[0]!.json.event.components[0].name, 'API');
    const sp = await waitFor('statuspage incident payloads', () => {
      const l = rec.requests.filter((r) => r.url === '/sp');
      return l.length >= 3 ? l : undefined;
    });
    assert.deepEqual(sp.map((r) => r.json.incident.status), ['investigating', 'identified', 'resolved']);
    assert.equal(sp[2]!.json.incident.incident_updates.length, 3);
  } finally {
    await vigie.stop();
    await rec.close();
  }
});

test('subscribe requests are limited per network (/24, /48), before anything is checked or sent; behind a trusted proxy by X-Forwarded-For', async () => {
  const engine = await sqliteEngine();
  const smtp = await startSmtp();
  const { vigie, base } = await start(
    engine,
    { channels: { mail: { type: 'email', smtp: { host: '127.0.0.1', port: smtp.port }, from: 'status@acme.test' } }, subscriptions: { email_channel: 'mail', per_network: '3/h' } },
    { reports: { trust_proxy: true } },
  );
  try {
    const post = async (email: string, from: string) => {
      const r = await request(`${base}/api/v1/subscriptions`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': from }, body: JSON.stringify({ email }) });
      return { status: r.statusCode, retryAfter: r.headers['retry-after'], body: (await r.body.json()) as { error?: string } };
    };
    // Bad input counts too: the limit is on requests, whatever they hold.
    assert.equal((await post('not-an-address', '203.0.113.7')).status, 400);
    assert.equal((await post('a@example.test', '203.0.113.8')).status, 202);
    assert.equal((await post('b@example.test', '203.0.113.9')).status, 202);
    const refused = await post('c@example.test', '203.0.113.200');
    assert.equal(refused.status, 429);
    assert.equal(refused.body.error, 'rate_limited');
    assert.ok(Number(refused.retryAfter) >= 1 && Number(refused.retryAfter) <= 3600, `retry-after ${refused.retryAfter}`);
    // Another /24 is not affected.
    assert.equal((await post('d@example.test', '198.51.100.1')).status, 202);
    await waitFor('three confirmation mails', () => smtp.mails.length >= 3 || undefined);
    assert.deepEqual(smtp.mails.map((m) => m.to).flat().sort(), ['a@example.test', 'b@example.test', 'd@example.test']);
  } finally {
    await vigie.stop();
    await smtp.close();
    await engine.cleanup();
  }
});
