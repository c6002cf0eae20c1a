// A Vigie with a gateway beside it, for the tests of the gateway's events and failover figures: Vigie
// probes the fake OpenAI (its detection says when OpenAI fails) and notifies gateway events to a webhook.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { request } from 'undici';
import { configSchema } from '../src/config/schema.js';
import { FakeUpstream } from './gateway-fake.js';
import { ask, chat, until } from './gateway-setup.js';
import { startRecorder } from './helpers/receivers.js';

export async function page(base: string, path: string, lang: 'en' | 'fr'): Promise<string> {
  return (await request(`${base}${path}${path.includes('?') ? '&' : '?'}lang=${lang}`)).body.text();
}

/** Vigie's config; with `gateway`, the gateway runs in-process. */
export function vigieConfig(dir: string, openaiUrl: string, hookUrl: string, gateway?: Record<string, unknown>) {
  return configSchema.parse({
    site: { title: 'Status', port: 0 },
    store: { path: join(dir, 'vigie.db') },
    defaults: { interval: '100ms', timeout: '1s', failures_to_down: 2, successes_to_up: 2 },
    services: [{ id: 'chatgpt', name: 'ChatGPT', components: [{ id: 'api', name: 'API', monitors: [{ name: 'models', url: `${openaiUrl}/models` }] }] }],
    notify: {
      secret: 'notify-secret-0123456789',
      channels: { hook: { type: 'webhook', url: `${hookUrl}/hook` } },
      rules: [{ name: 'gateway', channels: ['hook'], events: ['gateway'] }],
      delivery: { poll: '20ms', backoff_min: '20ms', backoff_max: '100ms', timeout: '2s' },
    },
    ...(gateway ? { gateway } : {}),
  });
}

/** The `gateway:` section: OpenAI (following Vigie's chatgpt/api) first, Mistral as the fallback. */
export const gatewaySection = (openai: string, mistral: string, extra: Record<string, unknown> = {}) => ({
  port: 0,
  upstreams: { openai: { base_url: openai, api_key: 'sk-a', component: 'chatgpt/api', display_name: 'OpenAI' }, mistral: { base_url: mistral, api_key: 'sk-b', display_name: 'Mistral' } },
  routes: [{ name: 'chat', models: ['*'], upstreams: ['openai', 'mistral'] }],
  health: { recover_after: '200ms', success_streak: 1, trickle: 1, stale_after: '5s' },
  ...extra,
});

export async function trafficOn(url: string, upstream: string, what: string): Promise<void> {
  await until(async () => (await chat(url, ask())).headers.get('x-vigie-upstream') === upstream, what, 20_000);
}

/** The fake OpenAI and Mistral and a data directory, stopped and removed after the test. */
export async function providers(t: TestContext, prefix: string) {
  const openai = await new FakeUpstream('openai').start();
  const mistral = await new FakeUpstream('mistral').start();
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.after(async () => {
    await openai.stop();
    await mistral.stop();
    await rm(dir, { recursive: true, force: true });
  });
  return { openai, mistral, dir };
}

/** providers(), and a webhook receiver for the notifications. */
export async function scene(t: TestContext, prefix: string) {
  const hook = await startRecorder();
  t.after(() => hook.close());
  return { ...(await providers(t, prefix)), hook };
}
