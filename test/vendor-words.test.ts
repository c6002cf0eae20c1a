// The vendor's status beside Vigie's, both ways and in words: an unreadable or unreachable page says why
// (never "?"), a problem the vendor admits that Vigie does not observe, or on a component it does not
// monitor, is said plainly, in English and in French.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { request } from 'undici';
import { createVigie } from '../src/app.js';
import { configSchema } from '../src/config/schema.js';
import { say } from '../src/i18n/text.js';
import { readVendorPage } from '../src/signals/vendor/poller.js';
import { vendorStatusWords, vendorWhy } from '../src/web/vendor-words.js';
import { waitFor } from './helpers/wait.js';

const src = { serviceId: 'acme', kind: 'statuspage' as const, url: 'http://127.0.0.1/x' };
const words = (outcome: Parameters<typeof readVendorPage>[2]) => {
  const snap = readVendorPage(src, 0, outcome);
  const w = vendorStatusWords({ url: src.url, at: 0, reachable: snap.reachable, saysOperational: snap.saysOperational, indicator: snap.indicator, description: snap.description, error: snap.error });
  return typeof w === 'string' ? [w, w] : [say('en', w), say('fr', w)];
};

test('an unreadable or unreachable vendor page says why, in both languages', () => {
  assert.deepEqual(words({ ok: true, status: 200, contentType: 'application/json', body: '{"page": ' }), ['unreadable: malformed JSON', 'illisible : JSON malformé']);
  assert.deepEqual(words({ ok: true, status: 200, contentType: 'text/html', body: '<html>maintenance</html>' }), ['unreadable: an HTML page instead of JSON', 'illisible : une page HTML au lieu de JSON']);
  assert.deepEqual(words({ ok: true, status: 200, contentType: 'application/json', body: '{"page": 3}' }), ['unreadable: unexpected content', 'illisible : contenu inattendu']);
  assert.deepEqual(words({ ok: false, error: 'vendor page unreachable: HTTP 503' }), ['unreachable: HTTP 503', 'injoignable : HTTP 503']);
  assert.deepEqual(words({ ok: false, error: 'vendor page unreachable: no complete answer within 10000 ms' }), ['unreachable: no answer in time', 'injoignable : pas de réponse à temps']);
  assert.equal(say('en', vendorWhy('vendor page unreachable: ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:9')), 'connection refused');
});

test('over HTTP: the page names every disagreement and every unreadable vendor page, never "?"', { timeout: 60_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'vigie-vendor-words-'));
  const base = JSON.parse(readFileSync(new URL('../../test/fixtures/vendor/statuspage-operational.json', import.meta.url), 'utf8'));
  let vendor: 'ok' | 'problem' | 'malformed' = 'ok';
  const target = createServer((req, res) => {
    if (req.url === '/vendor/summary.json') {
      if (vendor === 'malformed') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"page": {');
      const page = structuredClone(base);
      page.components = [
        { ...base.components[0], name: 'API', status: vendor === 'problem' ? 'major_outage' : 'operational' },
        { ...base.components[0], id: 'jobs00000000', name: 'Jobs', status: vendor === 'problem' ? 'partial_outage' : 'operational' },
      ];
      if (vendor === 'problem') page.status = { indicator: 'major', description: 'Partial System Outage' };
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(page));
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
  });
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
  const port = (target.address() as AddressInfo).port;
  const config = configSchema.parse({
    site: { title: 'Vendor words', port: 0 },
    store: { path: `${dir}/vigie.db` },
    defaults: { interval: '100ms', timeout: '1s' },
    services: [
      {
        id: 'acme',
        name: 'Acme',
        vendor: { kind: 'statuspage', url: `http://127.0.0.1:${port}/vendor/summary.json`, interval: '1s' },
        components: [{ id: 'api', name: 'API', monitors: [{ name: 'us', region: 'us', url: `http://127.0.0.1:${port}/api` }] }, { id: 'jobs', name: 'Jobs' }],
      },
    ],
  });
  const vigie = await createVigie({ config });
  try {
    const url = await vigie.start();
    const page = async (lang = 'en') => (await request(`${url}/?lang=${lang}`)).body.text();
    await waitFor('the vendor page read', async () => (await page()).includes('data-vendor="operational"'), 20_000);
    vendor = 'problem';
    const html = await waitFor('the vendor admits a problem', async () => ((await page()).includes('data-vendor="not_operational"') ? page() : undefined), 20_000);
    assert.match(html, /Acme’s official status|Acme's official status/);
    assert.match(html, /reports a problem with Jobs, which Vigie does not monitor/);
    assert.match(html, /reports a problem \(Partial System Outage\) that Vigie does not observe/);
    const fr = await page('fr');
    assert.match(fr, /signale un problème sur Jobs, que Vigie ne surveille pas/);
    vendor = 'malformed';
    const bad = await waitFor('the vendor page unreadable', async () => {
      const h = await page();
      return /unreadable: malformed JSON/.test(h) ? h : undefined;
    }, 20_000);
    assert.doesNotMatch(bad, /<strong>\?<\/strong>/);
    assert.match(await page('fr'), /illisible : JSON malformé/);
  } finally {
    await vigie.stop();
    target.closeAllConnections();
    await new Promise<void>((r) => target.close(() => r()));
    await rm(dir, { recursive: true, force: true });
  }
});
