// End to end through the composition root: a real target on loopback fails and recovers,
// Vigie probes it over HTTP, stores what it saw, and the page and summary.json follow.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { request } from 'undici';
import { createVigie } from '../src/app.js';
import { configSchema } from '../src/config/schema.js';
import { forEachEngine } from './helpers/engines.js';
import { waitFor } from './helpers/wait.js';

const SLOW = 60_000;

function target() {
  const failing = new Set<string>();
  const server: Server = createServer((req, res) => {
    const region = (req.url ?? '/').split('/')[1] ?? '';
    if (failing.has(region)) res.writeHead(500, { 'content-type': 'text/html' }).end('<h1>Internal Server Error</h1>');
    else res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
  });
  return { server, failing };
}

forEachEngine('a failing target moves its component to major outage, partial while regions recover, then back', async (engine) => {
  const t = target();
  await new Promise<void>((r) => t.server.listen(0, '127.0.0.1', r));
  const port = (t.server.address() as AddressInfo).port;
  const config = configSchema.parse({
    site: { title: 'Acme status', port: 0 },
    store: engine.options.path ? { path: engine.options.path } : {},
    defaults: { interval: '100ms', timeout: '1s', failures_to_down: 2, successes_to_up: 2 },
    services: [
      {
        id: 'acme',
        name: 'Acme',
        components: [
          { id: 'api', name: 'API', monitors: ['us', 'eu'].map((r) => ({ name: r, region: r, url: `http://127.0.0.1:${port}/${r}/api` })) },
          { id: 'web', name: 'Web <b>app</b>', depends_on: ['api'] },
        ],
      },
    ],
  });
  const vigie = await createVigie({ config, ...(engine.options.url ? { databaseUrl: engine.options.url } : {}) });
  try {
    const base = await vigie.start();
    const summary = async () => (await (await request(`${base}/api/v2/summary.json`)).body.json()) as {
      status: { indicator: string };
      components: Array<{ name: string; status: string; group: boolean; group_id: string | null; id: string }>;
    };
    const statusOf = async (name: string) => (await summary()).components.find((c) => c.name === name)?.status;

    // Checks run and are stored while everything is fine. (Deadlines with room for a loaded machine:
    // on a busy PostgreSQL two failed checks and the status write can take more than the usual 15 s.)
    await waitFor('observations', async () => (await vigie.store.recentObservations('acme/api/us', 5)).length >= 3, SLOW);
    assert.equal(await statusOf('API'), 'operational');
    const first = await summary();
    assert.equal(first.status.indicator, 'none');
    const group = first.components.find((c) => c.group);
    assert.equal(group?.name, 'Acme');
    assert.ok(first.components.filter((c) => !c.group).every((c) => c.group_id === group!.id));

    t.failing.add('us').add('eu');
    await waitFor('major outage', async () => (await statusOf('API')) === 'major_outage', SLOW);
    // The dependent component's status may be published a moment after the API's.
    const web = await waitFor('the dependent component to follow', async () => {
      const s = await statusOf('Web <b>app</b>');
      return s !== 'operational' ? s : undefined;
    }, SLOW);
    assert.equal(web, 'partial_outage', 'the dependent component is impaired, not down');
    assert.equal((await summary()).status.indicator, 'major');
    const bad = await vigie.store.recentObservations('acme/api/us', 1);
    assert.equal(bad[0]?.ok, false);
    assert.equal(bad[0]?.error?.kind, 'http_status');

    const page = await request(`${base}/`);
    const html = await page.body.text();
    assert.match(html, /Major Outage/);
    assert.match(html, /Web &lt;b>app&lt;\/b>/, 'names are escaped');
    assert.doesNotMatch(html, /Web <b>app<\/b>/);

    t.failing.delete('us');
    await waitFor('partial outage while one region still fails', async () => (await statusOf('API')) === 'partial_outage', SLOW);
    t.failing.clear();
    await waitFor('recovery', async () => (await statusOf('API')) === 'operational', SLOW);

    const history = (await vigie.store.statusChanges({ componentId: 'acme/api' })).map((c) => c.toStatus).reverse();
    // Regions cross the failure threshold a few ms apart, so a brief partial outage may come first.
    const major = history.indexOf('major_outage');
    assert.ok(major >= 0 && history.slice(0, major).every((s) => s === 'partial_outage'), history.join(' → '));
    assert.deepEqual(history.slice(major), ['major_outage', 'partial_outage', 'operational']);

    // Prepared responses: conditional requests and compression (bodies under 1 KB go as they are).
    // A publish can still land between two requests (the recovery's, late on a loaded machine): the page
    // then has a new validator and a 200 is right. The pair is asked again until no publish came between.
    const { r1, body1, r2 } = await waitFor('two requests that see the same page', async () => {
      const r1 = await request(`${base}/`, { headers: { 'accept-encoding': 'gzip' } });
      const body1 = Buffer.from(await r1.body.arrayBuffer());
      const r2 = await request(`${base}/`, { headers: { 'if-none-match': String(r1.headers.etag) } });
      await r2.body.dump();
      const r3 = await request(`${base}/`, { headers: { 'accept-encoding': 'gzip' } });
      await r3.body.dump();
      return r2.statusCode === 304 || r3.headers.etag === r1.headers.etag ? { r1, body1, r2 } : undefined;
    }, SLOW);
    assert.equal(r1.headers['content-encoding'], 'gzip');
    assert.match(gunzipSync(body1).toString(), /<html/);
    assert.equal(r2.statusCode, 304);
    const small = await request(`${base}/api/v2/status.json`, { headers: { 'accept-encoding': 'gzip, br' } });
    assert.equal(small.headers['content-encoding'], undefined);
    assert.equal(((await small.body.json()) as { status: { indicator: string } }).status.indicator, 'none');
  } finally {
    await vigie.stop();
    await new Promise((r) => t.server.close(r));
  }
});
