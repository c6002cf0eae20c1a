// The gateway inside `vigie start`: the same process's detection feeds its routing, with no poll.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { it } from 'node:test';
import { createVigie } from '../src/app.js';
import { configSchema } from '../src/config/schema.js';
import { recentGatewayEvents } from '../src/store/gateway.js';
import { ask, chat, until } from './gateway-setup.js';
import { providers } from './gateway-vigie.js';

it('in-process: Vigie’s own probes take the provider out of the gateway’s routing, and bring it back', async (t) => {
  const { openai, mistral, dir } = await providers(t, 'vigie-gw-app-');
  const config = configSchema.parse({
    site: { title: 'Status', port: 0 },
    store: { path: join(dir, 'vigie.db') },
    defaults: { interval: '100ms', timeout: '1s', failures_to_down: 2, successes_to_up: 2 },
    // The probe checks the provider the way Vigie would (a request to its API), independently of the gateway's traffic.
    services: [{ id: 'chatgpt', name: 'ChatGPT', components: [{ id: 'api', name: 'API', monitors: [{ name: 'models', url: `${openai.url}/models` }] }] }],
    gateway: {
      port: 0,
      upstreams: { openai: { base_url: openai.url, api_key: 'sk-a', component: 'chatgpt/api' }, mistral: { base_url: mistral.url, api_key: 'sk-b' } },
      routes: [{ name: 'chat', models: ['*'], upstreams: ['openai', 'mistral'] }],
      health: { recover_after: '200ms', success_streak: 1, trickle: 1 },
    },
  });
  const vigie = await createVigie({ config });
  t.after(() => vigie.stop());
  await vigie.start();
  const gw = vigie.gateway;
  assert.ok(gw);
  const url = await gatewayUrl(gw);
  await until(() => gw.board.snapshot('openai')?.vigie === 'ok', 'first reading');
  assert.equal((await chat(url, ask())).headers.get('x-vigie-upstream'), 'openai');

  openai.mode = '500';
  await until(() => gw.board.state('openai') === 'down', 'openai avoided on Vigie’s word');
  assert.equal(gw.board.snapshot('openai')?.reason, 'vigie');
  const r = await chat(url, ask());
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('x-vigie-upstream'), 'mistral');

  openai.mode = 'ok';
  await until(async () => {
    await chat(url, ask());
    return gw.board.state('openai') === 'up';
  }, 'openai back', 15_000);
  assert.equal((await chat(url, ask())).headers.get('x-vigie-upstream'), 'openai');
});

async function gatewayUrl(gw: { address(): string | undefined }): Promise<string> {
  const a = gw.address();
  assert.ok(a);
  return a;
}

it('in-process: a failover seen while the store fails is kept and stored once the store is back', async (t) => {
  const { openai, mistral, dir } = await providers(t, 'vigie-gw-app-');
  const config = configSchema.parse({
    site: { title: 'Status', port: 0 },
    store: { path: join(dir, 'vigie.db') },
    services: [{ id: 'chatgpt', name: 'ChatGPT', components: [{ id: 'api', name: 'API', monitors: [{ name: 'models', url: `${openai.url}/models`, interval: '1h' }] }] }],
    gateway: {
      port: 0,
      upstreams: { openai: { base_url: openai.url, api_key: 'sk-a', component: 'chatgpt/api' }, mistral: { base_url: mistral.url, api_key: 'sk-b' } },
      routes: [{ name: 'chat', models: ['*'], upstreams: ['openai', 'mistral'] }],
      health: { recover_after: '1h' },
    },
  });
  const vigie = await createVigie({ config });
  t.after(() => vigie.stop());
  await vigie.start();
  const gw = vigie.gateway!;
  // The store refuses writes (as a full or failing disk does) until told otherwise.
  const real = vigie.recordGatewayEvent.bind(vigie);
  let failing = true;
  let refused = 0;
  vigie.recordGatewayEvent = async (e) => {
    if (failing) {
      refused++;
      throw Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' });
    }
    return real(e);
  };
  gw.board.vigie('openai', 'bad');
  assert.equal(gw.board.activeOf('chat'), 'mistral');
  await until(() => refused > 0, 'the write tried and refused');
  // The event and, behind it, its failover's first figures (progress.ts): held in memory, in that order.
  await until(() => vigie.gatewayEvents?.pending.length === 2, 'the event and its first figures held');
  const [held, figures] = vigie.gatewayEvents!.pending;
  assert.ok(held && 'kind' in held && held.kind === 'failover', 'the event is held in memory');
  assert.ok(figures && 'eventId' in figures && figures.eventId === held.id);
  failing = false;
  await until(async () => (await recentGatewayEvents(vigie.store.db, { limit: 10, since: 0 })).some((e) => e.kind === 'failover' && e.fromUpstream === 'openai'), 'the held event stored', 15_000);
  assert.equal(vigie.gatewayEvents?.pending.length, 0);
  const stored = await recentGatewayEvents(vigie.store.db, { limit: 10, since: 0 });
  assert.equal(stored.filter((e) => e.kind === 'failover').length, 1, 'stored once');
  await until(async () => (await recentGatewayEvents(vigie.store.db, { limit: 10, since: 0 })).some((e) => e.kind === 'failover' && e.progress !== null), 'its figures stored after it');
});
