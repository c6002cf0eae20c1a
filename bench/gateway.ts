// Bench: what `vigie gateway` adds to an LLM call, and what it saves during an outage, in one run.
//
// A child process plays two OpenAI-compatible upstreams (primary and fallback) answering streamed chat
// completions, with a control port that sets the answer's shape and scripts the primary's outage. The
// gateway runs as its own process (`vigie gateway`, the command users run) so its CPU is read from /proc
// alone. This process is the load generator. Two answer shapes, each measured the same way:
//   llm:   the first token after 300 ms, then 150 chunks 12 ms apart (about 80 tokens/s): a chat answer
//          from a hosted model (gpt-4o-mini, Mistral Small); 200 streams at once start about 95 a second.
//   burst: 20 chunks 5 ms apart from the first byte: a hundred times the request rate of `llm` at the
//          same concurrency, so that every process on the machine is CPU-bound; it measures the cost
//          per stream (streams per CPU-second) and what a saturated machine does to latency.
// For each shape, C concurrent streams for S seconds:
//   1. direct:  straight to the primary;
//   2. nginx:   through nginx as a plain reverse proxy (proxy_buffering off, upstream keep-alive, as many
//               worker processes as the gateway has), when nginx is installed: what any proxy adds here;
//   3. gateway: through the gateway; added latency = gateway − direct, at p50 and p99, for the time to
//               first token and the whole stream; streams per CPU-second of the gateway (and of nginx).
// Then the outage: C/4 concurrent `burst` streams through the gateway while the primary answers 500s,
// then stalls before the first token, then refuses connections, then recovers: client errors (goal 0).
//
// The gateway runs as users run it: with its database (SQLite here) and a client token whose rate limit
// and monthly budget are counted there (leased and flushed: counters.ts), so the figures include that cost.
// --quick keeps the issue's 200 concurrent streams and shortens each phase.
//
//   node dist/bench/gateway.js [--quick] [--seconds S] [--concurrency C] [--workers N (gateway processes; default 1)]
//                              [--shape llm|burst (only that one)] [--no-nginx] [--no-outage]
//                              [--cpu-prof DIR | --heap-prof DIR (the gateway's)]
import { fork, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { Agent, request } from 'undici';
import { arg, cpuSeconds, flag, percentile, runMain, treeCpuSeconds } from './lib/proc.js';
import { NGINX, freePort, spawnNginx, stopper, waitListening } from './lib/target.js';

interface Shape {
  /** Before the first chunk. */
  firstMs: number;
  /** Chunks per answer: on average (answers vary from half to one and a half times it when `vary`). */
  chunks: number;
  chunkMs: number;
  vary: boolean;
}

// Answers of one length would keep 200 clients in lockstep, every request of a round arriving in the
// same millisecond: real answers vary in length, which spreads the arrivals as in real traffic.
const SHAPES = {
  llm: { firstMs: 300, chunks: 150, chunkMs: 12, vary: true },
  burst: { firstMs: 0, chunks: 20, chunkMs: 5, vary: false },
} satisfies Record<string, Shape>;
type ShapeName = keyof typeof SHAPES;

const CLI = fileURLToPath(new URL('../src/cli.js', import.meta.url));

// --- the upstreams (child process) ---------------------------------------------------------------

type Mode = 'ok' | '500' | 'stall' | 'refuse';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function upstreamChild(): Promise<void> {
  let mode: Mode = 'ok';
  let shape: Shape = SHAPES.burst;
  const chunk = (name: string, i: number) => `data: {"id":"c-${name}","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{"content":"tok${i} "}}]}\n\n`;
  const serve = (name: string, primary: boolean) => async (req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    for await (const c of req) body += c;
    if (primary && mode === '500') {
      res.writeHead(500, { 'content-type': 'application/json' });
      return res.end('{"error":{"message":"boom","type":"server_error","param":null,"code":null}}');
    }
    if (primary && mode === 'stall') return; // never answers; the gateway gives up on it
    const { firstMs, chunkMs } = shape;
    // The answer's length is the request's max_tokens (the load generator draws it), else the shape's.
    const asked = (JSON.parse(body) as { max_tokens?: unknown }).max_tokens;
    const chunks = typeof asked === 'number' && shape.vary ? asked : shape.chunks;
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    if (firstMs > 0) await sleep(firstMs);
    for (let i = 0; i < chunks; i++) {
      if (res.destroyed) return;
      res.write(chunk(name, i));
      await sleep(chunkMs);
    }
    res.end('data: [DONE]\n\n');
  };
  const listen = (s: Server, port = 0) => new Promise<number>((r) => s.listen(port, '127.0.0.1', () => r((s.address() as AddressInfo).port)));
  let primary = createServer(serve('primary', true));
  const primaryPort = await listen(primary);
  const fallbackPort = await listen(createServer(serve('fallback', false)));
  const control = createServer(async (req, res) => {
    const q = new URL(req.url ?? '/', 'http://x').searchParams;
    const name = q.get('shape');
    if (name) shape = SHAPES[name as ShapeName];
    const next = (q.get('mode') as Mode | null) ?? mode;
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

const body = (maxTokens: number) => JSON.stringify({ model: 'gpt-4o-mini', stream: true, max_tokens: maxTokens, messages: [{ role: 'user', content: 'Say something.' }] });

/** Answer lengths from half to one and a half times `mean`, the same sequence for each client in every phase (mulberry32). */
function lengths(seed: number, mean: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return Math.round(mean * (0.5 + ((t ^ (t >>> 14)) >>> 0) / 4294967296));
  };
}
const CLIENT_TOKEN = 'vg-bench-client-token-0123456789';
const HEADERS = { 'content-type': 'application/json', authorization: `Bearer ${CLIENT_TOKEN}` };

async function one(dispatcher: Agent, url: string, maxTokens: number): Promise<Sample> {
  const t0 = performance.now();
  let ttft = NaN;
  try {
    const res = await request(url, { method: 'POST', dispatcher, headers: HEADERS, body: body(maxTokens) });
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

/**
 * `concurrency` clients, each sending one request after another for `seconds`. With a shape that varies,
 * each client starts after a delay drawn up to one answer's length (so that a phase does not begin with
 * every request at once) and asks for answers of varying length, the same sequence in every phase.
 */
async function load(url: string, concurrency: number, seconds: number, shape: Shape = SHAPES.burst): Promise<Sample[]> {
  const dispatcher = new Agent({ connections: concurrency, keepAliveTimeout: 10_000 });
  const out: Sample[] = [];
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, k) => {
      const next = lengths(k + 1, shape.chunks);
      if (shape.vary) await sleep((next() / shape.chunks) * (shape.firstMs + shape.chunks * shape.chunkMs));
      while (performance.now() < end) out.push(await one(dispatcher, url, next()));
    }),
  );
  await dispatcher.close();
  return out;
}

interface Stats {
  requests: number;
  errors: number;
  ttft_p50_ms: number;
  ttft_p90_ms: number;
  ttft_p99_ms: number;
  total_p50_ms: number;
  total_p99_ms: number;
}

function stats(samples: Sample[]): Stats {
  const good = samples.filter((s) => s.ok);
  const ttft = good.map((s) => s.ttftMs).sort((a, b) => a - b);
  const total = good.map((s) => s.totalMs).sort((a, b) => a - b);
  return { requests: samples.length, errors: samples.length - good.length, ttft_p50_ms: r2(percentile(ttft, 0.5)), ttft_p90_ms: r2(percentile(ttft, 0.9)), ttft_p99_ms: r2(percentile(ttft, 0.99)), total_p50_ms: r2(percentile(total, 0.5)), total_p99_ms: r2(percentile(total, 0.99)) };
}

const r2 = (n: number) => Math.round(n * 100) / 100;

/** Latency a proxy adds over calling the upstream directly. */
function added(via: Stats, direct: Stats) {
  return { ttft_p50_ms: r2(via.ttft_p50_ms - direct.ttft_p50_ms), ttft_p90_ms: r2(via.ttft_p90_ms - direct.ttft_p90_ms), ttft_p99_ms: r2(via.ttft_p99_ms - direct.ttft_p99_ms), total_p50_ms: r2(via.total_p50_ms - direct.total_p50_ms), total_p99_ms: r2(via.total_p99_ms - direct.total_p99_ms) };
}

/** nginx as a plain streaming reverse proxy in front of the primary. */
async function startNginx(dir: string, upstreamPort: number, workers: number) {
  const port = await freePort();
  const home = join(dir, 'nginx');
  await mkdir(home, { recursive: true });
  const child = await spawnNginx(
    home,
    `  upstream primary { server 127.0.0.1:${upstreamPort}; keepalive 512; }
  server {
    listen 127.0.0.1:${port} backlog=4096;
    keepalive_timeout 65; keepalive_requests 100000;
    location / {
      proxy_pass http://primary;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_request_buffering off;
      proxy_read_timeout 60s;
    }
  }`,
    workers,
  );
  await waitListening(port);
  return { url: `http://127.0.0.1:${port}`, pid: child.pid!, child, stop: stopper(child, home) };
}

interface Path {
  name: 'direct' | 'nginx' | 'gateway';
  url: string;
  /** The proxy's process (tree) whose CPU is read; none for direct. */
  pid?: number;
  /** The gateway's /metrics: its event-loop lag over the phase (prom-client resets it at each scrape). */
  metrics?: string;
}

/** The gateway's event-loop sampler interval (EVENT_LOOP_SAMPLE_MS): prom-client's figures include it. */
const LAG_SAMPLE_MS = 100;

interface Runtime {
  /** Event-loop lag since the previous scrape (ms, beyond the sampling interval). */
  lag: { p50_ms: number; p99_ms: number; max_ms: number };
  /** Garbage collection so far: seconds, by kind (minor, major, incremental, weakcb). */
  gc: Record<string, number>;
}

/** The gateway's event-loop lag and GC time from its /metrics (prom-client's default metrics). */
async function runtime(url: string): Promise<Runtime> {
  const text = await (await request(url)).body.text();
  const get = (name: string) => r2(Math.max(0, Number(new RegExp(`^${name} ([0-9.e+-]+)`, 'm').exec(text)?.[1] ?? NaN) * 1000 - LAG_SAMPLE_MS));
  const gc: Record<string, number> = {};
  for (const m of text.matchAll(/^nodejs_gc_duration_seconds_sum\{kind="([a-z]+)"\} ([0-9.e+-]+)/gm)) gc[m[1]!] = Number(m[2]);
  return { lag: { p50_ms: get('nodejs_eventloop_lag_p50_seconds'), p99_ms: get('nodejs_eventloop_lag_p99_seconds'), max_ms: get('nodejs_eventloop_lag_max_seconds') }, gc };
}

/** One shape: each path under the same load, one after the other; the direct path's CPU is the fake upstream's. */
type PathStats = Stats & { cpu_s: number; requests_per_cpu_second: number; event_loop_lag?: Runtime['lag']; gc_s?: Record<string, number> };

async function measureShape(paths: Path[], shape: Shape, upstreamPid: number, concurrency: number, seconds: number): Promise<Partial<Record<Path['name'], PathStats>> & { gateway_added: ReturnType<typeof added>; nginx_added?: ReturnType<typeof added> }> {
  const out: Partial<Record<Path['name'], PathStats>> = {};
  for (const p of paths) {
    // Warm at full concurrency: the connection pools (client → proxy → upstream) are open before measuring.
    await load(p.url, concurrency, 0.5, shape);
    const pid = p.pid ?? upstreamPid;
    const before = p.metrics ? await runtime(p.metrics) : undefined;
    const cpu0 = p.pid ? treeCpuSeconds(pid) : cpuSeconds(pid);
    const s = stats(await load(p.url, concurrency, seconds, shape));
    const cpu = (p.pid ? treeCpuSeconds(pid) : cpuSeconds(pid)) - cpu0;
    const after = p.metrics ? await runtime(p.metrics) : undefined;
    const gc = before && after ? Object.fromEntries(Object.entries(after.gc).map(([k, v]) => [k, r2(v - (before.gc[k] ?? 0))])) : undefined;
    out[p.name] = { ...s, cpu_s: r2(cpu), requests_per_cpu_second: r2(s.requests / cpu), ...(after ? { event_loop_lag: after.lag, gc_s: gc } : {}) };
  }
  const d = out.direct!;
  return {
    ...out,
    gateway_added: added(out.gateway!, d),
    ...(out.nginx ? { nginx_added: added(out.nginx, d) } : {}),
  };
}

async function main(): Promise<void> {
  const quick = flag('quick');
  const seconds = Number(arg('seconds') ?? (quick ? 3 : 15));
  const concurrency = Number(arg('concurrency') ?? 200);
  const only = arg('shape') as ShapeName | undefined;
  if (only !== undefined && !(only in SHAPES)) throw new Error(`--shape: one of ${Object.keys(SHAPES).join(', ')}`);
  const shapes = only ? [only] : (Object.keys(SHAPES) as ShapeName[]);

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
  retry: { first_token_timeout: 2s, idle_timeout: 5s }
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
  const nginx = NGINX && !flag('no-nginx') ? await startNginx(dir, ports.primaryPort, workers) : undefined;
  // A run cut short (Ctrl-C, a closed pipe on stdout) must not leave its servers running.
  process.once('exit', () => {
    for (const c of [up, gw, nginx?.child]) if (c && c.exitCode === null) c.kill('SIGKILL');
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(sig, () => process.exit(130));
  try {
    const control = (q: string) => request(`http://127.0.0.1:${ports.controlPort}/?${q}`).then((r) => r.body.text());
    const path = '/v1/chat/completions';
    const paths: Path[] = [
      { name: 'direct', url: `http://127.0.0.1:${ports.primaryPort}${path}` },
      ...(nginx ? [{ name: 'nginx' as const, url: `${nginx.url}${path}`, pid: nginx.pid }] : []),
      // Every gateway process counts: the primary and its workers (--workers).
      { name: 'gateway', url: `${gwUrl}${path}`, pid: gw.pid!, ...(workers === 1 ? { metrics: `${gwUrl}/metrics` } : {}) },
    ];
    const results: Partial<Record<ShapeName, Awaited<ReturnType<typeof measureShape>>>> = {};
    for (const name of shapes) {
      await control(`shape=${name}`);
      results[name] = await measureShape(paths, SHAPES[name], up.pid!, concurrency, seconds);
    }

    let outage: { requests: number; client_errors: number; script: string; phase_s: number } | undefined;
    if (!flag('no-outage')) {
      await control('shape=burst');
      const phase = Math.max(1, seconds / 3);
      const outageLoad = load(paths.at(-1)!.url, Math.max(4, Math.round(concurrency / 4)), phase * 5);
      const script = (async () => {
        await sleep(phase * 1000);
        for (const m of ['500', 'stall', 'refuse', 'ok'] as Mode[]) {
          await control(`mode=${m}`);
          await sleep(phase * 1000);
        }
      })();
      const [outSamples] = await Promise.all([outageLoad, script]);
      const o = stats(outSamples);
      outage = { requests: o.requests, client_errors: o.errors, script: '500s, stall before first token, connection refused, recovery', phase_s: phase };
    }

    const head = results.llm ?? results.burst!;
    const result = {
      bench: 'gateway',
      quick,
      concurrency,
      seconds,
      gateway_workers: workers,
      load_average: loadavg().map(r2),
      shapes: SHAPES,
      // The headline: the llm shape when measured.
      added_ttft_p50_ms: head.gateway_added.ttft_p50_ms,
      added_ttft_p99_ms: head.gateway_added.ttft_p99_ms,
      gateway_requests_per_cpu_second: (results.burst ?? head).gateway!.requests_per_cpu_second,
      ...results,
      ...(outage ? { outage } : {}),
    };
    process.stdout.write(JSON.stringify(result) + '\n');
    const lines = [`Gateway bench (${quick ? 'quick' : 'full'}): ${concurrency} concurrent streams, ${seconds} s per path, ${workers} gateway process${workers === 1 ? '' : 'es'}${nginx ? `, nginx with ${workers} worker${workers === 1 ? '' : 's'}` : ', nginx not installed'}; load average ${result.load_average.join(' ')}.`];
    for (const name of shapes) {
      const r = results[name]!;
      const sh = SHAPES[name];
      const cols = paths.map((p) => p.name);
      lines.push(``, `  ${name}: first token after ${sh.firstMs} ms, ${sh.vary ? `${sh.chunks / 2}–${(sh.chunks * 3) / 2}` : sh.chunks} chunks ${sh.chunkMs} ms apart`);
      lines.push(`  ${''.padEnd(26)}${cols.map((c) => c.padStart(10)).join('')}${'gw added'.padStart(10)}${nginx ? 'nginx added'.padStart(12) : ''}`);
      const row = (label: string, k: keyof Stats) =>
        `  ${label.padEnd(26)}${cols.map((c) => String(r[c]![k]).padStart(10)).join('')}${String(r2(r.gateway![k] - r.direct![k])).padStart(10)}${r.nginx ? String(r2(r.nginx[k] - r.direct![k])).padStart(12) : ''}`;
      lines.push(row('first token p50 ms', 'ttft_p50_ms'), row('first token p90 ms', 'ttft_p90_ms'), row('first token p99 ms', 'ttft_p99_ms'), row('whole stream p50 ms', 'total_p50_ms'), row('whole stream p99 ms', 'total_p99_ms'), row('streams', 'requests'), row('errors', 'errors'));
      lines.push(`  ${'streams per CPU-second'.padEnd(26)}${cols.map((c) => String(r[c]!.requests_per_cpu_second).padStart(10)).join('')}   (direct: the fake upstream's own)`);
      const lag = r.gateway!.event_loop_lag;
      const gc = r.gateway!.gc_s;
      if (lag) lines.push(`  gateway event-loop lag: p50 ${lag.p50_ms} ms, p99 ${lag.p99_ms} ms, max ${lag.max_ms} ms; GC ${gc ? Object.entries(gc).map(([k, v]) => `${k} ${v} s`).join(', ') : '?'} of ${r.gateway!.cpu_s} CPU-s`);
    }
    if (outage) lines.push(``, `  outage (${outage.script}, ${outage.phase_s} s each): ${outage.client_errors} client errors of ${outage.requests} streams (goal 0)`);
    if (quick) lines.push('  (quick run: measure on a quiet machine without --quick for the figures to quote)');
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    await nginx?.stop();
    const exited = new Promise((r) => gw.once('exit', r));
    gw.kill('SIGTERM');
    await exited;
    up.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv.includes('--upstreams')) void upstreamChild();
else runMain(main);
