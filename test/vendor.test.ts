// Vendor status: parsers on realistic fixtures of each page kind, the fetch against a real local server
// (broken JSON, wrong shapes, 500s, timeouts, huge bodies), and the poller through the real store on both
// engines, with what it tells the incident engine.
import { describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configSchema } from '../src/config/schema.js';
import { ManualClock } from '../src/core/time.js';
import { fetchVendorPage } from '../src/signals/vendor/fetch.js';
import { parseFeed } from '../src/signals/vendor/feed.js';
import { parseIncidentio } from '../src/signals/vendor/incidentio.js';
import { parseInstatus } from '../src/signals/vendor/instatus.js';
import { type VendorSink, type VendorSource, VendorPoller, readVendorPage } from '../src/signals/vendor/poller.js';
import { parseStatuspage } from '../src/signals/vendor/statuspage.js';
import { type VendorPage, pageSaysOperational } from '../src/signals/vendor/types.js';
import { latestVendorSnapshot, vendorIncidents, vendorSnapshots, vendorUpdates } from '../src/store/vendor.js';
import { forEachEngine } from './helpers/engines.js';
import { startHttp, startTcp } from './helpers/servers.js';
import { waitFor } from './helpers/wait.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const fixture = (name: string) => readFileSync(join(repoRoot, 'test', 'fixtures', 'vendor', name), 'utf8');
const T = (iso: string) => Date.parse(iso);

function page(r: ReturnType<typeof parseStatuspage>): VendorPage {
  if (!r.ok) assert.fail(`expected a page, got ${r.error}`);
  return r.page;
}

describe('Statuspage v2 summary.json', () => {
  it('reads an all-green page as operational', () => {
    const p = page(parseStatuspage(fixture('statuspage-operational.json'), 0));
    assert.equal(p.indicator, 'none');
    assert.equal(p.description, 'All Systems Operational');
    assert.deepEqual(p.components.map((c) => [c.name, c.status]), [['APIs', 'operational'], ['ChatGPT', 'operational'], ['Sora', 'operational']]);
    assert.equal(p.incidents.length, 0);
    assert.equal(pageSaysOperational(p), true);
  });

  it('reads an outage: groups folded into their children, updates oldest first, maintenance apart', () => {
    const p = page(parseStatuspage(fixture('statuspage-major.json'), 0));
    assert.equal(p.indicator, 'critical');
    assert.deepEqual(p.components, [
      { name: 'Web', status: 'major_outage', group: 'ChatGPT' },
      { name: 'App', status: 'partial_outage', group: 'ChatGPT' },
      { name: 'APIs', status: 'degraded_performance' },
    ]);
    const [inc, mnt] = p.incidents;
    assert.equal(inc!.status, 'monitoring');
    assert.equal(inc!.impact, 'critical');
    assert.equal(inc!.open, true);
    assert.equal(inc!.maintenance, false);
    assert.deepEqual(inc!.updates.map((u) => [u.status, new Date(u.at!).toISOString()]), [
      ['identified', '2024-12-11T23:16:20.771Z'],
      ['identified', '2024-12-12T02:30:02.118Z'],
      ['monitoring', '2024-12-12T03:53:41.087Z'],
    ]);
    assert.match(inc!.updates[2]!.body, /Traffic recovery is underway/);
    assert.equal(mnt!.maintenance, true);
    assert.equal(mnt!.open, false, 'a scheduled maintenance has not started');
    assert.equal(pageSaysOperational(p), false);
  });

  it('calls broken JSON and wrong shapes malformed, naming what is wrong', () => {
    const truncated = parseStatuspage(fixture('statuspage-truncated.json'), 0);
    assert.equal(truncated.ok, false);
    assert.match(!truncated.ok ? truncated.error : '', /^malformed: not JSON/);
    const wrong = parseStatuspage(fixture('statuspage-wrong-shape.json'), 0);
    assert.equal(wrong.ok, false);
    const msg = !wrong.ok ? wrong.error : '';
    assert.match(msg, /^malformed: /);
    assert.match(msg, /components\[0\]\.status/);
    assert.match(msg, /status: /, 'the missing page status is named too');
    const html = parseStatuspage('<!doctype html><html><body>Just a moment...</body></html>', 0);
    assert.deepEqual(html, { ok: false, error: 'malformed: an HTML or XML page, not JSON' });
    assert.equal(parseStatuspage('[]', 0).ok, false);
    assert.equal(parseStatuspage('null', 0).ok, false);
  });
});

