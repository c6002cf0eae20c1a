// A failover's live figures: while traffic is away from a provider, the process holding the health board
// reports what the route's clients got since (served, failed, as of), every gateway.progress_every and once
// at the end; the page, feeds and /api/v2/gateway-events.json show them growing; a late report never
// rewinds them; the failback ends the failover; a standalone gateway sends them through the admin API.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { Agent, request } from 'undici';
import { type Vigie, createVigie } from '../src/app.js';
import { configSchema } from '../src/config/schema.js';
import { ManualClock } from '../src/core/time.js';
import { HealthBoard, type TrafficMove } from '../src/gateway/board.js';
import { EventReporter } from '../src/gateway/events.js';
import { Gateway } from '../src/gateway/gateway.js';
import type { HealthConfig } from '../src/gateway/health.js';
import { FailoverProgress } from '../src/gateway/progress.js';
import { text } from '../src/i18n/text.js';
import { type GatewayEventRecord, type GatewayProgressRecord, gatewayEvent, isOngoing, recentGatewayEvents, recordGatewayEvent, recordGatewayProgress } from '../src/store/gateway.js';
import { buildResources } from '../src/web/routes/pages.js';
import { buildSnapshot } from '../src/web/snapshot.js';
import { FakeUpstream } from './gateway-fake.js';
import { ask, chat, until } from './gateway-setup.js';
import { gatewaySection as sharedSection, page, scene, trafficOn, vigieConfig } from './gateway-vigie.js';
import { adminCaller } from './helpers/admin.js';
import { forEachEngine } from './helpers/engines.js';
import { englishIn, readableText } from './helpers/english.js';
import { NOW, outageSnapshot } from './helpers/page-snapshot.js';
import { startRecorder } from './helpers/receivers.js';

const ADMIN = 'gateway-progress-admin-token';
const T0 = Date.UTC(2026, 10, 29, 23, 8);

function failoverRecord(o: Partial<GatewayEventRecord> = {}): GatewayEventRecord {
  return {
    id: randomUUID(),
    source: 'edge-1',
    route: 'chat',
    kind: 'failover',
    fromUpstream: 'openai',
    toUpstream: 'mistral',
    fromName: 'OpenAI',
    toName: 'Mistral',
    component: null,
    reason: 'vigie',
    at: T0,
    failedRequests: 0,
    servedRequests: null,
    body: 'API traffic moved from OpenAI to Mistral',
    bodyText: null,
    createdAt: T0,
    ...o,
  };
}

const progress = (eventId: string, served: number, failed: number, asOf: number, ended = false): GatewayProgressRecord => ({ eventId, served, failed, asOf, to: 'mistral', toName: 'Mistral', ended });

