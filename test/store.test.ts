import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import type { ComponentEntity, Entities, HttpTarget, MonitorEntity, ServiceEntity } from '../src/config/schema.js';
import type { Observation } from '../src/core/observation.js';
import { heartbeatStore, loadBeats } from '../src/store/heartbeats.js';
import { migrateToLatest } from '../src/store/migrations.js';
import { CorruptRowError, ERROR_MESSAGE_MAX } from '../src/store/rows.js';
import { openStore, StoreClosedError, type Store } from '../src/store/store.js';
import { forEachEngine } from './helpers/engines.js';

// ---- fixtures ---------------------------------------------------------------------------------

const T0 = 1_700_000_000_000;

function service(id: string, position: number, extra: Partial<ServiceEntity> = {}): ServiceEntity {
  return { id, name: id.toUpperCase(), description: null, url: null, position, ...extra };
}
function component(serviceId: string, id: string, position: number, extra: Partial<ComponentEntity> = {}): ComponentEntity {
  return { id: `${serviceId}/${id}`, serviceId, name: id, description: null, groupName: null, dependsOn: [], position, ...extra };
}
function monitor(componentId: string, name: string, extra: Partial<Extract<MonitorEntity, { kind: 'http' }>> = {}): MonitorEntity {
  return {
    id: `${componentId}/${name}`,
    componentId,
    kind: 'http',
    region: 'local',
    intervalMs: 60_000,
    timeoutMs: 10_000,
    degradedAfterMs: null,
    target: { url: `https://example.test/${name}`, method: 'GET', headers: {}, expectedStatus: [200] },
    ...extra,
  };
}

/** chatgpt (web, api) and search (results depends on chatgpt/api), three monitors. */
function baseEntities(): Entities {
  return {
    services: [service('chatgpt', 0, { description: 'AI chat', url: 'https://chatgpt.test' }), service('search', 1)],
    components: [
      component('chatgpt', 'web', 0, { groupName: 'Apps', description: 'The website' }),
      component('chatgpt', 'api', 1),
      component('search', 'results', 0, { dependsOn: ['chatgpt/api'] }),
    ],
    monitors: [
      monitor('chatgpt/web', 'home', {
        degradedAfterMs: 1500,
        target: { url: 'https://chatgpt.test/', method: 'POST', headers: { 'x-b': '2', 'x-a': '1' }, body: '{}', expectedStatus: [200, 204] },
      }),
      monitor('chatgpt/api', 'models', { region: 'eu-west', intervalMs: 30_000, timeoutMs: 2_500.5 }),
      monitor('search/results', 'query'),
    ],
  };
}

const allIds = (e: Entities) => [...e.services, ...e.components, ...e.monitors].map((x) => x.id);
const emptyReport = { added: [], changed: [], archived: [], restored: [] };

function obs(monitorId: string, at: number, extra: Partial<Observation> = {}): Observation {
  return { monitorId, region: 'local', at, ok: true, degraded: false, phases: { totalMs: 100 }, ...extra };
}

async function synced(env: { open(): Promise<Store> }): Promise<Store> {
  const store = await env.open();
  await store.syncEntities(baseEntities(), T0);
  return store;
}

// ---- migrations -------------------------------------------------------------------------------

forEachEngine('migrations run twice safely', async (env) => {
  const first = await env.open();
  assert.equal(first.engine, env.name);
  // Already at latest: running again does nothing and does not fail.
  assert.deepEqual(await migrateToLatest(first.db, first.engine), []);
  await first.syncEntities(baseEntities(), T0);
  await first.close();

  // A second open on the same database migrates again (a no-op) and sees the data.
  const second = await env.open();
  assert.deepEqual(await migrateToLatest(second.db, second.engine), []);
  const applied = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(second.db);
  // Each migration once, in order; the list grows as features add theirs.
  const names = applied.rows.map((r) => r.name);
  assert.equal(names[0], '0001_initial');
  assert.deepEqual(names, [...new Set(names)].sort());
  assert.ok(names.every((n) => /^\d{4}_[a-z0-9_]+$/.test(n)), names.join(', '));
  assert.deepEqual((await second.activeMonitors()).map((m) => m.id), baseEntities().monitors.map((m) => m.id));
  assert.deepEqual(await second.syncEntities(baseEntities(), T0 + 1), emptyReport);

  // Two stores opening the same database at once both come up.
  const [a, b] = await Promise.all([env.open(), env.open()]);
  assert.equal((await a.componentStatuses()).size, 3);
  assert.equal((await b.componentStatuses()).size, 3);
});

