// The observation write path that every check takes: the batcher (one transaction per batch, one
// timer for a batch's "slow" answers) and the store's prepared/unnest writer. The rows it writes are
// exactly the rows the generic Kysely insert (observationRow) wrote, in the order checks ended.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Entities } from '../src/config/schema.js';
import type { Observation } from '../src/core/observation.js';
import { ObservationBatcher } from '../src/store/observation-batcher.js';
import { ERROR_MESSAGE_MAX, observationRow } from '../src/store/rows.js';
import { Store } from '../src/store/store.js';
import { forEachEngine } from './helpers/engines.js';

const T0 = 1_700_000_000_000;

function entities(): Entities {
  return {
    services: [{ id: 's', name: 'S', description: null, url: null, position: 0 }],
    components: [{ id: 's/c', serviceId: 's', name: 'C', description: null, groupName: null, dependsOn: [], position: 0 }],
    monitors: ['a', 'b'].map((n) => ({
      id: `s/c/${n}`,
      componentId: 's/c',
      kind: 'http' as const,
      region: 'local',
      intervalMs: 30_000,
      timeoutMs: 5_000,
      degradedAfterMs: null,
      target: { url: `http://127.0.0.1/${n}`, method: 'GET', headers: {}, expectedStatus: [200] },
    })),
  };
}

/** Every shape a check yields: all phases, some, none; errors short and past the stored bound; status or not. */
function varied(n: number): Observation[] {
  return Array.from({ length: n }, (_, i) => {
    const o: Observation = { monitorId: i % 3 === 0 ? 's/c/a' : 's/c/b', region: i % 2 ? 'eu-west' : 'local', at: T0 + i * 10, ok: i % 4 !== 0, degraded: i % 5 === 0, phases: { totalMs: 10 + i / 8 } };
    if (i % 2 === 0) Object.assign(o.phases, { dnsMs: 0.25, connectMs: 1.5 });
    if (i % 6 === 0) Object.assign(o.phases, { tlsMs: 3, firstByteMs: 4.75 });
    if (i % 7 !== 0) o.statusCode = i % 4 === 0 ? 503 : 200;
    if (!o.ok) o.error = { kind: i % 8 === 0 ? 'timeout' : 'http_status', message: i % 16 === 0 ? 'ü'.repeat(ERROR_MESSAGE_MAX + 20) : `failure ${i}` };
    return o;
  });
}

async function storedRows(store: Store) {
  const rows = await store.db.selectFrom('observations').selectAll().orderBy('id').execute();
  return rows.map(({ id: _id, ...r }) => r);
}

forEachEngine('the batcher writes the rows the generic insert wrote, in the order checks ended', async (env) => {
  const store = await env.open();
  await store.syncEntities(entities(), T0);
  const list = varied(1234);
  const batcher = new ObservationBatcher({ write: (b) => store.recordObservations(b), maxBatch: 100, maxDelayMs: 5 });
  // Added from many "checks" at once: batches of 100 by size, the rest by delay.
  const outcomes = await Promise.all(list.map((o) => batcher.add(o, 60_000)));
  await batcher.flush();
  assert.ok(outcomes.every((x) => x === 'written'));
  const expected = list.map(observationRow);
  assert.deepEqual(await storedRows(store), expected);
  // Read back as observations: the same values (error text bounded, absent phases absent).
  const back = await store.recentObservations('s/c/a', 5);
  assert.deepEqual(back[0], list.filter((o) => o.monitorId === 's/c/a').at(-1));
});

forEachEngine('a batch that breaks a constraint is written not at all, and every caller hears why', async (env) => {
  const store = await env.open();
  await store.syncEntities(entities(), T0);
  const batcher = new ObservationBatcher({ write: (b) => store.recordObservations(b), maxDelayMs: 5 });
  const good = varied(3);
  const unknown: Observation = { ...good[0]!, monitorId: 's/c/nope' };
  const results = await Promise.allSettled([...good, unknown].map((o) => batcher.add(o)));
  assert.ok(results.every((r) => r.status === 'rejected'));
  assert.deepEqual(await storedRows(store), []);
  // The next batch is unaffected.
  assert.equal(await batcher.add(good[1]!), 'written');
  assert.equal((await storedRows(store)).length, 1);
});

test('a store that does not answer: each caller hears "slow" after its own wait, and the write still completes', async () => {
  let release!: () => void;
  const written: Observation[][] = [];
  const hanging = new Promise<void>((r) => (release = r));
  const batcher = new ObservationBatcher({
    write: async (b) => {
      await hanging;
      written.push(b);
    },
    maxDelayMs: 1,
  });
  // The batcher's own timers do not keep a process alive (a service has its server for that).
  const alive = setInterval(() => {}, 1000);
  const [a, b, c] = varied(3);
  const early = batcher.add(a!, 20);
  const late = batcher.add(b!, 200);
  const patient = batcher.add(c!);
  assert.equal(await early, 'slow');
  assert.equal(await late, 'slow');
  let settled = false;
  void patient.then(() => (settled = true));
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(settled, false, 'without a wait, a caller waits for the answer');
  release();
  assert.equal(await patient, 'written');
  await batcher.flush();
  clearInterval(alive);
  assert.deepEqual(written, [[a, b, c]]);
});

test('"held" from a write-behind reaches every caller of the batch', async () => {
  const batcher = new ObservationBatcher({ write: async () => 'held', maxDelayMs: 1 });
  const got = await Promise.all(varied(5).map((o) => batcher.add(o, 10_000)));
  assert.deepEqual(got, ['held', 'held', 'held', 'held', 'held']);
});

forEachEngine('a Store on a bare Kysely (no SQLite handle) writes the same rows through Kysely', async (env) => {
  const opened = await env.open();
  await opened.syncEntities(entities(), T0);
  const bare = new Store(opened.engine, opened.db);
  const list = varied(40);
  await bare.recordObservations(list);
  assert.deepEqual(await storedRows(opened), list.map(observationRow));
});
