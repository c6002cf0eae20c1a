// The history's input cache: one load for concurrent readers, a reload after a publish (at most once per
// minReloadMs), and a failed load not kept.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HistoryInput } from '../src/analytics/types.js';
import Fastify from 'fastify';
import { request } from 'undici';
import { HistoryCache, historyRoutes } from '../src/web/routes/history.js';
import { input } from './helpers/history.js';

function counting(fail = () => false) {
  let loads = 0;
  return {
    get loads() {
      return loads;
    },
    load: async (): Promise<HistoryInput> => {
      loads++;
      if (fail()) throw new Error('store down');
      return input('2024-12-27T00:00:00Z', [], []);
    },
  };
}

test('concurrent readers share one load; a publish makes the next read reload', async () => {
  const c = counting();
  const cache = new HistoryCache(c.load, 0);
  const [a, b] = await Promise.all([cache.get(), cache.get()]);
  assert.equal(a, b);
  assert.equal(c.loads, 1);
  await cache.get();
  assert.equal(c.loads, 1, 'nothing changed: no reload');
  cache.invalidate();
  await cache.get();
  assert.equal(c.loads, 2);
  // Rendered results are kept with the input they came from.
  let renders = 0;
  const render = () => ++renders;
  assert.equal(await cache.memo('k', render), 1);
  assert.equal(await cache.memo('k', render), 1);
  cache.invalidate();
  assert.equal(await cache.memo('k', render), 2);
});

test('within minReloadMs a publish does not reload; a failed load is retried', async () => {
  const c = counting();
  const cache = new HistoryCache(c.load, Infinity);
  await cache.get();
  cache.invalidate();
  await cache.get();
  assert.equal(c.loads, 1);
  let down = true;
  const f = counting(() => down);
  const failing = new HistoryCache(f.load, Infinity);
  await assert.rejects(failing.get(), /store down/);
  down = false;
  await failing.get();
  assert.equal(f.loads, 2);
});

test('a store that fails after a good read: the last good reading answers', async () => {
  let down = false;
  const c = counting(() => down);
  const cache = new HistoryCache(c.load, 0);
  const first = await cache.get();
  down = true;
  cache.invalidate();
  assert.equal(await cache.get(), first);
  assert.equal(c.loads, 2);
});

test('over HTTP: a store that cannot be read gives 503 with Retry-After, bad input still 400', async () => {
  const app = Fastify();
  await app.register(historyRoutes, { cache: new HistoryCache(async () => Promise.reject(new Error('store down')), 0), siteTitle: () => 'T', state: () => '' });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  try {
    for (const path of ['/services/chatgpt/history', '/api/services/chatgpt/history.json', '/api/outages.csv', '/outages', '/api/vendors/honesty.json']) {
      const r = await request(base + path);
      assert.equal(r.statusCode, 503, path);
      assert.equal(r.headers['retry-after'], '5');
      await r.body.dump();
    }
    const bad = await request(`${base}/services/chatgpt/history?lang=xx`);
    assert.equal(bad.statusCode, 400);
    await bad.body.dump();
  } finally {
    await app.close();
  }
});
