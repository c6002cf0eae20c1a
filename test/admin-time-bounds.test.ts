// Times at the edge: every admin time field refuses a value outside years 2000..2100 (and so one
// beyond a JavaScript Date) with a 400 naming the field; and a hostile time already in the store
// (written directly, as an older version or a bug could) does not take the page down: every public
// answer and the admin list still render after a restart.
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { request } from 'undici';
import { createVigie } from '../src/app.js';
import { cleanSnapshotInput } from '../src/web/snapshot-guard.js';
import { buildSnapshot } from '../src/web/snapshot.js';
import { ADMIN_TOKEN, adminCaller, adminConfig, startAdminVigie } from './helpers/admin.js';
import { forEachEngine } from './helpers/engines.js';
import { waitFor } from './helpers/wait.js';
import { describe, it } from 'node:test';

const BEYOND_DATE = 8_640_000_000_000_001; // one millisecond past the last time a Date can hold
const BAD_TIMES: unknown[] = [BEYOND_DATE, -1, 0, 4_102_444_800_001, 1.5, '9999-12-31T00:00:00Z', '1999-12-31T23:59:59Z', '2024-12-11T23:07:00', 'yesterday', null, true, 1e400];

forEachEngine('admin API time fields: out-of-range times are refused at the edge, naming the field', async (engine) => {
  const { vigie, call } = await startAdminVigie(engine);
  try {
    const now = Date.now();
    for (const bad of BAD_TIMES) {
      const raw = bad === 1e400 ? '{"name":"Down","body":"x","at":1e400}' : { name: 'Down', body: 'x', at: bad };
      const r = await call('POST', '/incidents', raw);
      assert.equal(r.status, 400, `at=${String(bad)}: ${r.text}`);
      assert.deepEqual(r.json.issues.map((i: { field: string }) => i.field), ['body.at'], `at=${String(bad)}`);
      if (typeof bad === 'number' && Number.isInteger(bad)) assert.match(r.json.message, /2000-01-01T00:00:00Z to 2100-01-01T00:00:00Z/);
    }
    let r = await call('POST', '/incidents', { name: 'Down', body: 'x', at: '2024-12-11T23:07:00' });
    assert.match(r.json.message, /^body\.at: expected an ISO 8601 date-time with its offset/);
    r = await call('POST', '/incidents', { name: 'Down', body: 'x', fault_start: BEYOND_DATE });
    assert.deepEqual(r.json.issues?.map((i: { field: string }) => i.field), ['body.fault_start']);
    r = await call('POST', '/maintenances', { name: 'DB', components: ['acme/api'], scheduled_for: now + 60_000, scheduled_until: BEYOND_DATE });
    assert.equal(r.status, 400);
    assert.deepEqual(r.json.issues.map((i: { field: string }) => i.field), ['body.scheduled_until']);
    r = await call('POST', '/maintenances', { name: 'DB', components: ['acme/api'], scheduled_for: '2150-01-01T00:00:00Z', scheduled_until: '2150-01-02T00:00:00Z' });
    assert.deepEqual(r.json.issues.map((i: { field: string }) => i.field).sort(), ['body.scheduled_for', 'body.scheduled_until']);

    // Not a time, but the same rule: refused at the edge, not a 500 from PostgreSQL's text type.
    r = await call('POST', '/incidents', { name: 'Down\u0000', body: 'x' });
    assert.equal(r.status, 400, r.text);
    // Nothing refused was stored.
    assert.equal((await call('GET', '/incidents')).json.incidents.length, 0);
    assert.equal((await call('GET', '/maintenances')).json.maintenances.length, 0);

    // The edges themselves, and an offset, are accepted.
    r = await call('POST', '/incidents', { name: 'Edge', body: 'x', at: '2000-01-01T01:00:00+01:00', fault_start: Date.UTC(2000, 0, 1) });
    assert.equal(r.status, 201, r.text);
    const id = r.json.id as string;
    assert.equal(r.json.updates[0].at, '2000-01-01T00:00:00.000Z');
    r = await call('POST', `/incidents/${id}/vendor-acknowledgement`, { at: BEYOND_DATE });
    assert.deepEqual(r.json.issues.map((i: { field: string }) => i.field), ['body.at']);
    r = await call('POST', `/incidents/${id}/updates`, { body: 'y', at: -BEYOND_DATE });
    assert.deepEqual(r.json.issues.map((i: { field: string }) => i.field), ['body.at']);
    r = await call('PATCH', `/incidents/${id}`, { fault_start: '2101-01-01T00:00:00Z' });
    assert.deepEqual(r.json.issues.map((i: { field: string }) => i.field), ['body.fault_start']);
    r = await call('POST', `/incidents/${id}/resolve`, { at: '2100-01-01T00:00:00Z' });
    assert.equal(r.status, 200, r.text);
  } finally {
    await vigie.stop();
  }
});