forEachEngine('gateway progress in the store: forward only in as-of time, ended by its last report or by the failback', async (env) => {
  const store = await env.open();
  const db = store.db;
  const f = failoverRecord();
  assert.equal(await recordGatewayEvent(db, f, []), true);
  assert.equal(isOngoing((await gatewayEvent(db, f.id))!), false, 'no figures yet: not shown as ongoing');

  assert.equal(await recordGatewayProgress(db, progress('no-such-event', 1, 0, T0)), 'unknown');
  assert.equal(await recordGatewayProgress(db, progress(f.id, 0, 0, T0)), 'applied');
  assert.equal(await recordGatewayProgress(db, progress(f.id, 120, 1, T0 + 60_000)), 'applied');
  // A late report (retried, or sent before the one above and delayed): not applied, the figures stay.
  assert.equal(await recordGatewayProgress(db, progress(f.id, 50, 0, T0 + 30_000)), 'stale');
  assert.equal(await recordGatewayProgress(db, progress(f.id, 50, 0, T0 + 60_000)), 'stale', 'the same as-of time is not newer');
  let e = (await gatewayEvent(db, f.id))!;
  assert.deepEqual(e.progress, { served: 120, failed: 1, asOf: T0 + 60_000, to: 'mistral', toName: 'Mistral' });
  assert.equal(isOngoing(e), true);
  assert.equal((await recentGatewayEvents(db, { limit: 5 }))[0]!.progress?.served, 120, 'the page’s query reads the figures');

  // Its last report ends it; nothing after that moves it (but a repeat of the last one is harmless).
  assert.equal(await recordGatewayProgress(db, progress(f.id, 300, 2, T0 + 90_000, true)), 'applied');
  assert.equal(await recordGatewayProgress(db, progress(f.id, 400, 2, T0 + 120_000)), 'stale', 'an ended failover takes no more figures');
  e = (await gatewayEvent(db, f.id))!;
  assert.equal(e.endedAt, T0 + 90_000);
  assert.equal(e.progress?.served, 300);
  assert.equal(isOngoing(e), false);

  // A failback's id: only failovers have progress.
  const back = failoverRecord({ kind: 'failback', fromUpstream: 'mistral', toUpstream: 'openai', at: T0 + 90_000, servedRequests: 300 });
  await recordGatewayEvent(db, back, []);
  assert.equal(await recordGatewayProgress(db, progress(back.id, 1, 0, T0 + 100_000)), 'not_failover');

  // The failback's event ends a failover whose last report never came; its last report, arriving after, still lands.
  const g = failoverRecord({ at: T0 + 200_000 });
  await recordGatewayEvent(db, g, []);
  assert.equal(await recordGatewayProgress(db, progress(g.id, 10, 0, T0 + 210_000)), 'applied');
  const other = failoverRecord({ source: 'edge-2', at: T0 + 200_000 });
  await recordGatewayEvent(db, other, []);
  assert.equal(await recordGatewayProgress(db, progress(other.id, 3, 0, T0 + 210_000)), 'applied');
  await recordGatewayEvent(db, failoverRecord({ kind: 'failback', fromUpstream: 'mistral', toUpstream: 'openai', at: T0 + 250_000, servedRequests: 12 }), []);
  e = (await gatewayEvent(db, g.id))!;
  assert.equal(e.endedAt, T0 + 250_000);
  assert.equal(isOngoing(e), false);
  assert.equal(await recordGatewayProgress(db, progress(g.id, 12, 0, T0 + 250_000, true)), 'applied');
  assert.equal((await gatewayEvent(db, g.id))!.progress?.served, 12);
  assert.equal((await gatewayEvent(db, g.id))!.endedAt, T0 + 250_000);
  assert.equal(isOngoing((await gatewayEvent(db, other.id))!), true, 'another gateway’s failover goes on');

  // A gateway restarted during a failover reports a new one away from the same provider: the old one is over.
  const h = failoverRecord({ at: T0 + 300_000 });
  await recordGatewayEvent(db, h, []);
  await recordGatewayProgress(db, progress(h.id, 5, 0, T0 + 310_000));
  const again = failoverRecord({ at: T0 + 400_000 });
  await recordGatewayEvent(db, again, []);
  assert.equal(isOngoing((await gatewayEvent(db, h.id))!), false);
  assert.equal((await gatewayEvent(db, h.id))!.endedAt, T0 + 400_000);
});

