// The public side over real HTTP: the page in both languages (Accept-Language, cookie, ?lang=), escaping,
// incident pages, feeds read by a real feed parser, shields-style badges, the widget, ETag/304, gzip and
// brotli of the same bytes, cache headers, and live updates by Server-Sent Events.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import Parser from 'rss-parser';
import { request } from 'undici';
import { fromAcceptLanguage } from '../src/i18n/index.js';
import { pickEncoding } from '../src/web/server.js';
import { badgeSvg } from '../src/web/routes/badges.js';
import { startSite } from './web-helpers.js';
import { waitFor } from './helpers/wait.js';

test('language and encoding negotiation', () => {
  assert.equal(fromAcceptLanguage('fr-FR,fr;q=0.9,en;q=0.8'), 'fr');
  assert.equal(fromAcceptLanguage('de-DE, en;q=0.5, fr;q=0.7'), 'fr');
  assert.equal(fromAcceptLanguage('de'), undefined);
  assert.equal(pickEncoding('gzip, deflate, br'), 'br');
  assert.equal(pickEncoding('gzip, br;q=0'), 'gzip');
  assert.equal(pickEncoding(undefined), 'identity');
  assert.equal(pickEncoding('identity'), 'identity');
});

test('badges are well-formed SVG with escaped text', () => {
  const svg = badgeSvg('a<b', 'x&"y', '#4c1');
  assert.equal(XMLValidator.validate(svg), true);
  assert.ok(!svg.includes('a<b'));
  const doc = new XMLParser({ ignoreAttributes: false }).parse(svg);
  assert.equal(doc.svg['@_height'], '20');
  assert.equal(doc.svg.title, 'a<b: x&"y');
});

