// Agents at scale: one `vigie start` and real `vigie agent` processes (one per region, plus a second
// in the first region for the takeover), every monitor in 3 regions. Measures, from the stored
// observations: checks per monitor per region per interval (doubles and misses), CPU and RSS per
// process, the takeover time and checks lost when an agent is SIGKILLed, and the delivery of what
// agents buffered while the server was stopped (nothing lost, nothing twice).
//
// With --nodes N (default 3): N `vigie start` nodes (config `cluster:`) on one PostgreSQL database the
// bench creates and drops, and 3 agents; every monitor in `local` (the nodes' shards) and two agent
// regions (bench/lib/cluster-flow.ts). --nodes 1: the single server and 4 agents below.
//
//   node dist/bench/scale-out.js [--quick] [--nodes N] [--monitors N] [--interval-s S] [--minutes M] [--partition-s P] [--pg postgres://…] [--pg-admin postgres://…/postgres]
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { openStore } from '../src/store/index.js';
import { arg, cpuSeconds, flag, rssBytes, runMain } from './lib/proc.js';
import { freePort, startTarget } from './lib/target.js';
import { clusterBench } from './lib/cluster-flow.js';

const CLI = fileURLToPath(new URL('../src/cli.js', import.meta.url));
const quick = flag('quick');
const MONITORS = Number(arg('monitors') ?? (quick ? 200 : 5000));
const INTERVAL_MS = Number(arg('interval-s') ?? (quick ? 5 : 60)) * 1000;
const MEASURE_MS = Number(arg('minutes') ?? (quick ? 0.75 : 10)) * 60_000;
const PARTITION_MS = Number(arg('partition-s') ?? (quick ? 10 : 120)) * 1000;
const PG = arg('pg');
const REGIONS = ['us-east', 'eu-west', 'ap-south'];
const ADMIN = 'scale-out-bench-admin';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function run(args: string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
}

async function capture(args: string[], env: Record<string, string> = {}): Promise<string> {
  const c = run(args, env);
  let out = '';
  let err = '';
  c.stdout!.on('data', (d) => (out += d));
  c.stderr!.on('data', (d) => (err += d));
  const code = await new Promise<number | null>((r) => c.on('exit', r));
  if (code !== 0) throw new Error(`vigie ${args.join(' ')}: exit ${code}: ${err}`);
  return out.trim();
}

async function waitUntil(what: string, fn: () => Promise<boolean>, ms: number): Promise<number> {
  const start = Date.now();
  while (!(await fn().catch(() => false))) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
  return Date.now() - start;
}