describe('gateway progress: who reports, and when', () => {
  const CFG: HealthConfig = { recoverAfterMs: 30_000, windowMs: 30_000, minRequests: 5, errorRate: 0.5, slowFirstTokenMs: 10_000, cooldownMs: 30_000, successStreak: 2 };
  const route = { name: 'chat', models: ['*'], upstreams: ['a', 'b', 'c'].map((id) => ({ id, modelMap: {} })) };

  it('a failover is reported at once, every progress_every while it lasts, and once at its end (three upstreams: one failover, however many moves)', () => {
    const clock = new ManualClock(T0);
    const board = new HealthBoard(['a', 'b', 'c'], [route], CFG, clock);
    const sent: GatewayProgressRecord[] = [];
    const p = new FailoverProgress({ ongoing: (r) => board.ongoing(r), clock, everyMs: 30_000, names: { a: 'A', b: 'B', c: 'C' }, sink: (x) => sent.push(x) });
    const ids: string[] = [];
    // What Gateway.onMove does with each move: the ended failover's last report before the event, the new one's first after.
    board.listen({
      move: (m: TrafficMove) => {
        const id = `event-${ids.length + 1}`;
        ids.push(id);
        p.ending(m);
        p.starting(m, id);
      },
    });
    board.clientServed('chat', 7); // before the failover: not its figures
    board.vigie('a', 'bad'); // a -> b: event-1 begins the failover
    assert.deepEqual(sent, [{ eventId: 'event-1', served: 0, failed: 0, asOf: T0, to: 'b', toName: 'B', ended: false }]);
    board.clientServed('chat', 10);
    board.clientFailed('chat', 1);
    clock.advanceTo(T0 + 30_000);
    assert.deepEqual(sent.at(-1), { eventId: 'event-1', served: 10, failed: 1, asOf: T0 + 30_000, to: 'b', toName: 'B', ended: false });
    board.vigie('b', 'bad'); // b -> c: event-2, the same failover goes on
    assert.equal(sent.length, 2, 'a second move of the same failover starts nothing');
    board.clientServed('chat', 5);
    clock.advanceTo(T0 + 60_000);
    assert.deepEqual(sent.at(-1), { eventId: 'event-1', served: 15, failed: 1, asOf: T0 + 60_000, to: 'c', toName: 'C', ended: false });
    assert.deepEqual(p.reporting, new Map([['chat', 'event-1']]));
    // a comes back: the failback (event-3) ends it with the whole failover's figures.
    board.vigie('a', 'ok');
    clock.advanceTo(T0 + 60_000 + CFG.recoverAfterMs);
    const before = sent.length;
    assert.equal(board.state('a'), 'recovering');
    board.outcome('a', { ok: true });
    board.outcome('a', { ok: true });
    assert.equal(board.activeOf('chat'), 'a');
    assert.deepEqual(sent.slice(before).at(-1), { eventId: 'event-1', served: 15, failed: 1, asOf: T0 + 60_000 + CFG.recoverAfterMs, to: 'c', toName: 'C', ended: true });
    assert.equal(p.reporting.size, 0);
    const after = sent.length;
    clock.advanceTo(T0 + 3_600_000);
    assert.equal(sent.length, after, 'nothing reported once it is over');
  });

  it('a failback that leaves the first departure open (three upstreams) does not end the failover', () => {
    const clock = new ManualClock(T0);
    const board = new HealthBoard(['a', 'b', 'c'], [route], CFG, clock);
    const moves: TrafficMove[] = [];
    board.listen({ move: (m) => moves.push(m) });
    board.vigie('a', 'bad'); // a -> b
    board.vigie('b', 'bad'); // b -> c
    board.vigie('b', 'ok');
    clock.advance(CFG.recoverAfterMs);
    board.state('b');
    board.outcome('b', { ok: true });
    board.outcome('b', { ok: true }); // c -> b: a failback, but a is still left
    assert.deepEqual(
      moves.map((m) => [m.kind, m.from, m.to, m.started?.from ?? null, m.ended?.from ?? null]),
      [
        ['failover', 'a', 'b', 'a', null],
        ['failover', 'b', 'c', null, null],
        ['failback', 'c', 'b', null, null],
      ],
    );
    assert.equal(board.ongoing('chat')?.from, 'a');
  });

  it('the reporter sends a failover’s figures after its event, in order, and only the newest of those waiting', async (t) => {
    const server = await startRecorder();
    t.after(() => server.close());
    const dispatcher = new Agent();
    t.after(() => dispatcher.close());
    let calls = 0;
    server.respond = (r) => {
      calls++;
      if (calls === 1) return { status: 503 };
      if (r.url.includes('/unknown-event-1/')) return { status: 404, body: '{"error":"not_found"}' };
      return { status: r.url.endsWith('/progress') ? 200 : 201, body: '{}' };
    };
    const reporter = new EventReporter({ url: server.origin, token: 'tok-123', log: pino({ level: 'silent' }), dispatcher });
    t.after(() => reporter.stop(100));
    const e = failoverRecord({ id: 'event-abc-1' });
    reporter.sink(e);
    reporter.progressSink(progress(e.id, 1, 0, T0 + 1000));
    reporter.progressSink(progress(e.id, 5, 0, T0 + 2000));
    reporter.progressSink(progress('unknown-event-1', 5, 0, T0 + 2000));
    reporter.progressSink(progress(e.id, 9, 1, T0 + 3000, true));
    await until(() => reporter.pending === 0 && reporter.progressPending === 0, 'everything handled', 20_000);
    assert.deepEqual(
      server.requests.map((r) => r.url),
      ['/api/admin/gateway/events', '/api/admin/gateway/events', '/api/admin/gateway/events/unknown-event-1/progress', '/api/admin/gateway/events/event-abc-1/progress'],
    );
    assert.deepEqual(server.requests.at(-1)!.json, { to: 'mistral', to_name: 'Mistral', served_requests: 9, failed_requests: 1, as_of: T0 + 3000, ended: true });
    assert.equal(server.requests.at(-1)!.headers.authorization, 'Bearer tok-123');
    assert.equal(reporter.sent, 1);
    assert.equal(reporter.progressSent, 1, 'the one the server did not know was dropped, not retried');
  });

  it('gateway.progress_every is a duration of at least 1s', () => {
    const base = { upstreams: { a: { base_url: 'http://127.0.0.1:9/v1' } }, routes: [{ name: 'r', models: ['*'], upstreams: ['a'] }] };
    assert.equal(configSchema.parse({ gateway: base }).gateway?.progress_every, 30_000);
    assert.equal(configSchema.parse({ gateway: { ...base, progress_every: '2m' } }).gateway?.progress_every, 120_000);
    for (const bad of ['10ms', 'often', -5]) {
      const r = configSchema.safeParse({ gateway: { ...base, progress_every: bad } });
      assert.equal(r.success, false, String(bad));
      assert.ok(r.error.issues.some((i) => i.path.join('.') === 'gateway.progress_every'), JSON.stringify(r.error.issues));
    }
  });
});

