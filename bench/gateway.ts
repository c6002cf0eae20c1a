// Bench: what `vigie gateway` adds to an LLM call, and what it saves during an outage, in one run.
//
// A child process plays two OpenAI-compatible upstreams (primary and fallback: streamed chat
// completions of CHUNKS chunks, CHUNK_MS apart, as a model emitting tokens), with a control port
// that scripts the primary's outage. The gateway runs as its own process (`vigie gateway`, the
// command users run) so its CPU is read from /proc alone. This process is the load generator.
//   1. direct:  C concurrent streams straight to the primary for S seconds;
//   2. gateway: the same through the gateway; added latency = gateway − direct, at p50 and p99,
//      for the time to first token and the whole stream; requests per CPU-second of the gateway;
//   3. outage:  C/4 concurrent streams through the gateway while the primary answers 500s, then
//      stalls before the first token, then refuses connections, then recovers: client errors (goal 0).
//
// The gateway runs as users run it: with its database (SQLite here) and a client token whose rate limit
// and monthly budget are counted there (leased and flushed: counters.ts), so the figures include that cost.
// --quick keeps the 200 concurrent streams and shortens each phase.
//
//   node dist/bench/gateway.js [--quick] [--seconds S] [--concurrency C] [--workers N (gateway processes; default 1)]
//                              [--no-outage] [--cpu-prof DIR | --heap-prof DIR (the gateway's)]
import { fork, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { Agent, request } from 'undici';
import { arg, cpuSeconds, flag, percentile, runMain, treeCpuSeconds } from './lib/proc.js';

const CHUNKS = 20;
const CHUNK_MS = 5;
const CLI = fileURLToPath(new URL('../src/cli.js', import.meta.url));

// --- the upstreams (child process) ---------------------------------------------------------------

type Mode = 'ok' | '500' | 'stall' | 'refuse';

async function upstreamChild(): Promise<void> {
  let mode: Mode = 'ok';
  const chunk = (name: string, i: number) => `data: {"id":"c-${name}","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{"content":"tok${i} "}}]}\n\n`;
  const serve = (name: string, primary: boolean) => async (req: IncomingMessage, res: ServerResponse) => {
    for await (const _ of req);
    if (primary && mode === '500') {
      res.writeHead(500, { 'content-type': 'application/json' });
      return res.end('{"error":{"message":"boom","type":"server_error","param":null,"code":null}}');
    }
    if (primary && mode === 'stall') return; // never answers; the gateway gives up on it
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    for (let i = 0; i < CHUNKS; i++) {
      if (res.destroyed) return;
      res.write(chunk(name, i));
      await new Promise((r) => setTimeout(r, CHUNK_MS));
    }
    res.end('data: [DONE]\n\n');
  };
  const listen = (s: Server, port = 0) => new Promise<number>((r) => s.listen(port, '127.0.0.1', () => r((s.address() as AddressInfo).port)));
  let primary = createServer(serve('primary', true));
  const primaryPort = await listen(primary);
  const fallbackPort = await listen(createServer(serve('fallback', false)));
  const control = createServer(async (req, res) => {
    const next = new URL(req.url ?? '/', 'http://x').searchParams.get('mode') as Mode;
    if (next === 'refuse' && mode !== 'refuse') {
      primary.close();
      primary.closeIdleConnections();
    } else if (next !== 'refuse' && mode === 'refuse') {
      primary = createServer(serve('primary', true));
      await listen(primary, primaryPort);
    }
    mode = next;
    res.end('ok');
  });
  const controlPort = await listen(control);
  process.send!({ primaryPort, fallbackPort, controlPort });
}

// --- load --------------------------------------------------------------------------------------

interface Sample {
  ok: boolean;
  ttftMs: number;
  totalMs: number;
}

const BODY = JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'Say something.' }] });
const CLIENT_TOKEN = 'vg-bench-client-token-0123456789';
const HEADERS = { 'content-type': 'application/json', authorization: `Bearer ${CLIENT_TOKEN}` };

async function one(dispatcher: Agent, url: string): Promise<Sample> {
  const t0 = performance.now();
  let ttft = NaN;
  try {
    const res = await request(url, { method: 'POST', dispatcher, headers: HEADERS, body: BODY });
    let text = '';
    for await (const c of res.body) {
      if (Number.isNaN(ttft)) ttft = performance.now() - t0;
      text += c;
    }
    const ok = res.statusCode === 200 && text.endsWith('data: [DONE]\n\n') && !text.includes('"error"');
    return { ok, ttftMs: ttft, totalMs: performance.now() - t0 };
  } catch {
    return { ok: false, ttftMs: ttft, totalMs: performance.now() - t0 };
  }
}

