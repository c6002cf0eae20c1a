// Every Statuspage v2 endpoint, field for field, against a real Vigie with an incident and maintenance:
// the keys Statuspage documents, their types and enums, and how the lists relate to one another.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { request } from 'undici';
import { startSite } from './web-helpers.js';
import { waitFor } from './helpers/wait.js';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const ID = /^[0-9a-z]{12}$/;
const PAGE = ['id', 'name', 'url', 'time_zone', 'updated_at'];
const COMPONENT = ['id', 'name', 'status', 'created_at', 'updated_at', 'position', 'description', 'showcase', 'start_date', 'group_id', 'page_id', 'group', 'only_show_if_degraded'];
const INCIDENT = ['id', 'name', 'status', 'created_at', 'updated_at', 'monitoring_at', 'resolved_at', 'impact', 'shortlink', 'started_at', 'page_id', 'incident_updates', 'components'];
const UPDATE = ['id', 'status', 'body', 'incident_id', 'created_at', 'updated_at', 'display_at', 'affected_components', 'deliver_notifications', 'custom_tweet', 'tweet_id'];
const COMPONENT_STATUSES = ['operational', 'degraded_performance', 'partial_outage', 'major_outage', 'under_maintenance'];

const hasKeys = (o: Record<string, unknown>, keys: string[], what: string) => {
  for (const k of keys) assert.ok(k in o, `${what} lacks "${k}": ${JSON.stringify(o).slice(0, 300)}`);
};
const isoOrNull = (v: unknown, what: string) => assert.ok(v === null || (typeof v === 'string' && ISO.test(v)), `${what}: ${String(v)}`);

function checkPage(p: any, base: string) {
  hasKeys(p, PAGE, 'page');
  assert.match(p.id, ID);
  assert.equal(p.name, 'Acme <status> & co');
  assert.equal(p.url, base);
  assert.equal(p.time_zone, 'Etc/UTC');
  assert.match(p.updated_at, ISO);
}

function checkComponent(c: any, pageId: string) {
  hasKeys(c, COMPONENT, 'component');
  assert.match(c.id, ID);
  assert.ok(COMPONENT_STATUSES.includes(c.status), c.status);
  assert.match(c.created_at, ISO);
  assert.match(c.updated_at, ISO);
  assert.equal(typeof c.position, 'number');
  assert.ok(c.description === null || typeof c.description === 'string');
  assert.equal(typeof c.showcase, 'boolean');
  isoOrNull(c.start_date, 'start_date');
  assert.equal(c.page_id, pageId);
  assert.equal(typeof c.group, 'boolean');
  assert.equal(typeof c.only_show_if_degraded, 'boolean');
  if (c.group) {
    assert.equal(c.group_id, null);
    assert.ok(Array.isArray(c.components) && c.components.every((x: unknown) => typeof x === 'string'));
  } else assert.match(c.group_id, ID);
}

