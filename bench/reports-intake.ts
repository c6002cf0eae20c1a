// Intake figure: accepted reports per second into the embedded store (SQLite), sustained, with p99
// latency and nothing lost; with --kill, Vigie is SIGKILLed half-way and restarted on the same file.
//
//   node dist/bench/reports-intake.js [--quick] [--kill] [--seconds 60] [--concurrency 64] [--workers 2]
//
// Vigie runs as `vigie start` in its own process; this process is the load generator (undici, many
// connections). Reporters look distinct because the bench config sets reports.trust_proxy: true
// (off by default) and every report carries its own X-Forwarded-For address, spread over /24s so the
// per-prefix limits (defaults) rarely meet. The hashcash is on at difficulty 4 (16 hashes a report,
// solved here); the default is 16. "None lost" is checked report by report: the bench knows the salt,
// recomputes each acknowledged reporter's hash and looks for it in the store.
import { runMain } from './lib/proc.js';
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { Identity } from '../src/signals/reports/identity.js';
import { leadingZeroBits } from '../src/signals/reports/pow.js';
import { openStore } from '../src/store/store.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const kill = args.includes('--kill');
const opt = (name: string, d: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : d;
};
const SECONDS = opt('--seconds', quick ? 5 : 60);
const CONCURRENCY = opt('--concurrency', 64);
const CONNECTIONS = opt('--connections', 64);
const WORKERS = opt('--workers', 2);
const SALT = 'bench-salt-0123456789abcdef';
const UA = 'vigie-bench/1.0';
const CLI = fileURLToPath(new URL('../src/cli.js', import.meta.url));
const CATEGORIES = ['website', 'app', 'login', 'api', 'slow', 'errors'];

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

async function startVigie(config: string, port: number): Promise<{ child: ChildProcess; exited: Promise<void> }> {
  const prof = process.env.VIGIE_BENCH_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.VIGIE_BENCH_PROF] : [];
  const child = spawn(process.execPath, [...prof, CLI, 'start', '--config', config, '--port', String(port), '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('Status page:')) resolve();
    });
    child.once('exit', (c) => reject(new Error(`vigie exited (${c}) before starting`)));
  });
  return { child, exited };
}

/** Address number i, spread over the IPv4 space so consecutive reports land in different /24s. */
function address(i: number): string {
  const x = (Math.imul(i + 1, 2654435761) >>> 0) || 1;
  return `${x >>> 24}.${(x >>> 16) & 255}.${(x >>> 8) & 255}.${x & 255}`;
}

function solve(challenge: string, id: number, difficulty: number): string {
  const base = `${challenge}:acme:${id.toString(36)}.`;
  for (let j = 0; ; j++) {
    const nonce = `${id.toString(36)}.${j.toString(36)}`;
    if (leadingZeroBits(createHash('sha256').update(base + j.toString(36)).digest()) >= difficulty) return nonce;
  }
}

