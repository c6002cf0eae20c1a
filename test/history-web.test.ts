// The history pages and API over real HTTP, on both engines: a Vigie whose store holds the 2024
// ChatGPT outages of the demo, a Siri integration that depends on ChatGPT, and Meta the same evening.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { request } from 'undici';
import { forEachEngine } from './helpers/engines.js';
import { historySite as site } from './helpers/history-site.js';
import { incident } from './helpers/history.js';
import { waitFor } from './helpers/wait.js';
import { IncidentStore } from '../src/store/incidents.js';

const get = async (url: string, headers: Record<string, string> = {}) => {
  const r = await request(url, { headers });
  return { status: r.statusCode, type: String(r.headers['content-type']), csp: String(r.headers['content-security-policy'] ?? ''), text: await r.body.text() };
};

forEachEngine('the service history page, its API and exports, in English and French', async (engine) => {
  const { vigie, base } = await site(engine);
  try {
    const en = await get(`${base}/services/chatgpt/history?lang=en`);
    assert.equal(en.status, 200);
    assert.match(en.type, /text\/html/);
    assert.match(en.text, /<html lang="en"/);
    assert.match(en.text, /Last outage of ChatGPT: 5 h 30 min ago, it lasted 3 h 15 min; 2 outages in the last 30 days \(2 major\)\./);
    assert.match(en.text, /<svg class="chart"[^>]*role="img"/);
    assert.match(en.text, /data-date="2024-12-11" data-status="major_outage"/);
    assert.match(en.text, /data-date="2024-06-04" data-status="major_outage"/);
    assert.match(en.text, /Integrations affected downstream: Siri/);
    assert.match(en.text, /Vendor acknowledgement: OpenAI/);
    assert.match(en.text, /Meta, ChatGPT and Siri down at the same time/);
    assert.match(en.text, /Siri depends on ChatGPT: the ChatGPT outage is the likely cause\./);
    // The page's own stylesheet is allowed by its CSP; no script beyond the live one.
    assert.match(en.csp, /style-src 'sha256-[^']+' 'sha256-[^']+'/);
    const fr = await get(`${base}/services/chatgpt/history`, { 'accept-language': 'fr-FR,fr;q=0.9' });
    assert.equal(fr.status, 200);
    assert.match(fr.text, /<html lang="fr"/);
    assert.match(fr.text, /Dernière panne de ChatGPT\u00a0: il y a 5 h 30 min, elle a duré 3 h 15 min\u202f; 2 pannes sur les 30 derniers jours \(dont 2 majeures\)\./);
    assert.match(fr.text, /Fiabilité/);

    // The dependent's page says why it was down.
    const siri = await get(`${base}/services/siri/history?lang=en`);
    assert.match(siri.text, /Depends on: <a[^>]*>ChatGPT<\/a>/);

    const json = JSON.parse((await get(`${base}/api/services/chatgpt/history.json`)).text);
    assert.equal(json.service.id, 'chatgpt');
    assert.equal(json.time_zone, 'UTC');
    const w30 = json.report.windows.find((w: { days: number }) => w.days === 30);
    assert.equal(w30.outages, 2);
    // 6 h 02 min on 11–12 Dec and 3 h 15 min on 26 Dec, all major.
    assert.equal(w30.major_ms, (6 * 60 + 2 + 3 * 60 + 15) * 60_000);
    assert.equal(json.report.slo.state, 'breached');
    assert.equal(json.outages[0].id, 'us1226');
    assert.equal(json.outages[0].sentence.en, 'Second major outage of ChatGPT this month; the last one, 14 days ago, lasted 6 h 02 min.');
    assert.equal(json.outages[0].sentence.fr, 'Deuxième panne majeure de ChatGPT ce mois-ci\u202f; la dernière, il y a 14 jours, a duré 6 h 02 min.');
    assert.equal(json.honesty.vendor, 'openai');
    assert.equal(json.honesty.observed, 4);
    assert.equal(json.honesty.acknowledged, 4);
    assert.deepEqual(json.dependents.map((d: { service_id: string }) => d.service_id), ['siri']);

    const csv = await get(`${base}/api/services/chatgpt/outages.csv`);
    assert.equal(csv.status, 200);
    assert.match(csv.type, /text\/csv/);
    const lines = csv.text.trim().split('\r\n');
    assert.equal(lines.length, 5);
    assert.match(lines[0]!, /^id,service,name,worst_status/);
    assert.match(lines[1]!, /^us1226,chatgpt,/);
    const all = JSON.parse((await get(`${base}/api/outages.json`)).text);
    assert.equal(all.outages.length, 6);

    // The incident page carries the sentence and who is hit downstream; the Atom feed the figures.
    const inc = await get(`${base}/incidents/us1226?lang=en`);
    assert.match(inc.text, /Second major outage of ChatGPT this month; the last one, 14 days ago, lasted 6 h 02 min\./);
    const dec11 = await get(`${base}/incidents/chatgpt-20241211?lang=fr`);
    assert.match(dec11.text, /Intégrations touchées en aval[\u00a0\u202f]?: Siri/);
    const siriInc = await get(`${base}/incidents/siri1211?lang=en`);
    assert.match(siriInc.text, /ChatGPT is having an outage at the same time: it is the likely reason\./);
    const atom = await get(`${base}/history.atom?lang=en`);
    assert.match(atom.text, /Time to detect: 3 min · Vendor acknowledgement lag: 2 h 35 min · Duration: 3 h 15 min/);
    assert.match(atom.text, /Second major outage of ChatGPT this month/);

    // Every service on one axis, and the groups.
    const tl = await get(`${base}/outages?from=2024-12-11T20:00:00Z&to=2024-12-12T06:00:00Z&lang=en`);
    assert.equal(tl.status, 200);
    assert.match(tl.text, /data-service="meta"/);
    assert.match(tl.text, /data-service="siri"/);
    const groups = JSON.parse((await get(`${base}/api/outages/correlated.json`)).text).groups;
    assert.equal(groups.length, 1);
    assert.deepEqual(groups[0].services.map((s: { service_id: string }) => s.service_id), ['meta', 'chatgpt', 'siri']);
    const honesty = JSON.parse((await get(`${base}/api/vendors/honesty.json`)).text).vendors;
    // All four acknowledged, median lag 13 min 30 s (within 15 min), the page never read: (50 + 30) / 80 × 100.
    assert.equal(honesty[0].score, 100);
    assert.equal(honesty[0].grade, 'A');
    // The status page links to the history.
    assert.match((await get(`${base}/?lang=en`)).text, /href="\/services\/chatgpt\/history\?lang=en"/);
    assert.doesNotMatch((await get(`${base}/?lang=en`)).text, /data-upstream=/);

    // ChatGPT down now: Siri's place on the status page and its history page say why.
    const now = incident({ id: 'now', service: 'chatgpt', components: { 'chatgpt/api': 'major_outage' }, start: '2024-12-26T23:30:00Z' });
    const { id, components, updates, ...create } = now;
    await new IncidentStore(vigie.store).write({ id, create, components, update: { ...updates[0]!, author: 'vigie' } });
    await vigie.publish();
    // The history pages reload what the store says at most every few seconds: wait for it.
    await waitFor('the Siri history page to see the ChatGPT outage', async () => /Siri dépend de ChatGPT, en panne en ce moment\./.test((await get(`${base}/services/siri/history?lang=fr`)).text));
    const page = (await get(`${base}/?lang=en`)).text;
    assert.match(page, /<p class="warn" data-upstream="chatgpt">Siri depends on ChatGPT, which is having an outage now\.<\/p>/);
    assert.equal(page.match(/data-upstream=/g)!.length, 1);
  } finally {
    await vigie.stop();
  }
});

