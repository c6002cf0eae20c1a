// The incident engine through the real store (both engines), in simulated time with a ManualClock.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../src/core/time.js';
import type { StatusChange } from '../src/detect/detector.js';
import { IncidentEngine, IncidentError } from '../src/incidents/engine.js';
import type { Store } from '../src/store/store.js';
import { forEachEngine } from './helpers/engines.js';
import { renderMarkdown } from '../src/web/markdown.js';

const T0 = Date.parse('2024-12-11T23:00:00Z');
const MIN = 60_000;
const COMPONENTS = [
  { id: 'chatgpt/web', serviceId: 'chatgpt', name: 'Web', serviceName: 'ChatGPT' },
  { id: 'chatgpt/api', serviceId: 'chatgpt', name: 'API', serviceName: 'ChatGPT' },
  { id: 'meta/facebook', serviceId: 'meta', name: 'Facebook', serviceName: 'Meta' },
];

async function seedEntities(store: Store) {
  await store.syncEntities(
    {
      services: [
        { id: 'chatgpt', name: 'ChatGPT', description: null, url: null, position: 0 },
        { id: 'meta', name: 'Meta', description: null, url: null, position: 1 },
      ],
      components: COMPONENTS.map((c, i) => ({ id: c.id, serviceId: c.serviceId, name: c.name, description: null, groupName: null, dependsOn: [], position: i })),
      monitors: [],
    },
    T0,
  );
}

function change(componentId: string, from: StatusChange['from'], to: StatusChange['to'], at: number, reason = 'failing in all 3 regions'): StatusChange {
  return { componentId, from, to, at, reason, ...(to === 'major_outage' ? { affected: { regionsDown: 3, regionsTotal: 3, monitorsDown: 3, monitorsTotal: 3 } } : {}) };
}

async function engineOn(env: { open(): Promise<Store> }) {
  const store = await env.open();
  await seedEntities(store);
  const clock = new ManualClock(T0);
  const maint: string[][] = [];
  const engine = new IncidentEngine({ store, clock, components: COMPONENTS, onMaintenanceChange: (ids) => maint.push([...ids].sort()) });
  return { store, clock, engine, maint };
}

forEachEngine('brief blips and slowdowns open no incident', async (env) => {
  const { engine } = await engineOn(env);
  await engine.onStatusChange(change('chatgpt/web', 'operational', 'partial_outage', T0 + 7 * MIN, 'failing in us (1 of 3 regions)'));
  await engine.tick(T0 + 8 * MIN);
  await engine.onStatusChange(change('chatgpt/web', 'partial_outage', 'operational', T0 + 8.5 * MIN, 'all checks passing'));
  await engine.onStatusChange(change('chatgpt/api', 'operational', 'degraded_performance', T0 + 9 * MIN, 'slow in us'));
  await engine.tick(T0 + 60 * MIN);
  assert.deepEqual(await engine.incidents(), []);
});