// ---- sync -------------------------------------------------------------------------------------

forEachEngine('syncEntities adds, changes, archives, restores and is idempotent', async (env) => {
  const store = await env.open();
  const e = baseEntities();

  const added = await store.syncEntities(e, T0);
  assert.deepEqual(added, { added: allIds(e), changed: [], archived: [], restored: [] });
  assert.deepEqual(await store.syncEntities(e, T0 + 1), emptyReport, 'same entities twice: nothing to report');
  // Header order in the config does not make a change.
  const reordered = baseEntities();
  (reordered.monitors[0]!.target as HttpTarget).headers = { 'x-a': '1', 'x-b': '2' };
  assert.deepEqual(await store.syncEntities(reordered, T0 + 2), emptyReport);

  // Monitors come back whole, in config order.
  assert.deepEqual(await store.activeMonitors(), e.monitors);

  // Changes: a renamed component, a new interval, a new dependency, services swapped.
  const changed = baseEntities();
  changed.components[1]!.name = 'Public API';
  changed.monitors[2]!.intervalMs = 15_000;
  changed.components[0]!.dependsOn = ['chatgpt/api'];
  changed.services[0]!.position = 1;
  changed.services[1]!.position = 0;
  // As toEntities would list them: in page order.
  changed.services.reverse();
  changed.monitors = [changed.monitors[2]!, changed.monitors[0]!, changed.monitors[1]!];
  const r2 = await store.syncEntities(changed, T0 + 10);
  assert.deepEqual(r2.added, []);
  assert.deepEqual(r2.archived, []);
  assert.deepEqual(r2.restored, []);
  assert.deepEqual(r2.changed, ['search', 'chatgpt', 'chatgpt/web', 'chatgpt/api', 'search/results/query']);
  assert.deepEqual(await store.syncEntities(changed, T0 + 11), emptyReport);
  const page = await store.pageModel();
  assert.deepEqual(page.services.map((s) => s.id), ['search', 'chatgpt']);
  const api = page.services[1]!.components.find((c) => c.id === 'chatgpt/api')!;
  assert.equal(api.name, 'Public API');
  assert.equal(api.createdAt, T0, 'created time survives a change');
  assert.equal(api.updatedAt, T0 + 10);
  assert.deepEqual(await store.activeMonitors(), changed.monitors, 'config order follows the new positions');
  assert.equal((await store.activeMonitors())[0]!.intervalMs, 15_000);

  // Archive: the chatgpt/api component and its monitor leave the config; its observations stay.
  await store.recordObservations([obs('chatgpt/api/models', T0 + 20)]);
  await store.recordComponentStatus({ componentId: 'chatgpt/api', status: 'major_outage', at: T0 + 21, reason: 'down' });
  const without: Entities = {
    services: changed.services,
    components: changed.components.filter((c) => c.id !== 'chatgpt/api').map((c) => ({ ...c, dependsOn: [] })),
    monitors: changed.monitors.filter((m) => m.componentId !== 'chatgpt/api'),
  };
  const r3 = await store.syncEntities(without, T0 + 30);
  assert.deepEqual(r3.archived.sort(), ['chatgpt/api', 'chatgpt/api/models']);
  assert.deepEqual(r3.added, []);
  assert.deepEqual(r3.restored, []);
  assert.deepEqual(r3.changed.sort(), ['chatgpt/web', 'search/results']); // their dependsOn changed
  assert.deepEqual(await store.syncEntities(without, T0 + 31), emptyReport);
  assert.deepEqual((await store.activeMonitors()).map((m) => m.id), ['search/results/query', 'chatgpt/web/home']);
  assert.equal((await store.componentStatuses()).has('chatgpt/api'), false);
  const page2 = await store.pageModel();
  assert.deepEqual(page2.services[1]!.components.map((c) => c.id), ['chatgpt/web']);
  assert.equal((await store.recentObservations('chatgpt/api/models', 10)).length, 1, 'observations of an archived monitor stay');
  assert.equal((await store.statusChanges({ componentId: 'chatgpt/api' })).length, 1, 'status history of an archived component stays');
  const archivedRow = await store.db.selectFrom('components').select(['archived_at']).where('id', '=', 'chatgpt/api').executeTakeFirstOrThrow();
  assert.equal(archivedRow.archived_at, T0 + 30);

  // Restore: it comes back.
  const r4 = await store.syncEntities(changed, T0 + 40);
  assert.deepEqual(r4.restored.sort(), ['chatgpt/api', 'chatgpt/api/models']);
  assert.deepEqual(r4.added, []);
  assert.deepEqual(r4.archived, []);
  assert.deepEqual(r4.changed.sort(), ['chatgpt/web', 'search/results']);
  assert.deepEqual(await store.syncEntities(changed, T0 + 41), emptyReport);
  assert.deepEqual((await store.activeMonitors()).map((m) => m.id), changed.monitors.map((m) => m.id));
  const restoredRow = await store.db.selectFrom('components').selectAll().where('id', '=', 'chatgpt/api').executeTakeFirstOrThrow();
  assert.equal(restoredRow.archived_at, null);
  assert.equal(restoredRow.created_at, T0);

  // Removing a whole service archives it with everything under it.
  const onlySearch: Entities = {
    services: [service('search', 0)],
    components: [component('search', 'results', 0)],
    monitors: [changed.monitors[0]!],
  };
  const r5 = await store.syncEntities(onlySearch, T0 + 50);
  assert.deepEqual(r5.archived.sort(), ['chatgpt', 'chatgpt/api', 'chatgpt/api/models', 'chatgpt/web', 'chatgpt/web/home']);
  assert.deepEqual((await store.pageModel()).services.map((s) => s.id), ['search']);

  // Everything gone: all archived, nothing deleted.
  const r6 = await store.syncEntities({ services: [], components: [], monitors: [] }, T0 + 60);
  assert.deepEqual(r6.archived.sort(), ['search', 'search/results', 'search/results/query']);
  assert.deepEqual(await store.activeMonitors(), []);
  const count = await store.db.selectFrom('monitors').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  assert.equal(count.n, 3);
});