test('hostile parameters get 4xx, never 5xx', async () => {
  const { vigie, base } = await site({ options: { path: ':memory:' } });
  try {
    const cases = [
      '/services/nope/history',
      '/services/..%2f..%2fetc/history',
      `/services/${'a'.repeat(500)}/history`,
      '/services/chatgpt/history?lang=xx',
      '/services/%00/history',
      '/api/services/nope/history.json',
      '/api/services/NOPE/outages.csv',
      '/outages?from=yesterday',
      '/outages?from=2024-12-11T20:00:00Z&to=2024-12-11T20:05:00Z',
      '/outages?from=2024-01-01&to=2024-12-31',
      '/outages?to=2024-12-11T20:00:00Z&from=2024-12-12T20:00:00Z',
      `/outages?from=${'9'.repeat(60)}`,
      '/outages?from=275760-09-13T00:00:00Z',
      '/api/outages/correlated.json?from=2024-13-45',
      '/api/outages/correlated.json?to=%3Cscript%3E',
    ];
    for (const path of cases) {
      const r = await get(base + path);
      assert.ok(r.status >= 400 && r.status < 500, `${path}: ${r.status} ${r.text.slice(0, 200)}`);
    }
    const bad = JSON.parse((await get(`${base}/outages?from=yesterday`)).text);
    assert.equal(bad.field, 'from');
  } finally {
    await vigie.stop();
  }
});
