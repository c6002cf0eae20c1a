// site.workers: processes sharing the site's port answer the prepared public responses with the bytes
// the main process prepared (same bytes, ETags, headers and 304s as the main process's own answers),
// follow each publish, and forward everything else to the main process with the visitor's address.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { request } from 'undici';
import { createVigie, type Vigie } from '../src/app.js';
import { configSchema } from '../src/config/schema.js';
import { FORWARD_KEY_HEADER, FORWARD_PEER_HEADER } from '../src/web/workers.js';

const DAY = 86_400_000;

async function site(dir: string, workers: number): Promise<{ vigie: Vigie; base: string; main: string }> {
  const config = configSchema.parse({
    site: { title: 'Workers & co', port: 0, host: '127.0.0.1', workers },
    store: { path: join(dir, 'vigie.db') },
    services: [
      {
        id: 'acme',
        name: 'Acme',
        components: ['web', 'api'].map((c) => ({ id: c, name: c.toUpperCase(), monitors: [{ name: 'hb', type: 'heartbeat', token: `token-${c}-0001`, period: '1d', grace: '1d' }] })),
      },
    ],
  });
  const vigie = await createVigie({ config, adminToken: 'test-admin' });
  // Routes that show what the main process received (registered before start, as Fastify requires).
  vigie.web.app.post('/test/echo', async (req) => ({ peer: req.socket.remoteAddress, body: req.body, forwarded: req.headers[FORWARD_KEY_HEADER] ?? null }));
  const base = await vigie.start();
  const port = (vigie.web.app.server.address() as AddressInfo).port;
  return { vigie, base, main: `http://127.0.0.1:${port}` };
}

async function get(url: string, headers: Record<string, string> = {}) {
  const r = await request(url, { headers });
  const body = Buffer.from(await r.body.arrayBuffer());
  const h = { ...r.headers };
  for (const k of ['date', 'connection', 'keep-alive']) delete h[k];
  return { status: r.statusCode, headers: h, body };
}

const PATHS = ['/', '/?lang=fr', '/history', '/incidents/none', '/api/v2/summary.json', '/api/v2/components.json', '/api/v2/incidents.json', '/badge/status.svg', '/uptime.svg', '/widget.js', '/favicon.ico', '/history.atom'];

test('workers answer with the main process\'s bytes, ETags, headers and 304s, follow publishes, forward the rest', { timeout: 120_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'vigie-workers-'));
  const { vigie, base, main } = await site(dir, 2);
  try {
    assert.notEqual(base, main, 'the workers hold the public port; the main process listens on its own');
    for (const path of PATHS)
      for (const enc of ['br', 'gzip', 'identity']) {
        const h = { 'accept-encoding': enc, 'accept-language': 'fr' };
        // Several requests: new connections land on either worker.
        for (let i = 0; i < 3; i++) {
          const [w, m] = await Promise.all([get(base + path, h), get(main + path, h)]);
          assert.equal(w.status, m.status, `${path} ${enc}`);
          assert.deepEqual(w.headers, m.headers, `${path} ${enc}`);
          assert.ok(w.body.equals(m.body), `${path} ${enc}: same bytes`);
        }
      }
    // Conditional requests: the worker's ETag validates there and at the main process.
    const s = await get(`${base}/api/v2/summary.json`, { 'accept-encoding': 'br' });
    const etag = String(s.headers.etag);
    assert.equal((await get(`${base}/api/v2/summary.json`, { 'accept-encoding': 'br', 'if-none-match': etag })).status, 304);
    assert.equal((await get(`${main}/api/v2/summary.json`, { 'accept-encoding': 'br', 'if-none-match': etag })).status, 304);

    // A publish: once vigie.publish() resolves, every worker serves the new bytes.
    const at = Date.now() - DAY;
    await vigie.incidents.createIncident({ name: 'Errors on <Acme>', body: 'Investigating.', impact: 'major', components: { 'acme/api': 'major_outage' }, at, author: 'test' });
    await vigie.publish();
    for (let i = 0; i < 6; i++) {
      const [w, m] = await Promise.all([get(`${base}/api/v2/summary.json`), get(`${main}/api/v2/summary.json`)]);
      assert.ok(w.body.equals(m.body));
      assert.match(w.body.toString(), /Errors on <Acme>/);
    }
    assert.equal((await get(`${base}/api/v2/summary.json`, { 'accept-encoding': 'br', 'if-none-match': etag })).status, 200, 'the old ETag no longer matches');

    // Forwarded: health, a POST with its body, and the visitor's own address (127.0.0.2 here), whatever it claims.
    assert.equal((await get(`${base}/healthz`)).status, 200);
    const r = await request(`${base}/test/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [FORWARD_PEER_HEADER]: '203.0.113.9', [FORWARD_KEY_HEADER]: 'guess' },
      body: JSON.stringify({ x: 1 }),
      dispatcher: new (await import('undici')).Agent({ localAddress: '127.0.0.2' }),
    });
    assert.equal(r.statusCode, 200);
    assert.deepEqual(await r.body.json(), { peer: '127.0.0.2', body: { x: 1 }, forwarded: null });
    // Straight to the main process with a made-up key: not taken for a worker.
    const direct = await request(`${main}/test/echo`, { method: 'POST', headers: { 'content-type': 'application/json', [FORWARD_PEER_HEADER]: '203.0.113.9', [FORWARD_KEY_HEADER]: 'guess' }, body: '{}' });
    assert.equal(((await direct.body.json()) as { peer: string }).peer, '127.0.0.1');
    // Not found through a worker is the main process's 404.
    assert.equal((await get(`${base}/nothing/here`)).status, 404);

    // Live updates through a worker: the current state arrives.
    const ac = new AbortController();
    const sse = await request(`${base}/events`, { signal: ac.signal });
    assert.equal(sse.statusCode, 200);
    let seen = '';
    for await (const chunk of sse.body) {
      seen += chunk.toString();
      if (seen.includes(`data: ${vigie.web.stateKey}`)) break;
    }
    ac.abort();
    assert.match(seen, /event: state/);
  } finally {
    await vigie.stop();
    await rm(dir, { recursive: true, force: true });
  }
  // Stopped: nobody answers on the public port any more.
  await assert.rejects(request(`${base}/api/v2/summary.json`).then((r) => r.body.dump()));
});

test('without workers, the page is served by the main process on the site port', { timeout: 60_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'vigie-workers-'));
  const { vigie, base, main } = await site(dir, 0);
  try {
    assert.equal(base, main);
    assert.equal((await get(`${base}/api/v2/summary.json`)).status, 200);
  } finally {
    await vigie.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
