// Bench: 10,000 HTTP monitors at a 30 s interval on ONE Vigie process, for 5 minutes, against a
// local target (nginx from Debian on 127.0.0.1, several ports; a Node server in its own process
// when nginx is missing).
//
// Vigie runs in a child process started through createVigie (src/app.ts) with a generated config
// and a SQLite store in a temp dir: probes, scheduler, batched observation writes, detection, the
// page and the rollup/retention job all run as in production, with the heap sizing that
// `vigie start` sets (src/cli/heap.ts). This process only reads the child's CPU and RSS from /proc
// every second, and the child reports each check's start lag (planned vs actual start, exactly as
// exported in vigie_scheduler_start_lag_seconds).
//
//   node dist/bench/scheduler-10k.js            full run: 10,000 monitors, 30 s, 300 s
//   node dist/bench/scheduler-10k.js --quick    1,000 monitors, 30 s interval, 45 s
//   options: --monitors N --interval-s S --seconds S --ports N --target nginx|node --cpu-prof-dir DIR
//            --expose-gc (reports memory after a forced GC at the end)
//            --mem-breakdown (the child prints its memory by kind and V8 space every 5 s, to stderr)
//            --heap-snapshot DIR (the child writes a heap snapshot once started and one at the end)
import '../src/cli/heap.js'; // first, as in the `vigie` command: the child stands for `vigie start`
import { fork } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import v8 from 'node:v8';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { arg, cpuSeconds, flag, percentile, rssBytes, runMain } from './lib/proc.js';
import { startTarget } from './lib/target.js';

interface Params {
  monitors: number;
  intervalS: number;
  seconds: number;
  ports: number[];
  dir: string;
  memBreakdown?: boolean;
  heapSnapshotDir?: string | undefined;
}

interface ChildResult {
  lagsMs: number[];
  lagsAfterWarmupMs: number[];
  checks: number;
  failures: Record<string, number>;
  maxInFlight: number;
  maxBacklog: number;
  startupMs: number;
  observationsStored: number;
  memory: NodeJS.MemoryUsage;
}

// ---- the Vigie process ------------------------------------------------------------------------

const mb = (b: number) => (b / 2 ** 20).toFixed(1);

/** One line of where the child's memory is: process totals, then each V8 heap space's committed size. */
function memLine(label: string): string {
  const m = process.memoryUsage();
  const spaces = v8
    .getHeapSpaceStatistics()
    .filter((s) => s.space_size > 0)
    .map((s) => `${s.space_name.replace(/_space$/, '')} ${mb(s.space_size)}/${mb(s.space_used_size)}`)
    .join(', ');
  return `[mem ${label}] rss ${mb(m.rss)} heapTotal ${mb(m.heapTotal)} heapUsed ${mb(m.heapUsed)} external ${mb(m.external)} (arrayBuffers ${mb(m.arrayBuffers)}) | spaces committed/used: ${spaces}`;
}

function heapSnapshot(dir: string | undefined, name: string): void {
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  const file = v8.writeHeapSnapshot(join(dir, `${name}.heapsnapshot`));
  console.error(`heap snapshot: ${file}`);
}