async function main() {
  const dir = await mkdtemp(join(tmpdir(), 'vigie-scale-out-'));
  const target = await startTarget(1);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const procs: ChildProcess[] = [];
  const env: Record<string, string> = { VIGIE_ADMIN_TOKEN: ADMIN, ...(PG ? { DATABASE_URL: PG } : {}) };
  try {
    const config = {
      site: { port },
      store: { path: join(dir, 'vigie.db') },
      regions: REGIONS,
      defaults: { interval: `${INTERVAL_MS}ms`, timeout: '5s' },
      services: [
        {
          id: 'bench',
          name: 'Bench',
          components: Array.from({ length: Math.ceil(MONITORS / 50) }, (_, c) => ({
            id: `c${c}`,
            name: `C${c}`,
            monitors: Array.from({ length: Math.min(50, MONITORS - c * 50) }, (_, m) => ({ name: `m${m}`, url: `http://127.0.0.1:${target.ports[0]}/m${c}-${m}`, regions: REGIONS })),
          })),
        },
      ],
    };
    const cfgPath = join(dir, 'vigie.yaml');
    await writeFile(cfgPath, stringify(config));
    const tokens = new Map<string, string>();
    for (const [name, region] of [...REGIONS.map((r) => [r, r]), [`${REGIONS[0]}-b`, REGIONS[0]]] as [string, string][])
      tokens.set(name, await capture(['agent', 'register', name, '--region', region, '-c', cfgPath], env));

    let server = run(['start', '-c', cfgPath, '--log-level', 'warn'], env);
    procs.push(server);
    await waitUntil('the server', async () => (await fetch(`${base}/healthz`)).ok, 60_000);
    const agents = new Map<string, ChildProcess>();
    for (const [name, token] of tokens) {
      const region = name.endsWith('-b') ? REGIONS[0]! : name;
      const a = run(['agent', '--server', base, '--token', token, '--region', region, '--data', join(dir, `agent-${name}`), '--log-level', 'warn']);
      agents.set(name, a);
      procs.push(a);
    }
    const adminAgents = async () =>
      ((await (await fetch(`${base}/api/admin/agents`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as { agents: { name: string; live: boolean; monitors: number; backlog: number | null }[] }).agents;
    await waitUntil('every agent live with its share', async () => (await adminAgents()).every((a) => a.live && a.monitors > 0), 120_000);

    // Steady state.
    await sleep(2 * INTERVAL_MS);
    const cpu0 = new Map([...agents].map(([n, a]) => [n, cpuSeconds(a.pid!)]));
    const serverCpu0 = cpuSeconds(server.pid!);
    const t0 = Date.now();
    await sleep(MEASURE_MS);
    const t1 = Date.now();
    const cpu = Object.fromEntries([...agents].map(([n, a]) => [n, { cpu_pct: (100 * (cpuSeconds(a.pid!) - cpu0.get(n)!)) / ((t1 - t0) / 1000), rss_mb: rssBytes(a.pid!) / 2 ** 20 }]));
    const serverUse = { cpu_pct: (100 * (cpuSeconds(server.pid!) - serverCpu0)) / ((t1 - t0) / 1000), rss_mb: rssBytes(server.pid!) / 2 ** 20 };

    // SIGKILL of the first region's second agent: its monitors move to the other one.
    const victim = agents.get(`${REGIONS[0]}-b`)!;
    victim.kill('SIGKILL');
    const killedAt = Date.now();
    const store = await openStore(PG ? { url: PG } : { path: join(dir, 'vigie.db') });
    const checkedSince = async (region: string, since: number) =>
      Number(
        (
          await store.db
            .selectFrom('observations')
            .select((eb) => eb.fn.count<number>('monitor_id').distinct().as('n'))
            .where('region', '=', region)
            .where('at', '>', since)
            .executeTakeFirstOrThrow()
        ).n,
      );
    const takeoverMs = await waitUntil('every monitor of the region checked after the kill', async () => (await checkedSince(REGIONS[0]!, killedAt)) === MONITORS, 120_000);

    // Partition: the server stops; agents buffer; it comes back; they deliver.
    server.kill('SIGTERM');
    await new Promise((r) => server.on('exit', r));
    const downAt = Date.now();
    await sleep(PARTITION_MS);
    server = run(['start', '-c', cfgPath, '--log-level', 'warn'], env);
    procs.push(server);
    const upAt = Date.now();
    await waitUntil('the server back', async () => (await fetch(`${base}/healthz`)).ok, 60_000);
    await waitUntil('agents live again', async () => (await adminAgents()).filter((a) => a.live).length === REGIONS.length, 60_000);
    const deliveredMs = await waitUntil('buffers empty', async () => (await adminAgents()).filter((a) => a.live).every((a) => a.backlog === 0), 300_000);
    await sleep(2 * INTERVAL_MS);

    // Checks per monitor per region per interval, from the stored grid times.
    const rows = await store.db.selectFrom('observations').select(['monitor_id', 'at']).where('at', '>=', t0).orderBy('monitor_id').orderBy('at').execute();
    let doubles = 0;
    let misses = 0;
    let missesPartition = 0;
    let missesKill = 0;
    let prev: { monitor_id: string; at: number } | undefined;
    for (const r of rows) {
      if (prev && prev.monitor_id === r.monitor_id) {
        const gap = r.at - prev.at;
        if (gap === 0) doubles++;
        else {
          const lost = Math.max(0, Math.round(gap / INTERVAL_MS) - 1);
          misses += lost;
          if (lost > 0 && prev.at < upAt && r.at > downAt) missesPartition += lost;
          if (lost > 0 && prev.at < killedAt + takeoverMs && r.at > killedAt) missesKill += lost;
        }
      }
      prev = r;
    }
    const measured = rows.filter((r) => r.at >= t0 && r.at < t1).length;
    const perUnitPerInterval = measured / (MONITORS * REGIONS.length) / (MEASURE_MS / INTERVAL_MS);
    await store.close();

    const result = {
      bench: 'scale-out',
      quick,
      store: PG ? 'postgres' : 'sqlite',
      monitors: MONITORS,
      regions: REGIONS.length,
      interval_s: INTERVAL_MS / 1000,
      measure_s: MEASURE_MS / 1000,
      checks_per_s: (MONITORS * REGIONS.length) / (INTERVAL_MS / 1000),
      checks_per_unit_per_interval: Number(perUnitPerInterval.toFixed(3)),
      doubles,
      misses_total: misses,
      agent_kill: { takeover_s: takeoverMs / 1000, checks_lost: missesKill },
      partition: { down_s: (upAt - downAt) / 1000, delivered_s_after_up: deliveredMs / 1000, checks_lost: missesPartition },
      server: serverUse,
      agents: cpu,
    };
    console.log(JSON.stringify(result));
    console.log(
      `${MONITORS} monitors × ${REGIONS.length} regions every ${INTERVAL_MS / 1000}s (${result.checks_per_s.toFixed(0)} checks/s): ${result.checks_per_unit_per_interval} checks per monitor per region per interval, ${doubles} doubles, ${misses} misses. ` +
        `Agent SIGKILL: taken over in ${result.agent_kill.takeover_s.toFixed(1)} s, ${missesKill} checks lost. Server down ${result.partition.down_s.toFixed(0)} s: delivered ${result.partition.delivered_s_after_up.toFixed(1)} s after it was back, ${missesPartition} checks lost. ` +
        `Server ${serverUse.cpu_pct.toFixed(1)}% CPU ${serverUse.rss_mb.toFixed(0)} MB; agents ${Object.values(cpu)
          .map((c) => `${c.cpu_pct.toFixed(1)}%/${c.rss_mb.toFixed(0)}MB`)
          .join(', ')}.`,
    );
  } finally {
    for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    await target.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

const NODES = Number(arg('nodes') ?? 3);
runMain(async () => {
  if (NODES <= 1) return main();
  const { json, summary } = await clusterBench({
    quick,
    nodes: NODES,
    monitors: MONITORS,
    intervalMs: INTERVAL_MS,
    measureMs: MEASURE_MS,
    partitionMs: PARTITION_MS,
    pgAdmin: arg('pg-admin') ?? process.env.VIGIE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  });
  console.log(JSON.stringify(json));
  console.log(summary);
});