test('public page, feeds, badges, widget, caching and live updates', { timeout: 90_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'vigie-web-'));
  const site = await startSite(dir);
  const sse = new AbortController();
  try {
    const { base } = site;
    const get = async (path: string, headers: Record<string, string> = {}) => {
      const r = await request(`${base}${path}`, { headers });
      const body = Buffer.from(await r.body.arrayBuffer());
      return { status: r.statusCode, headers: r.headers, body, text: body.toString('utf8') };
    };
    await waitFor('vendor reading', async () => (await get('/')).text.includes('data-vendor="operational"'));

    // The page: English by default, French by Accept-Language, by cookie and by ?lang= (which sets the cookie).
    let r = await get('/');
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-type']), /^text\/html/);
    assert.match(r.text, /<html lang="en"/);
    assert.match(r.text, /All Systems Operational/);
    assert.match(String(r.headers.vary), /accept-language/);
    assert.match(String(r.headers['cache-control']), /public, max-age=\d+/);
    assert.match(String(r.headers['content-security-policy']), /default-src 'none'/);
    assert.ok(r.text.includes('Web &lt;b>app&lt;/b>') || r.text.includes('Web &lt;b&gt;app&lt;/b&gt;'), 'names are escaped');
    assert.ok(!r.text.includes('<b>app</b>'));
    assert.ok(r.text.includes('Acme &lt;status> &amp; co') || r.text.includes('Acme &lt;status&gt; &amp; co'));
    assert.match(r.text, /<main id="main">/);
    assert.match(r.text, /<h3 class="group">Frontend<\/h3>/);
    assert.match(r.text, /data-region="us"/);
    assert.match(r.text, /class="bars" role="img"/);
    assert.match(r.text, /Official status: <strong>All Systems Operational<\/strong>/);
    assert.match(r.text, /href="\/services\/acme\/reports"/, 'the crowd-report link stays');
    assert.doesNotMatch(r.text, /action="\/subscriptions"/, 'no e-mail channel here: no subscription form (it would answer 404)');
    assert.ok(!/\s(src|href)="https?:\/\/(?!127\.0\.0\.1)/.test(r.text), 'nothing from another origin');
    const fr = await get('/', { 'accept-language': 'fr-FR,fr;q=0.9,en;q=0.5' });
    assert.match(fr.text, /<html lang="fr"/);
    assert.match(fr.text, /Tous les systèmes sont opérationnels/);
    assert.notEqual(fr.headers.etag, r.headers.etag);
    assert.match((await get('/', { cookie: 'lang=fr' })).text, /<html lang="fr"/);
    const q = await get('/?lang=fr', { 'accept-language': 'en' });
    assert.match(q.text, /<html lang="fr"/);
    assert.match(String(q.headers['set-cookie']), /^lang=fr; Path=\/; Max-Age=\d+; SameSite=Lax/);
    assert.match((await get('/?lang=en', { cookie: 'lang=fr' })).text, /<html lang="en"/);

    // Conditional requests and compression: the same bytes three ways, each with its own validator.
    const gz = await get('/', { 'accept-encoding': 'gzip' });
    const br = await get('/', { 'accept-encoding': 'gzip, br' });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.equal(br.headers['content-encoding'], 'br');
    // A publish may land between two requests (the minute's bars, a check): then the validator moved
    // and the round is asked again, a few times at most; with a validator that did not move, every
    // answer below must hold.
    for (let round = 1; ; round++) {
      const plain = await get('/api/v2/summary.json');
      const brJson = await get('/api/v2/summary.json', { 'accept-encoding': 'br' });
      const gzJson = await get('/api/v2/summary.json', { 'accept-encoding': 'gzip' });
      const conditional = [];
      for (const etag of [plain.headers.etag, brJson.headers.etag, `W/${plain.headers.etag}`]) {
        conditional.push(await get('/api/v2/summary.json', { 'if-none-match': String(etag), 'accept-encoding': 'br' }));
      }
      const moved = (await get('/api/v2/summary.json')).headers.etag !== plain.headers.etag;
      if (moved && round < 5) continue;
      assert.deepEqual(brotliDecompressSync(brJson.body), plain.body);
      assert.deepEqual(gunzipSync(gzJson.body), plain.body);
      assert.notEqual(brJson.headers.etag, plain.headers.etag);
      for (const nm of conditional) {
        assert.equal(nm.status, 304);
        assert.equal(nm.body.length, 0);
        assert.equal(nm.headers.etag, brJson.headers.etag);
      }
      break;
    }
    assert.equal((await get('/api/v2/summary.json', { 'if-none-match': '"nope"' })).status, 200);
    for (let round = 1; ; round++) {
      const page = await get('/', { 'accept-encoding': 'gzip, br' });
      const again = await get('/', { 'if-none-match': String(page.headers.etag), 'accept-encoding': 'br' });
      const moved = (await get('/', { 'accept-encoding': 'gzip, br' })).headers.etag !== page.headers.etag;
      if (moved && round < 5) continue;
      assert.equal(again.status, 304);
      break;
    }

    // An incident: its own page in both languages, in the history, the feeds and the badges.
    const inc = await site.admin('POST', '/incidents', { name: 'Login <failures>', body: 'People cannot log in. <img src=x onerror=alert(1)>', impact: 'major', cause: 'software_bug', components: { 'acme/web': 'partial_outage' } });
    await waitFor('incident on the page', async () => (await get('/')).text.includes(`/incidents/${inc.id}`));
    r = await get(`/incidents/${inc.id}`);
    assert.equal(r.status, 200);
    assert.match(r.text, /Login &lt;failures>|Login &lt;failures&gt;/);
    assert.ok(!r.text.includes('<img'), 'raw HTML in a body is shown as text');
    assert.match(r.text, /Software bug/);
    assert.match(r.text, /Time to detect/);
    assert.match(r.text, /Vendor acknowledgement lag/);
    assert.match((await get(`/incidents/${inc.id}?lang=fr`)).text, /Bogue logiciel/);
    assert.equal((await get('/incidents/nope')).status, 404);
    assert.match((await get('/history')).text, new RegExp(`/incidents/${inc.id}`));

    const parser = new Parser();
    for (const [path, type] of [['/history.atom', /^application\/atom\+xml/], ['/history.rss', /^application\/rss\+xml/]] as const) {
      const f = await get(path);
      assert.equal(f.status, 200);
      assert.match(String(f.headers['content-type']), type);
      assert.equal(XMLValidator.validate(f.text), true, path);
      const feed = await parser.parseString(f.text);
      assert.equal(feed.title, 'Acme <status> & co: incident history');
      assert.equal(feed.items.length, 1);
      assert.equal(feed.items[0]!.title, 'Login <failures>');
      assert.equal(feed.items[0]!.link, `${base}/incidents/${inc.id}`);
      assert.match(String(feed.items[0]!.content), /People cannot log in\. &lt;img/);
      assert.ok(!Number.isNaN(Date.parse(String(feed.items[0]!.isoDate))));
    }
    assert.match((await parser.parseString((await get('/history.atom?lang=fr')).text)).title ?? '', /historique des incidents/);

    for (const path of ['/badge/status.svg', '/uptime.svg', '/badge/acme/status.svg', '/badge/acme/web/status.svg', '/badge/acme/api/uptime.svg']) {
      const b = await get(path);
      assert.equal(b.status, 200, path);
      assert.match(String(b.headers['content-type']), /^image\/svg\+xml/);
      assert.equal(XMLValidator.validate(b.text), true, path);
      assert.match(b.text, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="\d+" height="20" role="img" aria-label="/);
    }
    assert.equal((await get('/badge/nope/status.svg')).status, 404);

    const w = await get('/widget.js');
    assert.match(String(w.headers['content-type']), /^text\/javascript/);
    assert.ok(!w.text.includes('<status>'), 'the title is escaped inside the script');
    assert.match(w.text, /\\u003cstatus>/);
    const wp = await get('/widget?lang=fr');
    assert.match(wp.text, /Acme &lt;status&gt; &amp; co/);
    assert.match(String(wp.headers['content-security-policy']), /frame-ancestors \*/);

    // Live: a stream, then a status change; the stream announces the new state, and the page has it.
    const events = await request(`${base}/events`, { signal: sse.signal });
    assert.equal(events.statusCode, 200);
    assert.match(String(events.headers['content-type']), /^text\/event-stream/);
    const seen: string[] = [];
    (async () => {
      for await (const chunk of events.body) seen.push(...String(chunk).split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)));
    })().catch(() => {});
    await waitFor('the current state on connect', () => seen.length >= 1);
    const before = seen.at(-1);
    site.failing.add('us').add('eu');
    await waitFor('a new state announced', () => seen.length >= 2 && seen.at(-1) !== before, 20_000);
    await waitFor('the page follows', async () => (await get('/')).text.includes('data-silent-vendor="acme"'), 20_000);
    const page = (await get('/')).text;
    assert.match(page, /is observed failing, but its official status page still says all is well/);
    assert.match(page, new RegExp(`data-state="${seen.at(-1)}"`));
    await waitFor('the badge follows', async () => /aria-label="Acme API: major outage"/.test((await get('/badge/acme/api/status.svg')).text), 20_000);
  } finally {
    sse.abort();
    await site.close();
    await rm(dir, { recursive: true, force: true });
  }
});