forEachEngine('an outage past the grace period opens one incident per service, follows it, and resolves after the hold', async (env) => {
  const { engine } = await engineOn(env);
  const t = (m: number) => T0 + m * MIN;
  await engine.faultStarted('chatgpt', t(7));
  await engine.vendorStatus('chatgpt', t(0), true, true);
  await engine.onStatusChange(change('chatgpt/web', 'operational', 'major_outage', t(8)));
  await engine.onStatusChange(change('chatgpt/api', 'operational', 'partial_outage', t(8.5), 'failing in us (1 of 3 regions)'));
  await engine.tick(t(9.5));
  assert.equal((await engine.incidents()).length, 0, 'still within the grace period');
  await engine.tick(t(10));
  let [i] = await engine.incidents();
  assert.ok(i);
  assert.equal(i.origin, 'auto');
  assert.equal(i.status, 'investigating');
  assert.equal(i.serviceId, 'chatgpt');
  assert.deepEqual(i.components.map((c) => c.componentId).sort(), ['chatgpt/api', 'chatgpt/web'], 'components failing together share one incident');
  assert.match(i.updates[0]!.body, /Vigie observes problems with \*\*ChatGPT\*\* since 23:08 UTC/);
  assert.match(i.updates[0]!.body, /\*\*Web\*\*: failing in all 3 regions since 23:08 UTC/);
  assert.equal(i.impact, 'major');
  assert.equal(i.figures.observedStart, t(8));
  // Time to detect: fault start (23:07) → first non-operational status (23:08); opening comes after the grace period.
  assert.equal(i.figures.detectedAt, t(8));
  assert.equal(i.figures.timeToDetectMs, 1 * MIN);
  assert.equal(i.figures.timeToOpenMs, 3 * MIN);
  assert.equal(i.figures.peakAffectedShare, 1);
  assert.equal(i.figures.peakAffectedDetail, '3 of 3 regions');

  // Another service is not grouped with it.
  await engine.onStatusChange(change('meta/facebook', 'operational', 'major_outage', t(9), 'failing'));
  await engine.tick(t(12));
  assert.equal((await engine.incidents()).length, 2);

  // The API worsens: an update, and the impact rises (every component of the service in major outage).
  await engine.onStatusChange(change('chatgpt/api', 'partial_outage', 'major_outage', t(20)));
  [i] = await engine.incidents({ serviceId: 'chatgpt' });
  assert.equal(i!.impact, 'critical');
  assert.deepEqual(i!.updates[0]!.affected, [{ componentId: 'chatgpt/api', oldStatus: 'partial_outage', newStatus: 'major_outage' }]);

  // Silent vendor: green for 30 minutes after the observed start.
  await engine.tick(t(37));
  [i] = await engine.incidents({ serviceId: 'chatgpt' });
  assert.equal(i!.figures.silentVendor, false);
  await engine.tick(t(38));
  [i] = await engine.incidents({ serviceId: 'chatgpt' });
  assert.equal(i!.figures.silentVendorAt, t(38));
  assert.match(i!.updates[0]!.body, /official status page still says all is operational/);

  // The vendor speaks at last: the acknowledgement lag.
  await engine.vendorAcknowledged('chatgpt', t(8 + 155), 'feed', 'We are investigating elevated errors');
  await engine.vendorAcknowledged('chatgpt', t(8 + 200), 'feed', 'later words do not move it');
  [i] = await engine.incidents({ serviceId: 'chatgpt' });
  assert.equal(i!.figures.acknowledgementLagMs, 155 * MIN, '2 h 35 min');
  assert.equal(i!.figures.vendorAcknowledgementText, 'We are investigating elevated errors');

  // Recovery: monitoring, a relapse, monitoring again, then resolved after the hold.
  await engine.onStatusChange(change('chatgpt/web', 'major_outage', 'operational', t(180), 'all checks passing'));
  await engine.onStatusChange(change('chatgpt/api', 'major_outage', 'operational', t(181), 'all checks passing'));
  [i] = await engine.incidents({ serviceId: 'chatgpt' });
  assert.equal(i!.status, 'monitoring');
  assert.equal(i!.monitoringAt, t(181));
  await engine.onStatusChange(change('chatgpt/api', 'operational', 'major_outage', t(185)));
  assert.equal((await engine.incidents({ serviceId: 'chatgpt' }))[0]!.status, 'investigating');
  await engine.onStatusChange(change('chatgpt/api', 'major_outage', 'operational', t(190), 'all checks passing'));
  await engine.tick(t(204));
  assert.equal((await engine.incidents({ serviceId: 'chatgpt' }))[0]!.status, 'monitoring', 'not before the 15-minute hold');
  assert.equal(await engine.nextDeadline(), t(205));
  await engine.tick(t(205));
  [i] = await engine.incidents({ serviceId: 'chatgpt' });
  assert.equal(i!.status, 'resolved');
  assert.equal(i!.figures.timeToResolveMs, t(205) - t(8));
  assert.deepEqual(
    [...i!.updates].reverse().map((u) => u.status),
    ['investigating', 'investigating', 'investigating', 'investigating', 'investigating', 'monitoring', 'investigating', 'monitoring', 'resolved'],
  );
});

forEachEngine('a human takes over: automation never overrides what a human wrote', async (env) => {
  const { engine, clock } = await engineOn(env);
  const t = (m: number) => T0 + m * MIN;
  await engine.onStatusChange(change('chatgpt/web', 'operational', 'major_outage', t(1)));
  await engine.tick(t(4));
  const [auto] = await engine.incidents();
  clock.advanceTo(t(5));
  await engine.postUpdate(auto!.id, { status: 'identified', body: 'We have identified the bug and are working on a fix.', cause: 'software_bug', author: 'ops' });
  await engine.onStatusChange(change('chatgpt/web', 'major_outage', 'operational', t(30), 'all checks passing'));
  await engine.tick(t(120));
  const [i] = await engine.incidents();
  assert.equal(i!.human, true);
  assert.equal(i!.status, 'identified', 'not moved to monitoring or resolved by Vigie');
  assert.equal(i!.cause, 'software_bug');
  assert.equal(i!.updates[0]!.author, 'ops');
  assert.equal(i!.components[0]!.status, 'operational', 'the observed component status is still recorded');
  // Postmortem only after resolved.
  await assert.rejects(engine.postmortem(i!.id, { body: 'x', author: 'ops' }), (e: unknown) => e instanceof IncidentError && e.code === 'conflict');
  await engine.resolve(i!.id, { author: 'ops' });
  const pm = await engine.postmortem(i!.id, { body: '## What happened\n\nA bad deploy.', author: 'ops' });
  assert.equal(pm.status, 'postmortem');
  assert.equal(pm.postmortemBody, '## What happened\n\nA bad deploy.');
});

