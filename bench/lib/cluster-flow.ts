// The scale-out bench with several `vigie start` nodes on one PostgreSQL (config `cluster:`) and
// agents: every monitor in `local` (run by the nodes, split into shards) and two agent regions (run by
// agents that talk to different nodes). Measures, from the stored observations, checks per monitor per
// region per interval (doubles and misses), CPU and RSS per process, the takeover time and the checks
// lost when a node and when an agent are SIGKILLed, delivery after a node an agent talks to is stopped
// for the partition, and the time for a change made on one node to reach every node's page.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { stringify } from 'yaml';
import { openStore } from '../../src/store/index.js';
import { cpuSeconds, rssBytes } from './proc.js';
import { freePort, startTarget } from './target.js';

const CLI = fileURLToPath(new URL('../../src/cli.js', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ClusterBenchOptions {
  quick: boolean;
  nodes: number;
  monitors: number;
  intervalMs: number;
  measureMs: number;
  partitionMs: number;
  /** PostgreSQL server (admin URL); a database is created for the run and dropped after. */
  pgAdmin: string;
}

const REGIONS = ['local', 'eu-west', 'ap-south'];
const AGENT_REGIONS = REGIONS.slice(1);
const ADMIN = 'scale-out-bench-admin';

/** Each process's last output, shown when the run fails. */
const tails = new Map<ChildProcess, string>();

function run(args: string[], env: Record<string, string>): ChildProcess {
  const c = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  const keep = (d: Buffer) => tails.set(c, ((tails.get(c) ?? '') + d).slice(-3000));
  c.stdout!.on('data', keep);
  c.stderr!.on('data', keep);
  tails.set(c, `vigie ${args.filter((a) => !a.startsWith('vigie_') && a.length < 80).join(' ')}\n`);
  return c;
}

async function capture(args: string[], env: Record<string, string>): Promise<string> {
  const c = run(args, env);
  let out = '';
  let err = '';
  c.stdout!.on('data', (d) => (out += d));
  c.stderr!.on('data', (d) => (err += d));
  const code = await new Promise<number | null>((r) => c.on('exit', r));
  if (code !== 0) throw new Error(`vigie ${args.join(' ')}: exit ${code}: ${err}`);
  return out.trim();
}

async function waitUntil(what: string, fn: () => Promise<boolean>, ms: number, every = 200): Promise<number> {
  const start = Date.now();
  while (!(await fn().catch(() => false))) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(every);
  }
  return Date.now() - start;
}

async function admin(url: string, sqlText: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(sqlText);
  } finally {
    await c.end();
  }
}