forEachEngine('syncEntities is one transaction', async (env) => {
  const store = await env.open();
  const bad = baseEntities();
  // A monitor whose component is not in the config breaks the foreign key, after the services
  // and components were written: nothing of it may stay.
  bad.monitors.push(monitor('nowhere/nothing', 'x'));
  await assert.rejects(store.syncEntities(bad, T0));
  assert.deepEqual((await store.pageModel()).services, []);
  assert.deepEqual(await store.syncEntities(baseEntities(), T0), { added: allIds(baseEntities()), changed: [], archived: [], restored: [] });
});

// ---- observations -----------------------------------------------------------------------------

forEachEngine('observations round trip with phases and errors', async (env) => {
  const store = await synced(env);
  const long = 'é'.repeat(ERROR_MESSAGE_MAX + 100);
  const full = obs('chatgpt/web/home', T0 + 1000, {
    region: 'eu-west',
    degraded: true,
    statusCode: 200,
    phases: { dnsMs: 1.25, connectMs: 10, tlsMs: 20.5, firstByteMs: 80, totalMs: 120.75 },
  });
  const failed = obs('chatgpt/web/home', T0 + 2000, {
    ok: false,
    statusCode: 503,
    phases: { dnsMs: 2, connectMs: 11, totalMs: 40 },
    error: { kind: 'http_status', message: 'expected 200, got 503' },
  });
  const timeout = obs('chatgpt/web/home', T0 + 3000, { ok: false, phases: { totalMs: 10_000 }, error: { kind: 'timeout', message: long } });
  const other = obs('chatgpt/api/models', T0 + 4000);
  await store.recordObservations([full, failed, timeout, other]);
  await store.recordObservations([]);

  const got = await store.recentObservations('chatgpt/web/home', 10);
  assert.equal(got.length, 3);
  assert.deepEqual(got[0], { ...timeout, error: { kind: 'timeout', message: 'é'.repeat(ERROR_MESSAGE_MAX) } });
  assert.deepEqual(got[1], failed);
  assert.deepEqual(got[2], full);
  assert.equal('tlsMs' in got[1]!.phases, false, 'an absent phase stays absent');
  assert.equal('statusCode' in got[0]!, false);
  assert.equal('error' in got[2]!, false);
  assert.deepEqual(await store.recentObservations('chatgpt/web/home', 1), [got[0]]);
  assert.deepEqual(await store.recentObservations('chatgpt/api/models', 10), [other]);
  assert.deepEqual(await store.recentObservations('search/results/query', 10), []);
  await assert.rejects(store.recentObservations('chatgpt/web/home', 0), RangeError);

  // A large batch, in chunks, newest first.
  const many = Array.from({ length: 1234 }, (_, i) => obs('search/results/query', T0 + i * 1000, { phases: { totalMs: i } }));
  await store.recordObservations(many);
  const latest = await store.recentObservations('search/results/query', 3);
  assert.deepEqual(latest.map((o) => o.phases.totalMs), [1233, 1232, 1231]);
  const n = await store.db
    .selectFrom('observations')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('monitor_id', '=', 'search/results/query')
    .executeTakeFirstOrThrow();
  assert.equal(n.n, 1234);

  // One transaction: a batch with an unknown monitor writes nothing.
  await assert.rejects(store.recordObservations([obs('chatgpt/web/home', T0 + 9000), obs('no/such/monitor', T0 + 9000)]));
  assert.equal((await store.recentObservations('chatgpt/web/home', 10)).length, 3);
});

