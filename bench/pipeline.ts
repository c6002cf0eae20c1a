// Bench: CPU per check of the whole pipeline (probe, observation write, rollups, detection,
// publishing, web), in steady state, with N HTTP monitors against a local target (nginx from Debian
// on 127.0.0.1, a Node server in its own process when nginx is missing: the target's CPU is not ours).
//
// Vigie runs in a child process through createVigie (src/app.ts), as `vigie start` runs it (the same
// heap sizing, src/cli/heap.ts); this process reads the child's CPU (user + system, every thread)
// and RSS from /proc. The first interval (every monitor's first check, the JIT warming up) is skipped;
// then `--seconds` of steady state give CPU ms per check. Then, unless --no-stages, a second window
// runs under V8's sampling profiler (started in the child through node:inspector, so start-up is not
// in it) and its time is charged to stages by the deepest frame of ours on each stack
// (bench/lib/stages.ts); the stage figures are per check in that window (the profiler adds a few %).
//
//   node dist/bench/pipeline.js                    full: 10,000 monitors, 20 s interval, 120 s, SQLite
//   node dist/bench/pipeline.js --quick            1,000 monitors, 20 s interval, 30 s
//   options: --monitors N --interval S --seconds S --store sqlite|pg --agent (a `vigie agent`, no store)
//            --no-stages --profile-seconds S --ports N --target nginx|node --keep-profile DIR
//            --warmup S (before the steady window; default interval + 2 s (quick) or + 5 s: the JIT is
//            still optimizing then, --warmup 90 gives the settled figure)
//            --syscalls S (then an S-second window under `strace -c -f`: syscalls per check, by name)
//   Idle cost: --monitors 0 (the process with nothing to check), or --interval 3600 (monitors loaded,
//   almost never due): cpu_cores is then the fixed cost, which the checks of a busy run share.
//            --v8-flags "…" (set in the measured process after src/cli/heap.ts, to try GC settings)
//   PostgreSQL: postgres://postgres@127.0.0.1:5432 (PGURL to change it); a fresh database per run, dropped after.
import '../src/cli/heap.js'; // first, as in the `vigie` command: the child stands for `vigie start`
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { arg, cpuSeconds, cpuSplit, flag, percentile, rssBytes, runMain } from './lib/proc.js';
import { startTarget } from './lib/target.js';
import { type CpuProfile, STAGES, type Stage, stagesOf, topFiles } from './lib/stages.js';
import { pgDatabase } from './lib/pg-database.js';

interface Params {
  monitors: number;
  intervalS: number;
  ports: number[];
  dir: string;
  databaseUrl?: string | undefined;
  /** V8 flags set in the measured process after the heap sizing (an experiment: "--semi-space-growth-factor=2"). */
  v8Flags?: string | undefined;
  /** Agent mode: the server's URL and the agent's token (the server is another, unmeasured process). */
  agent?: { server: string; token: string; region: string } | undefined;
}

type Msg = { type: string; [k: string]: unknown };

const REGION = 'bench';

// ---- the measured process (Vigie, or an agent) --------------------------------------------------

function buildConfig(p: Params, region: string | undefined) {
  const services = [];
  for (let s = 0, i = 0; i < p.monitors; s++) {
    const components = [];
    for (let c = 0; c < 10 && i < p.monitors; c++) {
      const monitors = [];
      for (let m = 0; m < 10 && i < p.monitors; m++, i++) monitors.push({ name: `m${m}`, url: `http://127.0.0.1:${p.ports[i % p.ports.length]!}/s${s}/c${c}/m${m}`, ...(region ? { region } : {}) });
      components.push({ id: `c${c}`, name: `Component ${c}`, monitors });
    }
    services.push({ id: `s${s}`, name: `Service ${s}`, components });
  }
  return {
    site: { port: 0, host: '127.0.0.1' },
    store: { path: join(p.dir, 'vigie.db') },
    defaults: { interval: `${p.intervalS}s`, timeout: '5s' },
    ...(region ? { regions: [region] } : {}),
    services,
  };
}