async function child(p: Params): Promise<void> {
  // Loaded after the heap sizing, as `vigie start` loads them (src/cli.ts).
  const [{ pino }, { createVigie }, { configSchema }] = await Promise.all([import('pino'), import('../src/app.js'), import('../src/config/schema.js')]);
  const t0 = Date.now();
  const memTimer = p.memBreakdown ? setInterval(() => console.error(memLine(`${Math.round((Date.now() - t0) / 1000)} s`)), 5000) : undefined;
  const perComponent = 10;
  const services = [];
  for (let s = 0, i = 0; i < p.monitors; s++) {
    const components = [];
    for (let c = 0; c < 10 && i < p.monitors; c++) {
      const monitors = [];
      for (let m = 0; m < perComponent && i < p.monitors; m++, i++) {
        const port = p.ports[i % p.ports.length]!;
        monitors.push({ name: `m${m}`, url: `http://127.0.0.1:${port}/s${s}/c${c}/m${m}` });
      }
      components.push({ id: `c${c}`, name: `Component ${c}`, monitors });
    }
    services.push({ id: `s${s}`, name: `Service ${s}`, components });
  }
  const config = configSchema.parse({
    site: { port: 0 },
    store: { path: join(p.dir, 'vigie.db') },
    defaults: { interval: `${p.intervalS}s`, timeout: '5s' },
    services,
  });
  const vigie = await createVigie({ config, logger: pino({ level: 'warn' }) });
  const lagsMs: number[] = [];
  const lagsAfterWarmupMs: number[] = [];
  let warm = Infinity;
  const observeLag = vigie.metrics.observeLag.bind(vigie.metrics);
  vigie.metrics.observeLag = (ms: number) => {
    lagsMs.push(ms);
    if (Date.now() >= warm) lagsAfterWarmupMs.push(ms);
    observeLag(ms);
  };
  await vigie.start();
  const startupMs = Date.now() - t0;
  warm = Date.now() + p.intervalS * 1000;
  let maxInFlight = 0;
  let maxBacklog = 0;
  const sampler = setInterval(async () => {
    const inFlight = (await vigie.metrics.inFlight.get()).values[0]?.value ?? 0;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const backlog = (vigie as unknown as { scheduler: { backlog: number } }).scheduler.backlog;
    maxBacklog = Math.max(maxBacklog, backlog);
  }, 250);
  if (p.memBreakdown) console.error(memLine(`started after ${startupMs} ms`));
  heapSnapshot(p.heapSnapshotDir, 'started');
  process.send!({ type: 'started', startupMs });
  await new Promise<void>((resolve) => process.on('message', (m: { type: string }) => m.type === 'stop' && resolve()));
  clearInterval(sampler);
  clearInterval(memTimer);
  const memory = process.memoryUsage();
  heapSnapshot(p.heapSnapshotDir, 'end');
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) {
    g();
    const after = process.memoryUsage();
    console.error(`after a forced GC: heapUsed ${mb(after.heapUsed)} MB, external ${mb(after.external)} MB, rss ${mb(after.rss)} MB`);
    if (p.memBreakdown) console.error(memLine('after a forced GC'));
  }
  const checks = (await vigie.metrics.checksTotal.get()).values.reduce((n, v) => n + v.value, 0);
  const failures: Record<string, number> = {};
  for (const v of (await vigie.metrics.probeFailures.get()).values) failures[String(v.labels.kind)] = (failures[String(v.labels.kind)] ?? 0) + v.value;
  await vigie.stop();
  const { openStore } = await import('../src/store/index.js');
  const store = await openStore({ path: join(p.dir, 'vigie.db') });
  const row = await store.db.selectFrom('observations').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
  await store.close();
  const result: ChildResult = { lagsMs, lagsAfterWarmupMs, checks, failures, maxInFlight, maxBacklog, startupMs, observationsStored: Number(row?.n ?? 0), memory };
  process.send!({ type: 'result', result }, () => process.exit(0));
}

// ---- the measuring process ----------------------------------------------------------------------