forEachEngine('what comes out of the database is checked', async (env) => {
  const store = await synced(env);
  await store.db
    .insertInto('observations')
    .values({ monitor_id: 'chatgpt/web/home', region: 'local', at: T0, ok: 0, degraded: 0, total_ms: 5, error_kind: 'gremlins', error_message: 'x' })
    .execute();
  await assert.rejects(store.recentObservations('chatgpt/web/home', 1), CorruptRowError);
  // The database itself refuses a status outside the algebra.
  await assert.rejects(store.db.updateTable('components').set({ status: 'on_fire' }).where('id', '=', 'chatgpt/web').execute());
  await assert.rejects(
    // @ts-expect-error: the type already forbids it; the store checks at run time too
    store.recordComponentStatus({ componentId: 'chatgpt/web', status: 'on_fire', at: T0, reason: 'x' }),
    TypeError,
  );
  await store.db.updateTable('monitors').set({ target: '{"url":1}' }).where('id', '=', 'chatgpt/web/home').execute();
  await assert.rejects(store.activeMonitors(), CorruptRowError);
});

// ---- component status -------------------------------------------------------------------------

forEachEngine('component status changes and their history', async (env) => {
  const store = await synced(env);
  const initial = await store.componentStatuses();
  assert.deepEqual([...initial.keys()].sort(), ['chatgpt/api', 'chatgpt/web', 'search/results']);
  for (const v of initial.values()) assert.deepEqual(v, { status: 'operational', since: T0 });

  await store.recordComponentStatus({ componentId: 'chatgpt/web', status: 'partial_outage', at: T0 + 100, reason: '2 of 3 monitors down' });
  await store.recordComponentStatus({ componentId: 'chatgpt/web', status: 'partial_outage', at: T0 + 150, reason: 'still' }); // no-op
  await store.recordComponentStatus({ componentId: 'chatgpt/api', status: 'degraded_performance', at: T0 + 200, reason: 'slow' });
  await store.recordComponentStatus({ componentId: 'chatgpt/web', status: 'major_outage', at: T0 + 300, reason: 'all down' });
  await store.recordComponentStatus({ componentId: 'chatgpt/web', status: 'operational', at: T0 + 400, reason: 'recovered' });

  const st = await store.componentStatuses();
  assert.deepEqual(st.get('chatgpt/web'), { status: 'operational', since: T0 + 400 });
  assert.deepEqual(st.get('chatgpt/api'), { status: 'degraded_performance', since: T0 + 200 });
  assert.deepEqual(st.get('search/results'), { status: 'operational', since: T0 });

  const all = await store.statusChanges({});
  assert.deepEqual(all, [
    { componentId: 'chatgpt/web', fromStatus: 'major_outage', toStatus: 'operational', at: T0 + 400, reason: 'recovered' },
    { componentId: 'chatgpt/web', fromStatus: 'partial_outage', toStatus: 'major_outage', at: T0 + 300, reason: 'all down' },
    { componentId: 'chatgpt/api', fromStatus: 'operational', toStatus: 'degraded_performance', at: T0 + 200, reason: 'slow' },
    { componentId: 'chatgpt/web', fromStatus: 'operational', toStatus: 'partial_outage', at: T0 + 100, reason: '2 of 3 monitors down' },
  ]);
  assert.deepEqual(await store.statusChanges({ componentId: 'chatgpt/api' }), [all[2]]);
  assert.deepEqual(await store.statusChanges({ since: T0 + 300 }), all.slice(0, 2));
  assert.deepEqual(await store.statusChanges({ since: T0 + 100, componentId: 'chatgpt/web', limit: 2 }), [all[0], all[1]]);
  assert.deepEqual(await store.statusChanges({ limit: 1 }), [all[0]]);

  // Same time: insertion order breaks the tie, newest first.
  await store.recordComponentStatus({ componentId: 'search/results', status: 'under_maintenance', at: T0 + 500, reason: 'a' });
  await store.recordComponentStatus({ componentId: 'search/results', status: 'operational', at: T0 + 500, reason: 'b' });
  assert.deepEqual((await store.statusChanges({ limit: 2 })).map((c) => c.reason), ['b', 'a']);

  await assert.rejects(store.recordComponentStatus({ componentId: 'nope/nope', status: 'major_outage', at: T0, reason: 'x' }), /unknown component/);

  const page = await store.pageModel();
  const api = page.services[0]!.components[1]!;
  assert.equal(api.status, 'degraded_performance');
  assert.equal(api.statusSince, T0 + 200);
  assert.equal(api.updatedAt, T0 + 200, 'a status change updates the component');
  assert.equal(page.updatedAt, T0 + 500);
});

