// Crowd report intake through the real HTTP API, on both store engines: acceptance, every
// rejection with its reason, dedup per window, the prefix cap, rate limits, the form, moderation.
import assert from 'node:assert/strict';
import { request } from 'undici';
import { createVigie } from '../src/app.js';
import { solvePow } from '../src/signals/reports/pow.js';
import { countReports } from '../src/store/reports.js';
import { forEachEngine } from './helpers/engines.js';
import { MODERATOR, challenge, report, reportsConfig } from './reports-helpers.js';

forEachEngine('crowd reports over HTTP: accepted, refused with reasons, deduplicated, capped per prefix', async (engine) => {
  const vigie = await createVigie({ config: reportsConfig(engine.options.path ? { path: engine.options.path } : {}), ...(engine.options.url ? { databaseUrl: engine.options.url } : {}) });
  try {
    const base = await vigie.start();
    const ch = await challenge(base);
    assert.equal(ch.difficulty, 6);
    let accepted = 0;

    const first = await report(base, ch, '198.51.100.7', { category: 'login', region: 'europe' });
    assert.equal(first.status, 202, JSON.stringify(first.body));
    assert.equal(first.body.accepted, true);
    assert.equal(first.body.counted, true);
    accepted++;

    // The same reporter again within the window: one counted report per reporter per service per window.
    const dup = await report(base, ch, '198.51.100.7', { category: 'app' });
    assert.equal(dup.status, 409);
    assert.equal(dup.body.error, 'duplicate');
    assert.ok(Number(dup.headers['retry-after']) > 0);
    // A different user agent on the same address is a different reporter.
    assert.equal((await report(base, ch, '198.51.100.7', { category: 'app' }, { ua: 'other-agent' })).status, 202);
    accepted++;

    // Refusals, each with its reason.
    const expectRefusal = async (p: Promise<{ status: number; body: { error?: string; accepted: boolean } }>, status: number, reason: string) => {
      const r = await p;
      assert.equal(r.status, status, `${reason}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error, reason);
      assert.equal(r.body.accepted, false);
    };
    await expectRefusal(report(base, ch, '192.0.2.1', { category: 'teleport' }), 400, 'invalid_category');
    await expectRefusal(report(base, ch, '192.0.2.2', { category: 'login', comment: 'x'.repeat(41) }), 400, 'comment_too_long');
    await expectRefusal(report(base, ch, '192.0.2.3', { category: 'login', region: 'Not A Region!' }), 400, 'invalid_region');
    await expectRefusal(report(base, ch, '192.0.2.4', { category: 'login' }, { pow: null }), 400, 'pow_missing');
    await expectRefusal(report(base, ch, '192.0.2.5', { category: 'login' }, { pow: { challenge: 'c1.1.forged', nonce: '1' } }), 403, 'pow_invalid');
    let weak = 0;
    const { leadingZeroBits, powDigest } = await import('../src/signals/reports/pow.js');
    while (leadingZeroBits(powDigest(ch.challenge, 'acme', String(weak))) >= 6) weak++;
    await expectRefusal(report(base, ch, '192.0.2.6', { category: 'login' }, { pow: { challenge: ch.challenge, nonce: String(weak) } }), 403, 'pow_invalid');
    const spent = { challenge: ch.challenge, nonce: solvePow(ch.challenge, 'acme', 6, 9_000_000) };
    assert.equal((await report(base, ch, '192.0.2.7', { category: 'login' }, { pow: spent })).status, 202);
    accepted++;
    await expectRefusal(report(base, ch, '192.0.2.8', { category: 'login' }, { pow: spent }), 403, 'pow_reused');
    await expectRefusal(report(base, ch, '192.0.2.9', { category: 'login' }, { service: 'nope' }), 404, 'unknown_service');
    await expectRefusal(report(base, ch, '192.0.2.10', { category: 'login' }, { service: 'quiet' }), 404, 'reports_disabled');
    const badJson = await request(`${base}/api/services/acme/reports`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"category":' });
    assert.equal(badJson.statusCode, 400);
    assert.equal(((await badJson.body.json()) as { error: string }).error, 'invalid_body');

    // Prefix cap: a third reporter from the same /24 is stored but not counted.
    const capped = [];
    for (const ip of ['203.0.113.10', '203.0.113.11', '203.0.113.12']) capped.push(await report(base, ch, ip, { category: 'website' }));
    assert.deepEqual(capped.map((c) => [c.status, c.body.counted]), [[202, true], [202, true], [202, false]]);
    accepted += 3;

    // Rate limit per reporter: 5 attempts a minute, whatever their outcome.
    const hammer = [];
    for (let i = 0; i < 6; i++) hammer.push((await report(base, ch, '100.64.9.9', { category: 'api' }, { ua: 'hammer' })).body.error ?? 'accepted');
    assert.deepEqual(hammer, ['accepted', 'duplicate', 'duplicate', 'duplicate', 'duplicate', 'rate_limited_reporter']);
    accepted++;
    // Rate limit per prefix: 8 attempts a minute from one /24, whoever makes them.
    const prefix = [];
    for (let i = 0; i < 9; i++) prefix.push((await report(base, ch, `100.65.1.${i + 1}`, { category: 'api' })).status);
    assert.deepEqual(prefix, [202, 202, 202, 202, 202, 202, 202, 202, 429]);
    accepted += 8;

    // Acknowledged means stored; the store never sees an address.
    assert.equal(await countReports(vigie.store.db), accepted);
    const rows = await vigie.store.db.selectFrom('reports').selectAll().execute();
    assert.ok(rows.every((r) => /^[0-9a-f]{32}$/.test(r.reporter) && /^[0-9a-f]{16}$/.test(r.prefix)));
    assert.ok(!JSON.stringify(rows).includes('198.51.100.7') && !JSON.stringify(rows).includes('203.0.113'));

    // The JSON view: counted reports, categories, rejections by reason.
    const view = (await (await request(`${base}/api/services/acme/reports`)).body.json()) as {
      level: string;
      last_hour: number;
      categories: { category: string; last_hour: number }[];
      rejected: Record<string, number>;
      series: { counts: number[]; step_ms: number };
    };
    assert.equal(view.level, 'none');
    assert.equal(view.last_hour, accepted - 1 - 6, 'every accepted report counts but those over their prefix cap (one /24 above, six of the eight here)');
    assert.equal(view.categories[0]?.category, 'api');
    assert.equal(view.rejected.duplicate, 5);
    assert.equal(view.rejected.rate_limited_reporter, 1);
    assert.equal(view.rejected.rate_limited_prefix, 1);
    assert.equal(view.rejected.pow_invalid, 2);
    assert.equal(view.rejected.invalid_body, 1);
    assert.equal(view.series.counts.length, 1440);
    assert.equal(view.series.step_ms, 60_000);

    // The form: works without JavaScript, needs the page's token, answers with a redirect or the reason.
    const page = await request(`${base}/services/acme/reports`, { headers: { 'x-forwarded-for': '192.0.2.50', 'user-agent': 'browser' } });
    assert.equal(page.statusCode, 200);
    const html = await page.body.text();
    assert.match(html, /<svg class="chart"/);
    assert.match(html, /Most reported problems/);
    assert.match(html, /No evidence of problems/);
    const token = /name="token" value="([^"]+)"/.exec(html)?.[1];
    assert.ok(token && token.startsWith('f1.'));
    const form = (ip: string, body: string) =>
      request(`${base}/services/acme/reports`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': ip, 'user-agent': 'browser' }, body });
    const secret = 'my <b>secret</b> outage note';
    const posted = await form('192.0.2.50', new URLSearchParams({ token, category: 'errors', region: 'asia', comment: secret }).toString());
    assert.equal(posted.statusCode, 303);
    assert.equal(posted.headers.location, '/services/acme/reports?thanks=held');
    await posted.body.dump();
    accepted++;
    const stolen = await form('192.0.2.51', new URLSearchParams({ token, category: 'errors' }).toString());
    assert.equal(stolen.statusCode, 403, 'a token is bound to the reporter it was issued to');
    assert.match(await stolen.body.text(), /Not recorded: the form token is not valid/);

    // Comments are held: not on the page until a moderator approves them.
    assert.doesNotMatch(await (await request(`${base}/services/acme/reports`)).body.text(), /secret/);
    assert.equal((await request(`${base}/api/reports/comments`)).statusCode, 401);
    const queue = (await (await request(`${base}/api/reports/comments?status=pending`, { headers: { authorization: `Bearer ${MODERATOR}` } })).body.json()) as { comments: { id: number; comment: string }[] };
    assert.equal(queue.comments.length, 1);
    assert.equal(queue.comments[0]!.comment, secret);
    const approve = await request(`${base}/api/reports/comments/${queue.comments[0]!.id}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MODERATOR}`, 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'approved' }),
    });
    assert.equal(approve.statusCode, 200);
    await approve.body.dump();
    const shown = await (await request(`${base}/services/acme/reports`)).body.text();
    assert.match(shown, /my &lt;b>secret&lt;\/b> outage note/, 'approved and escaped');

    // The status page links each service to its report page.
    assert.match(await (await request(`${base}/`)).body.text(), /href="\/services\/acme\/reports"/);
    assert.equal(await countReports(vigie.store.db), accepted);
  } finally {
    await vigie.stop();
  }
});