describe('incident.io widget API', () => {
  it('maps full_outage to major_outage and takes the worst impact as the indicator', () => {
    const p = page(parseIncidentio(fixture('incidentio-ongoing.json'), 0));
    assert.equal(p.indicator, 'critical');
    assert.deepEqual(p.components.map((c) => [c.group, c.name, c.status]), [
      ['ChatGPT', 'Web', 'major_outage'],
      ['ChatGPT', 'App', 'partial_outage'],
      ['API', 'Chat Completions', 'degraded_performance'],
    ]);
    const open = p.incidents.filter((i) => i.open);
    assert.equal(open.length, 1);
    assert.equal(open[0]!.status, 'identified');
    assert.equal(open[0]!.updates[0]!.at, T('2024-12-11T23:16:20Z'));
    assert.equal(p.incidents.find((i) => i.maintenance)!.open, false);
    assert.equal(pageSaysOperational(p), false);
  });

  it('reads no ongoing incident as operational, and a wrong shape as malformed', () => {
    const p = page(parseIncidentio(fixture('incidentio-none.json'), 0));
    assert.equal(pageSaysOperational(p), true);
    const bad = parseIncidentio(JSON.stringify({ ongoing_incidents: [{ id: 'x', name: 'y', status: 'identified', affected_components: [{ id: 'c', name: 'Web', current_status: 'kaput' }] }] }), 0);
    assert.equal(bad.ok, false);
    assert.match(!bad.ok ? bad.error : '', /ongoing_incidents\[0\]\.affected_components\[0\]\.current_status/);
    assert.equal(parseIncidentio('{}', 0).ok, false, 'an empty object is not "no incidents"');
  });
});

describe('Instatus', () => {
  it('reads summary.json', () => {
    const p = page(parseInstatus(fixture('instatus-summary.json'), 0));
    assert.equal(p.indicator, 'major');
    const [inc, mnt] = p.incidents;
    assert.deepEqual([inc!.status, inc!.impact, inc!.open, inc!.createdAt], ['investigating', 'critical', true, T('2024-12-26T18:31:00Z')]);
    assert.deepEqual([mnt!.status, mnt!.maintenance, mnt!.open], ['scheduled', true, false]);
    assert.equal(pageSaysOperational(p), false);
  });

  it('reads v2/components.json with nested children', () => {
    const p = page(parseInstatus(fixture('instatus-components.json'), 0));
    assert.deepEqual(p.components, [
      { name: 'Web', status: 'major_outage', group: 'Chat' },
      { name: 'Mobile app', status: 'partial_outage', group: 'Chat' },
      { name: 'API', status: 'degraded_performance' },
      { name: 'Billing', status: 'operational' },
    ]);
    assert.equal(p.indicator, null);
  });

  it('refuses unknown statuses and unrelated JSON', () => {
    assert.equal(parseInstatus(JSON.stringify({ components: [{ name: 'Web', status: 'SORTOFOK' }] }), 0).ok, false);
    assert.equal(parseInstatus(JSON.stringify({ hello: 'world' }), 0).ok, false);
  });
});

describe('Atom and RSS feeds', () => {
  it('reads Statuspage history.atom: every update with its time, the open incident and the closed one', () => {
    const p = page(parseFeed(fixture('statuspage-history.atom'), T('2024-12-12T04:00:00Z')));
    assert.equal(p.indicator, null);
    const [open, closed] = p.incidents;
    assert.equal(open!.name, 'API, ChatGPT & Sora Facing Issues');
    assert.equal(open!.status, 'monitoring');
    assert.equal(open!.open, true);
    assert.equal(open!.url, 'https://status.openai.com/incidents/ctrsv3lwd797');
    assert.deepEqual(open!.updates.map((u) => [u.status, new Date(u.at!).toISOString()]), [
      ['identified', '2024-12-11T23:16:00.000Z'],
      ['identified', '2024-12-12T02:30:00.000Z'],
      ['monitoring', '2024-12-12T03:53:00.000Z'],
    ]);
    assert.equal(open!.createdAt, T('2024-12-11T23:16:00Z'));
    assert.equal(closed!.status, 'resolved');
    assert.equal(closed!.open, false);
    assert.equal(pageSaysOperational(p), false);
  });

  it('reads RSS; an entry whose stage cannot be read is open only while recent', () => {
    const soon = page(parseFeed(fixture('statuspage-history.rss'), T('2024-12-11T22:50:00Z')));
    assert.deepEqual(soon.incidents.map((i) => [i.name, i.status, i.open]), [
      ['Facebook, Instagram and WhatsApp unavailable', 'resolved', false],
      ['Degraded message delivery', 'unknown', true],
    ]);
    assert.deepEqual(soon.incidents[0]!.updates.map((u) => u.status), ['investigating', 'monitoring', 'resolved']);
    const later = page(parseFeed(fixture('statuspage-history.rss'), T('2024-12-13T12:00:00Z')));
    assert.equal(later.incidents[1]!.open, false);
    assert.equal(pageSaysOperational(later), true);
  });

  it('calls non-XML, broken XML and other XML malformed', () => {
    assert.match((parseFeed('{"a":1}', 0) as { error: string }).error, /^malformed: not XML/);
    assert.match((parseFeed('<feed><entry><title>x</entry></feed>', 0) as { error: string }).error, /^malformed: not well-formed XML/);
    assert.match((parseFeed('<?xml version="1.0"?><html><body/></html>', 0) as { error: string }).error, /^malformed: neither an Atom feed nor an RSS channel/);
  });
});

