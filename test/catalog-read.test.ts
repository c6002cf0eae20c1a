// The console's read routes through a real Vigie and real HTTP targets on 127.0.0.1: the services
// tree, the monitor list with live status, one monitor (masked secrets, URL-encoded ids with "/" and
// "@"), its series, days and failures, and the live event stream seeing a monitor go down.
import assert from 'node:assert/strict';
import { request } from 'undici';
import { createVigie } from '../src/app.js';
import { configSchema } from '../src/config/schema.js';
import { phaseOffset } from '../src/schedule/scheduler.js';
import { forEachEngine } from './helpers/engines.js';
import { ADMIN_TOKEN, adminCaller } from './helpers/admin.js';
import { startHttp } from './helpers/servers.js';
import { waitFor } from './helpers/wait.js';

/** Reads an SSE stream until `want` matches an event, or the bound passes. */
async function readEvents(url: string, want: (event: string, data: any) => boolean, timeoutMs = 20_000): Promise<{ event: string; data: any }[]> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), timeoutMs);
  const seen: { event: string; data: any }[] = [];
  try {
    const r = await request(url, { headers: { authorization: `Bearer ${ADMIN_TOKEN}`, accept: 'text/event-stream' }, signal: ac.signal });
    assert.equal(r.statusCode, 200);
    assert.match(String(r.headers['content-type']), /^text\/event-stream/);
    let buf = '';
    for await (const chunk of r.body) {
      buf += chunk.toString();
      let i: number;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event === undefined || data === undefined) continue;
        const e = { event, data: JSON.parse(data) };
        seen.push(e);
        if (want(e.event, e.data)) {
          ac.abort();
          return seen;
        }
      }
    }
  } catch (err) {
    if (!ac.signal.aborted) throw err;
  } finally {
    clearTimeout(timer);
  }
  return seen;
}

