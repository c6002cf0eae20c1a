// Failovers and failbacks as events: on the page (English and French), in the feeds, at
// /api/v2/gateway-events.json, as notifications to a real HTTP receiver, kept across a restart; a
// standalone gateway reports them to the server through the admin API with a token.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { request } from 'undici';
import { type Vigie, createVigie } from '../src/app.js';
import { configSchema } from '../src/config/schema.js';
import { Gateway } from '../src/gateway/gateway.js';
import { text } from '../src/i18n/text.js';
import { buildResources } from '../src/web/routes/pages.js';
import { buildSnapshot } from '../src/web/snapshot.js';
import { FakeUpstream } from './gateway-fake.js';
import { ask, chat, until } from './gateway-setup.js';
import { gatewaySection, page, scene, trafficOn, vigieConfig } from './gateway-vigie.js';
import { adminCaller } from './helpers/admin.js';
import { englishIn, readableText } from './helpers/english.js';
import { NOW, outageSnapshot } from './helpers/page-snapshot.js';
import { startRecorder } from './helpers/receivers.js';

const ADMIN = 'gateway-events-admin-token';

describe('gateway events', () => {
  it('in-process: a failover and a failback reach the page in both languages, the feeds, the v2 list and a webhook, and stay after a restart', async (t) => {
    const { openai, mistral, hook, dir } = await scene(t, 'vigie-gw-events-');
    const config = vigieConfig(dir, openai.url, hook.origin, gatewaySection(openai.url, mistral.url));
    let vigie: Vigie | undefined = await createVigie({ config });
    t.after(() => vigie?.stop());
    const base = await vigie.start();
    const gw = vigie.gateway!;
    const url = gw.address()!;
    await until(() => gw.board.snapshot('openai')?.vigie === 'ok', 'first reading');
    await trafficOn(url, 'openai', 'traffic on OpenAI');

    openai.mode = '500';
    await until(() => gw.board.activeOf('chat') === 'mistral', 'failover');
    // Requests keep succeeding on Mistral; they are counted for the failback.
    for (let i = 0; i < 3; i++) assert.equal((await chat(url, ask())).status, 200);
    // While it lasts, the failover's line gives its figures so far (test/gateway-progress.test.ts has them grow).
    await until(async () => (await page(base, '/', 'en')).includes('Ongoing: API traffic has been on Mistral instead of OpenAI since'), 'the failover on the English page');
    const fr = await page(base, '/', 'fr');
    assert.match(fr, /En cours : le trafic API passe par Mistral au lieu d’OpenAI depuis \d\d:\d\d UTC \(route chat\)/);
    // In ChatGPT's section, not somewhere else.
    const section = fr.slice(fr.indexOf('data-service="chatgpt"'));
    assert.match(section.slice(0, section.indexOf('</section>')), /data-gateway-event="failover"/);
    await until(() => hook.requests.some((r) => r.json?.type === 'gateway' && r.json?.action === 'trigger'), 'the failover notified');
    const trigger = hook.requests.find((r) => r.json?.type === 'gateway')!.json;
    assert.match(trigger.text, /^API traffic moved from OpenAI to Mistral at \d\d:\d\d UTC \(route chat\); \d+ failed requests?$/);
    assert.equal(trigger.severity, 'warning');
    assert.deepEqual(trigger.component_ids, ['chatgpt/api']);

    openai.mode = 'ok';
    await trafficOn(url, 'openai', 'failback');
    await until(() => hook.requests.some((r) => r.json?.type === 'gateway' && r.json?.action === 'resolve'), 'the failback notified');
    const resolve = hook.requests.find((r) => r.json?.type === 'gateway' && r.json?.action === 'resolve')!.json;
    assert.equal(resolve.alert_key, trigger.alert_key, 'one alert per gateway and route: the failback resolves it');
    const served = Number(/during the failover, (\d+) requests? served and (\d+) failed/.exec(resolve.text)?.[1]);
    assert.ok(served >= 3, resolve.text);
    assert.equal(resolve.event.servedRequests, served);

    const v2 = JSON.parse(await (await request(`${base}/api/v2/gateway-events.json`)).body.text());
    await until(async () => JSON.parse(await (await request(`${base}/api/v2/gateway-events.json`)).body.text()).gateway_events.length === 2, 'both events in the v2 list');
    const list = JSON.parse(await (await request(`${base}/api/v2/gateway-events.json`)).body.text());
    assert.equal(list.page.name, v2.page.name);
    assert.deepEqual(
      list.gateway_events.map((e: any) => [e.kind, e.from, e.to]),
      [
        ['failback', 'Mistral', 'OpenAI'],
        ['failover', 'OpenAI', 'Mistral'],
      ],
    );
    assert.ok(list.gateway_events.every((e: any) => typeof e.component_id === 'string' && !e.component_id.includes('/')), 'components by their v2 id');
    // Statuspage's own documents are unchanged by the gateway.
    const summary = JSON.parse(await (await request(`${base}/api/v2/summary.json`)).body.text());
    assert.ok(!('gateway_events' in summary));
    const feed = await page(base, '/history.atom', 'fr');
    assert.match(feed, /Trafic API revenu de Mistral vers OpenAI/);
    assert.match(await page(base, '/history.rss', 'en'), /API traffic moved back from Mistral to OpenAI/);

    // Restarted without its gateway: the page still shows what happened.
    await vigie.stop();
    vigie = undefined;
    vigie = await createVigie({ config: vigieConfig(dir, openai.url, hook.origin) });
    const base2 = await vigie.start();
    const en = await page(base2, '/', 'en');
    assert.match(en, /API traffic moved from OpenAI to Mistral/);
    assert.match(en, /API traffic moved back from Mistral to OpenAI/);
  });

  it('standalone: the gateway reports its moves to the server with an API token; a report sent twice is stored once; bad reports are named', async (t) => {
    const { openai, mistral, hook, dir } = await scene(t, 'vigie-gw-standalone-');
    const vigie = await createVigie({ config: vigieConfig(dir, openai.url, hook.origin), adminToken: ADMIN });
    t.after(() => vigie.stop());
    const base = await vigie.start();
    const gwConfig = configSchema.parse({ gateway: { ...gatewaySection(openai.url, mistral.url, { name: 'edge-1', vigie_poll: '100ms', vigie_token: ADMIN }) } }).gateway!;
    const gw = new Gateway({ config: gwConfig, vigieUrl: base, processMetrics: false, logger: pino({ level: 'silent' }) });
    t.after(() => gw.stop());
    const url = await gw.start();
    await until(() => gw.board.snapshot('openai')?.vigie === 'ok', 'first reading from components.json');

    openai.mode = '500';
    await until(() => gw.board.activeOf('chat') === 'mistral', 'failover on the server’s word', 20_000);
    assert.equal((await chat(url, ask())).status, 200);
    await until(async () => (await page(base, '/', 'en')).includes('Ongoing: API traffic has been on Mistral instead of OpenAI'), 'the reported failover on the server’s page');
    assert.equal(gw.reporter?.sent, 1);
    const events = ((await (await request(`${url}/healthz`)).body.json()) as any).events;
    assert.deepEqual({ sent: events.sent, pending: events.pending }, { sent: 1, pending: 0 });
    assert.ok(events.progress_sent >= 1, 'the failover’s first figures reported');
    await until(() => hook.requests.some((r) => r.json?.type === 'gateway'), 'the reported failover notified');

    const call = adminCaller(base, ADMIN);
    const listed = await call('GET', '/gateway/events');
    assert.equal(listed.status, 200);
    assert.equal(listed.json.events.length, 1);
    const e = listed.json.events[0];
    assert.equal(e.source, 'edge-1');
    // The same report again (a retry after a lost answer): stored once, notified once.
    const again = { id: e.id, source: 'edge-1', route: 'chat', kind: 'failover', from: 'openai', to: 'mistral', from_name: 'OpenAI', to_name: 'Mistral', component: 'chatgpt/api', reason: 'vigie', at: e.at, failed_requests: e.failed_requests, served_requests: null };
    const r2 = await call('POST', '/gateway/events', again);
    assert.equal(r2.status, 201);
    assert.equal(r2.json.stored, false);
    assert.equal((await call('GET', '/gateway/events')).json.events.length, 1);
    // Without a token, or with a bad one: refused.
    assert.equal((await call('POST', '/gateway/events', again, null)).status, 401);
    assert.equal((await call('POST', '/gateway/events', again, 'wrong-token')).status, 401);
    // Bad input: a 400 naming the field.
    const bad = await call('POST', '/gateway/events', { ...again, id: 'another-id-123', kind: 'sideways' });
    assert.equal(bad.status, 400);
    assert.match(bad.text, /kind/);
    const unknownField = await call('POST', '/gateway/events', { ...again, id: 'another-id-456', extra: 1 });
    assert.equal(unknownField.status, 400);
    assert.match(unknownField.text, /extra/);
    const badTime = await call('POST', '/gateway/events', { ...again, id: 'another-id-789', at: 'yesterday' });
    assert.equal(badTime.status, 400);
    assert.match(badTime.text, /at/);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(hook.requests.filter((r) => r.json?.type === 'gateway').length, 1, 'the repeated report was not notified again');
  });
});