test('config: a service names its vendor page; kind and URL are checked', () => {
  const cfg = configSchema.parse({
    services: [{ id: 'chatgpt', name: 'ChatGPT', vendor: { kind: 'statuspage', url: 'https://status.openai.com/api/v2/summary.json', interval: '1m' }, components: [{ id: 'web', name: 'Web' }] }],
  });
  assert.deepEqual(cfg.services[0]!.vendor, { kind: 'statuspage', url: 'https://status.openai.com/api/v2/summary.json', interval: 60_000 });
  assert.equal(configSchema.safeParse({ services: [{ id: 'a', name: 'A', vendor: { kind: 'tweets', url: 'https://x.invalid' }, components: [{ id: 'w', name: 'W' }] }] }).success, false);
  assert.equal(configSchema.safeParse({ services: [{ id: 'a', name: 'A', vendor: { kind: 'feed', url: 'file:///etc/passwd' }, components: [{ id: 'w', name: 'W' }] }] }).success, false);
});

describe('fetching vendor pages from a real server', () => {
  const source = (url: string): Pick<VendorSource, 'serviceId' | 'kind' | 'url'> => ({ serviceId: 'chatgpt', kind: 'statuspage', url });
  const read = async (url: string, opts: { timeoutMs?: number; maxBytes?: number } = {}) =>
    readVendorPage(source(url), 1000, await fetchVendorPage(url, { timeoutMs: opts.timeoutMs ?? 2000, maxBytes: opts.maxBytes ?? 1024 * 1024 }));

  it('reads a good page, and records every bad one as a fact, never as operational', async () => {
    const big = 'x'.repeat(300_000);
    const srv = await startHttp((req, res) => {
      const path = req.url ?? '/';
      if (path === '/ok') return res.writeHead(200, { 'content-type': 'application/json' }).end(fixture('statuspage-operational.json'));
      if (path === '/broken') return res.writeHead(200, { 'content-type': 'application/json' }).end(fixture('statuspage-truncated.json'));
      if (path === '/shape') return res.writeHead(200, { 'content-type': 'application/json' }).end(fixture('statuspage-wrong-shape.json'));
      if (path === '/500') return res.writeHead(500, { 'content-type': 'text/html' }).end('<h1>Internal Server Error</h1>');
      if (path === '/hang') return; // never answers
      if (path === '/big-declared') return res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(big.length) }).end(big);
      if (path === '/big-chunked') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write(big);
        return res.end(big);
      }
      if (path === '/moved') return res.writeHead(301, { location: '/ok' }).end();
      if (path === '/loop') return res.writeHead(302, { location: '/loop' }).end();
      res.writeHead(404).end();
    });
    try {
      const ok = await read(`${srv.origin}/ok`);
      assert.deepEqual([ok.reachable, ok.error, ok.saysOperational, ok.components.length], [true, null, true, 3]);
      const moved = await read(`${srv.origin}/moved`);
      assert.equal(moved.saysOperational, true, 'redirects are followed');

      const cases: [string, RegExp, boolean, { timeoutMs?: number; maxBytes?: number }?][] = [
        ['/broken', /^malformed: not JSON/, true],
        ['/shape', /^malformed: .*components\[0\]\.status/, true],
        ['/500', /^vendor page unreachable: HTTP 500$/, false],
        ['/hang', /^vendor page unreachable: no complete answer within 300 ms$/, false, { timeoutMs: 300 }],
        ['/big-declared', /^vendor page unreachable: answer of 300000 bytes is over the 100000-byte cap$/, false, { maxBytes: 100_000 }],
        ['/big-chunked', /^vendor page unreachable: answer over the 100000-byte cap, reading stopped$/, false, { maxBytes: 100_000 }],
        ['/loop', /^vendor page unreachable: more than 3 redirects$/, false],
      ];
      for (const [path, error, reachable, opts] of cases) {
        const s = await read(`${srv.origin}${path}`, opts);
        assert.match(s.error ?? '', error, path);
        assert.equal(s.reachable, reachable, path);
        assert.equal(s.saysOperational, null, `${path} must not read as operational`);
        assert.deepEqual([s.indicator, s.components, s.incidents], [null, [], []], path);
      }
    } finally {
      await srv.close();
    }
  });

  it('records a refused connection and a server that hangs up', async () => {
    const tcp = await startTcp((socket) => socket.destroy());
    try {
      const s = await read(`${tcp.origin}/api/v2/summary.json`);
      assert.equal(s.reachable, false);
      assert.match(s.error ?? '', /^vendor page unreachable: /);
    } finally {
      await tcp.close();
    }
  });
});