forEachEngine('catalog read routes: tree, list, one monitor, series, days, failures, events', async (engine) => {
  let healthy = true;
  const target = await startHttp((req, res) => {
    if (req.url === '/health' && !healthy) res.writeHead(503).end('down');
    else res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  });
  const config = configSchema.parse({
    site: { title: 'Acme status', port: 0 },
    store: engine.options.path ? { path: engine.options.path } : {},
    defaults: { interval: '300ms', timeout: '2s', failures_to_down: 1, successes_to_up: 1 },
    services: [
      {
        id: 'acme',
        name: 'Acme',
        components: [
          {
            id: 'api',
            name: 'API',
            monitors: [
              { name: 'home', url: `${target.origin}/health`, headers: { Authorization: 'Bearer very-secret', 'X-Trace': 'on' } },
              { name: 'multi', url: `${target.origin}/other`, regions: ['local'] },
            ],
          },
        ],
      },
    ],
  });
  const vigie = await createVigie({ config, adminToken: ADMIN_TOKEN, ...(engine.options.url ? { databaseUrl: engine.options.url } : {}) });
  try {
    const base = await vigie.start();
    const call = adminCaller(base);

    // The tree, marked as coming from vigie.yaml.
    let r = await call('GET', '/services');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.services.length, 1);
    assert.equal(r.json.services[0].source, 'config');
    assert.equal(r.json.services[0].components[0].id, 'acme/api');
    assert.deepEqual(
      r.json.services[0].components[0].monitors.map((m: any) => [m.id, m.source, m.paused]),
      [
        ['acme/api/home', 'config', false],
        ['acme/api/multi@local', 'config', false],
      ],
    );

    // The list, once both units have been checked.
    const list = await waitFor('both monitors up', async () => {
      const x = await call('GET', '/monitors');
      return x.json.monitors.length === 2 && x.json.monitors.every((m: any) => m.status === 'up') ? x.json : undefined;
    });
    assert.equal(list.next_cursor, null);
    const home = list.monitors[0];
    assert.equal(home.id, 'acme/api/home');
    assert.equal(home.kind, 'http');
    assert.equal(home.target, `${target.origin}/health`);
    assert.equal(home.interval_s, 0.3);
    assert.equal(home.source, 'config');
    assert.ok(home.last_latency_ms >= 0 && home.last_check_at && home.since);
    assert.equal(home.last_error, null);

    // Filters and paging.
    assert.deepEqual((await call('GET', '/monitors?q=MULTI')).json.monitors.map((m: any) => m.id), ['acme/api/multi@local']);
    assert.equal((await call('GET', '/monitors?status=down')).json.monitors.length, 0);
    assert.equal((await call('GET', '/monitors?region=local&service=acme')).json.monitors.length, 2);
    const page1 = (await call('GET', '/monitors?limit=1')).json;
    assert.equal(page1.monitors.length, 1);
    assert.equal(page1.next_cursor, 'acme/api/home');
    const page2 = (await call('GET', `/monitors?limit=1&cursor=${encodeURIComponent(page1.next_cursor)}`)).json;
    assert.deepEqual(page2.monitors.map((m: any) => m.id), ['acme/api/multi@local']);
    assert.equal(page2.next_cursor, null);
    r = await call('GET', '/monitors?status=sideways');
    assert.equal(r.status, 400);
    assert.match(r.json.message, /query\.status: "sideways" is not a status/);

    // One monitor: ids with "/" and "@" URL-encoded round-trip; secrets masked.
    r = await call('GET', `/monitors/${encodeURIComponent('acme/api/home')}`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.id, 'acme/api/home');
    assert.equal(r.json.config.headers.Authorization, '********');
    assert.equal(r.json.config.headers['X-Trace'], 'on');
    assert.equal(r.json.config.interval, undefined, 'the file left interval to the defaults');
    assert.ok(!r.text.includes('very-secret'));
    assert.equal(r.json.certificate, null, 'plain http has no certificate');
    assert.deepEqual(r.json.regions.map((x: any) => [x.id, x.status]), [['acme/api/home', 'up']]);
    r = await call('GET', '/monitors/acme%2Fapi%2Fmulti%40local');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.id, 'acme/api/multi@local');
    assert.equal(r.json.region, 'local');
    assert.equal(r.json.monitor_id, 'acme/api/multi');
    r = await call('GET', '/monitors/acme%2Fapi%2Fmulti');
    assert.equal(r.status, 200, 'the monitor itself, by its id without region');
    assert.deepEqual(r.json.regions.map((x: any) => x.id), ['acme/api/multi@local']);
    assert.equal((await call('GET', '/monitors/acme%2Fapi%2Fnope')).status, 404);

    // Series from raw observations: every check so far was good.
    const series = await waitFor('stored observations', async () => {
      const x = (await call('GET', `/monitors/${encodeURIComponent('acme/api/home')}/series?range=1h`)).json;
      return x.t.length >= 2 ? x : undefined;
    });
    assert.equal(series.resolution, 'raw');
    for (const k of ['total_ms', 'dns_ms', 'connect_ms', 'tls_ms', 'first_byte_ms', 'ok']) assert.equal(series[k].length, series.t.length, k);
    assert.ok(series.ok.every((v: number) => v === 1));
    assert.ok(series.total_ms.every((v: number) => v > 0));
    assert.ok(series.tls_ms.every((v: number | null) => v === null), 'no TLS on plain http');
    assert.ok(series.t.every((v: number, i: number) => Number.isInteger(v) && (i === 0 || v >= series.t[i - 1])));
    r = await call('GET', `/monitors/${encodeURIComponent('acme/api/home')}/series?range=90d`);
    assert.equal(r.status, 200);
    assert.equal(r.json.resolution, 'day');
    assert.equal((await call('GET', `/monitors/${encodeURIComponent('acme/api/home')}/series?range=2h`)).status, 400);

    r = await call('GET', `/monitors/${encodeURIComponent('acme/api/home')}/days?days=7`);
    assert.equal(r.status, 200);
    assert.equal(r.json.days.length, 7);
    assert.match(r.json.days[6].day, /^\d{4}-\d{2}-\d{2}$/);

    // The target fails: the stream tells, the list follows, the failures are listed with their class.
    const events = readEvents(`${base}/api/admin/monitors/events`, (e, d) => e === 'status' && d.id === 'acme/api/home' && d.status === 'down');
    await new Promise((res) => setTimeout(res, 300));
    healthy = false;
    const seen = await events;
    const down = seen.find((e) => e.event === 'status' && e.data.id === 'acme/api/home');
    assert.ok(down, `a status event; saw ${JSON.stringify(seen)}`);
    assert.equal(down.data.status, 'down');
    assert.equal(down.data.from, 'up');
    assert.equal(down.data.last_error.kind, 'http_status');
    assert.equal(seen[0]!.event, 'hello');

    const downList = (await call('GET', '/monitors?status=down')).json.monitors;
    assert.deepEqual(downList.map((m: any) => m.id), ['acme/api/home']);
    const failures = await waitFor('a stored failure', async () => {
      const x = (await call('GET', `/monitors/${encodeURIComponent('acme/api/home')}/failures?limit=5`)).json;
      return x.failures.length > 0 ? x.failures : undefined;
    });
    assert.equal(failures[0].error_kind, 'http_status');
    assert.equal(failures[0].status_code, 503);
    assert.equal(failures[0].region, 'local');

    // Every answer has the shape its route documents (the OpenAPI document is built from these schemas).
    const id = encodeURIComponent('acme/api/home');
    for (const [op, path] of [
      ['listServices', '/services'],
      ['listMonitors', '/monitors'],
      ['getMonitor', `/monitors/${id}`],
      ['getMonitorSeries', `/monitors/${id}/series?range=1d`],
      ['getMonitorDays', `/monitors/${id}/days`],
      ['listMonitorFailures', `/monitors/${id}/failures`],
    ] as const) {
      const schema = vigie.admin.routes.find((x) => x.operationId === op)!.response!;
      const answer = await call('GET', path);
      const parsed = schema.safeParse(answer.json);
      assert.ok(parsed.success, `${op}: ${parsed.success ? '' : parsed.error.message}`);
    }

    // Without a token, nothing.
    assert.equal((await call('GET', '/monitors', undefined, null)).status, 401);
    assert.equal((await request(`${base}/api/admin/monitors/events`, { headers: { accept: 'text/event-stream' } })).statusCode, 401);
    // A client that does not ask for a stream is answered, not left hanging.
    const plain = await call('GET', '/monitors/events');
    assert.equal(plain.status, 406);
    assert.equal(plain.json.error, 'not_acceptable');
  } finally {
    await vigie.stop();
    await target.close();
  }
});