async function main(): Promise<void> {
  const quick = flag('quick');
  const monitors = Number(arg('monitors') ?? (quick ? 1000 : 10_000));
  const intervalS = Number(arg('interval-s') ?? 30);
  const seconds = Number(arg('seconds') ?? (quick ? 45 : 300));
  const portCount = Number(arg('ports') ?? 50);
  const target = await startTarget(portCount, (arg('target') as 'nginx' | 'node' | undefined) ?? 'nginx');
  const dir = await mkdtemp(join(tmpdir(), 'vigie-bench-sched-'));
  const params: Params = { monitors, intervalS, seconds, ports: target.ports, dir, memBreakdown: flag('mem-breakdown'), heapSnapshotDir: arg('heap-snapshot') };
  const proc = fork(fileURLToPath(import.meta.url), ['--child'], { env: { ...process.env, VIGIE_BENCH_PARAMS: JSON.stringify(params) }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [...(arg('cpu-prof-dir') ? ['--cpu-prof', '--cpu-prof-dir', arg('cpu-prof-dir')!] : []), ...(flag('expose-gc') ? ['--expose-gc'] : [])] });
  const cleanup = async () => {
    if (proc.exitCode === null) await Promise.race([new Promise((r) => proc.once('exit', r)), new Promise((r) => setTimeout(r, 15_000))]);
    if (proc.exitCode === null) proc.kill('SIGKILL');
    await target.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const started = await new Promise<{ startupMs: number }>((resolve, reject) => {
      proc.once('exit', (code) => reject(new Error(`Vigie process exited early (${code})`)));
      proc.on('message', (m: { type: string; startupMs: number }) => m.type === 'started' && resolve(m));
    });
    const pid = proc.pid!;
    const cpu0 = cpuSeconds(pid);
    const t0 = performance.now();
    const rss: number[] = [];
    const cpuPerSecond: number[] = [];
    let lastCpu = cpu0;
    let lastT = t0;
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const now = performance.now();
        const c = cpuSeconds(pid);
        cpuPerSecond.push((c - lastCpu) / ((now - lastT) / 1000));
        lastCpu = c;
        lastT = now;
        rss.push(rssBytes(pid));
        if (now - t0 >= seconds * 1000) {
          clearInterval(timer);
          resolve();
        }
      }, 1000);
    });
    const wall = (performance.now() - t0) / 1000;
    const cpu = cpuSeconds(pid) - cpu0;
    const resultP = new Promise<ChildResult>((resolve) => proc.on('message', (m: { type: string; result: ChildResult }) => m.type === 'result' && resolve(m.result)));
    proc.removeAllListeners('exit');
    proc.send({ type: 'stop' });
    const r = await resultP;
    const lags = [...r.lagsMs].sort((a, b) => a - b);
    const warmLags = [...r.lagsAfterWarmupMs].sort((a, b) => a - b);
    const failures = Object.values(r.failures).reduce((a, b) => a + b, 0);
    const out = {
      bench: 'scheduler-10k',
      quick,
      monitors,
      interval_s: intervalS,
      duration_s: Math.round(wall),
      target: `${target.kind} on ${target.ports.length} ports of 127.0.0.1`,
      store: 'sqlite (temp dir)',
      startup_ms: started.startupMs,
      checks: r.checks,
      expected_checks: Math.round((monitors * wall) / intervalS),
      observations_stored: r.observationsStored,
      failures,
      failures_by_kind: r.failures,
      lag_p50_ms: round(percentile(lags, 0.5)),
      lag_p99_ms: round(percentile(lags, 0.99)),
      lag_max_ms: round(lags[lags.length - 1] ?? NaN),
      lag_p99_after_first_interval_ms: round(percentile(warmLags, 0.99)),
      cpu_mean_cores: round(cpu / wall, 3),
      cpu_max_1s_cores: round(Math.max(...cpuPerSecond), 3),
      rss_max_mb: round(Math.max(...rss) / 2 ** 20, 1),
      rss_end_mb: round((rss[rss.length - 1] ?? 0) / 2 ** 20, 1),
      rss_first_s_mb: round((rss[0] ?? 0) / 2 ** 20, 1),
      heap_used_end_mb: round(r.memory.heapUsed / 2 ** 20, 1),
      heap_total_end_mb: round(r.memory.heapTotal / 2 ** 20, 1),
      external_end_mb: round(r.memory.external / 2 ** 20, 1),
      max_in_flight: r.maxInFlight,
      max_backlog: r.maxBacklog,
      pass: percentile(lags, 0.99) < 1000 && cpu / wall < 1 && Math.max(...rss) < 400 * 2 ** 20,
    };
    console.log(JSON.stringify(out));
    console.log(
      `\n${monitors} monitors every ${intervalS}s for ${out.duration_s}s on one Vigie process (${out.target}):\n` +
        `  checks ${out.checks} (expected ~${out.expected_checks}), failures ${failures}, stored ${out.observations_stored}\n` +
        `  start lag p50 ${out.lag_p50_ms} ms, p99 ${out.lag_p99_ms} ms (after the first interval ${out.lag_p99_after_first_interval_ms} ms), max ${out.lag_max_ms} ms   [target p99 < 1000 ms]\n` +
        `  CPU mean ${out.cpu_mean_cores} cores (max 1 s ${out.cpu_max_1s_cores})   [target < 1]\n` +
        `  RSS max ${out.rss_max_mb} MB, at end ${out.rss_end_mb} MB   [target < 400 MB]\n` +
        `  in flight max ${out.max_in_flight}, due-but-waiting max ${out.max_backlog}; startup (config sync of ${monitors} monitors) ${out.startup_ms} ms\n` +
        `  ${out.pass ? 'PASS' : 'FAIL'}`,
    );
  } finally {
    await cleanup();
  }
}

const round = (v: number, d = 1) => Math.round(v * 10 ** d) / 10 ** d;

if (flag('child')) {
  runMain(() => child(JSON.parse(process.env.VIGIE_BENCH_PARAMS!) as Params));
} else {
  runMain(() => main());
}