forEachEngine('concurrent status writes keep one consistent history', async (env) => {
  const store = await synced(env);
  const statuses = ['degraded_performance', 'partial_outage', 'major_outage', 'operational'] as const;
  await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      // One time for all, so the history's order is the order the writes were committed in.
      store.recordComponentStatus({ componentId: 'chatgpt/web', status: statuses[i % 4]!, at: T0 + 1, reason: `#${i}` }),
    ),
  );
  const history = (await store.statusChanges({ componentId: 'chatgpt/web' })).reverse();
  // Each change starts where the previous one ended.
  let prev = 'operational';
  for (const c of history) {
    assert.equal(c.fromStatus, prev);
    assert.notEqual(c.fromStatus, c.toStatus);
    prev = c.toStatus;
  }
  assert.equal((await store.componentStatuses()).get('chatgpt/web')!.status, prev);
});

// ---- page model -------------------------------------------------------------------------------

forEachEngine('pageModel orders services and components by position', async (env) => {
  const store = await env.open();
  const e: Entities = {
    services: [service('zeta', 0, { description: 'first', url: 'https://z.test' }), service('alpha', 1)],
    components: [
      component('zeta', 'b', 0, { groupName: 'G', description: 'bee', dependsOn: ['alpha/a', 'zeta/c'] }),
      component('zeta', 'c', 1),
      component('zeta', 'a', 2),
      component('alpha', 'a', 0),
    ],
    monitors: [],
  };
  await store.syncEntities(e, T0);
  const page = await store.pageModel();
  assert.deepEqual(page.services.map((s) => [s.id, s.components.map((c) => c.id)]), [
    ['zeta', ['zeta/b', 'zeta/c', 'zeta/a']],
    ['alpha', ['alpha/a']],
  ]);
  assert.deepEqual(page.services[0]!.components[0], {
    id: 'zeta/b',
    serviceId: 'zeta',
    name: 'b',
    description: 'bee',
    groupName: 'G',
    dependsOn: ['alpha/a', 'zeta/c'],
    position: 0,
    status: 'operational',
    statusSince: T0,
    createdAt: T0,
    updatedAt: T0,
  });
  const { components: _c, ...zeta } = page.services[0]!;
  assert.deepEqual(zeta, { id: 'zeta', name: 'ZETA', description: 'first', url: 'https://z.test', position: 0, createdAt: T0, updatedAt: T0 });
  assert.equal(page.updatedAt, T0);

  // Reordering the config reorders the page.
  e.services = [service('alpha', 0), service('zeta', 1, { description: 'first', url: 'https://z.test' })];
  e.components = [component('zeta', 'a', 0), component('zeta', 'b', 1, { groupName: 'G', description: 'bee', dependsOn: ['alpha/a', 'zeta/c'] }), component('zeta', 'c', 2), component('alpha', 'a', 0)];
  await store.syncEntities(e, T0 + 5);
  const again = await store.pageModel();
  assert.deepEqual(again.services.map((s) => [s.id, s.components.map((c) => c.id)]), [
    ['alpha', ['alpha/a']],
    ['zeta', ['zeta/a', 'zeta/b', 'zeta/c']],
  ]);
  assert.equal(again.updatedAt, T0 + 5);

  const empty = await (await env.open()).pageModel();
  assert.equal(empty.services.length, 2, 'a second store on the same database sees the same page');
});