async function main() {
  const dir = await mkdtemp(join(tmpdir(), 'vigie-bench-intake-'));
  const db = join(dir, 'vigie.db');
  const config = join(dir, 'vigie.yaml');
  await writeFile(
    config,
    [
      'site: { title: Bench }',
      `store: { path: ${JSON.stringify(db)} }`,
      `reports: { salt: ${SALT}, trust_proxy: true, pow_difficulty: 4 }`,
      'services:',
      '  - id: acme',
      '    name: Acme',
      '    components: [{ id: web, name: Web }]',
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  let vigie = await startVigie(config, port);
  const pool = new Pool(origin, { connections: CONNECTIONS, pipelining: 1 });
  const ch = (await (await pool.request({ path: '/api/reports/challenge', method: 'GET' })).body.json()) as { challenge: string; difficulty: number };

  // The load runs in worker threads (one undici pool each), so one client thread is not the ceiling.
  const shared = new Int32Array(new SharedArrayBuffer(4));
  const t0 = Date.now();
  const end = t0 + SECONDS * 1000;
  const results = Promise.all(
    Array.from({ length: WORKERS }, (_, w) => {
      const worker = new Worker(fileURLToPath(import.meta.url), {
        workerData: { origin, ch, w, workers: WORKERS, t0, end, concurrency: Math.ceil(CONCURRENCY / WORKERS), connections: Math.ceil(CONNECTIONS / WORKERS), shared },
      });
      return new Promise<GenResult>((resolve, reject) => {
        worker.once('message', (m: GenResult) => resolve(m));
        worker.once('error', reject);
      });
    }),
  );
  const setDown = (d: boolean) => Atomics.store(shared, 0, d ? 1 : 0);

  let killedAt: number | undefined;
  let restartMs: number | undefined;
  const killer = kill
    ? (async () => {
        await new Promise((r) => setTimeout(r, (SECONDS * 1000) / 2));
        killedAt = Date.now() - t0;
        vigie.child.kill('SIGKILL');
        setDown(true);
        await vigie.exited;
        const r0 = performance.now();
        vigie = await startVigie(config, port);
        restartMs = performance.now() - r0;
        setDown(false);
      })()
    : Promise.resolve();
  const [parts] = await Promise.all([results, killer]);
  const elapsed = (Date.now() - t0) / 1000;
  await pool.close();
  const latencies = parts.flatMap((p) => p.latencies);
  const ackedIds = parts.flatMap((p) => p.ackedIds);
  const perSecond = parts.reduce((acc, p) => acc.map((n, i) => n + (p.perSecond[i] ?? 0)), new Array<number>(SECONDS + 5).fill(0));
  const refused = new Map<string, number>();
  for (const p of parts) for (const [k, n] of Object.entries(p.refused)) refused.set(k, (refused.get(k) ?? 0) + n);
  const errors = parts.reduce((n, p) => n + p.errors, 0);
  vigie.child.kill('SIGTERM');
  await vigie.exited;

  // Every acknowledged report, by its reporter hash, must be in the store.
  const store = await openStore({ path: db });
  const rows = await store.db.selectFrom('reports').select(['reporter', 'at']).execute();
  await store.close();
  const stored = new Set(rows.map((r) => r.reporter));
  const identity = new Identity(Buffer.from(SALT));
  const at = rows[0]?.at ?? Date.now();
  let lost = 0;
  for (const id of ackedIds) if (!stored.has(identity.identify(address(id), UA, at).reporter)) lost++;
  await rm(dir, { recursive: true, force: true });

  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
  const full = perSecond.slice(1, Math.floor(elapsed) - 1);
  const steady = kill ? full.filter((_, i) => killedAt === undefined || Math.abs(i + 1 - killedAt / 1000) > 3) : full;
  const result = {
    bench: kill ? 'reports-intake-kill' : 'reports-intake',
    quick,
    seconds: Math.round(elapsed * 10) / 10,
    concurrency: CONCURRENCY,
    connections: CONNECTIONS,
    pow_difficulty: ch.difficulty,
    acknowledged: ackedIds.length,
    stored: rows.length,
    lost,
    accepted_per_s: Math.round(ackedIds.length / elapsed),
    min_per_s_steady: steady.length ? Math.min(...steady) : null,
    p50_ms: Math.round(pct(50) * 10) / 10,
    p99_ms: Math.round(pct(99) * 10) / 10,
    max_ms: Math.round(pct(100) * 10) / 10,
    refused: Object.fromEntries(refused),
    transport_errors: errors,
    ...(kill ? { killed_at_s: Math.round((killedAt ?? 0) / 100) / 10, restart_ms: Math.round(restartMs ?? 0), stored_not_acknowledged: rows.length - ackedIds.length + lost } : {}),
  };
  process.stdout.write(JSON.stringify(result) + '\n');
  process.stdout.write(
    `${result.acknowledged} reports acknowledged in ${result.seconds} s: ${result.accepted_per_s}/s (slowest full second ${result.min_per_s_steady}/s), ` +
      `p50 ${result.p50_ms} ms, p99 ${result.p99_ms} ms; ${result.stored} in the store, ${lost} acknowledged but missing` +
      (kill ? `; killed at ${result.killed_at_s} s, back in ${result.restart_ms} ms, ${result.stored_not_acknowledged} stored whose answer the kill swallowed` : '') +
      '.\n',
  );
  process.exitCode = lost === 0 ? 0 : 1;
}

interface GenResult {
  latencies: number[];
  ackedIds: number[];
  perSecond: number[];
  refused: Record<string, number>;
  errors: number;
}

/** One worker's share of the load: `concurrency` loops posting reports until `end`. */
async function generate(d: { origin: string; ch: { challenge: string; difficulty: number }; w: number; workers: number; t0: number; end: number; concurrency: number; connections: number; shared: Int32Array }): Promise<GenResult> {
  const pool = new Pool(d.origin, { connections: d.connections, pipelining: 1 });
  const out: GenResult = { latencies: [], ackedIds: [], perSecond: new Array<number>(Math.ceil((d.end - d.t0) / 1000) + 5).fill(0), refused: {}, errors: 0 };
  let next = 0;
  const loop = async () => {
    while (Date.now() < d.end) {
      if (Atomics.load(d.shared, 0) === 1) {
        await new Promise((r) => setTimeout(r, 20));
        continue;
      }
      const id = next++ * d.workers + d.w;
      const body = JSON.stringify({ category: CATEGORIES[id % CATEGORIES.length], pow: { challenge: d.ch.challenge, nonce: solve(d.ch.challenge, id, d.ch.difficulty) } });
      const start = performance.now();
      try {
        const res = await pool.request({
          path: '/api/services/acme/reports',
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': address(id), 'user-agent': UA },
          body,
        });
        const text = await res.body.text();
        const done = performance.now();
        if (res.statusCode === 202) {
          out.latencies.push(done - start);
          out.ackedIds.push(id);
          out.perSecond[Math.floor((Date.now() - d.t0) / 1000)]!++;
        } else {
          const reason = (JSON.parse(text) as { error?: string }).error ?? String(res.statusCode);
          out.refused[reason] = (out.refused[reason] ?? 0) + 1;
        }
      } catch {
        out.errors++;
        await new Promise((r) => setTimeout(r, 10));
      }
    }
  };
  await Promise.all(Array.from({ length: d.concurrency }, loop));
  await pool.close();
  return out;
}

if (isMainThread) {
  runMain(() => main());
} else {
  generate(workerData).then((r) => parentPort!.postMessage(r));
}
