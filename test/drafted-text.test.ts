// What Vigie writes by itself follows its incidents and reads in both languages: titles follow the
// components (WhatsApp joining Meta's outage), a dependent incident gets drafted updates while its upstream
// stays down, reasons name components as people know them, the French page shows French, and once a
// person writes to an incident Vigie never changes its text.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { request } from 'undici';
import { ManualClock } from '../src/core/time.js';
import { Detector } from '../src/detect/detector.js';
import { say, parseText } from '../src/i18n/text.js';
import { IncidentEngine } from '../src/incidents/engine.js';
import type { StatusChange } from '../src/detect/detector.js';
import type { Store } from '../src/store/store.js';
import { forEachEngine } from './helpers/engines.js';
import { waitFor } from './helpers/wait.js';
import { startSite } from './web-helpers.js';

const T0 = Date.parse('2024-12-11T20:45:00Z');
const MIN = 60_000;
const t = (m: number) => T0 + m * MIN;
const COMPONENTS = [
  { id: 'meta/facebook', serviceId: 'meta', name: 'Facebook', serviceName: 'Meta' },
  { id: 'meta/instagram', serviceId: 'meta', name: 'Instagram', serviceName: 'Meta' },
  { id: 'meta/whatsapp', serviceId: 'meta', name: 'WhatsApp', serviceName: 'Meta' },
  { id: 'chatgpt/api', serviceId: 'chatgpt', name: 'API', serviceName: 'ChatGPT' },
  { id: 'siri/ext', serviceId: 'siri', name: 'ChatGPT extension', serviceName: 'Siri' },
];

async function engineOn(env: { open(): Promise<Store> }) {
  const store = await env.open();
  await store.syncEntities(
    {
      services: ['meta', 'chatgpt', 'siri'].map((id, position) => ({ id, name: id, description: null, url: null, position })),
      components: COMPONENTS.map((c, i) => ({ id: c.id, serviceId: c.serviceId, name: c.name, description: null, groupName: null, dependsOn: c.id === 'siri/ext' ? ['chatgpt/api'] : [], position: i })),
      monitors: [],
    },
    T0,
  );
  const clock = new ManualClock(T0);
  return { clock, engine: new IncidentEngine({ store, clock, components: COMPONENTS }) };
}

/** A change as the detector gives it, reasons as message keys (names as people know them). */
function down(componentId: string, at: number, to: StatusChange['to'] = 'major_outage'): StatusChange {
  const d = new Detector({ failuresToDown: 1, successesToUp: 1 });
  const dep = componentId === 'siri/ext';
  d.load(
    [
      { id: 'chatgpt/api', serviceId: 'chatgpt', name: 'API', description: null, groupName: null, dependsOn: [], position: 0 },
      { id: componentId, serviceId: componentId.split('/')[0]!, name: 'x', description: null, groupName: null, dependsOn: dep ? ['chatgpt/api'] : [], position: 1 },
    ],
    [{ id: 'chatgpt/api/us', componentId: 'chatgpt/api', region: 'us', kind: 'http', target: { url: 'http://127.0.0.1:9/' } } as never, ...(dep ? [] : [{ id: `${componentId}/us`, componentId, region: 'us', kind: 'http', target: { url: 'http://127.0.0.1:9/' } } as never])],
    new Map(),
  );
  d.setNames(new Map([['chatgpt/api', 'ChatGPT API']]));
  const fail = (monitorId: string) => d.observe({ monitorId, region: 'us', at, ok: false, degraded: false, phases: { totalMs: 5 }, error: { kind: 'http_status', message: 'status 500' } } as never);
  const changes = dep ? fail('chatgpt/api/us') : fail(`${componentId}/us`);
  const c = changes.find((x) => x.componentId === componentId)!;
  return { ...c, to, at };
}

test('reasons name components as people know them, never "chatgpt/api (partial_outage)"', () => {
  const c = down('siri/ext', t(0), 'partial_outage');
  assert.equal(c.reason, 'depends on ChatGPT API (major outage)');
  assert.doesNotMatch(c.reason, /chatgpt\/api|_outage/);
  assert.equal(say('fr', c.reasonText!), 'dépend de ChatGPT API (panne majeure)');
});

forEachEngine('a component joining an outage retitles the incident; a person’s title and words are never touched again', async (env) => {
  const { engine } = await engineOn(env);
  await engine.onStatusChange(down('meta/facebook', t(5)));
  await engine.onStatusChange(down('meta/instagram', t(5)));
  await engine.tick(t(8));
  let [i] = await engine.incidents({ serviceId: 'meta' });
  assert.equal(i!.name, 'Meta: Facebook and Instagram unavailable');
  await engine.onStatusChange(down('meta/whatsapp', t(9)));
  [i] = await engine.incidents({ serviceId: 'meta' });
  assert.equal(i!.name, 'Meta: Facebook, Instagram and WhatsApp unavailable');
  assert.equal(say('fr', parseText(i!.nameText)!), 'Meta : Facebook, Instagram et WhatsApp indisponibles');
  assert.match(say('fr', parseText(i!.updates[0]!.bodyText)!), /Touche aussi \*\*Meta WhatsApp\*\* : en échec depuis 20:54 UTC\./);
  // A person names it and writes: from then on Vigie changes neither title nor words.
  await engine.patchIncident(i!.id, { name: 'Meta apps down', author: 'ops' });
  const before = (await engine.get(i!.id))!;
  assert.equal(before.nameText, null, 'a person’s title is not a drafted one');
  await engine.onStatusChange({ ...down('meta/whatsapp', t(30)), from: 'major_outage', to: 'operational', reason: 'all checks passing', reasonText: { key: 'allPassing' } });
  await engine.tick(t(200));
  const after = (await engine.get(i!.id))!;
  assert.equal(after.name, 'Meta apps down');
  assert.equal(after.updates.length, before.updates.length, 'no drafted update on an incident a person took over');
});