function checkIncident(i: any, pageId: string, kind: 'incident' | 'maintenance') {
  hasKeys(i, kind === 'maintenance' ? [...INCIDENT, 'scheduled_for', 'scheduled_until'] : INCIDENT, kind);
  assert.equal(typeof i.id, 'string');
  assert.equal(typeof i.name, 'string');
  assert.ok((kind === 'incident' ? ['investigating', 'identified', 'monitoring', 'resolved', 'postmortem'] : ['scheduled', 'in_progress', 'verifying', 'completed']).includes(i.status), i.status);
  assert.ok((kind === 'incident' ? ['none', 'minor', 'major', 'critical'] : ['maintenance']).includes(i.impact), i.impact);
  for (const k of ['created_at', 'updated_at', 'started_at']) assert.match(i[k], ISO, k);
  for (const k of ['monitoring_at', 'resolved_at']) isoOrNull(i[k], k);
  if (kind === 'maintenance') for (const k of ['scheduled_for', 'scheduled_until']) assert.match(i[k], ISO, k);
  assert.match(i.shortlink, /^http:\/\/127\.0\.0\.1:\d+\/incidents\//);
  assert.equal(i.page_id, pageId);
  assert.ok(Array.isArray(i.components));
  for (const c of i.components) checkComponent(c, pageId);
  assert.ok(i.incident_updates.length > 0);
  for (const u of i.incident_updates) {
    hasKeys(u, UPDATE, 'incident_update');
    assert.equal(u.incident_id, i.id);
    assert.equal(typeof u.body, 'string');
    for (const k of ['created_at', 'updated_at', 'display_at']) assert.match(u[k], ISO, k);
    assert.ok(u.affected_components === null || Array.isArray(u.affected_components));
    for (const a of u.affected_components ?? []) {
      assert.deepEqual(Object.keys(a).sort(), ['code', 'name', 'new_status', 'old_status']);
      assert.match(a.code, ID);
      assert.ok(COMPONENT_STATUSES.includes(a.old_status) && COMPONENT_STATUSES.includes(a.new_status));
    }
  }
}

test('Statuspage v2: every endpoint, field for field', { timeout: 60_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'vigie-v2-'));
  const site = await startSite(dir);
  try {
    const { base } = site;
    const get = async (path: string) => {
      const r = await request(`${base}/api/v2/${path}`);
      assert.equal(r.statusCode, 200, path);
      assert.match(String(r.headers['content-type']), /^application\/json/);
      assert.equal(r.headers['access-control-allow-origin'], '*');
      return (await r.body.json()) as any;
    };
    const inc = await site.admin('POST', '/incidents', { name: 'API errors <script>', body: 'Users see **Internal Server Error**', impact: 'major', cause: 'network', components: { 'acme/api': 'major_outage' } });
    await site.admin('POST', `/incidents/${inc.id}/updates`, { status: 'identified', body: 'Found it.' });
    const now = Date.now();
    await site.admin('POST', '/maintenances', { name: 'DB upgrade', body: 'Planned.', components: ['beta/jobs'], scheduled_for: now + 3_600_000, scheduled_until: now + 7_200_000 });
    await site.admin('POST', '/maintenances', { name: 'Network work', body: 'Now.', components: ['beta/jobs'], scheduled_for: now - 60_000, scheduled_until: now + 3_600_000 });
    await waitFor('active maintenance', async () => (await get('scheduled-maintenances/active.json')).scheduled_maintenances.length === 1);

    const summary = await get('summary.json');
    assert.deepEqual(Object.keys(summary).sort(), ['components', 'incidents', 'page', 'scheduled_maintenances', 'status']);
    checkPage(summary.page, base);
    const pageId = summary.page.id;
    assert.ok(['none', 'minor', 'major', 'critical', 'maintenance'].includes(summary.status.indicator));
    assert.equal(typeof summary.status.description, 'string');
    for (const c of summary.components) checkComponent(c, pageId);
    const groups = summary.components.filter((c: any) => c.group);
    assert.deepEqual(groups.map((g: any) => g.name), ['Acme', 'Beta']);
    for (const g of groups) for (const child of g.components) assert.equal(summary.components.find((c: any) => c.id === child).group_id, g.id);
    assert.deepEqual(summary.components.map((c: any) => c.position), summary.components.map((_: unknown, i: number) => i + 1));
    assert.equal(summary.incidents.length, 1);
    checkIncident(summary.incidents[0], pageId, 'incident');
    assert.equal(summary.incidents[0].name, 'API errors <script>');
    assert.equal(summary.incidents[0].status, 'identified');
    assert.equal(summary.incidents[0].incident_updates[0].status, 'identified', 'newest update first');
    assert.deepEqual(summary.incidents[0].components.map((c: any) => c.name), ['API']);
    const first = summary.incidents[0].incident_updates.at(-1);
    assert.deepEqual(first.affected_components?.map((a: any) => [a.name, a.new_status]), [['API', 'major_outage']]);
    assert.equal(summary.scheduled_maintenances.length, 2);
    for (const m of summary.scheduled_maintenances) checkIncident(m, pageId, 'maintenance');

    const status = await get('status.json');
    assert.deepEqual(Object.keys(status).sort(), ['page', 'status']);
    checkPage(status.page, base);
    assert.deepEqual(status.status, summary.status);

    const components = await get('components.json');
    assert.deepEqual(Object.keys(components).sort(), ['components', 'page']);
    assert.deepEqual(components.components, summary.components);

    const incidents = await get('incidents.json');
    assert.deepEqual(Object.keys(incidents).sort(), ['incidents', 'page']);
    assert.equal(incidents.incidents.length, 1);
    for (const i of incidents.incidents) checkIncident(i, pageId, 'incident');

    await site.admin('POST', `/incidents/${inc.id}/resolve`, { body: 'Fixed.' });
    await waitFor('resolved', async () => (await get('incidents/unresolved.json')).incidents.length === 0);
    const all = await get('incidents.json');
    assert.equal(all.incidents[0].status, 'resolved');
    assert.match(all.incidents[0].resolved_at, ISO);
    checkIncident(all.incidents[0], pageId, 'incident');
    assert.deepEqual((await get('summary.json')).incidents, []);

    const maint = await get('scheduled-maintenances.json');
    assert.deepEqual(Object.keys(maint).sort(), ['page', 'scheduled_maintenances']);
    assert.equal(maint.scheduled_maintenances.length, 2);
    for (const m of maint.scheduled_maintenances) checkIncident(m, pageId, 'maintenance');
    const upcoming = await get('scheduled-maintenances/upcoming.json');
    assert.deepEqual(upcoming.scheduled_maintenances.map((m: any) => [m.name, m.status]), [['DB upgrade', 'scheduled']]);
    const active = await get('scheduled-maintenances/active.json');
    assert.deepEqual(active.scheduled_maintenances.map((m: any) => [m.name, m.status]), [['Network work', 'in_progress']]);
    const jobs = (await get('components.json')).components.find((c: any) => c.name === 'Jobs');
    assert.equal(jobs.status, 'under_maintenance');
  } finally {
    await site.close();
    await rm(dir, { recursive: true, force: true });
  }
});