export async function clusterBench(o: ClusterBenchOptions): Promise<{ json: Record<string, unknown>; summary: string }> {
  const dbName = `vigie_bench_${process.pid}`;
  await admin(o.pgAdmin, `create database ${dbName}`);
  const u = new URL(o.pgAdmin);
  u.pathname = `/${dbName}`;
  const url = u.toString();
  const dir = await mkdtemp(join(tmpdir(), 'vigie-scale-out-cluster-'));
  const target = await startTarget(1);
  const procs: ChildProcess[] = [];
  const env = { VIGIE_ADMIN_TOKEN: ADMIN, DATABASE_URL: url };
  try {
    const ports = await Promise.all(Array.from({ length: o.nodes }, () => freePort()));
    const bases = ports.map((p) => `http://127.0.0.1:${p}`);
    const config = {
      site: { port: ports[0] },
      store: { url },
      regions: AGENT_REGIONS,
      defaults: { interval: `${o.intervalMs}ms`, timeout: '5s' },
      cluster: { shards: 64, lease_ttl: '6s' },
      services: [
        {
          id: 'bench',
          name: 'Bench',
          components: Array.from({ length: Math.ceil(o.monitors / 50) }, (_, c) => ({
            id: `c${c}`,
            name: `C${c}`,
            monitors: Array.from({ length: Math.min(50, o.monitors - c * 50) }, (_, m) => ({ name: `m${m}`, url: `http://127.0.0.1:${target.ports[0]}/m${c}-${m}`, regions: REGIONS })),
          })),
        },
      ],
    };
    const cfgPath = join(dir, 'vigie.yaml');
    await writeFile(cfgPath, stringify(config));
    // Agents: one per agent region, a second in the first (for the agent SIGKILL), each talking to a different node.
    const agentDefs: { name: string; region: string; node: number }[] = [
      { name: `${AGENT_REGIONS[0]}-a`, region: AGENT_REGIONS[0]!, node: 0 },
      { name: `${AGENT_REGIONS[1]}`, region: AGENT_REGIONS[1]!, node: Math.min(1, o.nodes - 1) },
      { name: `${AGENT_REGIONS[0]}-b`, region: AGENT_REGIONS[0]!, node: Math.min(1, o.nodes - 1) },
    ];
    const tokens = new Map<string, string>();
    for (const a of agentDefs) tokens.set(a.name, await capture(['agent', 'register', a.name, '--region', a.region, '-c', cfgPath], env));

    const nodes: ChildProcess[] = [];
    const startNode = (i: number) => {
      const n = run(['start', '-c', cfgPath, '--node', `n${i + 1}`, '-p', String(ports[i]), '--log-level', 'warn'], env);
      procs.push(n);
      nodes[i] = n;
      return n;
    };
    for (let i = 0; i < o.nodes; i++) startNode(i);
    for (const b of bases) await waitUntil(`node ${b}`, async () => (await fetch(`${b}/healthz`)).ok, 120_000);
    const agents = new Map<string, ChildProcess>();
    for (const a of agentDefs) {
      const p = run(['agent', '--server', bases[a.node]!, '--token', tokens.get(a.name)!, '--region', a.region, '--data', join(dir, `agent-${a.name}`), '--log-level', 'warn'], {});
      agents.set(a.name, p);
      procs.push(p);
    }
    const store = await openStore({ url });
    const db = store.db;
    const checkedSince = async (region: string, since: number) =>
      Number((await db.selectFrom('observations').select((eb) => eb.fn.count<number>('monitor_id').distinct().as('n')).where('region', '=', region).where('at', '>', since).executeTakeFirstOrThrow()).n);
    const startAt = Date.now();
    await waitUntil('every monitor checked in every region', async () => {
      const seen = await Promise.all(REGIONS.map((r) => checkedSince(r, startAt)));
      process.stderr.write(`checked so far: ${REGIONS.map((r, i) => `${r} ${seen[i]}`).join(', ')}\n`);
      return seen.every((n) => n >= o.monitors);
    }, 10 * o.intervalMs + 120_000, 2000);

    // Steady state: CPU and RSS of every process.
    await sleep(o.intervalMs);
    const all = [...nodes.map((n, i) => [`node n${i + 1}`, n] as const), ...[...agents].map(([name, a]) => [`agent ${name}`, a] as const)];
    const cpu0 = new Map(all.map(([name, p]) => [name, cpuSeconds(p.pid!)]));
    const t0 = Date.now();
    await sleep(o.measureMs);
    const t1 = Date.now();
    const usage = Object.fromEntries(all.map(([name, p]) => [name, { cpu_pct: Number(((100 * (cpuSeconds(p.pid!) - cpu0.get(name)!)) / ((t1 - t0) / 1000)).toFixed(1)), rss_mb: Math.round(rssBytes(p.pid!) / 2 ** 20) }]));

    // A change made on the first node (an incident written by hand) reaching every node's page.
    const madeAt = Date.now();
    const made = await fetch(`${bases[0]}/api/admin/incidents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Bench propagation', body: 'Measuring.' }),
    });
    if (made.status !== 201) throw new Error(`incident not created: ${made.status} ${await made.text()}`);
    const propagation = await Promise.all(
      bases.map((b) =>
        waitUntil(`the change on ${b}`, async () => ((await (await fetch(`${b}/api/v2/incidents.json`)).json()) as { incidents: { name: string }[] }).incidents.some((i) => i.name === 'Bench propagation'), 30_000, 20).then(() => Date.now() - madeAt),
      ),
    );

    // SIGKILL of the second agent of the first agent region: its monitors move to the other one.
    agents.get(`${AGENT_REGIONS[0]}-b`)!.kill('SIGKILL');
    const agentKilledAt = Date.now();
    const agentTakeoverMs = await waitUntil('every monitor of the region checked after the agent kill', async () => (await checkedSince(AGENT_REGIONS[0]!, agentKilledAt)) === o.monitors, 5 * o.intervalMs + 120_000, 250);

    // SIGKILL of the last node (no agent talks to it): its shards' local units move to the others.
    const victim = nodes[o.nodes - 1]!;
    victim.kill('SIGKILL');
    const nodeKilledAt = Date.now();
    const leasesTakenMs = await waitUntil('every shard held by a live node', async () => {
      const r = await db.selectFrom('cluster_leases').select('holder').where('name', 'like', 'shard/%').execute();
      return r.length === 64 && r.every((l) => l.holder !== `n${o.nodes}`);
    }, 120_000, 100);
    // From the kill, not from the leases: the units' first checks after the takeover included.
    const nodeTakeoverMs = leasesTakenMs + (await waitUntil('every local unit checked after the node kill', async () => (await checkedSince('local', nodeKilledAt)) === o.monitors, 5 * o.intervalMs + 120_000, 250));

    // Partition: the node the second region's agent talks to stops; the agent buffers; the node comes back.
    const pi = Math.min(1, o.nodes - 1);
    nodes[pi]!.kill('SIGTERM');
    await new Promise((r) => nodes[pi]!.on('exit', r));
    const downAt = Date.now();
    await sleep(o.partitionMs);
    startNode(pi);
    const upAt = Date.now();
    await waitUntil('the node back', async () => (await fetch(`${bases[pi]}/healthz`)).ok, 120_000);
    const deliveredMs = await waitUntil(
      'the agent’s buffer delivered',
      async () => {
        const list = ((await (await fetch(`${bases[pi]}/api/admin/agents`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as { agents: { name: string; live: boolean; backlog: number | null }[] }).agents;
        return list.some((a) => a.name === AGENT_REGIONS[1] && a.live && a.backlog === 0);
      },
      300_000,
      250,
    );
    await sleep(2 * o.intervalMs);

    // Checks per monitor per region per interval, from the stored grid times.
    const rows = await db.selectFrom('observations').select(['monitor_id', 'region', 'at']).where('at', '>=', t0).orderBy('region').orderBy('monitor_id').orderBy('at').execute();
    const per = Object.fromEntries(REGIONS.map((r) => [r, { doubles: 0, misses: 0, misses_agent_kill: 0, misses_node_kill: 0, misses_partition: 0, measured: 0 }]));
    let prev: (typeof rows)[number] | undefined;
    for (const r of rows) {
      const s = per[r.region];
      if (!s) continue;
      if (r.at >= t0 && r.at < t1) s.measured++;
      if (prev && prev.monitor_id === r.monitor_id && prev.region === r.region) {
        const gap = r.at - prev.at;
        if (gap === 0) s.doubles++;
        else {
          const lost = Math.max(0, Math.round(gap / o.intervalMs) - 1);
          s.misses += lost;
          const spans = (from: number, to: number) => lost > 0 && prev!.at < to && r.at > from;
          if (spans(agentKilledAt, agentKilledAt + agentTakeoverMs)) s.misses_agent_kill += lost;
          else if (spans(nodeKilledAt, nodeKilledAt + nodeTakeoverMs)) s.misses_node_kill += lost;
          else if (spans(downAt, upAt + deliveredMs)) s.misses_partition += lost;
        }
      }
      prev = r;
    }
    const perRegion = Object.fromEntries(
      Object.entries(per).map(([r, s]) => [r, { ...s, checks_per_unit_per_interval: Number((s.measured / o.monitors / (o.measureMs / o.intervalMs)).toFixed(3)) }]),
    );
    const fenced = await db.selectFrom('cluster_writes').select(['node', (eb) => eb.fn.sum<number>('rows').as('rows')]).groupBy('node').execute();
    await store.close();
    const json = {
      bench: 'scale-out',
      mode: 'cluster',
      quick: o.quick,
      nodes: o.nodes,
      agents: agentDefs.length,
      monitors: o.monitors,
      regions: REGIONS,
      interval_s: o.intervalMs / 1000,
      measure_s: o.measureMs / 1000,
      checks_per_s: (o.monitors * REGIONS.length) / (o.intervalMs / 1000),
      per_region: perRegion,
      change_to_every_page_ms: propagation,
      agent_kill: { takeover_s: agentTakeoverMs / 1000, checks_lost: perRegion[AGENT_REGIONS[0]!]!.misses_agent_kill },
      node_kill: { leases_taken_s: leasesTakenMs / 1000, takeover_s: nodeTakeoverMs / 1000, checks_lost: perRegion.local!.misses_node_kill },
      partition: { down_s: (upAt - downAt) / 1000, delivered_s_after_up: deliveredMs / 1000, checks_lost: perRegion[AGENT_REGIONS[1]!]!.misses_partition },
      rows_written_per_node: Object.fromEntries(fenced.map((f) => [f.node, Number(f.rows)])),
      processes: usage,
    };
    const summary =
      `${o.nodes} nodes + ${agentDefs.length} agents, ${o.monitors} monitors × ${REGIONS.length} regions every ${o.intervalMs / 1000}s (${json.checks_per_s.toFixed(0)} checks/s). ` +
      Object.entries(perRegion)
        .map(([r, s]) => `${r}: ${s.checks_per_unit_per_interval} checks/unit/interval, ${s.doubles} doubles, ${s.misses} misses`)
        .join('; ') +
      `. Change on n1 on every page after ${propagation.map((p) => `${p} ms`).join(', ')}. ` +
      `Node SIGKILL: leases taken in ${json.node_kill.leases_taken_s.toFixed(1)} s, every unit checked again in ${json.node_kill.takeover_s.toFixed(1)} s, ${json.node_kill.checks_lost} checks lost. ` +
      `Agent SIGKILL: ${json.agent_kill.takeover_s.toFixed(1)} s, ${json.agent_kill.checks_lost} lost. Node down ${json.partition.down_s.toFixed(0)} s: agent delivered ${json.partition.delivered_s_after_up.toFixed(1)} s after, ${json.partition.checks_lost} lost. ` +
      Object.entries(usage)
        .map(([n, u]) => `${n} ${u.cpu_pct}% ${u.rss_mb} MB`)
        .join(', ') +
      '.';
    return { json, summary };
  } catch (err) {
    for (const p of procs) process.stderr.write(`--- ${tails.get(p)}\n`);
    throw err;
  } finally {
    for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    await Promise.all(procs.map((p) => (p.exitCode !== null || p.signalCode !== null ? undefined : new Promise((r) => p.once('exit', r)))));
    await target.stop();
    await rm(dir, { recursive: true, force: true });
    await admin(o.pgAdmin, `drop database if exists ${dbName} with (force)`).catch((err) => console.error(`could not drop ${dbName}: ${String(err)}`));
  }
}