/** Answers the parent's requests: check counts, a profile of a window, stop. */
interface Handle {
  checks: () => number;
  stop: () => Promise<Record<string, unknown>>;
  /** Start lags of the measured windows (from the first sample on). */
  lags: number[];
  recording: boolean;
}

function serveParent(h: Handle): void {
  let session: import('node:inspector').Session | undefined;
  process.on('message', async (m: Msg) => {
    if (m.type === 'sample') {
      h.recording = true;
      process.send!({ type: 'sample', checks: h.checks() });
    } else if (m.type === 'profile-start') {
      const inspector = await import('node:inspector');
      session = new inspector.Session();
      session.connect();
      const post = (method: string, params?: object) => new Promise<unknown>((res, rej) => session!.post(method, params ?? {}, (err, r) => (err ? rej(err) : res(r))));
      await post('Profiler.enable');
      await post('Profiler.setSamplingInterval', { interval: 500 });
      await post('Profiler.start');
      process.send!({ type: 'profile-started', checks: h.checks() });
    } else if (m.type === 'profile-stop') {
      const r = await new Promise<{ profile: CpuProfile }>((res, rej) => session!.post('Profiler.stop', (err, x) => (err ? rej(err) : res(x as { profile: CpuProfile }))));
      const checks = h.checks();
      session!.disconnect();
      await mkdir(String(m.dir), { recursive: true });
      const file = join(String(m.dir), `profile-${process.pid}.cpuprofile`);
      await writeFile(file, JSON.stringify(r.profile));
      process.send!({ type: 'profile', file, checks });
    } else if (m.type === 'stop') {
      h.recording = false;
      const result = await h.stop();
      process.send!({ type: 'result', result: { ...result, lags: h.lags } }, () => process.exit(0));
    }
  });
}

async function applyV8Flags(p: Params): Promise<void> {
  if (p.v8Flags) (await import('node:v8')).setFlagsFromString(p.v8Flags);
}

async function vigieChild(p: Params): Promise<void> {
  await applyV8Flags(p);
  const [{ pino }, { createVigie }, { configSchema }] = await Promise.all([import('pino'), import('../src/app.js'), import('../src/config/schema.js')]);
  const config = configSchema.parse(buildConfig(p, undefined));
  const vigie = await createVigie({ config, logger: pino({ level: 'warn' }), ...(p.databaseUrl ? { databaseUrl: p.databaseUrl } : {}) });
  const h: Handle = { checks: () => 0, stop: async () => ({}), lags: [], recording: false };
  const observeLag = vigie.metrics.observeLag.bind(vigie.metrics);
  vigie.metrics.observeLag = (ms: number) => {
    if (h.recording) h.lags.push(ms);
    observeLag(ms);
  };
  await vigie.start();
  const startupMs = performance.now(); // since this process began: module loading, store, config sync, start
  // Counted by the scheduler's own metric, read without prom-client's async get() (it allocates).
  let checks = 0;
  const observeCheck = vigie.metrics.observeCheck.bind(vigie.metrics);
  vigie.metrics.observeCheck = (m, o) => {
    checks++;
    observeCheck(m, o);
  };
  h.checks = () => checks;
  h.stop = async () => {
    const failures = (await vigie.metrics.probeFailures.get()).values.reduce((n, v) => n + v.value, 0);
    await vigie.stop();
    return { failures };
  };
  serveParent(h);
  process.send!({ type: 'started', startupMs });
}

/** Agent mode, server side (not measured): a Vigie whose monitors all belong to an agent region, and the agent's token. */
async function serverChild(p: Params): Promise<void> {
  const [{ pino }, { createVigie }, { configSchema }, { registerAgent }] = await Promise.all([import('pino'), import('../src/app.js'), import('../src/config/schema.js'), import('../src/agent/registry.js')]);
  const config = configSchema.parse(buildConfig(p, REGION));
  const vigie = await createVigie({ config, logger: pino({ level: 'warn' }), ...(p.databaseUrl ? { databaseUrl: p.databaseUrl } : {}) });
  const { token } = await registerAgent(vigie.store.db, { name: 'bench-1', region: REGION, configured: [REGION], at: Date.now() });
  const url = await vigie.start();
  process.send!({ type: 'server', url, token });
  process.on('message', (m: Msg) => m.type === 'stop' && void vigie.stop().finally(() => process.exit(0)));
}

