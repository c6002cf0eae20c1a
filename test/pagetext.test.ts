// The text a person reads, rendered from a snapshot of an outage with every kind of content: the French
// page has none of Vigie's English, no internal name leaks, updates come newest first and folded by
// minute everywhere, "Recent changes" is collapsed, day bars say why they are amber, the head has a
// description and absolute hreflang links, the subscribe form shows only when e-mail works, and
// notifications speak the subscriber's language. Then the same on a real server (favicon, Host header).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { request } from 'undici';
import { type Lang, LANGS } from '../src/i18n/index.js';
import { reasonText } from '../src/i18n/reasons.js';
import { buildMessage } from '../src/notify/messages.js';
import { buildResources, langKey } from '../src/web/routes/pages.js';
import { type Snapshot, buildSnapshot } from '../src/web/snapshot.js';
import { englishIn, readableText } from './helpers/english.js';
import { NOW, outageSnapshot } from './helpers/page-snapshot.js';
import { startSite } from './web-helpers.js';

const body = (r: { body: string | Buffer }) => (typeof r.body === 'string' ? r.body : r.body.toString('utf8'));

function render(s: Snapshot): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, r] of buildResources(s, { state: 'test' })) out.set(k, body(r));
  return out;
}

/** Every page, feed and widget a visitor can get in `lang`. */
function readable(res: Map<string, string>, lang: Lang): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of res) {
    if (!k.startsWith(`${lang}:`)) continue;
    // Feeds carry their entries' HTML escaped: unescape once to read it.
    const html = k.endsWith('.atom') || k.endsWith('.rss') ? v.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&') : v;
    out.set(k, readableText(html));
  }
  return out;
}

test('the French page, incident pages, history, feeds and widget show none of Vigie’s English', () => {
  const res = render(outageSnapshot());
  const fr = readable(res, 'fr');
  assert.ok(fr.size >= 9, 'every language-dependent resource is checked');
  for (const [k, text] of fr) assert.deepEqual(englishIn(text), [], `${k} has English`);
  // The scan finds English where there is some: the same content in English.
  const en = englishIn(readable(res, 'en').get('en:/')!);
  for (const w of ['failing in all', 'depends on', 'not all green', 'days without data', 'earlier changes', 'all checks passing']) assert.ok(en.includes(w), `${w} is found in ${JSON.stringify(en)}`);
});

test('no internal names in what a person reads: display names and translated statuses', () => {
  const res = render(outageSnapshot());
  for (const lang of LANGS) {
    for (const [k, text] of readable(res, lang)) {
      assert.doesNotMatch(text, /\b(chatgpt|siri|meta)\/[a-z]+/, `${k}: a component id`);
      assert.doesNotMatch(text, /\b(partial_outage|major_outage|degraded_performance|under_maintenance)\b/, `${k}: a status key`);
    }
  }
  const en = readable(res, 'en').get('en:/')!;
  assert.match(en, /depends on ChatGPT API \(partial outage\)/);
  assert.match(readable(res, 'fr').get('fr:/')!, /dépend de ChatGPT API \(panne partielle\)/);
  assert.match(readable(res, 'fr').get('fr:/incidents/inc-chatgpt')!, /2 régions sur 3/);
});

test('reasons: every one detection records is translated; unknown ones are not shown outside English', () => {
  const names = (id: string) => ({ 'chatgpt/api': 'ChatGPT API' })[id];
  const cases: Array<[string, string]> = [
    ['failing in all 3 regions', 'en échec dans les 3 régions'],
    ['failing', 'en échec'],
    ['failing in eu, us (2 of 3 regions)', 'en échec en eu et us (2 régions sur 3)'],
    ['failing in eu (1 of 3 regions)', 'en échec en eu (1 région sur 3)'],
    ['slow in asia, eu', 'lent en asia et eu'],
    ['all checks passing', 'toutes les vérifications passent'],
    ['depends on chatgpt/api (degraded)', 'dépend de ChatGPT API (performances dégradées)'],
    ['depends on chatgpt/api (major_outage)', 'dépend de ChatGPT API (panne majeure)'],
    ['scheduled maintenance', 'maintenance planifiée'],
  ];
  for (const [raw, want] of cases) assert.equal(reasonText('fr', raw, names), want, raw);
  assert.equal(reasonText('fr', 'something new', names), undefined);
  assert.equal(reasonText('en', 'something new', names), 'something new');
  assert.equal(reasonText('en', 'depends on other/thing (partial_outage)', names), undefined, 'an unnamed id is not shown');
  assert.equal(reasonText('en', '', names), undefined);
});

