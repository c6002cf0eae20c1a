// Nodes on one PostgreSQL: leases with fencing epochs, fair shares between real node processes,
// takeover after SIGKILL, a node paused with SIGSTOP past its leases that writes nothing once
// resumed, and changes fanned out to every node with LISTEN/NOTIFY.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { ChangeFeed, type FeedMessage } from '../src/cluster/feed.js';
import { LeaseLost, acquireLease, assertLease, leases, releaseLease, renewLease } from '../src/store/leases.js';
import type { Store } from '../src/store/store.js';
import { PG_SKIPPED, postgresEngine, type TestEngine } from './helpers/engines.js';
import { waitFor } from './helpers/wait.js';

const NODE = fileURLToPath(new URL('./helpers/cluster-node.js', import.meta.url));
const TTL = 2000;
const SHARDS = 8;

async function withPg(fn: (engine: TestEngine, store: Store) => Promise<void>): Promise<void> {
  const engine = await postgresEngine();
  try {
    const store = await engine.open();
    await fn(engine, store);
  } finally {
    await engine.cleanup();
  }
}

function node(url: string, id: string): { child: ChildProcess; lines: () => Record<string, unknown>[] } {
  const child = spawn(process.execPath, [NODE, url, id, String(TTL), String(SHARDS)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  const killer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  child.on('exit', () => clearTimeout(killer));
  return { child, lines: () => out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const ended = (c: ChildProcess) => new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', () => r())));

describe('cluster leases', { skip: PG_SKIPPED ? 'VIGIE_TEST_PG=skip' : false, timeout: 180_000 }, () => {
  it('one holder per lease; a change of holder adds one to the epoch; a write under a lost lease rolls back', () =>
    withPg(async (_engine, store) => {
      const db = store.db;
      const a = await acquireLease(db, 'shard/0', 'a', 60_000);
      assert.equal(a?.epoch, 1);
      assert.equal(await acquireLease(db, 'shard/0', 'b', 60_000), undefined, 'held by a: b cannot take it');
      const renewed = await renewLease(db, a!, 'a', 60_000);
      assert.equal(renewed?.epoch, 1, 'a renewal keeps the epoch');
      assert.equal((await acquireLease(db, 'shard/0', 'a', 60_000))?.epoch, 1, 'acquiring what one holds is a renewal');

      await sql`create table fence_probe (node text, shard text, epoch bigint, at bigint)`.execute(db);
      const write = (held: typeof a, who: string) =>
        db.transaction().execute(async (trx) => {
          await sql`insert into fence_probe (node, shard, epoch, at) values (${who}, ${held!.name}, ${held!.epoch}, 0)`.execute(trx);
          await assertLease(trx, held!, who);
        });
      await write(a, 'a');
      await releaseLease(db, a!, 'a');
      const b = await acquireLease(db, 'shard/0', 'b', 60_000);
      assert.equal(b?.epoch, 2);
      await assert.rejects(write(a, 'a'), LeaseLost);
      assert.equal(await renewLease(db, a!, 'a', 60_000), undefined, 'a lost lease cannot be renewed back');
      await write(b, 'b');
      const rows = await sql<{ node: string }>`select node from fence_probe order by node`.execute(db);
      assert.deepEqual(
        rows.rows.map((r) => r.node),
        ['a', 'b'],
        'the write made after the lease changed hands was rolled back with its check',
      );
      // Expiry hands it over without a release.
      const c = await acquireLease(db, 'shard/1', 'c', 1);
      await waitFor('the short lease to expire', async () => (await acquireLease(db, 'shard/1', 'd', 60_000))?.epoch === (c?.epoch ?? 0) + 1, 5000);
    }));

  it('node processes split the shards; SIGKILL: the survivor takes them; SIGSTOP past expiry, then SIGCONT: it writes nothing under the old leases', () =>
    withPg(async (engine, store) => {
      const db = store.db;
      await sql`create table fence_probe (node text, shard text, epoch bigint, at bigint)`.execute(db);
      const url = engine.options.url!;
      const procs: ChildProcess[] = [];
      const held = async () => (await leases(db, 'shard/')).filter((l) => l.live);
      try {
        const a = node(url, 'a');
        const b = node(url, 'b');
        procs.push(a.child, b.child);
        await waitFor(
          'a and b holding half each',
          async () => {
            const h = await held();
            return h.length === SHARDS && h.filter((l) => l.holder === 'a').length === SHARDS / 2;
          },
          30_000,
          100,
        );

        a.child.kill('SIGKILL');
        await ended(a.child);
        await waitFor('b holding every shard', async () => (await held()).filter((l) => l.holder === 'b').length === SHARDS, 30_000, 100);

        const c = node(url, 'c');
        procs.push(c.child);
        await waitFor('b and c sharing', async () => (await held()).filter((l) => l.holder === 'c').length === SHARDS / 2, 30_000, 100);

        b.child.kill('SIGSTOP');
        await waitFor('c taking b’s shards once they expired', async () => (await held()).filter((l) => l.holder === 'c').length === SHARDS, 30_000, 100);
        const takeover = new Map((await leases(db, 'shard/')).map((l) => [l.name, l.epoch]));
        const takenAt = Number((await sql<{ t: number }>`select (extract(epoch from clock_timestamp()) * 1000)::bigint as t`.execute(db)).rows[0]!.t);
        b.child.kill('SIGCONT');
        await waitFor('b, resumed, trying to write under a lease it lost', () => b.lines().some((l) => l.fenced !== undefined), 15_000, 100);

        const late = await sql<{ shard: string; epoch: number }>`select shard, epoch from fence_probe where node = 'b' and at > ${takenAt}`.execute(db);
        const stale = late.rows.filter((r) => Number(r.epoch) <= takeover.get(r.shard)!);
        assert.deepEqual(stale, [], 'no row written by b under an epoch that c had already replaced');
        // And every row in the table was written by the holder of that shard at that epoch, never two holders of one epoch.
        const owners = await sql<{ shard: string; epoch: number; n: number }>`select shard, epoch, count(distinct node)::int as n from fence_probe group by 1, 2 having count(distinct node) > 1`.execute(db);
        assert.deepEqual(owners.rows, []);
      } finally {
        for (const p of procs) {
          p.kill('SIGCONT');
          p.kill('SIGKILL');
        }
        await Promise.all(procs.map(ended));
      }
    }));

  it('a change published by one node reaches every listening node', () =>
    withPg(async (engine) => {
      const got: FeedMessage[][] = [[], []];
      const feeds = ['n1', 'n2'].map((id, i) => new ChangeFeed({ url: engine.options.url!, nodeId: id, onMessage: (m) => got[i]!.push(m) }));
      try {
        await Promise.all(feeds.map((f) => f.start()));
        await feeds[0]!.publish({ kind: 'status', componentId: 'acme/api' });
        await waitFor('both nodes hearing it', () => got.every((g) => g.length === 1), 5000);
        assert.deepEqual(got[1]![0], { kind: 'status', componentId: 'acme/api', from: 'n1' });
      } finally {
        await Promise.all(feeds.map((f) => f.stop()));
      }
    }));
});
