// `vigie gateway --workers 2`: several processes on one port, one health view (the primary's), client
// counters shared through the database. Run as users run it: the CLI, a config file, SQLite.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Client } from 'undici';
import { monthOf } from '../src/gateway/counters.js';
import { gatewayUsage } from '../src/store/gateway.js';
import { openStore } from '../src/store/index.js';
import { FakeUpstream, sha256 } from './gateway-fake.js';
import { sseEvents, until } from './gateway-setup.js';

const CLI = fileURLToPath(new URL('../src/cli.js', import.meta.url));
const TOKEN = 'vg-cluster-test-token-0123456789';
const CAPPED = 'vg-cluster-capped-token-9876543210';
const BUDGET = 60; // four non-streamed answers of the fake (15 tokens each)

interface Started {
  url: string;
  dir: string;
  proc: ChildProcess;
  openai: FakeUpstream;
  mistral: FakeUpstream;
}

async function start(t: { after(fn: () => Promise<void>): void }): Promise<Started> {
  const openai = await new FakeUpstream('openai').start();
  const mistral = await new FakeUpstream('mistral').start();
  const dir = await mkdtemp(join(tmpdir(), 'vigie-gw-cluster-'));
  const cfg = join(dir, 'vigie.yaml');
  await writeFile(
    cfg,
    `store: { path: "${join(dir, 'vigie.db')}" }
gateway:
  port: 0
  usage_flush: 100ms
  clients:
    - { name: team, token_sha256: ${sha256(TOKEN)} }
    - { name: capped, token_sha256: ${sha256(CAPPED)}, monthly_tokens: ${BUDGET} }
  upstreams:
    openai: { base_url: "${openai.url}", api_key: sk-a }
    mistral: { base_url: "${mistral.url}", api_key: sk-b }
  routes:
    - { name: chat, models: ["*"], upstreams: [openai, mistral] }
  health: { min_requests: 3, window: 10s, recover_after: 1h, cooldown: 1h }
`,
  );
  const proc = spawn(process.execPath, [CLI, 'gateway', '-c', cfg, '--workers', '2', '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (d) => (err += d));
  t.after(async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    }
    await openai.stop();
    await mistral.stop();
    await rm(dir, { recursive: true, force: true });
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the gateway did not start: ${out} ${err}`)), 30_000);
    proc.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/[^\s/]+)\/v1 .*2 worker processes/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    proc.once('exit', (c) => reject(new Error(`the gateway exited (${c}): ${err}`)));
  });
  return { url, dir, proc, openai, mistral };
}

/** One request on a connection of its own, then /healthz on that same connection: which worker answered. */
async function onNewConnection(url: string, body: Record<string, unknown>, token = TOKEN): Promise<{ status: number; text: string; worker: number; code?: string }> {
  const c = new Client(url);
  try {
    const r = await c.request({ method: 'POST', path: '/v1/chat/completions', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
    const text = await r.body.text();
    const h = (await (await c.request({ method: 'GET', path: '/healthz' })).body.json()) as { worker: number };
    let code: string | undefined;
    try {
      code = (JSON.parse(text) as { error?: { code?: string } }).error?.code;
    } catch {
      // a stream
    }
    return { status: r.statusCode, text, worker: h.worker, ...(code ? { code } : {}) };
  } finally {
    await c.close();
  }
}

const ask = (stream: boolean) => ({ model: 'gpt-4o-mini', stream, messages: [{ role: 'user', content: 'hi' }] });

it('several workers: a stream through each one, one health view (a failover seen by every worker), a budget shared across processes', async (t) => {
  const s = await start(t);

  // A stream through each worker, whole and once.
  const streamsBy = new Map<number, number>();
  for (let i = 0; i < 40 && streamsBy.size < 2; i++) {
    const r = await onNewConnection(s.url, ask(true));
    assert.equal(r.status, 200, r.text);
    const events = sseEvents(r.text);
    assert.equal(events.at(-1), '[DONE]');
    assert.equal(events.filter((e) => typeof e === 'object').length, s.openai.chunks, 'every chunk, once');
    streamsBy.set(r.worker, (streamsBy.get(r.worker) ?? 0) + 1);
  }
  assert.equal(streamsBy.size, 2, `streams went through both workers: ${JSON.stringify([...streamsBy])}`);

  // One health view: openai failing is noticed from the traffic of both workers together, and then every worker routes to mistral.
  s.openai.mode = '500';
  const served: Record<string, number> = {};
  await until(async () => {
    const r = await onNewConnection(s.url, ask(false));
    assert.equal(r.status, 200, r.text);
    const h = (await (await fetch(`${s.url}/healthz`)).json()) as { upstreams: { openai: { state: string } } };
    return h.upstreams.openai.state === 'down';
  }, 'openai down in the shared view', 20_000);
  for (let i = 0; i < 40 && Object.keys(served).length < 2; i++) {
    const c = new Client(s.url);
    const h = (await (await c.request({ method: 'GET', path: '/healthz' })).body.json()) as { worker: number; upstreams: { openai: { state: string } }; routes: { chat: { active: string; failover: { from: string; to: string } | null } } };
    await c.close();
    assert.equal(h.upstreams.openai.state, 'down', `worker ${h.worker} sees openai down`);
    assert.equal(h.routes.chat.active, 'mistral');
    assert.equal(h.routes.chat.failover?.from, 'openai', 'the failover in progress, with its counts');
    served[String(h.worker)] = 1;
  }
  assert.equal(Object.keys(served).length, 2);
  const metrics = await (await fetch(`${s.url}/metrics`)).text();
  assert.match(metrics, /vigie_gateway_traffic_moves_total\{route="chat",from="openai",to="mistral",kind="failover"\} 1\b/, 'one failover, counted once for all workers');
  // Every worker's requests are in the one /metrics answer.
  const ok = /vigie_gateway_upstream_requests_total\{route="chat",upstream="openai",outcome="ok"\} (\d+)/.exec(metrics);
  assert.ok(ok && Number(ok[1]) >= streamsBy.get(1)! + streamsBy.get(2)!, metrics);

  // The budget is shared: usage charged by either worker counts for both, and once one refuses, both do.
  const usage = async () => {
    const store = await openStore({ path: join(s.dir, 'vigie.db') });
    try {
      return (await gatewayUsage(store.db, ['capped'], monthOf(Date.now()))).get('capped') ?? 0;
    } finally {
      await store.close();
    }
  };
  await until(async () => {
    const r = await onNewConnection(s.url, ask(false), CAPPED);
    if (r.status === 429) {
      assert.equal(r.code, 'insufficient_quota');
      return true;
    }
    assert.equal(r.status, 200, r.text);
    return false;
  }, 'the budget spent', 30_000);
  const refusedBy = new Set<number>();
  await until(async () => {
    const r = await onNewConnection(s.url, ask(false), CAPPED);
    if (r.status === 429 && r.code === 'insufficient_quota') refusedBy.add(r.worker);
    return refusedBy.size === 2;
  }, 'both workers refuse the spent budget', 20_000);
  assert.ok((await usage()) >= BUDGET, 'the shared count reached the budget');
});
