// The gateway in the demo (`vigie demo`, correlated evening): an application's chat requests keep
// succeeding through the ChatGPT outage. Three pieces on loopback beside the simulated services:
//   - "OpenAI": an OpenAI-compatible front for the simulated ChatGPT API, answering a chat completion
//     while the simulated API answers, and its error while the scenario's fault is on;
//   - "Mistral": a second provider that stays up;
//   - the gateway, reading the demo Vigie's /api/v2/components.json (standalone mode), and a small
//     client sending it a chat request every few hundred milliseconds.
// Failovers and failbacks are printed on the demo's console in scenario time, and a summary at the end;
// with an API token of the demo Vigie they are reported to it as a standalone gateway does, so its page
// shows them (the failback says how many requests Mistral served during the outage, and how many failed).
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { Agent, request } from 'undici';
import { configSchema } from '../config/schema.js';
import type { Clock } from '../core/time.js';
import { Gateway, moveSentence } from './gateway.js';

export interface DemoGatewayOptions {
  /** The demo Vigie's base URL (its components.json is polled). */
  vigieUrl: string;
  /** The simulated ChatGPT API endpoint to consult (one region's). */
  simApiUrl: string;
  clock: Clock;
  logger: Logger;
  out: (line: string) => void;
  /** Real milliseconds between the client's requests. */
  everyMs?: number;
  /** An admin API token of the demo Vigie: failovers and failbacks are reported to its page. */
  vigieToken?: string;
}

export interface DemoGateway {
  url: string;
  counts: { sent: number; ok: number; failed: number; byUpstream: Record<string, number> };
  summary(): string;
  stop(): Promise<void>;
}

const hhmm = (t: number) => new Date(t).toISOString().slice(11, 16);

export async function startDemoGateway(o: DemoGatewayOptions): Promise<DemoGateway> {
  const probe = new Agent({ connect: { timeout: 1000 } });
  const openai = await listen(async (req, res) => {
    for await (const _ of req);
    // The simulated API's state decides this provider's answer: the outage, as its users met it.
    let status = 503;
    try {
      const r = await request(o.simApiUrl, { dispatcher: probe, headersTimeout: 1500, bodyTimeout: 1500 });
      await r.body.dump();
      status = r.statusCode;
    } catch {
      status = 503;
    }
    if (status === 200) return completion(res, 'gpt-4o-mini', 'Hello from OpenAI.');
    sendJson(res, status >= 500 ? status : 503, { error: { message: 'The server is temporarily unavailable.', type: 'server_error', param: null, code: null } });
  });
  const mistral = await listen(async (req, res) => {
    for await (const _ of req);
    completion(res, 'mistral-small-latest', 'Hello from Mistral.');
  });
  const speed = Number.isFinite(o.clock.speed) ? o.clock.speed : 1;
  const scen = (realMs: number) => `${Math.round(realMs * speed)}ms`;
  const config = configSchema.parse({
    gateway: {
      name: 'demo',
      port: 0,
      vigie_poll: '500ms',
      // A failover's figures on the page every few real seconds (each report is a publish), not 30 s of scenario time.
      progress_every: `${Math.min(86_400_000, Math.max(1000, Math.round(5000 * speed)))}ms`,
      ...(o.vigieToken ? { vigie_token: o.vigieToken } : {}),
      upstreams: {
        openai: { base_url: `${openai.url}/v1`, api_key: 'sk-demo-openai', component: 'chatgpt/api', display_name: 'OpenAI' },
        mistral: { base_url: `${mistral.url}/v1`, api_key: 'sk-demo-mistral', display_name: 'Mistral' },
      },
      routes: [{ name: 'chat', models: ['*'], upstreams: ['openai', { upstream: 'mistral', model_map: { 'gpt-4o-mini': 'mistral-small-latest' } }] }],
      // Health times are on the demo's clock (scenario time); a few real seconds each.
      health: { recover_after: scen(3000), cooldown: scen(3000), window: scen(5000), stale_after: scen(5000), min_requests: 3, success_streak: 3, trickle: 0.25 },
      retry: { first_token_timeout: '2s', response_timeout: '3s', deadline: '8s' },
    },
  }).gateway!;
  const gw = new Gateway({ config, clock: o.clock, logger: o.logger, vigieUrl: o.vigieUrl, processMetrics: false });
  const names = { openai: 'OpenAI', mistral: 'Mistral' };
  gw.board.listen({ move: (m) => o.out(`[${hhmm(m.at)} UTC] Gateway:  ${moveSentence(m, names)}`) });
  const url = await gw.start();

  const counts = { sent: 0, ok: 0, failed: 0, byUpstream: {} as Record<string, number> };
  const client = new Agent({ connections: 4 });
  let stopped = false;
  const loop = (async () => {
    for (let i = 0; !stopped; i++) {
      counts.sent++;
      try {
        const r = await request(`${url}/v1/chat/completions`, {
          method: 'POST',
          dispatcher: client,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'gpt-4o-mini', stream: i % 2 === 0, messages: [{ role: 'user', content: 'Summarise my inbox.' }] }),
        });
        const text = await r.body.text();
        const up = String(r.headers['x-vigie-upstream'] ?? '');
        if (r.statusCode === 200 && !text.includes('"error"')) {
          counts.ok++;
          counts.byUpstream[up] = (counts.byUpstream[up] ?? 0) + 1;
        } else counts.failed++;
      } catch {
        if (!stopped) counts.failed++;
      }
      await new Promise((r) => setTimeout(r, o.everyMs ?? 250));
    }
  })();
  o.out(`Gateway: ${url}/v1 in front of a simulated OpenAI (following the ChatGPT API's faults) and Mistral; a client sends it chat requests.`);

  return {
    url,
    counts,
    summary: () =>
      `Gateway: ${counts.sent} chat requests through the gateway, ${counts.failed} failed; answered by OpenAI ${counts.byUpstream.openai ?? 0}, by Mistral ${counts.byUpstream.mistral ?? 0}.`,
    async stop() {
      stopped = true;
      await gw.stop();
      await loop;
      await client.close();
      await probe.close();
      await Promise.all([openai.close(), mistral.close()]);
    },
  };
}

function completion(res: ServerResponse, model: string, content: string): void {
  // Always a plain answer: the client reads both shapes, and the stream path is covered by the tests.
  sendJson(res, 200, { id: 'demo', object: 'chat.completion', model, choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }], usage: { prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 } });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => void handler(req, res).catch(() => res.destroy()));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
