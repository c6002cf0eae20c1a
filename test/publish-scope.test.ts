// A publish where only the 90-day bars moved (the minute's refresh) re-renders what shows them (the
// status page, uptime badges, the pages that carry the state key) and keeps every other response as it
// was (same bytes, same ETag); any other change re-renders everything.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { brotliDecompressSync } from 'node:zlib';
import { request } from 'undici';
import { createVigie } from '../src/app.js';
import { configSchema } from '../src/config/schema.js';

const DAY = 86_400_000;

test('a bars-only publish changes what shows the bars and nothing else', { timeout: 60_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'vigie-publish-'));
  const config = configSchema.parse({
    site: { title: 'Scope', port: 0, host: '127.0.0.1', workers: 0 },
    store: { path: join(dir, 'vigie.db') },
    services: [{ id: 'acme', name: 'Acme', components: [{ id: 'web', name: 'Web', monitors: [{ name: 'hb', type: 'heartbeat', token: 'token-web-0001', period: '1d', grace: '1d' }] }] }],
  });
  const vigie = await createVigie({ config });
  try {
    const base = await vigie.start();
    const etag = async (path: string) => {
      const r = await request(`${base}${path}`, { headers: { 'accept-encoding': 'br' } });
      const raw = Buffer.from(await r.body.arrayBuffer());
      const body = (r.headers['content-encoding'] === 'br' ? brotliDecompressSync(raw) : raw).toString('utf8');
      return { etag: String(r.headers.etag), body };
    };
    const paths = ['/', '/uptime.svg', '/history', '/api/v2/summary.json', '/api/v2/components.json', '/history.atom', '/widget.js', '/badge/status.svg'];
    const before = new Map(await Promise.all(paths.map(async (p) => [p, await etag(p)] as const)));

    // Today's checks arrive (what the rollup job does every minute): only the bars move.
    const now = Date.now();
    await vigie.store.db.insertInto('rollups_day').values({ monitor_id: 'acme/web/hb', bucket: now - (now % DAY), count: 2880, ok_count: 2700, degraded_count: 0, latency_sum_ms: 1000, latency_min_ms: 1, latency_max_ms: 9, h0: 2700, h1: 0, h2: 0, h3: 0, h4: 0, h5: 0, h6: 0, h7: 0, h8: 0, h9: 0, h10: 0, h11: 0 }).execute();
    await vigie.publish();
    const after = new Map(await Promise.all(paths.map(async (p) => [p, await etag(p)] as const)));
    for (const p of ['/', '/uptime.svg', '/history']) assert.notEqual(after.get(p)!.etag, before.get(p)!.etag, `${p} follows the bars`);
    for (const p of ['/api/v2/summary.json', '/api/v2/components.json', '/history.atom', '/widget.js', '/badge/status.svg']) assert.deepEqual(after.get(p), before.get(p), `${p} is kept as it was`);
    assert.match(after.get('/')!.body, /2,?880/, 'the page shows the new day');
    assert.match(after.get('/uptime.svg')!.body, /93\.7/);
    assert.match(after.get('/')!.body, new RegExp(`data-state="${vigie.web.stateKey}"`));

    // Anything else (an incident): everything follows.
    await vigie.incidents.createIncident({ name: 'Web errors', body: 'Investigating.', impact: 'minor', components: { 'acme/web': 'degraded_performance' }, at: now, author: 'test' });
    await vigie.publish();
    const third = new Map(await Promise.all(paths.map(async (p) => [p, await etag(p)] as const)));
    for (const p of ['/', '/api/v2/summary.json', '/history.atom', '/badge/status.svg']) assert.notEqual(third.get(p)!.etag, after.get(p)!.etag, `${p} follows the incident`);
    assert.match(third.get('/api/v2/summary.json')!.body, /Web errors/);
  } finally {
    await vigie.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