forEachEngine('a stored time beyond a Date does not take the page down (after a restart too)', async (engine) => {
  const first = await startAdminVigie(engine);
  let incidentId: string;
  let maintenanceId: string;
  let corruptId: string;
  try {
    const now = Date.now();
    let r = await first.call('POST', '/incidents', { name: 'Hostile row incident', body: 'Written before the bounds', components: { 'acme/api': 'major_outage' } });
    assert.equal(r.status, 201, r.text);
    incidentId = r.json.id;
    r = await first.call('POST', `/incidents/${incidentId}/updates`, { body: 'Second update' });
    r = await first.call('POST', '/incidents', { name: 'Unreadable row incident', body: 'Its update will not parse' });
    corruptId = r.json.id;
    r = await first.call('POST', '/maintenances', { name: 'Hostile row maintenance', components: ['acme/web'], scheduled_for: now + 3_600_000, scheduled_until: now + 7_200_000 });
    assert.equal(r.status, 201, r.text);
    maintenanceId = r.json.id;
  } finally {
    await first.vigie.stop();
  }

  // Written straight to the store, as the unbounded API used to accept.
  const store = await engine.open();
  const db = store.db;
  await db.updateTable('incidents').set({ vendor_ack_at: BEYOND_DATE, observed_start: -BEYOND_DATE, fault_start: BEYOND_DATE }).execute();
  await db.updateTable('incidents').set({ scheduled_for: BEYOND_DATE, scheduled_until: BEYOND_DATE + 1 }).where('kind', '=', 'maintenance').execute();
  const updates = await db.selectFrom('incident_updates').select(['id', 'at']).orderBy('id').execute();
  assert.ok(updates.length >= 3);
  await db.updateTable('incident_updates').set({ at: BEYOND_DATE }).where('id', '=', updates[0]!.id).execute();
  await db.updateTable('incident_updates').set({ at: 8.64e15, created_at: BEYOND_DATE }).where('id', '=', updates[1]!.id).execute();
  await db.updateTable('component_status_changes').set({ at: BEYOND_DATE }).execute();
  // Not a time: a row the store cannot read at all, left out of the page rather than failing it.
  await db.updateTable('incident_updates').set({ affected: 'not json' }).where('incident_id', '=', corruptId!).execute();
  await store.close();

  const logged: Array<{ msg: string; count?: number; rows?: string[] }> = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void logged.push(JSON.parse(line)) });
  const vigie = await createVigie({ config: adminConfig(engine), adminToken: ADMIN_TOKEN, logger, ...(engine.options.url ? { databaseUrl: engine.options.url } : {}) });
  try {
    const base = await vigie.start();
    const get = async (path: string) => {
      const res = await request(`${base}${path}`);
      return { status: res.statusCode, text: await res.body.text() };
    };
    const page = await get('/');
    assert.equal(page.status, 200, page.text.slice(0, 300));
    assert.match(page.text, /Hostile row incident/);
    assert.doesNotMatch(page.text, /Unreadable row incident/);
    for (const path of ['/?lang=fr', '/history', `/incidents/${incidentId!}`, '/api/v2/summary.json', '/api/v2/incidents.json', '/api/v2/scheduled-maintenances.json', '/history.atom', '/history.rss', '/badge/status.svg']) {
      const a = await get(path);
      assert.equal(a.status, 200, `${path}: ${a.text.slice(0, 200)}`);
    }
    const summary = JSON.parse((await get('/api/v2/summary.json')).text);
    const told = logged.filter((l) => /stored rows the page cannot show as they are/.test(l.msg));
    assert.ok(told.length >= 1);
    await vigie.publish();
    await vigie.publish();
    assert.equal(logged.filter((l) => /stored rows the page cannot show as they are/.test(l.msg)).length, told.length, 'said once, not at every re-render');
    assert.ok(told.flatMap((t) => t.rows!).some((r) => r.includes(`incident ${incidentId!}`)), JSON.stringify(told));
    assert.ok(told.flatMap((t) => t.rows!).some((r) => /incident_updates row .*affected is not JSON/.test(r)), JSON.stringify(told));
    assert.equal(summary.incidents[0].name, 'Hostile row incident');
    const call = adminCaller(base);
    const list = await call('GET', '/incidents');
    assert.equal(list.status, 200, list.text);
    assert.deepEqual(list.json.unreadable, [`store: incident_updates row ${JSON.stringify(list.json.unreadable[0]?.match(/row (".*?"|\d+)/)?.[1] ? JSON.parse(list.json.unreadable[0].match(/row (".*?"|\d+)/)[1]) : '')}: affected is not JSON`]);
    assert.ok(!list.json.incidents.some((i: { id: string }) => i.id === corruptId));
    const one = list.json.incidents.find((i: { id: string }) => i.id === incidentId);
    assert.equal(one.figures.vendor_acknowledged_at, null, 'a time no Date can hold is answered as null');
    const m = await call('GET', `/maintenances/${maintenanceId!}`);
    assert.equal(m.status, 200, m.text);
    assert.equal(m.json.scheduled_for, null);
    // A write that has to read the unreadable row names it; once repaired, the admin can fix the times.
    const blocked = await call('PATCH', `/maintenances/${maintenanceId!}`, { scheduled_for: Date.now() + 3_600_000, scheduled_until: Date.now() + 7_200_000 });
    if (blocked.status !== 200) assert.deepEqual([blocked.status, blocked.json.error], [500, 'corrupt_row'], blocked.text);
    await vigie.store.db.updateTable('incident_updates').set({ affected: '[]' }).where('incident_id', '=', corruptId!).execute();
    const fixed = await call('PATCH', `/maintenances/${maintenanceId!}`, { scheduled_for: Date.now() + 3_600_000, scheduled_until: Date.now() + 7_200_000 });
    assert.equal(fixed.status, 200, fixed.text);
    await waitFor('the repaired maintenance on the page', async () => JSON.parse((await get('/api/v2/scheduled-maintenances/upcoming.json')).text).scheduled_maintenances.length === 1);
  } finally {
    await vigie.stop();
  }
});