async function agentChild(p: Params): Promise<void> {
  await applyV8Flags(p);
  const [{ pino }, { Agent }] = await Promise.all([import('pino'), import('../src/agent/agent.js')]);
  const dataDir = join(p.dir, 'agent');
  await mkdir(dataDir, { recursive: true });
  const agent = new Agent({ server: p.agent!.server, token: p.agent!.token, region: p.agent!.region, dataDir, log: pino({ level: 'warn' }), version: 'bench' });
  const running = agent.run();
  const checks = () => (agent as unknown as { checks: number }).checks;
  // Started once the assignment arrived and every monitor is scheduled.
  while ((agent as unknown as { scheduler: { size: number } }).scheduler.size < p.monitors) await new Promise((r) => setTimeout(r, 20));
  const startupMs = performance.now();
  serveParent({
    checks,
    lags: [],
    recording: false,
    stop: async () => {
      const s = await agent.stop();
      await running;
      return { failures: 0, delivered: s.delivered, backlog: s.backlog };
    },
  });
  process.send!({ type: 'started', startupMs });
}

// ---- the measuring process ----------------------------------------------------------------------

function waitFor(c: ChildProcess, type: string): Promise<Msg> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`bench child exited early (${code}) while waiting for "${type}"`));
    const onMsg = (m: Msg) => {
      if (m.type !== type) return;
      c.off('message', onMsg).off('exit', onExit);
      resolve(m);
    };
    c.on('message', onMsg).once('exit', onExit);
  });
}

async function ask(c: ChildProcess, type: string, reply: string, extra: object = {}): Promise<Msg> {
  const p = waitFor(c, reply);
  c.send({ type, ...extra });
  return p;
}

async function stopChild(c: ChildProcess, ms = 20_000): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  await Promise.race([new Promise((r) => c.once('exit', r)), new Promise((r) => setTimeout(r, ms))]);
  if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (v: number, d = 3) => Math.round(v * 10 ** d) / 10 ** d;


/**
 * Syscalls per check over `seconds`, every thread of the process, from `strace -c -f` (strace slows
 * the process: only the counts are used). Missing strace: an error naming it.
 */
async function countSyscalls(c: ChildProcess, pid: number, seconds: number, out: string): Promise<{ per_check: number; top: Record<string, number> }> {
  const a = await ask(c, 'sample', 'sample');
  const strace = spawn('strace', ['-c', '-f', '-q', '-o', out, '-p', String(pid)], { stdio: 'ignore' });
  const exited = new Promise<number | null>((res, rej) => strace.once('exit', res).once('error', (e) => rej(new Error(`strace could not run (${e.message}); install strace or drop --syscalls`))));
  await Promise.race([sleep(seconds * 1000), exited]);
  strace.kill('SIGINT');
  await exited;
  const b = await ask(c, 'sample', 'sample');
  const n = Math.max(1, Number(b.checks) - Number(a.checks));
  const counts: [string, number][] = [];
  // "% time  seconds  usecs/call  calls  [errors]  syscall", then a "total" line.
  for (const line of (await readFile(out, 'utf8')).split('\n')) {
    const m = /^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(\w+)\s*$/.exec(line);
    if (m && m[2] !== 'total') counts.push([m[2]!, Number(m[1])]);
  }
  const total = counts.reduce((s, [, v]) => s + v, 0);
  counts.sort((x, y) => y[1] - x[1]);
  return { per_check: round(total / n, 2), top: Object.fromEntries(counts.slice(0, 12).map(([k, v]) => [k, round(v / n, 2)])) };
}