async function v2(base: string): Promise<any[]> {
  return ((await (await request(`${base}/api/v2/gateway-events.json`)).body.json()) as any).gateway_events;
}

/** The gateway section of these tests: figures reported every second. */
const gatewaySection = (openai: string, mistral: string, extra: Record<string, unknown> = {}) => sharedSection(openai, mistral, { progress_every: '1s', ...extra });

async function send(url: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) assert.equal((await chat(url, ask(i % 2 === 1))).status, 200);
}

describe('gateway progress on the page', () => {
  it('in-process: the failover’s figures grow on the page, feeds and v2 list while it lasts; a late report does not rewind them; the failback ends it; no notification per report', async (t) => {
    const { openai, mistral, hook, dir } = await scene(t, 'vigie-gw-progress-');
    const vigie: Vigie = await createVigie({ config: vigieConfig(dir, openai.url, hook.origin, gatewaySection(openai.url, mistral.url)) });
    t.after(() => vigie.stop());
    const base = await vigie.start();
    const gw = vigie.gateway!;
    const url = gw.address()!;
    await until(() => gw.board.snapshot('openai')?.vigie === 'ok', 'first reading');
    await trafficOn(url, 'openai', 'traffic on OpenAI');

    openai.mode = '500';
    await until(() => gw.board.activeOf('chat') === 'mistral', 'failover');
    await until(async () => (await v2(base)).some((e) => e.kind === 'failover' && e.ongoing), 'the failover ongoing in the v2 list');
    await send(url, 3);
    await until(async () => ((await v2(base)).find((e) => e.kind === 'failover')?.progress?.served_requests ?? 0) >= 3, 'three requests counted');
    const first = (await v2(base)).find((e) => e.kind === 'failover');
    assert.equal(first.ongoing, true);
    assert.equal(first.progress.failed_requests, 0);
    assert.equal(first.progress.to, 'Mistral');
    assert.match(first.body, /^Ongoing: API traffic has been on Mistral instead of OpenAI since \d\d:\d\d UTC \(route chat\); \d+ requests? served, 0 failed \(as of \d\d:\d\d UTC\)$/);
    await send(url, 4);
    await until(async () => ((await v2(base)).find((e) => e.kind === 'failover')?.progress?.served_requests ?? 0) >= 7, 'the figures grow', 15_000);
    const grown = (await v2(base)).find((e) => e.kind === 'failover');
    assert.ok(Date.parse(grown.progress.as_of) > Date.parse(first.progress.as_of), 'a later as-of time');
    const served = grown.progress.served_requests as number;

    // The page (both languages) and the feeds say the same.
    const en = await page(base, '/', 'en');
    assert.match(en, new RegExp(`Ongoing: API traffic has been on Mistral instead of OpenAI since \\d\\d:\\d\\d UTC \\(route chat\\); \\d+ requests served, 0 failed \\(as of \\d\\d:\\d\\d UTC\\)`));
    assert.match(en, /data-ongoing="true"/);
    const fr = readableText(await page(base, '/', 'fr'));
    assert.match(fr, /En cours : le trafic API passe par Mistral au lieu d’OpenAI depuis \d\d:\d\d UTC \(route chat\) ; \d+ requêtes servies, 0 en échec \(état à \d\d:\d\d UTC\)/);
    assert.doesNotMatch(fr, /Ongoing|API traffic|requests served|as of/);
    assert.match(await page(base, '/history.atom', 'en'), /Ongoing: API traffic has been on Mistral/);
    assert.match(await page(base, '/history.rss', 'fr'), /En cours : le trafic API passe par Mistral/);

    // A late report (older as-of time, smaller figures): not applied, the page keeps the newer figures.
    const id = grown.id as string;
    assert.equal(await vigie.recordGatewayProgress(progress(id, 1, 0, Date.parse(first.progress.as_of) - 1000)), 'stale');
    await vigie.publish();
    assert.ok((await v2(base)).find((e) => e.id === id).progress.served_requests >= served, 'not rewound');

    // Recovery: the failback ends the failover; its line is the move's own again.
    openai.mode = 'ok';
    await trafficOn(url, 'openai', 'failback');
    await until(async () => (await v2(base)).some((e) => e.kind === 'failback'), 'the failback in the v2 list');
    await until(async () => (await v2(base)).find((e) => e.id === id)?.ongoing === false, 'the failover over');
    const list = await v2(base);
    const over = list.find((e) => e.id === id);
    const back = list.find((e) => e.kind === 'failback');
    assert.equal(over.progress.served_requests, back.served_requests, 'its last figures are the whole failover’s, as the failback says');
    assert.ok(back.served_requests >= 7);
    assert.match(over.body, /^API traffic moved from OpenAI to Mistral at \d\d:\d\d UTC \(route chat\); \d+ failed requests?$/);
    const en2 = await page(base, '/', 'en');
    assert.doesNotMatch(en2, /Ongoing|data-ongoing/);
    assert.match(en2, /API traffic moved back from Mistral to OpenAI at \d\d:\d\d UTC \(route chat\); during the failover, \d+ requests served and 0 failed/);

    // Notified twice in all (the failover, then its failback with the whole failover's figures): never per report.
    await until(() => hook.requests.some((r) => r.json?.type === 'gateway' && r.json?.action === 'resolve'), 'the failback notified');
    const notes = hook.requests.filter((r) => r.json?.type === 'gateway');
    assert.deepEqual(
      notes.map((r) => r.json.action),
      ['trigger', 'resolve'],
    );
    assert.match(notes[1]!.json.text, new RegExp(`during the failover, ${back.served_requests} requests served and 0 failed$`));
  });

  it('standalone: the gateway sends its figures through the admin API; unknown ids are 404, bad bodies 400 naming the field, a failback 409', async (t) => {
    const { openai, mistral, hook, dir } = await scene(t, 'vigie-gw-progress-sa-');
    const vigie = await createVigie({ config: vigieConfig(dir, openai.url, hook.origin), adminToken: ADMIN });
    t.after(() => vigie.stop());
    const base = await vigie.start();
    const gwConfig = configSchema.parse({ gateway: gatewaySection(openai.url, mistral.url, { name: 'edge-1', vigie_poll: '100ms', vigie_token: ADMIN }) }).gateway!;
    const gw = new Gateway({ config: gwConfig, vigieUrl: base, processMetrics: false, logger: pino({ level: 'silent' }) });
    t.after(() => gw.stop());
    const url = await gw.start();
    await until(() => gw.board.snapshot('openai')?.vigie === 'ok', 'first reading from components.json');

    openai.mode = '500';
    await until(() => gw.board.activeOf('chat') === 'mistral', 'failover on the server’s word', 20_000);
    await send(url, 3);
    await until(async () => ((await v2(base)).find((e) => e.kind === 'failover')?.progress?.served_requests ?? 0) >= 3, 'the reported figures on the server', 15_000);
    const call = adminCaller(base, ADMIN);
    const listed = (await call('GET', '/gateway/events')).json.events;
    assert.equal(listed.length, 1);
    const ev = listed[0];
    assert.equal(ev.ongoing, true);
    assert.ok(ev.progress.served_requests >= 3);
    assert.equal(ev.ended_at, null);
    const health = ((await (await request(`${url}/healthz`)).body.json()) as any);
    assert.ok(health.events.progress_sent >= 2, JSON.stringify(health.events));
    assert.equal(health.routes.chat.failover.from, 'openai');

    // The route by hand: a late report answers applied: false and changes nothing.
    const path = `/gateway/events/${ev.id}/progress`;
    const late = { to: 'mistral', to_name: 'Mistral', served_requests: 0, failed_requests: 0, as_of: '2020-01-01T00:00:00Z' };
    const r = await call('POST', path, late);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, { id: ev.id, applied: false });
    assert.ok((await call('GET', '/gateway/events')).json.events[0].progress.served_requests >= 3);
    // Unknown event: 404 naming it.
    const unknown = await call('POST', '/gateway/events/no-such-event-123/progress', late);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.error, 'not_found');
    assert.match(unknown.json.message, /no gateway event "no-such-event-123"/);
    // Bad bodies: 400 naming the field.
    for (const [body, field] of [
      [{ ...late, served_requests: -1 }, 'served_requests'],
      [{ ...late, failed_requests: 1.5 }, 'failed_requests'],
      [{ ...late, as_of: 'yesterday' }, 'as_of'],
      [{ ...late, ended: 'yes' }, 'ended'],
      [{ ...late, to: 'Not A Slug' }, 'to'],
      [{ ...late, extra: 1 }, 'extra'],
      [{ to: 'mistral', to_name: 'Mistral', failed_requests: 0, as_of: 0 }, 'served_requests'],
    ] as const) {
      const bad = await call('POST', path, body);
      assert.equal(bad.status, 400, JSON.stringify(body));
      assert.match(bad.text, new RegExp(field), bad.text);
    }
    assert.equal((await call('POST', path, late, null)).status, 401);
    // In the admin document beside reportGatewayEvent, with the same role.
    const doc = (await call('GET', '/openapi.json')).json;
    const op = doc.paths['/api/admin/gateway/events/{id}/progress']?.post;
    assert.equal(op?.operationId, 'reportGatewayProgress');
    assert.equal(op['x-vigie-role'], doc.paths['/api/admin/gateway/events'].post['x-vigie-role']);
    assert.equal((await call('POST', '/gateway/events/x/progress', late)).status, 400, 'an id too short to be one');

    openai.mode = 'ok';
    await trafficOn(url, 'openai', 'failback');
    await until(async () => (await v2(base)).some((e) => e.kind === 'failback') && (await v2(base)).find((e) => e.id === ev.id)?.ongoing === false, 'the failover over on the server', 15_000);
    const after = (await call('GET', '/gateway/events')).json.events;
    const over = after.find((e: any) => e.id === ev.id);
    const back = after.find((e: any) => e.kind === 'failback');
    assert.notEqual(over.ended_at, null);
    await until(async () => (await call('GET', '/gateway/events')).json.events.find((e: any) => e.id === ev.id).progress.served_requests === back.served_requests, 'the last report (after the failback event) lands');
    const failbackProgress = await call('POST', `/gateway/events/${back.id}/progress`, late);
    assert.equal(failbackProgress.status, 409);
    assert.match(failbackProgress.text, /failback/);
  });
});

