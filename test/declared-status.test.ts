// Component statuses declared by incidents and maintenance (as on Statuspage): while an unresolved
// incident or an in-progress maintenance declares a status, the component shows the worse of declared
// and observed, everywhere (page, Statuspage v2, badges); the page says which is which; resolving releases it.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { request } from 'undici';
import { ManualClock } from '../src/core/time.js';
import { IncidentEngine } from '../src/incidents/engine.js';
import { type SnapshotIncident, buildSnapshot } from '../src/web/snapshot.js';
import { forEachEngine } from './helpers/engines.js';
import { waitFor } from './helpers/wait.js';
import { startSite } from './web-helpers.js';

const T0 = Date.parse('2024-12-11T23:00:00Z');

function incident(over: Partial<SnapshotIncident>): SnapshotIncident {
  return {
    id: 'i1', kind: 'incident', name: 'API down', status: 'investigating', impact: 'major', createdAt: T0, updatedAt: T0, monitoringAt: null, resolvedAt: null,
    startedAt: null, scheduledFor: null, scheduledUntil: null, postmortemBody: null, componentIds: ['acme/api'], updates: [], observedStart: null,
    vendorAcknowledgedAt: null, silentVendor: false, componentStatuses: { 'acme/api': 'major_outage' }, ...over,
  };
}

function snap(incidents: SnapshotIncident[], observed: Record<string, 'operational' | 'degraded_performance' | 'major_outage'> = {}) {
  const comp = (id: string, position: number) => ({ id, serviceId: 'acme', name: id, description: null, group: null, status: observed[id] ?? 'operational', since: T0 - 1000, createdAt: T0 - 9000, updatedAt: T0 - 1000, position });
  return buildSnapshot({
    title: 't', baseUrl: '', now: T0,
    services: [{ id: 'acme', name: 'Acme', description: null, createdAt: T0 - 9000, position: 0, components: [comp('acme/api', 0), comp('acme/web', 1)] }],
    changes: [],
    incidents: incidents.filter((i) => i.kind === 'incident'),
    maintenances: incidents.filter((i) => i.kind === 'maintenance'),
  });
}

test('an open incident declares its components: the worse of declared and observed, with both kept', () => {
  let s = snap([incident({})]);
  const api = s.services[0]!.components[0]!;
  assert.equal(api.status, 'major_outage');
  assert.equal(api.observed, 'operational');
  assert.deepEqual(api.declared && { status: api.declared.status, incidentId: api.declared.incidentId }, { status: 'major_outage', incidentId: 'i1' });
  assert.equal(s.services[0]!.status, 'major_outage');
  assert.notEqual(s.status.indicator, 'none');
  // Observed worse than declared: the observation shows, nothing is marked declared.
  s = snap([incident({ componentStatuses: { 'acme/api': 'degraded_performance' } })], { 'acme/api': 'major_outage' });
  assert.equal(s.services[0]!.components[0]!.status, 'major_outage');
  assert.equal(s.services[0]!.components[0]!.declared, undefined);
  // Resolved: released.
  s = snap([incident({ status: 'resolved', resolvedAt: T0 + 1 })]);
  assert.equal(s.services[0]!.components[0]!.status, 'operational');
  assert.equal(s.status.indicator, 'none');
  // The worst of two open incidents wins; an in-progress maintenance declares under_maintenance.
  s = snap([incident({ componentStatuses: { 'acme/api': 'partial_outage' } }), incident({ id: 'i2', componentStatuses: { 'acme/api': 'major_outage' } }), incident({ id: 'm1', kind: 'maintenance', status: 'in_progress', componentIds: ['acme/web'], componentStatuses: {} })]);
  assert.equal((s.services[0]!.components[0]!.declared as { incidentId: string } | undefined)?.incidentId, 'i2');
  assert.equal(s.services[0]!.components[1]!.status, 'under_maintenance');
  assert.equal(s.services[0]!.components[1]!.declared?.kind, 'maintenance');
  // A scheduled (not started) maintenance declares nothing yet.
  s = snap([incident({ id: 'm1', kind: 'maintenance', status: 'scheduled', componentIds: ['acme/web'], componentStatuses: {} })]);
  assert.equal(s.services[0]!.components[1]!.status, 'operational');
});

