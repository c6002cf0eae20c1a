// Editing the catalog through the admin API of a real Vigie, with real HTTP targets on 127.0.0.1:
// a monitor made through the API is scheduled and checked (then fails when its server stops),
// edited, paused, resumed and deleted; vigie.yaml's items are refused; validation answers with the
// config loader's own text; services and components; what was made survives a restart, and the
// file wins an id both claim; "Test now"; vendors' last readings; "Send test" through a channel.
import assert from 'node:assert/strict';
import { createVigie, type Vigie } from '../src/app.js';
import { configSchema } from '../src/config/schema.js';
import { parseConfigText } from '../src/config/load.js';
import { forEachEngine, type TestEngine } from './helpers/engines.js';
import { ADMIN_TOKEN, adminCaller } from './helpers/admin.js';
import { startHttp } from './helpers/servers.js';
import { waitFor } from './helpers/wait.js';

const enc = encodeURIComponent;

function raw(engine: TestEngine, origin: string, extraMonitors: unknown[] = [], extra: Record<string, unknown> = {}) {
  return {
    site: { title: 'Acme status', port: 0 },
    store: engine.options.path ? { path: engine.options.path } : {},
    defaults: { interval: '300ms', timeout: '2s', failures_to_down: 1, successes_to_up: 1 },
    services: [{ id: 'acme', name: 'Acme', components: [{ id: 'api', name: 'API', monitors: [{ name: 'home', url: `${origin}/home` }, ...extraMonitors] }] }],
    ...extra,
  };
}

async function start(engine: TestEngine, config: unknown): Promise<{ vigie: Vigie; call: ReturnType<typeof adminCaller> }> {
  const vigie = await createVigie({ config: configSchema.parse(config), adminToken: ADMIN_TOKEN, ...(engine.options.url ? { databaseUrl: engine.options.url } : {}) });
  const base = await vigie.start();
  return { vigie, call: adminCaller(base) };
}

