// Heartbeat (push) monitors: the probe against a BeatBook on a manual clock, and the push route
// through Fastify's inject (no socket).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Fastify from 'fastify';
import { ManualClock } from '../src/core/time.js';
import { BeatBook, heartbeatProbe } from '../src/probes/heartbeat.js';
import { pushRoutes } from '../src/web/routes/push.js';

const T0 = Date.UTC(2024, 11, 11, 23, 0);
const target = { token: 'nightly-backup-1', periodMs: 5 * 60_000, graceMs: 60_000 };

test('heartbeat: fails only once period + grace pass without a beat; counts from start when none came', async () => {
  const clock = new ManualClock(T0);
  const beats = new BeatBook(clock);
  const ctx = { timeoutMs: 1000, clock, beats };
  clock.advance(5 * 60_000);
  assert.equal((await heartbeatProbe(target, ctx)).ok, true, 'within period + grace since start');
  clock.advance(60_001);
  const missed = await heartbeatProbe(target, ctx);
  assert.equal(missed.error?.kind, 'timeout');
  assert.match(missed.error?.message ?? '', /^no beat since Vigie started 6m ago; expected one every 5m \+ 1m grace$/);
  await beats.beat(target.token);
  clock.advance(3 * 60_000);
  const fresh = await heartbeatProbe(target, ctx);
  assert.equal(fresh.ok, true);
  assert.equal(fresh.details?.sinceLastBeatMs, 180_000);
  clock.advance(4 * 60_000);
  assert.match((await heartbeatProbe(target, ctx)).error?.message ?? '', /^no beat for 7m; expected one every 5m \+ 1m grace$/);
  await beats.beat(target.token, 'disk full');
  const down = await heartbeatProbe(target, ctx);
  assert.equal(down.error?.kind, 'assertion');
  assert.match(down.error?.message ?? '', /reported down .*: disk full$/);
});

test('heartbeat: without a push route in the process the check says so', async () => {
  const r = await heartbeatProbe(target, { timeoutMs: 1000 });
  assert.equal(r.error?.kind, 'protocol');
  assert.match(r.error?.message ?? '', /no push route in this process/);
});

test('push route: known tokens beat by GET or POST, with status=down; unknown ones get 404', async (t) => {
  const clock = new ManualClock(T0);
  const beats = new BeatBook(clock);
  const app = Fastify();
  await app.register(pushRoutes, { beats, knows: (tok) => tok === target.token });
  t.after(() => app.close());
  const get = await app.inject({ method: 'GET', url: `/api/push/${target.token}` });
  assert.equal(get.statusCode, 200);
  assert.deepEqual(get.json(), { ok: true, at: new Date(T0).toISOString(), status: 'up' });
  clock.advance(1000);
  const post = await app.inject({ method: 'POST', url: `/api/push/${target.token}?status=down&msg=backup%20failed` });
  assert.equal(post.statusCode, 200);
  assert.deepEqual(beats.last(target.token), { at: T0 + 1000, down: 'backup failed' });
  assert.equal((await app.inject({ method: 'GET', url: '/api/push/someone-elses-token' })).statusCode, 404);
  assert.equal((await app.inject({ method: 'GET', url: `/api/push/${target.token}?status=maybe` })).statusCode, 400);
  assert.equal((await app.inject({ method: 'GET', url: '/api/push/bad!' })).statusCode, 400);
  assert.equal(beats.last('someone-elses-token'), undefined);
});

test('beats are saved before they count, and restored without going back in time', async () => {
  const clock = new ManualClock(T0);
  const saved: [string, number][] = [];
  const beats = new BeatBook(clock, { save: async (token, b) => void saved.push([token, b.at]) });
  await beats.beat(target.token);
  assert.deepEqual(saved, [[target.token, T0]]);
  clock.advance(1000);
  await beats.beat(target.token);
  beats.restore(new Map([[target.token, { at: T0 }], ['other-token-1', { at: T0 - 5, down: 'x' }]]));
  assert.deepEqual(beats.last(target.token), { at: T0 + 1000 }, 'an older saved beat does not replace a newer one');
  assert.deepEqual(beats.last('other-token-1'), { at: T0 - 5, down: 'x' });
  const failing = new BeatBook(clock, { save: async () => Promise.reject(new Error('disk gone')) });
  await assert.rejects(failing.beat(target.token), /disk gone/);
  assert.equal(failing.last(target.token), undefined, 'a beat that was not saved does not count');
});