async function load(url: string, concurrency: number, seconds: number): Promise<Sample[]> {
  const dispatcher = new Agent({ connections: concurrency, keepAliveTimeout: 10_000 });
  const out: Sample[] = [];
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) out.push(await one(dispatcher, url));
    }),
  );
  await dispatcher.close();
  return out;
}

function stats(samples: Sample[]) {
  const good = samples.filter((s) => s.ok);
  const ttft = good.map((s) => s.ttftMs).sort((a, b) => a - b);
  const total = good.map((s) => s.totalMs).sort((a, b) => a - b);
  return { requests: samples.length, errors: samples.length - good.length, ttft_p50_ms: percentile(ttft, 0.5), ttft_p99_ms: percentile(ttft, 0.99), total_p50_ms: percentile(total, 0.5), total_p99_ms: percentile(total, 0.99) };
}

const r2 = (n: number) => Math.round(n * 100) / 100;

async function main(): Promise<void> {
  const quick = flag('quick');
  const seconds = Number(arg('seconds') ?? (quick ? 2 : 15));
  const concurrency = Number(arg('concurrency') ?? 200);

  const up = fork(fileURLToPath(import.meta.url), ['--upstreams'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ports = await new Promise<{ primaryPort: number; fallbackPort: number; controlPort: number }>((r) => up.once('message', (m) => r(m as never)));
  const dir = await mkdtemp(join(tmpdir(), 'vigie-bench-gw-'));
  const cfg = join(dir, 'vigie.yaml');
  await writeFile(
    cfg,
    `store: { path: "${join(dir, 'vigie.db')}" }
gateway:
  port: 0
  clients:
    - { name: bench, token_sha256: ${createHash('sha256').update(CLIENT_TOKEN).digest('hex')}, rate_limit: 1000000/s, monthly_tokens: 1000000000000 }
  upstreams:
    primary: { base_url: "http://127.0.0.1:${ports.primaryPort}/v1", api_key: sk-bench }
    fallback: { base_url: "http://127.0.0.1:${ports.fallbackPort}/v1", api_key: sk-bench }
  routes:
    - { name: chat, models: ["*"], upstreams: [primary, fallback] }
  health: { min_requests: 5, window: 5s, cooldown: 1s, recover_after: 1s, success_streak: 3 }
  retry: { first_token_timeout: 500ms, idle_timeout: 5s }
`,
  );
  // --cpu-prof DIR: the gateway process writes a V8 CPU profile there when it stops (see bench/lib/cpuprofile.ts).
  const prof = arg('cpu-prof');
  const heap = arg('heap-prof');
  const workers = Number(arg('workers') ?? 1);
  const gw = spawn(process.execPath, [...(prof ? ['--cpu-prof', '--cpu-prof-dir', prof] : []), ...(heap ? ['--heap-prof', '--heap-prof-dir', heap] : []), CLI, 'gateway', '-c', cfg, '--log-level', 'error', '--workers', String(workers)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const gwUrl = await new Promise<string>((resolve, reject) => {
    let out = '';
    gw.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/[^\s/]+)\/v1/.exec(out);
      if (m) resolve(m[1]!);
    });
    gw.once('exit', (c) => reject(new Error(`gateway exited ${c}`)));
  });
  try {
    const direct = `http://127.0.0.1:${ports.primaryPort}/v1/chat/completions`;
    const via = `${gwUrl}/v1/chat/completions`;
    // Warm both paths at full concurrency: the connection pools (client → gateway → upstream) are open
    // before measuring, so the figures are the steady state, not 200 connection set-ups.
    await load(direct, concurrency, 0.5);
    await load(via, concurrency, 0.5);

    // The fake upstream's CPU while it serves the direct phase: a floor for comparison (it writes every
    // chunk once, as the gateway must; the gateway also reads each one).
    const up0 = cpuSeconds(up.pid!);
    const d = stats(await load(direct, concurrency, seconds));
    const upCpu = cpuSeconds(up.pid!) - up0;
    // Every gateway process counts: the primary and its workers (--workers).
    const cpu0 = treeCpuSeconds(gw.pid!);
    const g = stats(await load(via, concurrency, seconds));
    const cpu = treeCpuSeconds(gw.pid!) - cpu0;

    // --no-outage: steady state only (for profiling the relay).
    if (flag('no-outage')) {
      process.stdout.write(JSON.stringify({ bench: 'gateway', concurrency, seconds, direct: d, gateway: g, added_ttft_p50_ms: r2(g.ttft_p50_ms - d.ttft_p50_ms), added_ttft_p99_ms: r2(g.ttft_p99_ms - d.ttft_p99_ms), gateway_requests_per_cpu_second: r2(g.requests / cpu), upstream_requests_per_cpu_second: r2(d.requests / upCpu), gateway_workers: workers }) + '\n');
      return;
    }
    const control = (mode: Mode) => request(`http://127.0.0.1:${ports.controlPort}/?mode=${mode}`).then((r) => r.body.text());
    const phase = Math.max(1, seconds / 3);
    const outageLoad = load(via, Math.max(4, Math.round(concurrency / 4)), phase * 5);
    const script = (async () => {
      await new Promise((r) => setTimeout(r, phase * 1000));
      for (const m of ['500', 'stall', 'refuse', 'ok'] as Mode[]) {
        await control(m);
        await new Promise((r) => setTimeout(r, phase * 1000));
      }
    })();
    const [outSamples] = await Promise.all([outageLoad, script]);
    const o = stats(outSamples);

    const result = {
      bench: 'gateway',
      quick,
      concurrency,
      seconds,
      gateway_workers: workers,
      stream_chunks: CHUNKS,
      chunk_interval_ms: CHUNK_MS,
      direct: d,
      gateway: g,
      added_ttft_p50_ms: r2(g.ttft_p50_ms - d.ttft_p50_ms),
      added_ttft_p99_ms: r2(g.ttft_p99_ms - d.ttft_p99_ms),
      added_total_p50_ms: r2(g.total_p50_ms - d.total_p50_ms),
      added_total_p99_ms: r2(g.total_p99_ms - d.total_p99_ms),
      gateway_cpu_s: r2(cpu),
      gateway_requests_per_cpu_second: r2(g.requests / cpu),
      upstream_requests_per_cpu_second: r2(d.requests / upCpu),
      outage: { requests: o.requests, client_errors: o.errors, script: '500s, stall before first token, connection refused, recovery', phase_s: phase },
    };
    process.stdout.write(JSON.stringify(result) + '\n');
    const row = (label: string, a: number, b: number) => `  ${label.padEnd(28)}${String(r2(a)).padStart(10)}${String(r2(b)).padStart(10)}${String(r2(b - a)).padStart(10)}`;
    process.stdout.write(
      [
        `Gateway bench (${quick ? 'quick' : 'full'}): ${concurrency} concurrent streams of ${CHUNKS} chunks for ${seconds} s, direct then through the gateway (${workers} worker process${workers === 1 ? '' : 'es'}).`,
        `  ${''.padEnd(28)}${'direct'.padStart(10)}${'gateway'.padStart(10)}${'added'.padStart(10)}`,
        row('time to first token p50 ms', d.ttft_p50_ms, g.ttft_p50_ms),
        row('time to first token p99 ms', d.ttft_p99_ms, g.ttft_p99_ms),
        row('whole stream p50 ms', d.total_p50_ms, g.total_p50_ms),
        row('whole stream p99 ms', d.total_p99_ms, g.total_p99_ms),
        `  ${'streams per CPU-s'.padEnd(28)}${String(result.upstream_requests_per_cpu_second).padStart(10)}${String(result.gateway_requests_per_cpu_second).padStart(10)}   (direct: the fake upstream's; gateway: the gateway's)`,
        `  ${'client errors, outage'.padEnd(28)}${''.padStart(10)}${String(o.errors).padStart(10)}   of ${o.requests} (goal 0)`,
        `  gateway: ${g.requests} streams on ${r2(cpu)} CPU-s; errors direct ${d.errors}, gateway ${g.errors}; outage script: 500s, stall before the first token, refused connections, recovery (${phase} s each)`,
        quick ? '  (quick run: measure on a quiet machine without --quick for the figures to quote)' : '',
      ]
        .filter(Boolean)
        .join('\n') + '\n',
    );
  } finally {
    const exited = new Promise((r) => gw.once('exit', r));
    gw.kill('SIGTERM');
    await exited;
    up.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv.includes('--upstreams')) void upstreamChild();
else runMain(main);