describe('gateway events on the French page', () => {
  it('the French page, feeds and widget show none of the English of the gateway’s sentences', () => {
    const base = outageSnapshot();
    const ev = (kind: 'failover' | 'failback', at: number, componentId: string | null) => {
      const params = { from: kind === 'failover' ? 'OpenAI' : 'Mistral', to: kind === 'failover' ? 'Mistral' : 'OpenAI', time: { time: at }, route: 'chat', failed: 2, served: 412 };
      const t = text(kind === 'failover' ? 'gatewayFailover' : 'gatewayFailback', params);
      return { id: `${kind}-${componentId}`, kind, route: 'chat', fromName: params.from, toName: params.to, at, failedRequests: 2, servedRequests: kind === 'failback' ? 412 : null, body: 'English body', bodyText: t, componentId };
    };
    const s = buildSnapshot({
      title: base.title,
      baseUrl: base.baseUrl,
      now: NOW,
      services: base.services,
      changes: base.changes,
      incidents: base.incidents,
      maintenances: base.maintenances,
      // One about a component on the page (its section), one about a provider the page does not show (the gateway block).
      gateway: [ev('failback', NOW - 60_000, 'chatgpt/api'), ev('failover', NOW - 600_000, 'chatgpt/api'), ev('failover', NOW - 700_000, null)],
    });
    const res = buildResources(s, { state: 'test' });
    const body = (k: string) => {
      const r = res.get(k)!;
      const v = typeof r.body === 'string' ? r.body : r.body.toString('utf8');
      return k.endsWith('.atom') || k.endsWith('.rss') ? v.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&') : v;
    };
    const frPage = readableText(body('fr:/'));
    assert.match(frPage, /Trafic API revenu de Mistral vers OpenAI à \d\d:\d\d UTC \(route chat\) ; pendant la bascule, 412 requêtes servies et 2 en échec/);
    assert.match(frPage, /Passerelle API/);
    assert.match(body('fr:/'), /data-gateway="block"/);
    for (const k of ['fr:/', 'fr:/history.atom', 'fr:/history.rss']) {
      const txt = readableText(body(k));
      assert.match(txt, /Trafic API/, k);
      assert.deepEqual(englishIn(txt), [], `${k} has English`);
      assert.doesNotMatch(txt, /API traffic|failed request|during the failover|API gateway/, k);
    }
    const enPage = readableText(body('en:/'));
    assert.match(enPage, /API traffic moved back from Mistral to OpenAI at \d\d:\d\d UTC \(route chat\); during the failover, 412 requests served and 2 failed/);
    assert.ok(englishIn(enPage).some((w) => w.includes('api traffic')), 'the scan knows the gateway’s English');
  });
});

