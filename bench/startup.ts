// Bench: start-up and resident memory at N monitors (issue 16: start-up to all monitors running
// ≤ 5 s and RSS ≤ 250 MB at 10,000). Short on purpose: start, every monitor's first check, a short
// steady state, stop. Not a CPU-per-check bench (bench/pipeline.ts is).
//
// The measured process stands for `vigie start`: it imports src/cli/heap.ts first, reads a
// vigie.yaml written by this process with loadConfigFile (YAML, ${VAR}, zod: as the CLI does), then
// createVigie + start() against a local target (nginx on 127.0.0.1, or a Node server in its own
// process). Monitors: services of 10 components of 10 HTTP monitors, one interval for all.
//
// What "start-up" means here (all times from the measured process's own start, performance.now()):
//   - monitors_running_ms: the scheduler has started with every monitor on it, each first check
//     planned on its slot (a stable phase within one interval: the scheduler spreads first checks
//     over the interval on purpose). This is the issue's "start-up to all monitors running" figure.
//   - startup_ms: `vigie.start()` has resolved: the first publish is done too (the page answers 503
//     "starting" until then; start() renders it last, once the checks are running).
//   - all_checked_ms: every monitor's first check has completed (≈ startup_ms + one interval).
//   - first_lag_p99_ms / first_lag_max_ms: how late those first checks started against their slot.
// Then --steady seconds of steady state; RSS is read from /proc by this process every second.
//
//   node dist/bench/startup.js                 10,000 monitors, 20 s interval, 10 s steady, SQLite
//   node dist/bench/startup.js --quick         1,000 monitors
//   options: --monitors N --interval S --steady S --store sqlite|pg --restart (start a second time on
//            the same store: the warm start, nothing new to sync) --ports N --target nginx|node
//            --cpu-prof DIR (a CPU profile of the start-up only, from the child's first line to start())
//            --alloc-prof DIR (a sampling allocation profile of the start-up, collected objects included)
//            --heap-snapshot DIR (a heap snapshot at the end of the steady state)
//            --v8-flags "…" (set in the measured process after src/cli/heap.ts)
//   PostgreSQL: postgres://postgres@127.0.0.1:5432 (PGURL to change it); a fresh database per run, dropped after.
import '../src/cli/heap.js'; // first, as in the `vigie` command
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { PerformanceObserver } from 'node:perf_hooks';
import { stringify } from 'yaml';
import { arg, flag, percentile, rssBytes, runMain } from './lib/proc.js';
import { startTarget } from './lib/target.js';
import { pgDatabase } from './lib/pg-database.js';

interface Params {
  monitors: number;
  intervalS: number;
  steadyS: number;
  ports: number[];
  dir: string;
  configFile: string;
  databaseUrl?: string | undefined;
  cpuProfDir?: string | undefined;
  allocProfDir?: string | undefined;
  heapSnapshotDir?: string | undefined;
  v8Flags?: string | undefined;
  label: string;
}

type Msg = { type: string; [k: string]: unknown };
const mb = (b: number) => Math.round((b / 2 ** 20) * 10) / 10;
const round = (v: number, d = 1) => Math.round(v * 10 ** d) / 10 ** d;

function configYaml(p: { monitors: number; intervalS: number; ports: number[]; dir: string }): string {
  // Block YAML, as a person writes it (a flow/JSON file costs the parser about twice as much).
  const services = [];
  for (let s = 0, i = 0; i < p.monitors; s++) {
    const components = [];
    for (let c = 0; c < 10 && i < p.monitors; c++) {
      const monitors = [];
      for (let m = 0; m < 10 && i < p.monitors; m++, i++) monitors.push({ name: `m${m}`, url: `http://127.0.0.1:${p.ports[i % p.ports.length]!}/s${s}/c${c}/m${m}` });
      components.push({ id: `c${c}`, name: `Component ${c}`, monitors });
    }
    services.push({ id: `s${s}`, name: `Service ${s}`, components });
  }
  return stringify({
    site: { port: 0, host: '127.0.0.1' },
    store: { path: join(p.dir, 'vigie.db') },
    defaults: { interval: `${p.intervalS}s`, timeout: '5s' },
    services,
  });
}