forEachEngine('catalog editing: app-made monitors run, config items are refused, the loader speaks', async (engine) => {
  const hits = new Map<string, number>();
  const target = await startHttp((req, res) => {
    hits.set(req.url ?? '', (hits.get(req.url ?? '') ?? 0) + 1);
    if (req.url === '/fail') res.writeHead(500).end('no');
    else res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  });
  let appHits = 0;
  const appTarget = await startHttp((_req, res) => {
    appHits++;
    res.writeHead(200).end('fine');
  });
  const hooks: string[] = [];
  const receiver = await startHttp((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      hooks.push(body);
      res.writeHead(204).end();
    });
  });
  const vendorPage = await startHttp((req, res) => {
    if (req.url === '/api/v2/summary.json')
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ page: { id: 'x', name: 'Upstream', url: 'https://status.example.com', updated_at: '2026-01-01T00:00:00Z' }, status: { indicator: 'none', description: 'All Systems Operational' }, components: [{ id: 'c1', name: 'API', status: 'operational', position: 1, group: false, group_id: null }], incidents: [], scheduled_maintenances: [] }));
    else res.writeHead(200, { 'content-type': 'application/json' }).end('{"not":"a summary"');
  });
  const extra = {
    notify: { channels: { hook: { type: 'webhook', url: `${receiver.origin}/hook` } } },
  };
  const withVendors = (cfg: ReturnType<typeof raw>) => ({
    ...cfg,
    services: [
      ...cfg.services,
      { id: 'upstream', name: 'Upstream', vendor: { kind: 'statuspage', url: `${vendorPage.origin}/api/v2/summary.json` }, components: [{ id: 'api', name: 'API' }] },
      { id: 'broken', name: 'Broken', vendor: { kind: 'statuspage', url: `${vendorPage.origin}/broken.json` }, components: [{ id: 'api', name: 'API' }] },
    ],
  });
  let { vigie, call } = await start(engine, withVendors(raw(engine, target.origin, [], extra)));
  /** The answer has the shape its route documents. */
  const shape = (op: string, json: unknown) => {
    const parsed = vigie.admin.routes.find((x) => x.operationId === op)!.response!.safeParse(json);
    assert.ok(parsed.success, `${op}: ${parsed.success ? '' : parsed.error.message}`);
  };
  try {
    // A monitor made through the API, in a component of vigie.yaml: scheduled and checked at once.
    let r = await call('POST', '/monitors', { service: 'acme', component: 'api', monitor: { name: 'app', url: `${appTarget.origin}/app`, headers: { Authorization: 'Bearer s3cret' } } });
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(r.json, { id: 'acme/api/app', units: ['acme/api/app'] });
    shape('createMonitor', r.json);
    await waitFor('the app-made monitor checked', () => appHits >= 2);
    const listed = await waitFor('the app-made monitor up', async () => (await call('GET', '/monitors?q=acme/api/app')).json.monitors.find((m: any) => m.id === 'acme/api/app' && m.status === 'up'));
    assert.equal(listed.source, 'app');
    assert.equal(listed.paused, false);
    r = await call('GET', '/services');
    const api = r.json.services[0].components[0];
    assert.equal(api.source, 'config');
    assert.deepEqual(api.monitors.map((m: any) => [m.id, m.source]), [['acme/api/home', 'config'], ['acme/api/app', 'app']]);
    r = await call('GET', `/monitors/${enc('acme/api/app')}`);
    assert.equal(r.json.config.headers.Authorization, '********');
    assert.equal(r.json.source, 'app');

    // The audit log has the change, its secret masked.
    r = await call('GET', '/audit?action=createMonitor');
    assert.equal(r.status, 200, r.text);
    const made = r.json.entries.find((e: any) => e.target === 'monitor:acme/api/app');
    assert.ok(made, r.text);
    assert.equal(made.before, null);
    assert.equal(made.after.url, `${appTarget.origin}/app`);
    assert.ok(!r.text.includes('s3cret'), 'no secret in the audit log');

    // Validation: the config loader's own messages, fields named from the request.
    const bad = { name: 'bad', url: 'ftp://example.com/', interval: '3 parsecs', expected_status: [700], intervall: 5 };
    r = await call('POST', '/monitors', { service: 'acme', component: 'api', monitor: bad });
    assert.equal(r.status, 400, r.text);
    const loaded = parseConfigText(JSON.stringify({ services: [{ id: 'acme', name: 'Acme', components: [{ id: 'api', name: 'API', monitors: [bad] }] }] }), 'vigie.yaml', {});
    assert.equal(loaded.ok, false);
    const fileErrors = loaded.ok ? [] : loaded.errors;
    const byPath = new Map(fileErrors.map((e) => [e.path.replace('services[0].components[0].monitors[0].', ''), e.message]));
    const apiIssues = new Map<string, string>(r.json.issues.map((i: any) => [i.field.replace('body.monitor.', ''), i.message]));
    for (const k of ['url', 'interval', 'expected_status.0', 'intervall']) {
      const fileKey = k === 'expected_status.0' ? 'expected_status[0]' : k;
      assert.ok(apiIssues.has(k), `the API names body.monitor.${k}: ${r.text}`);
      assert.equal(apiIssues.get(k), byPath.get(fileKey), `same text as the file for ${k}`);
    }
    assert.match(apiIssues.get('intervall')!, /unknown key "intervall" \(did you mean "interval"\?\)/);
    assert.match(r.json.message, /body\.monitor\.url: /);
    r = await call('POST', '/monitors', { service: 'acme', component: 'api', monitor: { url: `${appTarget.origin}/x` } });
    assert.equal(r.status, 400);
    assert.deepEqual(r.json.issues, [{ field: 'body.monitor.name', message: 'missing required key "name"' }]);
    r = await call('POST', '/monitors', { service: 'acme', component: 'nope', monitor: { name: 'x', url: `${appTarget.origin}/x` } });
    assert.equal(r.status, 404);
    // An API entry's "${" is literal text, not a variable.
    r = await call('POST', '/monitors/test', { monitor: { name: 'lit', url: `${target.origin}/home`, body_contains: '${NOT_A_VAR}' } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.observation.ok, false);
    assert.equal(r.json.observation.error.kind, 'assertion');

    // vigie.yaml's items are read-only; ids it holds cannot be taken.
    r = await call('PATCH', `/monitors/${enc('acme/api/home')}`, { monitor: { interval: '1s' } });
    assert.equal(r.status, 409);
    assert.deepEqual(r.json, { error: 'from_config', message: 'monitor "acme/api/home" is defined in vigie.yaml; edit the file' });
    assert.equal((await call('DELETE', `/monitors/${enc('acme/api/home')}`)).status, 409);
    assert.equal((await call('POST', `/monitors/${enc('acme/api/home')}/pause`)).status, 409);
    assert.equal((await call('DELETE', '/services/acme')).json.error, 'from_config');
    assert.equal((await call('PATCH', `/components/${enc('acme/api')}`, { name: 'X' })).json.error, 'from_config');
    r = await call('POST', '/monitors', { service: 'acme', component: 'api', monitor: { name: 'home', url: `${appTarget.origin}/x` } });
    assert.equal(r.status, 409);
    assert.match(r.json.message, /already defined in vigie\.yaml/);
    r = await call('POST', '/services', { id: 'acme', name: 'Again', components: [{ id: 'x', name: 'X' }] });
    assert.equal(r.status, 409);

    // Edit: fields replace, the masked secret is kept, the schedule follows.
    r = await call('PATCH', `/monitors/${enc('acme/api/app')}`, { monitor: { headers: { Authorization: '********', 'X-More': '1' }, timeout: '3s' } });
    assert.equal(r.status, 200, r.text);
    shape('updateMonitor', r.json);
    assert.deepEqual(vigie.catalog.storedEntry('monitor', 'acme/api/app')!.headers, { Authorization: 'Bearer s3cret', 'X-More': '1' });
    assert.equal((await call('GET', `/monitors/${enc('acme/api/app')}`)).json.timeout_s, 3);
    r = await call('PATCH', `/monitors/${enc('acme/api/app')}`, { monitor: { name: 'renamed' } });
    assert.equal(r.status, 400);
    r = await call('PATCH', `/monitors/${enc('acme/api/app')}`, { monitor: { url: 'not a url' } });
    assert.equal(r.status, 400);
    assert.equal(r.json.issues[0].field, 'body.monitor.url');

    r = await call('GET', '/audit?action=updateMonitor');
    const edited = r.json.entries.find((e: any) => e.target === 'monitor:acme/api/app' && e.outcome === 'ok');
    assert.ok(edited, r.text);
    assert.equal(edited.before.timeout, undefined);
    assert.equal(edited.after.timeout, '3s');
    assert.ok(!r.text.includes('s3cret'));

    // Pause: not scheduled, shown as paused; resume: checked again.
    r = await call('POST', `/monitors/${enc('acme/api/app')}/pause`);
    assert.deepEqual(r.json, { id: 'acme/api/app', paused: true });
    shape('pauseMonitor', r.json);
    assert.equal((await call('GET', `/monitors?q=acme/api/app`)).json.monitors[0].status, 'paused');
    await new Promise((res) => setTimeout(res, 600)); // a check in flight at the pause may still land
    const pausedAt = appHits;
    await new Promise((res) => setTimeout(res, 1200));
    assert.equal(appHits, pausedAt, 'no checks while paused');
    r = await call('POST', `/monitors/${enc('acme/api/app')}/resume`);
    assert.equal(r.json.paused, false);
    await waitFor('checks again after resume', () => appHits > pausedAt);

    // Test now, through the real probe: the config monitor and a failing entry.
    r = await call('POST', `/monitors/${enc('acme/api/home')}/test`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.observation.ok, true);
    assert.equal(r.json.observation.status_code, 200);
    shape('testMonitor', r.json);
    assert.ok(r.json.observation.phases.total_ms > 0 && r.json.observation.phases.connect_ms !== null);
    r = await call('POST', '/monitors/test', { service: 'acme', component: 'api', monitor: { name: 'trial', url: `${target.origin}/fail` } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.observation.ok, false);
    assert.equal(r.json.observation.error.kind, 'http_status');
    assert.equal(r.json.observation.status_code, 500);
    shape('testMonitorEntry', r.json);
    assert.equal((await call('GET', `/monitors/${enc('acme/api/trial')}`)).status, 404, 'a test is not saved');

    // Services and components made in the app.
    r = await call('POST', '/services', { id: 'shop', name: 'Shop', components: [{ id: 'web', name: 'Web', monitors: [{ name: 'front', url: `${target.origin}/shop` }] }] });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.source, 'app');
    assert.deepEqual(r.json.components[0].monitors.map((m: any) => m.id), ['shop/web/front']);
    shape('createService', r.json);
    await waitFor('the new service checked', () => (hits.get('/shop') ?? 0) > 0);
    r = await call('POST', '/services/shop/components', { id: 'db', name: 'Database', depends_on: ['web'] });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.id, 'shop/db');
    shape('createComponent', r.json);
    r = await call('POST', '/services/shop/components', { id: 'cache', name: 'Cache', depends_on: ['nowhere'] });
    assert.equal(r.status, 400);
    assert.deepEqual(r.json.issues, [{ field: 'body.depends_on.0', message: 'unknown component "nowhere"' }]);
    r = await call('PATCH', `/components/${enc('shop/db')}`, { description: 'Orders', group: null });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.description, 'Orders');
    shape('updateComponent', r.json);
    r = await call('PATCH', '/services/shop', { url: 'https://shop.example.com' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.url, 'https://shop.example.com');
    shape('updateService', r.json);
    r = await call('PATCH', '/services/shop', { url: 'javascript:alert(1)' });
    assert.equal(r.status, 400);
    assert.equal(r.json.issues[0].field, 'body.url');
    r = await call('POST', '/services/acme/components', { id: 'queue', name: 'Queue' });
    assert.equal(r.status, 201, 'a component in a service of vigie.yaml');
    assert.equal(r.json.source, 'app');
    assert.equal((await call('DELETE', `/components/${enc('shop/web')}`)).status, 409, 'has a monitor');
    assert.equal((await call('DELETE', '/services/shop')).json.error, 'has_monitors');
    r = await call('DELETE', '/services/shop?cascade=true');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.removed.sort(), ['shop', 'shop/db', 'shop/web', 'shop/web/front']);
    shape('deleteService', r.json);
    assert.equal((await call('GET', `/monitors/${enc('shop/web/front')}`)).status, 404);

    // Vendors: each polled page with its last reading, and the problem with the one that does not read.
    const vendors = await waitFor('both vendor pages read', async () => {
      const v = (await call('GET', '/vendors')).json.vendors;
      return v.every((x: any) => x.last !== null) ? v : undefined;
    });
    shape('listVendors', { vendors });
    const up = vendors.find((v: any) => v.service === 'upstream');
    assert.equal(up.last.reachable, true);
    assert.equal(up.last.says_operational, true);
    assert.equal(up.last.problem, null);
    assert.deepEqual(up.last.components, [{ name: 'API', status: 'operational' }]);
    const broken = vendors.find((v: any) => v.service === 'broken');
    assert.equal(broken.last.reachable, true);
    assert.ok(broken.last.problem, 'a page that does not read names its problem');

    // Send test through the real channel.
    r = await call('POST', '/notify/channels/hook/test');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.ok, true);
    assert.equal(r.json.status, 204);
    shape('testNotifyChannel', r.json);
    assert.equal(hooks.length, 1);
    assert.match(hooks[0]!, /test/i, 'the receiver got the test message');
    assert.equal((await call('POST', '/notify/channels/nope/test')).status, 404);

    // What was made survives a restart; the file wins an id both claim.
    await vigie.stop();
    ({ vigie, call } = await start(engine, raw(engine, target.origin, [{ name: 'app', url: `${target.origin}/from-file` }])));
    r = await call('GET', '/services');
    assert.deepEqual(r.json.problems, [{ id: 'acme/api/app', message: 'monitor "acme/api/app" is also defined in vigie.yaml: the file\'s is used' }]);
    const comps = r.json.services[0].components.map((c: any) => [c.id, c.source]);
    assert.deepEqual(comps, [['acme/api', 'config'], ['acme/queue', 'app']]);
    await waitFor('the file\'s monitor runs', () => (hits.get('/from-file') ?? 0) > 0);
    await vigie.stop();
    ({ vigie, call } = await start(engine, raw(engine, target.origin)));
    const back = await waitFor('the app-made monitor back after restart', async () => (await call('GET', '/monitors')).json.monitors.find((m: any) => m.id === 'acme/api/app' && m.status === 'up'));
    assert.equal(back.source, 'app');

    // A long id, URL-encoded, through every kind of monitor route.
    const long = `acme/api/${'x'.repeat(150)}`;
    r = await call('POST', '/monitors', { service: 'acme', component: 'api', monitor: { name: 'x'.repeat(150), url: `${target.origin}/long`, regions: ['local'] } });
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(r.json.units, [`${long}@local`]);
    for (const path of [`/monitors/${enc(`${long}@local`)}`, `/monitors/${enc(long)}`, `/monitors/${enc(`${long}@local`)}/series`, `/monitors/${enc(`${long}@local`)}/failures`])
      assert.equal((await call('GET', path)).status, 200, path);
    assert.equal((await call('DELETE', `/monitors/${enc(`${long}@local`)}`)).status, 204, 'a unit id names its monitor');

    // Delete: gone from the list and the schedule; the server stopping no longer matters.
    r = await call('DELETE', `/monitors/${enc('acme/api/app')}`);
    assert.equal(r.status, 204);
    assert.equal((await call('GET', `/monitors/${enc('acme/api/app')}`)).status, 404);
    assert.equal((await call('DELETE', `/monitors/${enc('acme/api/app')}`)).status, 404);
  } finally {
    await vigie.stop();
    await Promise.all([target.close(), appTarget.close(), receiver.close(), vendorPage.close()]);
  }
});

forEachEngine('catalog: an app-made monitor fails when its server stops', async (engine) => {
  const target = await startHttp((_req, res) => res.writeHead(200).end('ok'));
  let open = true;
  const { vigie, call } = await start(engine, raw(engine, target.origin));
  try {
    let r = await call('POST', '/monitors', { service: 'acme', component: 'api', monitor: { name: 'gone', type: 'tcp', host: '127.0.0.1', port: target.port } });
    assert.equal(r.status, 201, r.text);
    await waitFor('up', async () => (await call('GET', `/monitors/${enc('acme/api/gone')}`)).json.status === 'up');
    await target.close();
    open = false;
    const down = await waitFor('down once the server stopped', async () => {
      const m = (await call('GET', `/monitors/${enc('acme/api/gone')}`)).json;
      return m.status === 'down' ? m : undefined;
    });
    assert.equal(down.last_error.kind, 'connect');
    const failures = await waitFor('a stored failure', async () => {
      const f = (await call('GET', `/monitors/${enc('acme/api/gone')}/failures`)).json.failures;
      return f.length > 0 ? f : undefined;
    });
    assert.equal(failures[0].error_kind, 'connect');
  } finally {
    await vigie.stop();
    if (open) await target.close();
  }
});