async function main(): Promise<void> {
  const quick = flag('quick');
  const agentMode = flag('agent');
  const monitors = Number(arg('monitors') ?? (quick ? 1000 : 10_000));
  const intervalS = Number(arg('interval') ?? 20);
  const seconds = Number(arg('seconds') ?? (quick ? 30 : 120));
  const stages = !flag('no-stages');
  const profileSeconds = Number(arg('profile-seconds') ?? Math.min(seconds, quick ? 20 : 60));
  const storeKind = (arg('store') ?? 'sqlite') as 'sqlite' | 'pg';
  if (storeKind !== 'sqlite' && storeKind !== 'pg') throw new Error(`--store must be sqlite or pg (got "${storeKind}")`);
  const target = await startTarget(Number(arg('ports') ?? 50), (arg('target') as 'nginx' | 'node' | undefined) ?? 'nginx');
  const dir = await mkdtemp(join(tmpdir(), 'vigie-bench-pipeline-'));
  const db = storeKind === 'pg' ? await pgDatabase('pipeline') : undefined;
  const params: Params = { monitors, intervalS, ports: target.ports, dir, databaseUrl: db?.url, v8Flags: arg('v8-flags') };
  const children: ChildProcess[] = [];
  const spawnChild = (role: string, p: Params) => {
    const c = fork(fileURLToPath(import.meta.url), [`--${role}`], { env: { ...process.env, VIGIE_BENCH_PARAMS: JSON.stringify(p) }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.push(c);
    return c;
  };
  try {
    let measured: ChildProcess;
    if (agentMode) {
      const server = spawnChild('server-child', params);
      const s = await waitFor(server, 'server');
      measured = spawnChild('agent-child', { ...params, agent: { server: String(s.url), token: String(s.token), region: REGION } });
    } else measured = spawnChild('vigie-child', params);
    const started = await waitFor(measured, 'started');
    const pid = measured.pid!;
    // Warm-up: every monitor's first check, and the JIT settling, are not steady state.
    await sleep(Number(arg('warmup') ?? intervalS + (quick ? 2 : 5)) * 1000);

    const rss: number[] = [];
    const rssTimer = setInterval(() => rss.push(rssBytes(pid)), 1000);
    const a = await ask(measured, 'sample', 'sample');
    const cpuA = cpuSeconds(pid);
    const splitA = cpuSplit(pid);
    const tA = performance.now();
    await sleep(seconds * 1000);
    const b = await ask(measured, 'sample', 'sample');
    const cpuB = cpuSeconds(pid);
    const splitB = cpuSplit(pid);
    const wall = (performance.now() - tA) / 1000;
    const checks = Number(b.checks) - Number(a.checks);
    const cpuMsPerCheck = ((cpuB - cpuA) * 1000) / Math.max(1, checks);

    let stageMs: Record<Stage, number> | undefined;
    let profileCpuMsPerCheck: number | undefined;
    let files: { file: string; ms: number }[] = [];
    if (stages) {
      const p0 = await ask(measured, 'profile-start', 'profile-started');
      const c0 = cpuSeconds(pid);
      await sleep(profileSeconds * 1000);
      const p1 = await ask(measured, 'profile-stop', 'profile', { dir: arg('keep-profile') ?? dir });
      const c1 = cpuSeconds(pid);
      const n = Math.max(1, Number(p1.checks) - Number(p0.checks));
      profileCpuMsPerCheck = ((c1 - c0) * 1000) / n;
      const profile = JSON.parse(await readFile(String(p1.file), 'utf8')) as CpuProfile;
      const total = stagesOf(profile);
      stageMs = Object.fromEntries(STAGES.map((s) => [s, round(total[s] / n, 4)])) as Record<Stage, number>;
      files = topFiles(profile, 20);
    }
    let syscalls: { per_check: number; top: Record<string, number> } | undefined;
    const syscallSeconds = Number(arg('syscalls') ?? 0);
    if (syscallSeconds > 0) syscalls = await countSyscalls(measured, pid, syscallSeconds, join(dir, 'strace.txt'));
    clearInterval(rssTimer);
    const r = await ask(measured, 'stop', 'result');
    const result = r.result as { failures: number; lags: number[] };
    const lags = [...result.lags].sort((x, y) => x - y);
    const out = {
      bench: 'pipeline',
      quick,
      mode: agentMode ? 'agent' : 'vigie',
      v8_flags: params.v8Flags ?? null,
      monitors,
      interval_s: intervalS,
      store: agentMode ? 'none (agent)' : storeKind,
      target: `${target.kind} on ${target.ports.length} ports of 127.0.0.1`,
      steady_s: round(wall, 1),
      checks,
      checks_per_s: round(checks / wall, 1),
      expected_checks_per_s: round(monitors / intervalS, 1),
      cpu_cores: round((cpuB - cpuA) / wall),
      cpu_ms_per_check: checks > 0 ? round(cpuMsPerCheck, 4) : null,
      cpu_system_share: round((splitB.system - splitA.system) / Math.max(1e-9, cpuB - cpuA), 2),
      syscalls_per_check: syscalls ?? null,
      stage_ms_per_check: stageMs ?? null,
      profiled_cpu_ms_per_check: profileCpuMsPerCheck === undefined ? null : round(profileCpuMsPerCheck, 4),
      top_files_ms: files,
      rss_max_mb: round(Math.max(0, ...rss) / 2 ** 20, 1),
      startup_ms: Math.round(Number(started.startupMs)),
      lag_p99_ms: lags.length ? round(percentile(lags, 0.99), 1) : null,
      failures: result.failures,
      targets: { cpu_ms_per_check_le_0_5: cpuMsPerCheck <= 0.5, rss_le_250mb: Math.max(0, ...rss) <= 250 * 2 ** 20, startup_le_5s: Number(started.startupMs) <= 5000 },
    };
    console.log(JSON.stringify(out));
    console.log(
      `\npipeline: ${monitors} HTTP monitors every ${intervalS} s, ${out.mode}${agentMode ? '' : `, store ${storeKind}`}, ${out.target}\n` +
        `  steady ${out.steady_s} s: ${checks} checks (${out.checks_per_s}/s, expected ${out.expected_checks_per_s}/s), CPU ${out.cpu_cores} cores\n` +
        `  CPU per check: ${out.cpu_ms_per_check} ms   [target <= 0.5 ms]; ${Math.round(out.cpu_system_share * 100)} % of it in the kernel\n` +
        (syscalls ? `  syscalls per check: ${syscalls.per_check} (${Object.entries(syscalls.top).map(([k, v]) => `${k} ${v}`).join(', ')})\n` : '') +
        (stageMs
          ? `  by stage (ms per check, profiled window at ${out.profiled_cpu_ms_per_check} ms/check):\n` +
            STAGES.filter((s) => stageMs![s] > 0)
              .map((s) => `    ${s.padEnd(13)} ${stageMs![s].toFixed(4)}`)
              .join('\n') +
            '\n'
          : '') +
        `  RSS max ${out.rss_max_mb} MB   [target <= 250 MB at 10,000]; start-up to all monitors scheduled ${out.startup_ms} ms   [target <= 5,000 at 10,000]\n` +
        `  start lag p99 ${out.lag_p99_ms} ms; failed checks ${out.failures}`,
    );
  } finally {
    for (const c of children.reverse()) {
      if (c.connected) c.send({ type: 'stop' });
      await stopChild(c);
    }
    await target.stop();
    await db?.drop();
    await rm(dir, { recursive: true, force: true });
  }
}

const params = () => JSON.parse(process.env.VIGIE_BENCH_PARAMS!) as Params;
if (flag('vigie-child')) runMain(() => vigieChild(params()));
else if (flag('server-child')) runMain(() => serverChild(params()));
else if (flag('agent-child')) runMain(() => agentChild(params()));
else runMain(() => main());
