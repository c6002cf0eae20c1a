// Several real `vigie start` processes (config `cluster:`) on one real PostgreSQL database, checking
// real HTTP targets on 127.0.0.1: they split the monitors with no check run twice, take over a
// SIGKILLed node's shards within the bound, rebalance when a node joins, fence a node paused past its
// leases (verified in the database), serve each other's changes, move the leader role without a lost
// or doubled incident, and deliver each notification once between them.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { type Kysely, sql } from 'kysely';
import { shardOf } from '../src/cluster/node.js';
import { phaseOffset } from '../src/schedule/scheduler.js';
import type { Database } from '../src/store/schema.js';
import type { Store } from '../src/store/store.js';
import { ADMIN_TOKEN, type NodeProc, type Target, killAll, monitorIds, pathOf, startNode, startTarget, writeClusterConfig } from './helpers/cluster-procs.js';
import { PG_SKIPPED, postgresEngine, type TestEngine } from './helpers/engines.js';
import { startRecorder } from './helpers/receivers.js';
import { PG_SKIP } from './helpers/requirements.js';
import { waitFor } from './helpers/wait.js';

const INTERVAL = 2000;
const SHARDS = 8;
const TAKEOVER_BOUND_MS = 15_000;

async function dbNow(db: Kysely<Database>): Promise<number> {
  return Number((await sql<{ t: string }>`select (extract(epoch from clock_timestamp()) * 1000)::bigint as t`.execute(db)).rows[0]!.t);
}

async function liveLeases(db: Kysely<Database>): Promise<{ name: string; holder: string; epoch: number }[]> {
  const r = await sql<{ name: string; holder: string; epoch: string }>`
    select name, holder, epoch from cluster_leases where expires_at >= (extract(epoch from clock_timestamp()) * 1000)::bigint order by name`.execute(db);
  return r.rows.map((x) => ({ name: x.name, holder: x.holder, epoch: Number(x.epoch) }));
}

const shardsOf = (leases: { name: string; holder: string }[], node: string) => leases.filter((l) => l.name.startsWith('shard/') && l.holder === node).length;
const leaderOf = (leases: { name: string; holder: string }[]) => leases.find((l) => l.name === 'role/leader')?.holder;

async function checkTimes(db: Kysely<Database>): Promise<Map<string, number[]>> {
  const rows = await db.selectFrom('observations').select(['monitor_id', 'at']).orderBy('monitor_id').orderBy('at').execute();
  const out = new Map<string, number[]>();
  for (const r of rows) out.set(r.monitor_id, [...(out.get(r.monitor_id) ?? []), Number(r.at)]);
  return out;
}

interface Env {
  engine: TestEngine;
  store: Store;
  target: Target;
  dir: string;
  nodes: NodeProc[];
}

async function setUp(extra = ''): Promise<Env & { config: string }> {
  const engine = await postgresEngine();
  const store = await engine.open();
  const target = await startTarget();
  const dir = await mkdtemp(join(tmpdir(), 'vigie-cluster-'));
  const config = await writeClusterConfig({ dir, url: engine.options.url!, target, services: 3, componentsPerService: 4, interval: `${INTERVAL}ms`, shards: SHARDS, ttl: '2s', extra });
  const nodes: NodeProc[] = [];
  const push = nodes.push.bind(nodes);
  nodes.push = (...n: NodeProc[]) => (everyNode.push(...n), push(...n));
  return { engine, store, target, dir, nodes, config };
}

/** Every node any test started: killed in `after` too, whatever a test did. */
const everyNode: NodeProc[] = [];
after(() => killAll(everyNode));

async function tearDown(env: Env): Promise<void> {
  await killAll(env.nodes);
  await env.target.close();
  await env.engine.cleanup();
  await rm(env.dir, { recursive: true, force: true });
}

const IDS = monitorIds({ services: 3, componentsPerService: 4 });