forEachEngine('a manual incident with components, and a vendor acknowledgement before any incident', async (env) => {
  const { engine, clock } = await engineOn(env);
  await engine.vendorAcknowledged('meta', T0 + 1 * MIN, 'feed', '99% fixed');
  clock.advanceTo(T0 + 2 * MIN);
  const i = await engine.createIncident({ name: 'Sora slow', body: 'Looking into it', components: { 'chatgpt/api': 'degraded_performance' }, impact: 'minor', author: 'ops' });
  assert.equal(i.origin, 'manual');
  assert.deepEqual(i.updates[0]!.affected, [{ componentId: 'chatgpt/api', oldStatus: 'operational', newStatus: 'degraded_performance' }]);
  await assert.rejects(engine.createIncident({ name: 'x', body: 'y', components: { 'nope/x': 'major_outage' }, author: 'ops' }), (e: unknown) => e instanceof IncidentError && e.field === 'components.nope/x');
  await assert.rejects(engine.postUpdate('000000000000', { body: 'x', author: 'ops' }), (e: unknown) => e instanceof IncidentError && e.code === 'not_found');
  // Meta's earlier acknowledgement is attached to its incident when one opens.
  await engine.onStatusChange(change('meta/facebook', 'operational', 'major_outage', T0 + 3 * MIN, 'failing'));
  await engine.tick(T0 + 6 * MIN);
  const [meta] = await engine.incidents({ serviceId: 'meta' });
  assert.equal(meta!.figures.vendorAcknowledgedAt, T0 + 1 * MIN);
  assert.equal(meta!.figures.acknowledgementLagMs, -2 * MIN, 'the vendor spoke first');
});

forEachEngine('scheduled maintenance moves on the clock and overlays its components', async (env) => {
  const { engine, clock, maint } = await engineOn(env);
  const t = (m: number) => T0 + m * MIN;
  engine.start();
  try {
    const m = await engine.createMaintenance({ name: 'Database upgrade', components: ['chatgpt/api'], scheduledFor: t(10), scheduledUntil: t(40), author: 'ops' });
    assert.equal(m.status, 'scheduled');
    await engine.idle();
    const step = async (to: number) => {
      clock.advanceTo(to);
      for (let n = 0; n < 5; n++) await engine.idle();
    };
    await step(t(10));
    assert.equal((await engine.get(m.id))!.status, 'in_progress');
    assert.deepEqual(maint.at(-1), ['chatgpt/api']);
    // Under maintenance, a failing component opens nothing.
    await engine.onStatusChange(change('chatgpt/api', 'operational', 'under_maintenance', t(10), 'scheduled maintenance'));
    await step(t(40));
    assert.equal((await engine.get(m.id))!.status, 'verifying');
    assert.deepEqual(maint.at(-1), []);
    await step(t(45));
    const done = (await engine.get(m.id))!;
    assert.equal(done.status, 'completed');
    assert.deepEqual([...done.updates].reverse().map((u) => u.status), ['scheduled', 'in_progress', 'verifying', 'completed']);
    assert.deepEqual(await engine.incidents(), []);
    await assert.rejects(engine.updateMaintenance(m.id, { status: 'in_progress', author: 'ops' }), (e: unknown) => e instanceof IncidentError && e.code === 'conflict');
  } finally {
    await engine.stop();
  }
});

test('Markdown bodies are rendered without raw HTML or dangerous links', () => {
  const html = renderMarkdown('**Down** <script>alert(1)</script> [x](javascript:alert(1)) [ok](https://status.example.com) ![i](https://t.example/p.png)');
  assert.match(html, /<strong>Down<\/strong>/);
  assert.doesNotMatch(html, /<script/);
  assert.match(html, /&lt;script&gt;/);
  assert.doesNotMatch(html, /href="javascript/);
  assert.match(html, /<a href="https:\/\/status\.example\.com" rel="nofollow noopener noreferrer">ok<\/a>/);
  assert.doesNotMatch(html, /<img/);
});