test('updates: newest first on the home page, the incident page and both feeds; one minute folded into one entry', () => {
  const s = outageSnapshot();
  assert.deepEqual(
    s.incidents.find((i) => i.id === 'inc-chatgpt')!.updates.map((u) => u.id),
    ['u4', 'u3', 'u2', 'u1'],
    'the snapshot (and so the v2 API) is newest first',
  );
  const res = render(s);
  const order = (text: string) => ['FOURTH', 'THIRD', 'SECOND', 'FIRST'].map((w) => text.indexOf(`${w}-503`));
  for (const key of ['/', '/incidents/inc-chatgpt', '/history.atom', '/history.rss']) {
    for (const lang of LANGS) {
      const pos = order(res.get(langKey(lang, key))!);
      assert.ok(pos.every((p) => p >= 0) && pos.every((p, i) => i === 0 || pos[i - 1]! < p), `${lang}${key}: newest first (${pos})`);
    }
  }
  const v2 = JSON.parse(res.get('/api/v2/incidents.json')!);
  assert.deepEqual(v2.incidents.find((i: any) => i.id === 'inc-chatgpt').incident_updates.map((u: any) => u.id), ['u4', 'u3', 'u2', 'u1']);
  // Two updates of one minute are one entry (one time shown), with both bodies.
  const page = res.get(langKey('en', '/incidents/inc-chatgpt'))!;
  const items = page.split('<ol class="updates">')[1]!.split('</ol>')[0]!.split('<li').slice(1);
  assert.equal(items.length, 3, 'four updates, two in one minute: three entries');
  assert.match(items[1]!, /THIRD-503[\s\S]*SECOND-503/);
  // Same display time, written later → shown first.
  const same = outageSnapshot();
  const inc = same.incidents.find((i) => i.id === 'inc-meta')!;
  const t = NOW - 3_600_000;
  const again = { ...same, incidents: [{ ...inc, updates: [{ id: 'a', status: 'identified', body: 'EARLY-WRITE', at: t, createdAt: t, affected: [] }, { id: 'b', status: 'monitoring', body: 'LATE-WRITE', at: t, createdAt: t + 1000, affected: [] }] }] };
  const html = render(rebuild(again)).get(langKey('en', '/incidents/inc-meta'))!;
  assert.ok(html.indexOf('LATE-WRITE') < html.indexOf('EARLY-WRITE'), 'same time: the later-written first');
  assert.match(html, /<strong>Monitoring<\/strong>/, 'the folded entry shows the newest status');
});

/** Rebuilds a snapshot from a modified one (ordering updates is the snapshot builder's job). */
function rebuild(s: Snapshot): Snapshot {
  return buildSnapshot({ title: s.title, baseUrl: s.baseUrl, now: s.now, services: s.services, changes: s.changes, incidents: s.incidents, maintenances: s.maintenances });
}

test('"Recent changes": the last five shown, the earlier ones folded in a <details> that needs no script', () => {
  const res = render(outageSnapshot());
  const html = res.get(langKey('en', '/'))!;
  const section = html.split('id="changes-title"')[1]!.split('</section>')[0]!;
  const [shown, folded] = section.split('<details id="changes-earlier">');
  assert.equal((shown!.match(/<li/g) ?? []).length, 5);
  assert.equal((folded!.match(/<li/g) ?? []).length, 7);
  assert.match(folded!, /<summary>7 earlier changes<\/summary>/);
  assert.match(res.get(langKey('fr', '/'))!, /<summary>7 changements plus anciens<\/summary>/);
});

