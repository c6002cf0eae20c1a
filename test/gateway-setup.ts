// Starts a gateway in front of two fake upstreams (openai first, mistral as the fallback) for a test,
// from a real vigie.yaml text, with its logs captured. Everything is stopped in t.after.
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { parseConfigText } from '../src/config/load.js';
import { type Gateway, createGateway } from '../src/gateway/gateway.js';
import { FakeUpstream } from './gateway-fake.js';

export const OPENAI_KEY = 'sk-openai-SECRET-key-1234567890';
export const MISTRAL_KEY = 'mistral-SECRET-key-0987654321';

export interface Setup {
  gw: Gateway;
  url: string;
  openai: FakeUpstream;
  mistral: FakeUpstream;
  logs: string[];
}

export interface SetupOptions {
  /** Extra YAML lines inside `gateway:` (indented by two spaces). Timeouts leave room for a loaded machine: the fallback must answer within them. */
  extra?: string;
  /** Overrides of the health and retry settings (YAML scalars). */
  health?: Record<string, string | number>;
  retry?: Record<string, string | number>;
  vigieUrl?: string;
  stopGraceMs?: number;
}

export async function setup(t: TestContext, o: SetupOptions = {}): Promise<Setup> {
  const openai = await new FakeUpstream('openai').start();
  const mistral = await new FakeUpstream('mistral').start();
  t.after(async () => {
    await openai.stop();
    await mistral.stop();
  });
  const yaml = `
gateway:
  port: 0
  upstreams:
    openai: { base_url: "${openai.url}", api_key: "\${OPENAI_KEY}", component: chatgpt/api, display_name: OpenAI }
    mistral: { base_url: "${mistral.url}", api_key: "\${MISTRAL_KEY}", component: mistral/api, display_name: Mistral }
  routes:
    - name: chat
      models: [gpt-4o-mini, text-embedding-3-small, gpt-3.5-turbo-instruct]
      upstreams:
        - openai
        - { upstream: mistral, model_map: { gpt-4o-mini: mistral-small-latest, text-embedding-3-small: mistral-embed } }
  health: ${flow({ min_requests: 3, window: '10s', recover_after: '300ms', cooldown: '300ms', success_streak: 2, trickle: 0.5, stale_after: '2s', ...o.health })}
  retry: ${flow({ first_token_timeout: '1500ms', response_timeout: '3s', idle_timeout: '1500ms', deadline: '15s', ...o.retry })}
${o.extra ?? ''}`;
  const loaded = parseConfigText(yaml, 'test.yaml', { OPENAI_KEY, MISTRAL_KEY });
  assert.ok(loaded.ok, loaded.ok ? '' : JSON.stringify(loaded.errors));
  assert.ok(loaded.config.gateway);
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logs.push(String(chunk));
      cb();
    },
  });
  const gw = await createGateway({ config: loaded.config.gateway, logger: pino({ level: 'trace' }, sink), processMetrics: false, ...(o.vigieUrl ? { vigieUrl: o.vigieUrl } : {}), ...(o.stopGraceMs !== undefined ? { stopGraceMs: o.stopGraceMs } : {}) });
  const url = await gw.start();
  t.after(() => gw.stop());
  return { gw, url, openai, mistral, logs };
}

function flow(o: Record<string, string | number>): string {
  return `{ ${Object.entries(o).map(([k, v]) => `${k}: ${v}`).join(', ')} }`;
}

export interface ClientAnswer {
  status: number;
  headers: Headers;
  text: string;
  json?: any;
}

export async function chat(url: string, body: Record<string, unknown>, headers: Record<string, string> = {}, path = '/v1/chat/completions'): Promise<ClientAnswer> {
  const res = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body), signal: AbortSignal.timeout(15_000) });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

export const ask = (stream = false, model = 'gpt-4o-mini') => ({ model, stream, messages: [{ role: 'user', content: 'hi' }] });

/** The data events of an SSE text, as parsed JSON (or the raw string for [DONE]). */
export function sseEvents(text: string): unknown[] {
  return text
    .split('\n\n')
    .filter((e) => e.startsWith('data:'))
    .map((e) => {
      const v = e.slice(5).trim();
      try {
        return JSON.parse(v);
      } catch {
        return v;
      }
    });
}

/** Polls until cond() holds (bounded); the tests wait on state, never on a fixed time. */
export async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