describe('gateway progress on the French page', () => {
  it('an ongoing failover in French: none of the English, counts grouped as in French', () => {
    const base = outageSnapshot();
    const t = text('gatewayFailover', { from: 'OpenAI', to: 'Mistral', time: { time: NOW - 600_000 }, route: 'chat', failed: 2, served: 0 });
    const ev = (componentId: string | null) => ({
      id: `failover-${componentId}`,
      kind: 'failover' as const,
      route: 'chat',
      fromName: 'OpenAI',
      toName: 'Mistral',
      at: NOW - 600_000,
      failedRequests: 2,
      servedRequests: null,
      body: 'English body',
      bodyText: t,
      componentId,
      ongoing: true,
      progress: { served: 1234, failed: 1, asOf: NOW - 60_000, toName: 'Mistral' },
    });
    const s = buildSnapshot({ title: base.title, baseUrl: base.baseUrl, now: NOW, services: base.services, changes: base.changes, incidents: base.incidents, maintenances: base.maintenances, gateway: [ev('chatgpt/api'), ev(null)] });
    const res = buildResources(s, { state: 'test' });
    const body = (k: string) => {
      const r = res.get(k)!;
      const v = typeof r.body === 'string' ? r.body : r.body.toString('utf8');
      return k.endsWith('.atom') || k.endsWith('.rss') ? v.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&') : v;
    };
    for (const k of ['fr:/', 'fr:/history.atom', 'fr:/history.rss']) {
      const txt = readableText(body(k));
      assert.match(txt, /En cours : le trafic API passe par Mistral au lieu d’OpenAI depuis \d\d:\d\d UTC \(route chat\) ; 1\u202f234 requêtes servies, 1 en échec \(état à \d\d:\d\d UTC\)/, k);
      assert.deepEqual(englishIn(txt), [], `${k} has English`);
    }
    const enPage = readableText(body('en:/'));
    assert.match(enPage, /Ongoing: API traffic has been on Mistral instead of OpenAI since \d\d:\d\d UTC \(route chat\); 1,234 requests served, 1 failed \(as of \d\d:\d\d UTC\)/);
    assert.ok(englishIn(enPage).some((w) => w.includes('instead of')), 'the scan knows the ongoing sentence’s English');
    const json = JSON.parse(body('/api/v2/gateway-events.json'));
    assert.deepEqual(json.gateway_events[0].progress, { served_requests: 1234, failed_requests: 1, as_of: new Date(NOW - 60_000).toISOString(), to: 'Mistral' });
    assert.equal(json.gateway_events[0].ongoing, true);
    // The feed entry is updated with the figures.
    assert.match(body('en:/history.atom'), new RegExp(`<updated>${new Date(NOW - 60_000).toISOString()}</updated>`));
  });
});