test('day bars: an amber day says why (slow checks), the percentage covers the period, and days without data are counted', () => {
  const res = render(outageSnapshot());
  const html = res.get(langKey('en', '/'))!;
  const row = (id: string) => html.split(`<li data-component="${id}"`)[1]!.split('<li data-component=')[0]!;
  const app = row('chatgpt/app');
  const amber = [...app.matchAll(/<i class="b2" title="([^"]*)"/g)].map((m) => m[1]!);
  assert.equal(amber.length, 1);
  assert.match(amber[0]!, /100\s%\sup, 2880 checks, 0 failed, 12 slow · not all green: 12 slow checks/);
  assert.match(app, /100\s%\sup over the last 90 days · 30 days without data/);
  assert.match(app, /data-no-data-days="30"/);
  const api = row('chatgpt/api');
  // 60 days × 2880 checks, 880 failed today: over every check of the period.
  const pct = (Math.floor((1 - 880 / (60 * 2880)) * 100 * 100) / 100).toFixed(2);
  assert.ok(api.includes(`${pct}\u202f% up over the last 90 days`), pct);
  assert.match(res.get(langKey('fr', '/'))!, /pas entièrement vert : 12 vérifications lentes/);
});

test('head: a description, absolute hreflang links from base_url, none from a wildcard address', () => {
  const res = render(outageSnapshot({ baseUrl: 'https://status.example.org/' }));
  const html = res.get(langKey('fr', '/'))!;
  assert.match(html, /<meta name="description" content="Vigie demo : état en direct de Meta, ChatGPT et Siri[^"]*"/);
  assert.match(html, /<link rel="alternate" hreflang="en" href="https:\/\/status\.example\.org\/\?lang=en"\/>/);
  assert.match(html, /<link rel="alternate" hreflang="fr" href="https:\/\/status\.example\.org\/\?lang=fr"\/>/);
  assert.match(html, /<link rel="alternate" hreflang="x-default" href="https:\/\/status\.example\.org\/"\/>/);
  assert.match(res.get(langKey('en', '/incidents/inc-meta'))!, /hreflang="fr" href="https:\/\/status\.example\.org\/incidents\/inc-meta\?lang=fr"/);
  assert.doesNotMatch(html, /hreflang="[a-z-]+" href="\//, 'no relative hreflang');
  const wild = render(outageSnapshot({ baseUrl: 'http://0.0.0.0:8080' })).get(langKey('en', '/'))!;
  assert.doesNotMatch(wild, /<link rel="alternate" hreflang=/, 'no link to an address nobody can visit');
  assert.match(res.get('/favicon.ico')!, /^<svg /);
});

test('subscribe form: only when e-mail subscriptions work; no developer text on the public page', () => {
  const without = render(outageSnapshot());
  const withEmail = render(outageSnapshot({ emailSubscriptions: true }));
  for (const lang of LANGS) {
    assert.doesNotMatch(without.get(langKey(lang, '/'))!, /action="\/subscriptions"/);
    assert.match(withEmail.get(langKey(lang, '/'))!, /<form method="post" action="\/subscriptions">/);
    for (const r of [without, withEmail]) assert.doesNotMatch(r.get(langKey(lang, '/'))!, /\/api\/v1\/subscriptions|Webhook/i);
  }
});

test('notifications: French reasons with display names, translated impact; no ids or status keys', () => {
  const page = { id: 'p', title: 'Vigie demo', url: 'https://status.example.org', indicator: 'major', description: '', componentNames: new Map([['chatgpt/api', 'ChatGPT API']]) };
  const ev = {
    id: 1,
    kind: 'component_status',
    subject: 'siri/ext',
    componentIds: ['siri/ext'],
    at: NOW,
    createdAt: NOW,
    payload: { componentId: 'siri/ext', componentName: 'ChatGPT extension', serviceId: 'siri', serviceName: 'Siri', from: 'operational', to: 'partial_outage', at: NOW, reason: 'depends on chatgpt/api (partial_outage)' },
  } as any;
  const fr = buildMessage({ event: ev, action: 'alert' as any, locale: 'fr', page, now: NOW });
  assert.match(fr.text, /Motif\u202f: dépend de ChatGPT API \(panne partielle\)/);
  const en = buildMessage({ event: ev, action: 'alert' as any, locale: 'en', page, now: NOW });
  assert.match(en.text, /Reason: depends on ChatGPT API \(partial outage\)/);
  for (const m of [fr, en]) {
    const all = [m.title, m.text, ...m.facts.flat()].join('\n');
    assert.doesNotMatch(all, /chatgpt\/api|partial_outage/);
  }
  assert.deepEqual(englishIn([fr.title, fr.text, ...fr.facts.flat()].join('\n')), []);
  const inc = {
    ...ev,
    kind: 'incident_created',
    payload: { incidentId: 'i1', kind: 'incident', name: 'ChatGPT 503', status: 'investigating', impact: 'critical', components: [{ id: 'chatgpt/api', name: 'API', serviceName: 'ChatGPT' }, { id: 'chatgpt/web', name: 'Web', serviceName: 'ChatGPT' }], scheduledFor: null, scheduledUntil: null, update: { body: '503' } },
  };
  const m = buildMessage({ event: inc, action: 'alert' as any, locale: 'fr', page, now: NOW });
  assert.deepEqual(m.facts.find(([k]) => k === 'Impact'), ['Impact', 'Critique']);
  assert.match(m.text, /Concernés\u202f: ChatGPT API et ChatGPT Web/);
});

test('on a real server: favicon served, no form without e-mail, hreflang from the listening address whatever Host says', { timeout: 60_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'vigie-pagetext-'));
  const site = await startSite(dir);
  try {
    for (const p of ['/favicon.svg', '/favicon.ico']) {
      const r = await request(`${site.base}${p}`);
      assert.equal(r.statusCode, 200, p);
      assert.match(String(r.headers['content-type']), /^image\/svg\+xml/);
      assert.match(await r.body.text(), /<svg /);
    }
    const r = await request(`${site.base}/?lang=fr`, { headers: { host: 'evil.example' } });
    const html = await r.body.text();
    assert.equal(r.statusCode, 200);
    assert.ok(!html.includes('evil.example'), 'the Host header is never used for links');
    assert.ok(html.includes(`<link rel="alternate" hreflang="en" href="${site.base}/?lang=en"/>`), 'absolute, from the listening address');
    assert.doesNotMatch(html, /action="\/subscriptions"/, 'no e-mail channel: no form (it would answer 404)');
    assert.doesNotMatch(html, /POST \/api\/v1\/subscriptions/);
    assert.match(html, /<meta name="description" content="[^"]+"/);
    // The crowd-report page the French page links to is French too, and English by default.
    const reportsFr = await (await request(`${site.base}/services/acme/reports?lang=fr`)).body.text();
    assert.match(reportsFr, /<html lang="fr"/);
    assert.match(reportsFr, /Aucun signe de problème/);
    assert.deepEqual(englishIn(readableText(reportsFr).replaceAll('Acme <status> & co', '')), [], 'the site title aside');
    const reportsAccept = await (await request(`${site.base}/services/acme/reports`, { headers: { 'accept-language': 'fr-FR' } })).body.text();
    assert.match(reportsAccept, /<html lang="fr"/);
    assert.match(await (await request(`${site.base}/services/acme/reports`)).body.text(), /<html lang="en"[\s\S]*No evidence of problems/);
    // The pages answering subscription links and forms speak the reader's language.
    const badLink = await request(`${site.base}/subscriptions/confirm?token=1.AAAA&lang=fr`);
    assert.equal(badLink.statusCode, 400);
    const badHtml = await badLink.body.text();
    assert.match(badHtml, /<html lang="fr"[\s\S]*Lien non valide/);
    assert.deepEqual(englishIn(readableText(badHtml).replaceAll('Acme <status> & co', '')), []);
    const form = await request(`${site.base}/subscriptions`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'email=ann%40example.test&locale=fr' });
    const formHtml = await form.body.text();
    assert.equal(form.statusCode, 404, 'no e-mail channel here');
    assert.match(formHtml, /<html lang="fr"[\s\S]*Abonnement non enregistré/);
  } finally {
    await site.close();
    await rm(dir, { recursive: true, force: true });
  }
});