describe('cleanSnapshotInput', () => {
  it('keeps the input as it is when every time is showable, and fixes or drops the others', () => {
    const base = {
      title: 'T',
      baseUrl: '',
      now: Date.UTC(2024, 0, 1),
      services: [],
      changes: [{ componentId: 'a/b', componentName: 'B', serviceName: 'A', from: null, to: 'operational' as const, at: Date.UTC(2024, 0, 1), reason: 'x' }],
    };
    const clean = cleanSnapshotInput(base);
    assert.equal(clean.input, base);
    assert.deepEqual(clean.problems, []);
    const incident = {
      id: 'i1',
      kind: 'incident' as const,
      name: 'n',
      status: 'investigating',
      impact: 'major',
      createdAt: NaN,
      updatedAt: Infinity,
      monitoringAt: BEYOND_DATE,
      resolvedAt: null,
      startedAt: null,
      scheduledFor: null,
      scheduledUntil: null,
      postmortemBody: null,
      componentIds: [],
      updates: [
        { id: 'u2', status: 'investigating', body: 'b', at: BEYOND_DATE, createdAt: Date.UTC(2024, 0, 2), affected: [] },
        { id: 'u1', status: 'investigating', body: 'a', at: -BEYOND_DATE, createdAt: BEYOND_DATE, affected: [] },
      ],
      observedStart: null,
      vendorAcknowledgedAt: null,
      silentVendor: false,
    };
    const hostile = { ...base, changes: [...base.changes, { ...base.changes[0]!, at: BEYOND_DATE }], incidents: [incident, { ...incident, id: 'i2', updates: [] }] };
    const out = cleanSnapshotInput(hostile);
    assert.equal(out.input.changes.length, 1);
    assert.deepEqual(out.input.incidents!.map((i) => i.id), ['i1'], 'an incident with no showable time at all is left out');
    const i1 = out.input.incidents![0]!;
    assert.deepEqual(i1.updates.map((u) => [u.id, u.at]), [['u2', Date.UTC(2024, 0, 2)]]);
    assert.equal(i1.createdAt, Date.UTC(2024, 0, 2));
    assert.equal(i1.updatedAt, Date.UTC(2024, 0, 2));
    assert.equal(i1.monitoringAt, null);
    assert.ok(out.problems.length >= 4);
    const snap = buildSnapshot(hostile);
    assert.equal(snap.incidents.length, 1);
  });
});