forEachEngine('a dependent incident gets drafted updates while its upstream stays down, in both languages', async (env) => {
  const { engine } = await engineOn(env);
  await engine.onStatusChange(down('chatgpt/api', t(0)));
  await engine.onStatusChange(down('siri/ext', t(0), 'partial_outage'));
  await engine.tick(t(3));
  const siri = async () => (await engine.incidents({ serviceId: 'siri' }))[0]!;
  assert.equal((await siri()).updates.length, 1);
  assert.equal(await engine.nextDeadline(), t(3) + 60 * MIN, 'the next drafted update is scheduled');
  await engine.tick(t(64));
  const s = await siri();
  assert.equal(s.updates.length, 2);
  assert.equal(s.status, 'investigating');
  const u = s.updates[0]!;
  assert.equal(u.author, 'vigie');
  assert.equal(u.body, 'Still affected, 1 h 4 min after the start: **Siri ChatGPT extension** depends on **ChatGPT API**, which is still in major outage. We are waiting on its recovery.');
  assert.match(say('fr', parseText(u.bodyText)!), /dépend de \*\*ChatGPT API\*\*, toujours en panne majeure/);
  await engine.tick(t(124));
  assert.equal((await siri()).updates.length, 3, 'and again an hour later');
});

test('the French page shows Vigie’s drafted titles, updates and reasons in French', { timeout: 60_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'vigie-drafted-'));
  const site = await startSite(dir);
  try {
    site.failing.add('us').add('eu');
    const fr = await waitFor('an incident on the French page', async () => {
      const html = await (await request(`${site.base}/?lang=fr`)).body.text();
      return /data-incident=/.test(html) && /Vigie observe/.test(html) ? html : undefined;
    }, 30_000, 100);
    assert.match(fr, /Acme : API indisponible</);
    assert.match(fr, /Nous analysons le problème/);
    assert.doesNotMatch(fr, /We are investigating|Vigie observes|failing in all|checks passing/);
    assert.match(fr, /en échec dans les 2 régions/);
    const en = await (await request(`${site.base}/?lang=en`)).body.text();
    assert.match(en, /Acme: API unavailable/);
    assert.match(en, /We are investigating/);
  } finally {
    await site.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('notifications word what Vigie wrote in the subscriber’s language', async () => {
  const { buildMessage } = await import('../src/notify/messages.js');
  const { text } = await import('../src/i18n/text.js');
  const page = { id: 'p', title: 'Vigie', url: 'http://127.0.0.1', indicator: 'major', description: 'Partial System Outage' };
  const reason = text('dependsOn', { component: 'ChatGPT API', status: { status: 'major_outage' }, ref: 'chatgpt/api' });
  const change = buildMessage({
    event: { id: 1, createdAt: t(0), kind: 'component_status', subject: 'component:siri/ext', componentIds: ['siri/ext'], at: t(0), payload: { componentId: 'siri/ext', componentName: 'ChatGPT extension', serviceId: 'siri', serviceName: 'Siri', from: 'operational', to: 'partial_outage', at: t(0), reason: 'depends on ChatGPT API (major outage)', reasonText: JSON.stringify(reason) } },
    action: 'update', locale: 'fr', page, now: t(0),
  });
  assert.match(change.text, /dépend de ChatGPT API \(panne majeure\)/);
  const name = text('titleDown', { service: 'Meta', components: { list: ['Facebook', 'WhatsApp'] } });
  const body = text('resolvedAuto', { time: { time: t(100) } });
  const inc = buildMessage({
    event: { id: 2, createdAt: t(0), kind: 'incident', subject: 'incident:x', componentIds: [], at: t(0), payload: { incidentId: 'x', kind: 'incident', name: 'Meta: Facebook and WhatsApp unavailable', nameText: JSON.stringify(name), status: 'resolved', impact: 'major', createdAt: t(0), updatedAt: t(0), resolvedAt: t(0), scheduledFor: null, scheduledUntil: null, update: { id: 'u', status: 'resolved', body: 'All affected…', bodyText: JSON.stringify(body), at: t(100) }, updates: [], components: [] } },
    action: 'update', locale: 'fr', page, now: t(0),
  });
  assert.match(inc.title, /Meta : Facebook et WhatsApp indisponibles/);
  assert.match(inc.text, /Tous les composants touchés sont opérationnels depuis 22:25 UTC/);
});