// ---- the measured process -----------------------------------------------------------------------

async function child(p: Params): Promise<void> {
  const cpu0 = process.cpuUsage(); // since the process began
  // GC pauses during start-up by kind (V8's flags: 1 scavenge, 2 minor mark-sweep, 4 mark-sweep-compact, 8 incremental, 16 weak callbacks).
  const GC_KINDS: Record<number, string> = { 1: 'scavenge', 2: 'minor_ms', 4: 'mark_compact', 8: 'incremental', 16: 'weakcb' };
  const gc: Record<string, { ms: number; count: number }> = {};
  let counting = true;
  const gcObs = new PerformanceObserver((list) => {
    if (!counting) return;
    for (const e of list.getEntries()) {
      const kind = GC_KINDS[(e as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0] ?? 'other';
      const g = (gc[kind] ??= { ms: 0, count: 0 });
      g.ms += e.duration;
      g.count++;
    }
  });
  gcObs.observe({ entryTypes: ['gc'] });
  if (p.v8Flags) v8.setFlagsFromString(p.v8Flags);
  let session: import('node:inspector').Session | undefined;
  const post = (method: string, params?: object) => new Promise<unknown>((res, rej) => session!.post(method, params ?? {}, (err, r) => (err ? rej(err) : res(r))));
  if (p.cpuProfDir || p.allocProfDir) {
    const inspector = await import('node:inspector');
    session = new inspector.Session();
    session.connect();
  }
  if (p.cpuProfDir) {
    await post('Profiler.enable');
    await post('Profiler.setSamplingInterval', { interval: 200 });
    await post('Profiler.start');
  }
  // Every allocation sampled, collected or not (what makes the scavenges), every 32 KB on average.
  if (p.allocProfDir) await post('HeapProfiler.startSampling', { samplingInterval: 32768, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  const phases: { phase: string; ms: number; cpuMs: number }[] = [];
  let last = performance.now();
  let lastCpu = process.cpuUsage();
  const mark = (phase: string) => {
    const now = performance.now();
    const c = process.cpuUsage(lastCpu);
    phases.push({ phase, ms: round(now - last), cpuMs: round((c.user + c.system) / 1000) });
    last = now;
    lastCpu = process.cpuUsage();
  };
  phases.push({ phase: 'node boot (before the first line)', ms: round(last), cpuMs: round((lastCpu.user + lastCpu.system) / 1000) });
  const [{ pino }, { createVigie }, { loadConfigFile }] = await Promise.all([import('pino'), import('../src/app.js'), import('../src/config/load.js')]);
  mark('modules load');
  const loaded = await loadConfigFile(p.configFile);
  if (!loaded.ok) throw new Error(`config: ${JSON.stringify(loaded.errors.slice(0, 3))}`);
  mark('config load + validation');
  let runningMs = 0;
  const firstChecked = new Set<string>();
  let allCheckedMs = 0;
  const firstLags: number[] = [];
  let allChecked: () => void = () => {};
  const allCheckedP = new Promise<void>((r) => (allChecked = r));
  const vigie = await createVigie({
    config: loaded.config,
    logger: pino({ level: 'warn' }),
    ...(p.databaseUrl ? { databaseUrl: p.databaseUrl } : {}),
    onPhase: (ph) => {
      if (ph.phase === 'scheduler start') runningMs = performance.now();
      phases.push(ph);
      last = performance.now();
      lastCpu = process.cpuUsage();
    },
  });
  const observeLag = vigie.metrics.observeLag.bind(vigie.metrics);
  vigie.metrics.observeLag = (ms: number) => {
    if (firstLags.length < p.monitors) firstLags.push(ms);
    observeLag(ms);
  };
  const observeCheck = vigie.metrics.observeCheck.bind(vigie.metrics);
  vigie.metrics.observeCheck = (m, o) => {
    if (!allCheckedMs) {
      firstChecked.add(m.id);
      if (firstChecked.size >= p.monitors) {
        allCheckedMs = performance.now();
        allChecked();
      }
    }
    observeCheck(m, o);
  };
  // Publishes after start-up (a check's status change, the minute's refresh), by how long each took.
  const publishes: { at: number; ms: number }[] = [];
  const publish = vigie.publish.bind(vigie);
  let started = false;
  vigie.publish = async () => {
    const t = performance.now();
    await publish();
    if (started) publishes.push({ at: Math.round(t), ms: Math.round(performance.now() - t) });
  };
  await vigie.start();
  const startupMs = performance.now();
  started = true;
  // The event loop held for more than 100 ms after start-up (what delays first checks past their slot).
  const blocks: { at: number; ms: number }[] = [];
  let tick = performance.now();
  const blockTimer = setInterval(() => {
    const now = performance.now();
    if (now - tick > 150) blocks.push({ at: Math.round(tick), ms: Math.round(now - tick - 50) });
    tick = now;
  }, 50);
  const cpu = process.cpuUsage(cpu0);
  counting = false;
  const startupGc = Object.fromEntries(Object.entries(gc).map(([k, v]) => [k, { ms: round(v.ms), count: v.count }]));
  if (p.cpuProfDir) {
    const r = (await post('Profiler.stop')) as { profile: unknown };
    mkdirSync(p.cpuProfDir, { recursive: true });
    const file = join(p.cpuProfDir, `startup-${p.label}-${process.pid}.cpuprofile`);
    writeFileSync(file, JSON.stringify(r.profile));
    console.error(`start-up CPU profile: ${file}`);
  }
  if (p.allocProfDir) {
    const r = (await post('HeapProfiler.stopSampling')) as { profile: unknown };
    mkdirSync(p.allocProfDir, { recursive: true });
    const file = join(p.allocProfDir, `startup-${p.label}-${process.pid}.heapprofile`);
    writeFileSync(file, JSON.stringify(r.profile));
    console.error(`start-up allocation profile: ${file}`);
  }
  session?.disconnect();
  const afterStart = process.memoryUsage();
  process.send!({ type: 'started', startupMs, runningMs, cpuMs: (cpu.user + cpu.system) / 1000, phases, gc: startupGc, memory: afterStart });
  await Promise.race([allCheckedP, new Promise((r) => setTimeout(r, (p.intervalS + 30) * 1000))]);
  clearInterval(blockTimer);
  process.send!({ type: 'checked', allCheckedMs: allCheckedMs || null, checkedCount: firstChecked.size, firstLags: [...firstLags].sort((a, b) => a - b), blocks, publishes: [...publishes] });
  await new Promise<void>((resolve) => process.on('message', (m: Msg) => m.type === 'stop' && resolve()));
  const memory = process.memoryUsage();
  const spaces = Object.fromEntries(
    v8
      .getHeapSpaceStatistics()
      .filter((s) => s.space_size > 0)
      .map((s) => [s.space_name.replace(/_space$/, ''), { committed_mb: mb(s.space_size), used_mb: mb(s.space_used_size) }]),
  );
  if (p.heapSnapshotDir) {
    mkdirSync(p.heapSnapshotDir, { recursive: true });
    console.error(`heap snapshot: ${v8.writeHeapSnapshot(join(p.heapSnapshotDir, `steady-${p.label}-${process.pid}.heapsnapshot`))}`);
  }
  await vigie.stop();
  gcObs.disconnect();
  process.send!({ type: 'result', memory, spaces }, () => process.exit(0));
}

// ---- the measuring process ----------------------------------------------------------------------

function waitFor(c: ChildProcess, type: string, timeoutMs: number): Promise<Msg> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no "${type}" from the measured process within ${timeoutMs} ms`)), timeoutMs);
    const onExit = (code: number | null) => {
      clearTimeout(t);
      reject(new Error(`measured process exited early (${code}) while waiting for "${type}"`));
    };
    const onMsg = (m: Msg) => {
      if (m.type !== type) return;
      clearTimeout(t);
      c.off('message', onMsg).off('exit', onExit);
      resolve(m);
    };
    c.on('message', onMsg).once('exit', onExit);
  });
}


async function oneStart(p: Params): Promise<Record<string, unknown>> {
  const c = fork(fileURLToPath(import.meta.url), ['--child'], { env: { ...process.env, VIGIE_BENCH_PARAMS: JSON.stringify(p) }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const rss: number[] = [];
  let timer: NodeJS.Timeout | undefined;
  try {
    const started = await waitFor(c, 'started', 300_000);
    const rssAtStart = rssBytes(c.pid!);
    timer = setInterval(() => rss.push(rssBytes(c.pid!)), 1000);
    const checked = await waitFor(c, 'checked', (p.intervalS + 60) * 1000);
    rss.length = 0; // the steady state starts once every monitor has run once
    await new Promise((r) => setTimeout(r, p.steadyS * 1000));
    clearInterval(timer);
    const rssEnd = rssBytes(c.pid!);
    const resultP = waitFor(c, 'result', 120_000);
    c.send({ type: 'stop' });
    const result = await resultP;
    const lags = checked.firstLags as number[];
    const m = result.memory as NodeJS.MemoryUsage;
    const sm = started.memory as NodeJS.MemoryUsage;
    return {
      monitors_running_ms: Math.round(Number(started.runningMs)),
      startup_ms: Math.round(Number(started.startupMs)),
      startup_cpu_ms: Math.round(Number(started.cpuMs)),
      startup_gc: started.gc,
      phases: Object.fromEntries((started.phases as { phase: string; ms: number; cpuMs: number }[]).map((x) => [x.phase, { ms: x.ms, cpu_ms: x.cpuMs }])),
      all_checked_ms: checked.allCheckedMs === null ? null : Math.round(Number(checked.allCheckedMs)),
      checked: checked.checkedCount,
      first_lag_p99_ms: round(percentile(lags, 0.99)),
      first_lag_max_ms: round(lags[lags.length - 1] ?? NaN),
      loop_blocks_until_checked: checked.blocks,
      publishes_until_checked: checked.publishes,
      rss_at_start_mb: mb(rssAtStart),
      heap_used_at_start_mb: mb(sm.heapUsed),
      rss_steady_max_mb: mb(Math.max(rssEnd, ...rss)),
      rss_steady_end_mb: mb(rssEnd),
      heap_used_end_mb: mb(m.heapUsed),
      heap_total_end_mb: mb(m.heapTotal),
      external_end_mb: mb(m.external),
      array_buffers_end_mb: mb(m.arrayBuffers),
      spaces_end: result.spaces,
    };
  } finally {
    clearInterval(timer);
    if (c.exitCode === null && c.signalCode === null) {
      await Promise.race([new Promise((r) => c.once('exit', r)), new Promise((r) => setTimeout(r, 20_000))]);
      if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    }
  }
}

async function main(): Promise<void> {
  const quick = flag('quick');
  const monitors = Number(arg('monitors') ?? (quick ? 1000 : 10_000));
  const intervalS = Number(arg('interval') ?? 20);
  const steadyS = Number(arg('steady') ?? 10);
  const storeKind = (arg('store') ?? 'sqlite') as 'sqlite' | 'pg';
  if (storeKind !== 'sqlite' && storeKind !== 'pg') throw new Error(`--store must be sqlite or pg (got "${storeKind}")`);
  const target = await startTarget(Number(arg('ports') ?? 50), (arg('target') as 'nginx' | 'node' | undefined) ?? 'nginx');
  const dir = await mkdtemp(join(tmpdir(), 'vigie-bench-startup-'));
  const db = storeKind === 'pg' ? await pgDatabase('startup') : undefined;
  try {
    const configFile = join(dir, 'vigie.yaml');
    await writeFile(configFile, configYaml({ monitors, intervalS, ports: target.ports, dir }));
    const base: Params = { monitors, intervalS, steadyS, ports: target.ports, dir, configFile, databaseUrl: db?.url, cpuProfDir: arg('cpu-prof'), allocProfDir: arg('alloc-prof'), heapSnapshotDir: arg('heap-snapshot'), v8Flags: arg('v8-flags'), label: 'first' };
    const load = () => loadavg().map((x) => round(x, 2));
    const runs: Record<string, unknown>[] = [];
    const loadBefore = load();
    runs.push({ start: 'first (empty store)', ...(await oneStart(base)) });
    if (flag('restart')) runs.push({ start: 'restart (same store, nothing to sync)', ...(await oneStart({ ...base, label: 'restart' })) });
    const out = {
      bench: 'startup',
      quick,
      monitors,
      interval_s: intervalS,
      steady_s: steadyS,
      store: storeKind,
      target: `${target.kind} on ${target.ports.length} ports of 127.0.0.1`,
      v8_flags: base.v8Flags ?? null,
      load_avg_before: loadBefore,
      load_avg_after: load(),
      runs,
      targets: Object.fromEntries(runs.map((r, i) => [i === 0 ? 'first' : 'restart', { monitors_running_le_5s: Number(r.monitors_running_ms) <= 5000, startup_le_5s: Number(r.startup_ms) <= 5000, rss_le_250mb: Number(r.rss_steady_max_mb) <= 250 }])),
    };
    console.log(JSON.stringify(out));
    for (const r of runs) {
      const ph = r.phases as Record<string, { ms: number; cpu_ms: number }>;
      const gcs = r.startup_gc as Record<string, { ms: number; count: number }>;
      console.log(
        `\nstart-up, ${monitors} monitors every ${intervalS} s, ${storeKind}, ${r.start}:\n` +
          `  every monitor on its slot (scheduler started) at ${r.monitors_running_ms} ms   [target <= 5,000 at 10,000]\n` +
          `  start() resolved (page published too) at ${r.startup_ms} ms; CPU ${r.startup_cpu_ms} ms\n` +
          `  GC pauses: ${Object.entries(gcs)
            .map(([k, v]) => `${k} ${v.ms} ms (${v.count})`)
            .join(', ')}\n` +
          `    ${'phase'.padEnd(42)} ${'wall ms'.padStart(9)} ${'CPU ms'.padStart(9)}\n` +
          Object.entries(ph)
            .map(([k, v]) => `    ${k.padEnd(42)} ${v.ms.toFixed(1).padStart(9)} ${v.cpu_ms.toFixed(1).padStart(9)}`)
            .join('\n') +
          `\n  every monitor checked once at ${r.all_checked_ms} ms (${r.checked}/${monitors}); first checks' lag p99 ${r.first_lag_p99_ms} ms, max ${r.first_lag_max_ms} ms\n` +
          `  meanwhile: event loop held > 100 ms ${JSON.stringify(r.loop_blocks_until_checked)}; publishes ${JSON.stringify(r.publishes_until_checked)} (at, ms since process start)\n` +
          `  RSS at start ${r.rss_at_start_mb} MB; steady ${steadyS} s: max ${r.rss_steady_max_mb} MB, end ${r.rss_steady_end_mb} MB   [target <= 250 MB at 10,000]\n` +
          `  heap used ${r.heap_used_end_mb} MB of ${r.heap_total_end_mb} MB, external ${r.external_end_mb} MB (array buffers ${r.array_buffers_end_mb} MB)`,
      );
    }
    console.log(`  load average before ${loadBefore.join(' ')}, after ${out.load_avg_after.join(' ')}`);
  } finally {
    await target.stop();
    await db?.drop();
    await rm(dir, { recursive: true, force: true });
  }
}

if (flag('child')) runMain(() => child(JSON.parse(process.env.VIGIE_BENCH_PARAMS!) as Params));
else runMain(() => main());