// ---- numbers ----------------------------------------------------------------------------------

forEachEngine('BIGINT values come back as numbers', async (env) => {
  const store = await synced(env);
  const at = 4_102_444_800_000; // 2100-01-01, well past 2^32
  await store.recordObservations([obs('chatgpt/web/home', at)]);
  const row = await store.db.selectFrom('observations').select(['id', 'at']).executeTakeFirstOrThrow();
  assert.equal(typeof row.id, 'number');
  assert.equal(row.at, at);
  const count = await store.db.selectFrom('observations').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  assert.equal(count.n, 1);
  const raw = await sql<{ big: number }>`select cast(9007199254740991 as bigint) as big`.execute(store.db);
  assert.equal(raw.rows[0]!.big, Number.MAX_SAFE_INTEGER);
  const [o] = await store.recentObservations('chatgpt/web/home', 1);
  assert.equal(o!.at, at);
  const since = (await store.componentStatuses()).get('chatgpt/web')!.since;
  assert.equal(typeof since, 'number');
  if (env.name === 'postgres') {
    // The parser is on the store's pool, not pg's global registry.
    assert.equal(pg.types.getTypeParser(20, 'text')('42'), '42');
  }
});

// ---- close ------------------------------------------------------------------------------------

forEachEngine('close waits for in-flight writes and can be called twice', async (env) => {
  const store = await synced(env);
  const batch = Array.from({ length: 2000 }, (_, i) => obs('chatgpt/web/home', T0 + i));
  const writing = store.recordObservations(batch);
  const status = store.recordComponentStatus({ componentId: 'chatgpt/web', status: 'major_outage', at: T0 + 1, reason: 'x' });
  const c1 = store.close();
  const c2 = store.close();
  assert.equal(c1, c2, 'a second close shares the first');
  await Promise.all([writing, status, c1, c2]);
  await store.close();
  assert.equal(store.closed, true);
  await assert.rejects(store.recentObservations('chatgpt/web/home', 1), StoreClosedError);
  await assert.rejects(store.recordObservations([obs('chatgpt/web/home', T0)]), StoreClosedError);

  const reopened = await env.open();
  assert.equal((await reopened.recentObservations('chatgpt/web/home', 5000)).length, 2000, 'the in-flight batch was written');
  assert.equal((await reopened.componentStatuses()).get('chatgpt/web')!.status, 'major_outage');
});

// ---- engine specifics -------------------------------------------------------------------------

describe('openStore', () => {
  it('creates the SQLite directory and sets the pragmas', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vigie-test-'));
    try {
      const path = join(dir, 'nested', 'deeper', 'vigie.db');
      const store = await openStore({ path });
      try {
        assert.equal(store.engine, 'sqlite');
        assert.ok((await stat(path)).isFile());
        const pragma = async (name: string) => Object.values((await sql.raw<Record<string, unknown>>(`pragma ${name}`).execute(store.db)).rows[0]!)[0];
        assert.equal(await pragma('journal_mode'), 'wal');
        assert.equal(await pragma('foreign_keys'), 1);
        assert.equal(await pragma('synchronous'), 1); // NORMAL
        assert.equal(await pragma('busy_timeout'), 5000);
      } finally {
        await store.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('opens :memory:', async () => {
    const store = await openStore({ path: ':memory:' });
    await store.syncEntities(baseEntities(), T0);
    assert.equal((await store.activeMonitors()).length, 3);
    await store.close();
  });

  it('refuses a url that is not postgres://', async () => {
    await assert.rejects(openStore({ url: 'mysql://x@localhost/db', path: ':memory:' }), /postgres:\/\//);
  });
});

forEachEngine('heartbeats: the last beat per token survives a reopen and never goes back in time', async (env) => {
  const store = await env.open();
  const beats = heartbeatStore(store.db);
  await beats.save('nightly-backup', { at: T0 + 2000, down: 'disk full' });
  await beats.save('nightly-backup', { at: T0 + 1000 }); // a late, older save
  await beats.save('hourly-sync', { at: T0 });
  const reopened = await env.open();
  assert.deepEqual(await loadBeats(reopened.db), new Map([['nightly-backup', { at: T0 + 2000, down: 'disk full' }], ['hourly-sync', { at: T0 }]]));
  await beats.save('nightly-backup', { at: T0 + 3000 });
  assert.deepEqual((await loadBeats(reopened.db)).get('nightly-backup'), { at: T0 + 3000 });
});