forEachEngine('after a restart, the list shows each monitor\'s last stored check until detection has its own', async (engine) => {
  // Its first check comes about 50 minutes after start (the scheduler's stable phase): the list must not wait for it.
  assert.ok(phaseOffset('acme/api/nightly', 3_600_000) > 30 * 60_000);
  const config = configSchema.parse({
    site: { port: 0 },
    store: engine.options.path ? { path: engine.options.path } : {},
    services: [{ id: 'acme', name: 'Acme', components: [{ id: 'api', name: 'API', monitors: [{ name: 'nightly', url: 'http://127.0.0.1:9/', interval: '1h' }] }] }],
  });
  const vigie = await createVigie({ config, adminToken: ADMIN_TOKEN, ...(engine.options.url ? { databaseUrl: engine.options.url } : {}) });
  try {
    const at = Date.now() - 120_000;
    await vigie.store.recordObservations([
      { monitorId: 'acme/api/nightly', region: 'local', at: at - 3_600_000, ok: true, degraded: false, phases: { totalMs: 8 } },
      { monitorId: 'acme/api/nightly', region: 'local', at, ok: false, degraded: false, phases: { totalMs: 3 }, error: { kind: 'connect', message: 'connect ECONNREFUSED 127.0.0.1:9' } },
    ]);
    const call = adminCaller(await vigie.start());
    const m = await waitFor('the stored check on the list', async () => {
      const x = (await call('GET', '/monitors')).json.monitors[0];
      return x.status !== 'unknown' ? x : undefined;
    });
    assert.equal(m.status, 'down');
    assert.equal(m.since, null, 'when it went down is not known from one check');
    assert.equal(m.last_check_at, new Date(at).toISOString());
    assert.deepEqual(m.last_error, { kind: 'connect', message: 'connect ECONNREFUSED 127.0.0.1:9' });
  } finally {
    await vigie.stop();
  }
});