describe('cluster nodes: real vigie start processes on one PostgreSQL', { skip: PG_SKIPPED ? PG_SKIP || 'no PostgreSQL' : false, timeout: 400_000 }, () => {
  it('split the monitors with no check run twice; SIGKILL: the survivor takes over within the bound; a joining node takes a share', async () => {
    const env = await setUp();
    try {
      const db = env.store.db;
      const a = startNode(env.config, 'a');
      const b = startNode(env.config, 'b');
      env.nodes.push(a, b);
      await Promise.all([a.url, b.url]);
      await waitFor('a and b each holding shards', async () => {
        const l = await liveLeases(db);
        return shardsOf(l, 'a') > 0 && shardsOf(l, 'b') > 0 && shardsOf(l, 'a') + shardsOf(l, 'b') === SHARDS;
      }, 60_000, 200);
      await waitFor('every monitor checked three times', async () => {
        const t = await checkTimes(db);
        return IDS.every((id) => (t.get(id)?.length ?? 0) >= 3);
      }, 90_000, 500);

      // SIGKILL a: its leases run out and b takes them.
      const aShards = new Set((await liveLeases(db)).filter((l) => l.holder === 'a').map((l) => l.name));
      const killedAt = await dbNow(db);
      a.child.kill('SIGKILL');
      await a.ended;
      await waitFor('b holding every shard and the leader role', async () => {
        const l = await liveLeases(db);
        return shardsOf(l, 'b') === SHARDS && leaderOf(l) === 'b';
      }, 60_000, 100);
      const takenAt = await dbNow(db);
      const takeoverMs = takenAt - killedAt;
      assert.ok(takeoverMs <= TAKEOVER_BOUND_MS, `shards taken over ${takeoverMs} ms after the SIGKILL (bound ${TAKEOVER_BOUND_MS} ms)`);
      // The first check of each of a's monitors after the takeover: at once, on its grid (the slot after its last stored check).
      await waitFor('every monitor checked after the takeover', async () => {
        const t = await checkTimes(db);
        return IDS.every((id) => (t.get(id) ?? []).some((at) => at > takenAt));
      }, 60_000, 250);

      // c joins: the shards are shared again, c runs its share.
      const joinStartedAt = await dbNow(db);
      const c = startNode(env.config, 'c');
      env.nodes.push(c);
      await c.url;
      await waitFor('c holding a fair share', async () => shardsOf(await liveLeases(db), 'c') >= SHARDS / 2 - 1, 60_000, 200);
      const joinedAt = await dbNow(db);
      await waitFor('two more checks of every monitor after c joined', async () => {
        const t = await checkTimes(db);
        return IDS.every((id) => (t.get(id) ?? []).filter((at) => at > joinedAt).length >= 2);
      }, 60_000, 250);
      const cShards = (await liveLeases(db)).filter((l) => l.holder === 'c').map((l) => l.name);
      const written = await db.selectFrom('cluster_writes').selectAll().execute();
      assert.ok(written.some((w) => w.node === 'c' && cShards.includes(w.shard) && Number(w.rows) > 0), 'c writes the checks of its shards');

      // Stop the nodes still running, then read what they did.
      b.child.kill('SIGTERM');
      c.child.kill('SIGTERM');
      await Promise.all([b.ended, c.ended]);
      const times = await checkTimes(db);
      let slots = 0;
      for (const id of IDS) {
        const list = times.get(id) ?? [];
        const shard = shardOf(id, SHARDS);
        const handedToC = cShards.includes(shard);
        const phase = phaseOffset(id, INTERVAL);
        assert.equal(new Set(list).size, list.length, `${id}: a planned slot checked twice`);
        for (const at of list) assert.equal((((at - phase) % INTERVAL) + INTERVAL) % INTERVAL, 0, `${id}: a check off its grid (at ${at})`);
        for (let i = 1; i < list.length; i++) {
          const gap = list[i]! - list[i - 1]!;
          assert.ok(gap >= INTERVAL, `${id}: two checks within one interval`);
          slots += gap / INTERVAL;
          // Slots are missed only while a's leases ran out, or while b handed the shard to c (c resumes at
          // once on the grid, but how many slots that took depends on how fast both ran), and a first
          // check can only be skipped by a scheduler start lag.
          const spansKill = list[i - 1]! <= takenAt && list[i]! >= killedAt - INTERVAL;
          const spansJoin = handedToC && list[i - 1]! <= joinedAt && list[i]! >= joinStartedAt - INTERVAL;
          if (gap > INTERVAL && !spansKill && !spansJoin && !aShards.has(shard))
            assert.ok(gap <= 2 * INTERVAL, `${id}: ${gap / INTERVAL - 1} slots missed outside the takeover`);
        }
        // Every check the target saw was written once, but for at most one in flight at each interruption
        // it went through: the SIGKILL (a's shards), the handover to c (cut after a bounded wait), the SIGTERM.
        const seen = env.target.count(pathOf(id));
        const interruptions = 1 + (aShards.has(shard) ? 1 : 0) + (handedToC ? 1 : 0);
        assert.ok(seen >= list.length && seen <= list.length + interruptions, `${id}: target saw ${seen} checks, the store has ${list.length}`);
      }
      assert.ok(slots > 0);
      // Each shard epoch was written by one node only: the lease's holder at that epoch.
      const byEpoch = await sql<{ shard: string; epoch: string; n: number }>`select shard, epoch, count(distinct node)::int as n from cluster_writes group by 1, 2 having count(distinct node) > 1`.execute(db);
      assert.deepEqual(byEpoch.rows, []);
    } finally {
      await tearDown(env);
    }
  });

  it('a node paused with SIGSTOP past its leases writes nothing for the shards it lost once resumed, then rejoins', async () => {
    const env = await setUp();
    try {
      const db = env.store.db;
      const a = startNode(env.config, 'a');
      const b = startNode(env.config, 'b');
      env.nodes.push(a, b);
      await Promise.all([a.url, b.url]);
      await waitFor('a and b sharing', async () => {
        const l = await liveLeases(db);
        return shardsOf(l, 'a') > 0 && shardsOf(l, 'b') > 0 && shardsOf(l, 'a') + shardsOf(l, 'b') === SHARDS;
      }, 60_000, 200);
      await waitFor('b writing checks', async () => (await db.selectFrom('cluster_writes').select('rows').where('node', '=', 'b').execute()).length > 0, 60_000, 200);
      // Slow answers: b is paused mid-check (the target holds one of its checks), and finishes it when resumed.
      env.target.delayMs = 700;
      const urlB = await b.url;
      const bShards = new Set((await liveLeases(db)).filter((l) => l.holder === 'b').map((l) => l.name));
      const bPaths = IDS.filter((id) => bShards.has(shardOf(id, SHARDS))).map(pathOf);
      await waitFor('a check of b’s held by the target', () => bPaths.some((p) => env.target.pending(p) > 0), 30_000, 10);

      b.child.kill('SIGSTOP');
      await waitFor('a holding every shard once b’s leases ran out', async () => shardsOf(await liveLeases(db), 'a') === SHARDS, 60_000, 100);
      // What b had written under its old epochs when it lost them.
      const bBefore = await db.selectFrom('cluster_writes').selectAll().where('node', '=', 'b').execute();
      const resumedAt = await dbNow(db);
      b.child.kill('SIGCONT');
      // b resumes: its timers are overdue, its checks in flight finish, its batcher writes — all refused or skipped.
      await waitFor('b taking a share again after it rejoined', async () => shardsOf(await liveLeases(db), 'b') > 0, 60_000, 200);
      // b did try: the check it had in flight was finished and refused, not written.
      const fenced = await waitFor('b refusing the check it had in flight at the pause', async () => {
        const metrics = await (await fetch(`${urlB}/metrics`)).text();
        const n = Number(/vigie_cluster_fenced_observations\{node="b"\} (\d+)/.exec(metrics)?.[1]);
        return n > 0 ? n : undefined;
      }, 30_000, 100);
      assert.ok(fenced > 0);
      const bAfter = await db.selectFrom('cluster_writes').selectAll().where('node', '=', 'b').execute();
      const epochsBefore = new Map(bBefore.map((w) => [`${w.shard}#${w.epoch}`, Number(w.rows)]));
      for (const w of bAfter) {
        const key = `${w.shard}#${w.epoch}`;
        // Rows under an epoch b held before the pause: not one more after it.
        if (epochsBefore.has(key)) assert.equal(Number(w.rows), epochsBefore.get(key), `b wrote under ${key}, an epoch it had lost`);
      }
      // The observations agree with the audit: every row is counted under one shard epoch, none written outside a lease.
      // One statement, so one snapshot: a and b go on writing between two.
      const both = (await sql<{ total: string; counted: string }>`select (select count(*) from observations) as total, (select coalesce(sum(rows), 0) from cluster_writes) as counted`.execute(db)).rows[0]!;
      assert.equal(Number(both.total), Number(both.counted));
      const times = await checkTimes(db);
      for (const id of IDS) assert.equal(new Set(times.get(id)).size, times.get(id)?.length ?? 0, `${id}: a slot checked twice`);
      // And b's new epochs are written again (it rejoined), after the resume.
      await waitFor('b writing under its new leases', async () => {
        const rows = await db.selectFrom('cluster_writes').selectAll().where('node', '=', 'b').execute();
        return rows.some((w) => !epochsBefore.has(`${w.shard}#${w.epoch}`) && Number(w.last_at) > resumedAt);
      }, 60_000, 250);
    } finally {
      await tearDown(env);
    }
  });

  it('a change on one node is served by the other; the leader role moves on SIGKILL and incidents go on without a duplicate; each notification is delivered once', async () => {
    const rec = await startRecorder();
    const env = await setUp(`detection: { incident_grace: 1s, resolve_hold: 3s }
notify:
  secret: cluster-test-secret-0123456789
  channels: { hook: { type: webhook, url: "${rec.origin}/hook" } }
  rules: [{ name: ops, channels: [hook] }]
  delivery: { poll: 100ms, backoff_min: 100ms, backoff_max: 200ms, timeout: 4s, lease: 5s }`);
    try {
      const db = env.store.db;
      const a = startNode(env.config, 'a');
      env.nodes.push(a);
      await a.url;
      await waitFor('a leading', async () => leaderOf(await liveLeases(db)) === 'a', 60_000, 100);
      const b = startNode(env.config, 'b');
      env.nodes.push(b);
      const [urlA, urlB] = await Promise.all([a.url, b.url]);
      // Service s0 fails: the leader (a) records it; b's page says so too.
      for (let k = 0; k < 4; k++) env.target.failing.add(`/s0/c${k}`);
      const downOn = async (base: string) => {
        const r = await fetch(`${base}/api/v2/summary.json`);
        const j = (await r.json()) as { components: { id: string; status: string }[] };
        return j.components.filter((c) => c.status === 'major_outage' || c.status === 'partial_outage').length;
      };
      await waitFor('the outage on a’s page', async () => (await downOn(urlA)) >= 4, 60_000, 100);
      const seenOnA = Date.now();
      await waitFor('the outage on b’s page', async () => (await downOn(urlB)) >= 4, 30_000, 50);
      const propagationMs = Date.now() - seenOnA;
      await waitFor('one incident opened for s0', async () => (await db.selectFrom('incidents').selectAll().where('kind', '=', 'incident').execute()).length === 1, 60_000, 200);

      // An incident written by hand on b (not the leader) is on a's page too.
      const made = await fetch(`${urlB}/api/admin/incidents`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Hand-written on b', body: 'Looking into it.' }),
      });
      assert.equal(made.status, 201, await made.clone().text());
      await waitFor('b’s incident on a’s page', async () => {
        const r = await fetch(`${urlA}/api/v2/incidents.json`);
        return ((await r.json()) as { incidents: { name: string }[] }).incidents.some((i) => i.name === 'Hand-written on b');
      }, 30_000, 50);

      // SIGKILL the leader in the outage: b takes the role and follows the incident to its end, with no second one.
      a.child.kill('SIGKILL');
      await a.ended;
      await waitFor('b leading', async () => leaderOf(await liveLeases(db)) === 'b', 60_000, 100);
      env.target.failing.clear();
      await waitFor('s0 operational again on b’s page', async () => (await downOn(urlB)) === 0, 60_000, 200);
      await waitFor('the incident resolved by b', async () => {
        const list = await db.selectFrom('incidents').selectAll().where('kind', '=', 'incident').where('origin', '=', 'auto').execute();
        return list.length === 1 && list[0]!.status === 'resolved';
      }, 60_000, 200);
      const auto = await db.selectFrom('incidents').selectAll().where('kind', '=', 'incident').where('origin', '=', 'auto').execute();
      assert.equal(auto.length, 1, 'one automatic incident for the one outage, across the leader change');
      // No status change recorded twice: each one moves a component from the status it had.
      const changes = await db.selectFrom('component_status_changes').selectAll().orderBy('id').execute();
      const last = new Map<string, string>();
      for (const c of changes) {
        if (last.has(c.component_id)) assert.equal(c.from_status, last.get(c.component_id), `${c.component_id}: a change from a status it no longer had`);
        assert.notEqual(c.from_status, c.to_status);
        last.set(c.component_id, c.to_status);
      }

      // The outbox, drained by both nodes while both lived: every delivery sent once, by its key. One that
      // a held when it was killed comes back once its lease (5 s here, a minute by default) runs out, and
      // b sends it again with the same key: the only way a key reaches the receiver twice.
      await waitFor('every delivery sent', async () => {
        const left = await db.selectFrom('notify_deliveries').select('id').where('status', 'in', ['pending', 'sending']).execute();
        return left.length === 0;
      }, 60_000, 200);
      const deliveries = await db.selectFrom('notify_deliveries').selectAll().where('status', '=', 'delivered').execute();
      const keys = rec.requests.map((r) => String(r.headers['idempotency-key']));
      assert.ok(deliveries.length >= 8, `deliveries: ${deliveries.length}`);
      assert.equal(new Set(keys).size, deliveries.length, 'one idempotency key per delivery');
      const attempts = new Map(deliveries.map((d) => [d.idempotency_key, Number(d.attempts)]));
      for (const k of new Set(keys)) {
        const received = keys.filter((x) => x === k).length;
        assert.ok(attempts.has(k), `a key received that no delivered row has: ${k}`);
        assert.ok(received <= attempts.get(k)!, `${k} received ${received} times in ${attempts.get(k)} attempts`);
      }
      process.stdout.write(`# change on a's page reached b's within ${propagationMs} ms\n`);
    } finally {
      await tearDown(env);
      await rec.close();
    }
  });

  it('refuses a node without "cluster:" beside cluster nodes, a second live node of one name, and a cluster node on SQLite, with a clear message', async () => {
    const env = await setUp();
    try {
      const a = startNode(env.config, 'a');
      env.nodes.push(a);
      await a.url;
      const { runCli } = await import('./helpers/cli.js');
      const { readFile, writeFile } = await import('node:fs/promises');
      const plain = join(env.dir, 'plain.yaml');
      await writeFile(plain, (await readFile(env.config, 'utf8')).replace(/^cluster: .*$/m, ''));
      const r = await runCli(['start', '-c', plain, '-p', '0']);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /cluster node\(s\) are running .*add the same "cluster:" section/);
      // Two live nodes with one name would both hold its leases.
      const dup = await runCli(['start', '-c', env.config, '--node', 'a', '-p', '0']);
      assert.equal(dup.code, 1, dup.stderr);
      assert.match(dup.stderr, /another live cluster node is named "a".*its own --node name/);
      const lite = join(env.dir, 'lite.yaml');
      await writeFile(lite, (await readFile(env.config, 'utf8')).replace(/^store: .*$/m, `store: { path: "${join(env.dir, 'v.db')}" }`));
      const r2 = await runCli(['start', '-c', lite, '-p', '0']);
      assert.equal(r2.code, 1, r2.stderr);
      assert.match(r2.stderr, /"cluster:" needs PostgreSQL/);
    } finally {
      await tearDown(env);
    }
  });
});