describe('gateway event reporter', () => {
  it('retries while the server fails or refuses the token, sends each event once accepted, in order; drops one the server says is malformed', async (t) => {
    const { EventReporter } = await import('../src/gateway/events.js');
    const { Agent } = await import('undici');
    const server = await startRecorder();
    t.after(() => server.close());
    const dispatcher = new Agent();
    t.after(() => dispatcher.close());
    let calls = 0;
    server.respond = (r) => {
      calls++;
      if (r.json?.id === 'malformed-1') return { status: 400, body: '{"error":{"code":"invalid"}}' };
      // Down, then the token not yet valid, then up.
      if (calls === 1) return { status: 503 };
      if (calls === 2) return { status: 401 };
      return { status: 201, body: '{"stored":true}' };
    };
    const reporter = new EventReporter({ url: server.origin, token: 'tok-123', log: pino({ level: 'silent' }), dispatcher });
    t.after(() => reporter.stop(100));
    const rec = (id: string) => ({ id, source: 'gw', route: 'chat', kind: 'failover' as const, fromUpstream: 'openai', toUpstream: 'mistral', fromName: 'OpenAI', toName: 'Mistral', component: null, reason: 'errors', at: NOW, failedRequests: 0, servedRequests: null, body: 'b', bodyText: null, createdAt: NOW });
    reporter.sink(rec('first-event-1'));
    reporter.sink(rec('malformed-1'));
    reporter.sink(rec('second-event-2'));
    await until(() => reporter.pending === 0, 'every event handled', 20_000);
    assert.equal(reporter.sent, 2);
    const ids = server.requests.map((r) => r.json.id);
    assert.deepEqual(ids, ['first-event-1', 'first-event-1', 'first-event-1', 'malformed-1', 'second-event-2']);
    assert.ok(server.requests.every((r) => r.headers.authorization === 'Bearer tok-123' && r.url === '/api/admin/gateway/events'));
    assert.equal(server.requests[0]!.json.from_name, 'OpenAI');
  });
});
