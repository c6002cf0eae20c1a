// The console's web app as Vigie serves it at /admin: index.html for every app path (never cached),
// hashed assets cached for a year (gzip when asked), the strict CSP and framing headers, a 404 for a
// missing asset, and a page saying how to build the console when dist/console is missing.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import Fastify from 'fastify';
import { request } from 'undici';
import { CONSOLE_CSP, CONSOLE_DIR, consoleRoutes } from '../src/web/routes/console.js';
import { sqliteEngine } from './helpers/engines.js';
import { startAdminVigie } from './helpers/admin.js';

const built = existsSync(join(CONSOLE_DIR, 'index.html'));

test('a Vigie serves the console at /admin with its headers, SPA fallback and cached assets', { skip: built ? false : 'dist/console is not built (npm run build)' }, async () => {
  const engine = await sqliteEngine();
  const { vigie, base } = await startAdminVigie(engine);
  try {
    for (const path of ['/admin', '/admin/', '/admin/monitors/acme%2Fapi%2Fhttp%40eu', '/admin/incidents/new?x=1', '/admin/sign-in']) {
      const r = await request(base + path);
      const html = await r.body.text();
      assert.equal(r.statusCode, 200, path);
      assert.match(String(r.headers['content-type']), /^text\/html/, path);
      assert.equal(r.headers['cache-control'], 'no-cache', path);
      assert.equal(r.headers['content-security-policy'], CONSOLE_CSP, path);
      assert.equal(r.headers['x-frame-options'], 'DENY');
      assert.equal(r.headers['x-content-type-options'], 'nosniff');
      assert.equal(r.headers['referrer-policy'], 'same-origin');
      assert.match(html, /<div id="app"><\/div>/);
    }
    const html = readFileSync(join(CONSOLE_DIR, 'index.html'), 'utf8');
    // Nothing inline: the CSP has no 'unsafe-inline' and no hashes, so an inline script or style would not run.
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script');
    assert.doesNotMatch(html, /<style|style=/, 'no inline style');
    assert.doesNotMatch(html, /https?:\/\//, 'nothing from another origin');
    const js = /src="(\/admin\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    const css = /href="(\/admin\/assets\/[^"]+\.css)"/.exec(html)?.[1];
    assert.ok(js && css, 'index.html links its hashed script and stylesheet');
    const a = await request(base + js!, { headers: { 'accept-encoding': 'gzip' } });
    const body = Buffer.from(await a.body.arrayBuffer());
    assert.equal(a.statusCode, 200);
    assert.equal(a.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.match(String(a.headers['content-type']), /^text\/javascript/);
    assert.equal(a.headers['content-encoding'], 'gzip');
    assert.deepEqual(gunzipSync(body), readFileSync(join(CONSOLE_DIR, js!.slice('/admin/'.length))));
    const c = await request(base + css!);
    assert.equal(c.statusCode, 200);
    assert.match(String(c.headers['content-type']), /^text\/css/);
    assert.match(await c.body.text(), /uplot/, 'uPlot\'s stylesheet is bundled with ours');
    const missing = await request(`${base}/admin/assets/nope-123.js`);
    assert.equal(missing.statusCode, 404);
    assert.match(await missing.body.text(), /no console asset/);
  } finally {
    await vigie.stop();
    await engine.cleanup();
  }
});

test('without dist/console, /admin says how to build it instead of failing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-console-missing-'));
  const app = Fastify();
  try {
    await app.register(consoleRoutes, { dir });
    for (const path of ['/admin', '/admin/monitors/x', '/admin/assets/index-abc.js']) {
      const r = await app.inject({ url: path });
      assert.equal(r.statusCode, 503, path);
      assert.match(r.headers['content-type'] as string, /^text\/html/);
      assert.match(r.body, /npm run build/);
      assert.equal(r.headers['content-security-policy'], CONSOLE_CSP);
    }
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