class RecordingSink implements VendorSink {
  acks: { serviceId: string; at: number; source: string; text?: string | undefined }[] = [];
  statuses: { serviceId: string; at: number; saysOperational: boolean; reachable: boolean }[] = [];
  vendorAcknowledged(serviceId: string, at: number, source: 'feed', text?: string) {
    this.acks.push({ serviceId, at, source, text });
  }
  vendorStatus(serviceId: string, at: number, saysOperational: boolean, reachable: boolean) {
    this.statuses.push({ serviceId, at, saysOperational, reachable });
  }
}

forEachEngine('vendor poller: history in the store, signals to the incident engine', async (env) => {
  const store = await env.open();
  let body = fixture('statuspage-operational.json');
  let status = 200;
  const srv = await startHttp((_req, res) => res.writeHead(status, { 'content-type': 'application/json' }).end(body));
  const clock = new ManualClock(T('2024-12-11T23:00:00Z'));
  const sink = new RecordingSink();
  const source: VendorSource = { serviceId: 'chatgpt', kind: 'statuspage', url: `${srv.origin}/api/v2/summary.json`, intervalMs: 60_000, timeoutMs: 2000 };
  const poller = new VendorPoller({ clock, db: store.db, sources: [source], sink });
  try {
    // Green, twice: one snapshot row, two polls, no acknowledgement.
    await poller.poll(source, T('2024-12-11T23:00:00Z'));
    await poller.poll(source, T('2024-12-11T23:01:00Z'));
    let snaps = await vendorSnapshots(store.db, 'chatgpt');
    assert.equal(snaps.length, 1);
    assert.deepEqual([snaps[0]!.polls, snaps[0]!.firstSeenAt, snaps[0]!.lastSeenAt], [2, T('2024-12-11T23:00:00Z'), T('2024-12-11T23:01:00Z')]);
    assert.equal(sink.acks.length, 0);
    assert.deepEqual(sink.statuses.map((s) => [s.saysOperational, s.reachable]), [[true, true], [true, true]]);

    // The vendor admits it: one acknowledgement, at the vendor's first update, with its words.
    body = fixture('statuspage-major.json');
    await poller.poll(source, T('2024-12-12T04:00:00Z'));
    await poller.poll(source, T('2024-12-12T04:01:00Z'));
    assert.equal(sink.acks.length, 1);
    assert.equal(sink.acks[0]!.at, T('2024-12-11T23:16:20.771Z'));
    assert.equal(sink.acks[0]!.source, 'feed');
    assert.match(sink.acks[0]!.text ?? '', /^API, ChatGPT & Sora Facing Issues: We're experiencing an outage/);
    const updates = await vendorUpdates(store.db, 'chatgpt');
    assert.deepEqual(updates.map((u) => u.status), ['scheduled', 'identified', 'identified', 'monitoring']);
    const incs = await vendorIncidents(store.db, 'chatgpt');
    assert.deepEqual(incs.map((i) => [i.vendorId, i.closedSeenAt]).sort(), [['ctrsv3lwd797', null], ['mnt0db2412aa', T('2024-12-12T04:00:00Z')]]);

    // The page breaks: a recorded fact; the engine hears "not operational, not reachable".
    status = 500;
    await poller.poll(source, T('2024-12-12T04:02:00Z'));
    const latest = await latestVendorSnapshot(store.db, 'chatgpt');
    assert.deepEqual([latest!.reachable, latest!.error, latest!.saysOperational], [false, 'vendor page unreachable: HTTP 500', null]);
    assert.deepEqual(sink.statuses.at(-1), { serviceId: 'chatgpt', at: T('2024-12-12T04:02:00Z'), saysOperational: false, reachable: false });
    assert.equal((await vendorIncidents(store.db, 'chatgpt')).find((i) => i.vendorId === 'ctrsv3lwd797')!.closedSeenAt, null, 'an unreadable page closes nothing');

    // Back and green: the incident left the page, so it is closed; history keeps every reading.
    status = 200;
    body = fixture('statuspage-operational.json');
    await poller.poll(source, T('2024-12-12T05:00:00Z'));
    assert.equal((await vendorIncidents(store.db, 'chatgpt')).find((i) => i.vendorId === 'ctrsv3lwd797')!.closedSeenAt, T('2024-12-12T05:00:00Z'));
    snaps = await vendorSnapshots(store.db, 'chatgpt');
    assert.deepEqual(snaps.map((s) => s.saysOperational).reverse(), [true, false, null, true]);

    // On the clock: start() polls at once, then every interval.
    const before = sink.statuses.length;
    poller.start();
    clock.advance(0);
    await waitFor('first scheduled poll', () => sink.statuses.length >= before + 1);
    clock.advance(60_000);
    await waitFor('second scheduled poll', () => sink.statuses.length >= before + 2);
    assert.equal(sink.statuses.at(-1)!.at - sink.statuses.at(-2)!.at, 60_000);
  } finally {
    await poller.stop();
    await srv.close();
  }
});

test('the simulator serves the scenario vendor’s Statuspage page, read by the real parser', async () => {
  const { loadScenario } = await import('../src/demo/scenario.js');
  const { startSimulator } = await import('../src/demo/sim-server.js');
  const scenario = loadScenario('unacknowledged-us');
  const sim = await startSimulator(scenario);
  try {
    const url = `http://127.0.0.1:${sim.ports.chatgpt}/api/v2/summary.json`;
    const at = async (iso: string) => {
      sim.setTime(T(iso));
      return readVendorPage({ serviceId: 'chatgpt', kind: 'statuspage', url }, T(iso), await fetchVendorPage(url, { timeoutMs: 2000, maxBytes: 1 << 20 }));
    };
    const before = await at('2024-12-26T20:00:00Z');
    assert.deepEqual([before.error, before.saysOperational, before.incidents.length], [null, true, 0], 'green until 16:05 EST');
    const after = await at('2024-12-26T21:06:00Z');
    assert.equal(after.saysOperational, false);
    assert.deepEqual(after.incidents.map((i) => [i.status, i.updates[0]!.at]), [['identified', T('2024-12-26T21:05:00Z')]]);
    const resolved = await at('2024-12-26T22:00:00Z');
    assert.equal(resolved.saysOperational, true, 'resolved incidents leave the summary');
  } finally {
    await sim.close();
  }
});

forEachEngine('the app polls the vendor pages of its config and keeps their history', async (env) => {
  const { createVigie } = await import('../src/app.js');
  let body = fixture('statuspage-operational.json');
  const srv = await startHttp((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(body));
  const config = configSchema.parse({
    site: { title: 'Vendor test', port: 0 },
    store: env.options.path ? { path: env.options.path } : {},
    services: [{ id: 'chatgpt', name: 'ChatGPT', vendor: { kind: 'statuspage', url: `${srv.origin}/api/v2/summary.json`, interval: '200ms' }, components: [{ id: 'web', name: 'Web' }] }],
  });
  const vigie = await createVigie({ config, ...(env.options.url ? { databaseUrl: env.options.url } : {}) });
  try {
    await vigie.start();
    await waitFor('a green reading', async () => (await latestVendorSnapshot(vigie.store.db, 'chatgpt'))?.saysOperational === true);
    // The engine hears the reading through its queue, after the poller stored it.
    await waitFor('the engine hears the green reading', () => vigie.incidents.vendorState('chatgpt')?.green === true);
    body = fixture('statuspage-major.json');
    await waitFor('the outage reading', async () => (await latestVendorSnapshot(vigie.store.db, 'chatgpt'))?.saysOperational === false);
    await waitFor('the engine hears it', () => vigie.incidents.vendorState('chatgpt')?.green === false);
    assert.ok((await vendorUpdates(vigie.store.db, 'chatgpt')).some((u) => /Traffic recovery is underway/.test(u.body)));
  } finally {
    await vigie.stop();
    await srv.close();
  }
});