forEachEngine('a status a person declared stands while probes change; what Vigie recorded follows them', async (env) => {
  const store = await env.open();
  await store.syncEntities(
    {
      services: [{ id: 'acme', name: 'Acme', description: null, url: null, position: 0 }],
      components: ['api', 'web'].map((c, i) => ({ id: `acme/${c}`, serviceId: 'acme', name: c, description: null, groupName: null, dependsOn: [], position: i })),
      monitors: [],
    },
    T0,
  );
  const engine = new IncidentEngine({ store, clock: new ManualClock(T0), components: ['api', 'web'].map((c) => ({ id: `acme/${c}`, serviceId: 'acme', name: c, serviceName: 'Acme' })) });
  const i = await engine.createIncident({ name: 'API down', body: 'x', components: { 'acme/api': 'major_outage' }, author: 'ops' });
  await engine.onStatusChange({ componentId: 'acme/api', from: 'operational', to: 'degraded_performance', at: T0 + 60_000, reason: 'slow in us' });
  await engine.onStatusChange({ componentId: 'acme/api', from: 'degraded_performance', to: 'operational', at: T0 + 120_000, reason: 'all checks passing' });
  await engine.onStatusChange({ componentId: 'acme/web', from: 'operational', to: 'partial_outage', at: T0 + 130_000, reason: 'failing in us (1 of 2 regions)' });
  const after = (await engine.get(i.id))!;
  assert.equal(after.components.find((c) => c.componentId === 'acme/api')?.status, 'major_outage', 'the declaration stands');
  assert.equal(after.components.find((c) => c.componentId === 'acme/web')?.status, 'partial_outage', 'a component Vigie added follows its observation');
});

test('over HTTP: components.json, status.json, badges and the page follow a declared major outage until it is resolved', { timeout: 60_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'vigie-declared-'));
  const site = await startSite(dir);
  try {
    const json = async (path: string) => (await (await request(`${site.base}${path}`)).body.json()) as any;
    const text = async (path: string, headers: Record<string, string> = {}) => (await request(`${site.base}${path}`, { headers })).body.text();
    await waitFor('operational at first', async () => (await json('/api/v2/status.json')).status.indicator === 'none');
    const created = await site.admin('POST', '/incidents', { name: 'API errors', body: 'Users see errors.', components: { 'acme/api': 'major_outage' } });
    const id: string = created.id ?? created.incident?.id;
    const api = async () => (await json('/api/v2/components.json')).components.find((c: any) => c.name === 'API');
    await waitFor('components.json shows the declared major outage', async () => (await api()).status === 'major_outage');
    const status = (await json('/api/v2/status.json')).status;
    assert.notEqual(status.description, 'All Systems Operational');
    assert.equal((await json('/api/v2/summary.json')).components.find((c: any) => c.name === 'API').status, 'major_outage');
    assert.match(await text('/badge/acme/api/status.svg'), /major outage/);
    assert.doesNotMatch(await text('/badge/status.svg'), /all systems operational/);
    const page = await text('/');
    assert.match(page, /data-declared="major_outage" data-observed="operational"/);
    assert.match(page, /Declared by the incident <a href="\/incidents\/[a-z0-9]+">API errors<\/a> · observed by Vigie: <span class="s-operational">Operational<\/span>/);
    assert.match(await text('/?lang=fr'), /Déclaré par l’incident/);
    await site.admin('POST', `/incidents/${id}/resolve`, {});
    await waitFor('released once resolved', async () => (await api()).status === 'operational' && (await json('/api/v2/status.json')).status.indicator === 'none');
  } finally {
    await site.close();
    await rm(dir, { recursive: true, force: true });
  }
});

forEachEngine('notifications carry the same page status: declarations and open incidents count', async (env) => {
  const { openDeclarations } = await import('../src/store/incidents.js');
  const { notifyPageStatus } = await import('../src/notify/page-status.js');
  const store = await env.open();
  await store.syncEntities(
    {
      services: [{ id: 'acme', name: 'Acme', description: null, url: null, position: 0 }],
      components: ['api', 'web'].map((c, i) => ({ id: `acme/${c}`, serviceId: 'acme', name: c, description: null, groupName: null, dependsOn: [], position: i })),
      monitors: [],
    },
    T0,
  );
  const engine = new IncidentEngine({ store, clock: new ManualClock(T0), components: ['api', 'web'].map((c) => ({ id: `acme/${c}`, serviceId: 'acme', name: c, serviceName: 'Acme' })) });
  const observed = new Map([['acme/api', 'operational'], ['acme/web', 'operational']] as const);
  let d = await openDeclarations(store.db);
  assert.equal(notifyPageStatus(observed, d.declared, d.impacts).indicator, 'none');
  const i = await engine.createIncident({ name: 'Down', body: 'x', impact: 'critical', components: { 'acme/api': 'major_outage', 'acme/web': 'major_outage' }, author: 'ops' });
  d = await openDeclarations(store.db);
  assert.deepEqual(notifyPageStatus(observed, d.declared, d.impacts), { indicator: 'critical', description: 'Major System Outage' });
  await engine.resolve(i.id, { author: 'ops' });
  d = await openDeclarations(store.db);
  assert.equal(notifyPageStatus(observed, d.declared, d.impacts).indicator, 'none');
});
