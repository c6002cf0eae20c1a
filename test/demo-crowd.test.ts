// The demo's crowd: the scenario's reports per minute go through Vigie's real report intake, so the
// reports page shows the surge, the crowd level rises and the main page draws each service's sparkline.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pino } from 'pino';
import { request } from 'undici';
import { CrowdPlayer, simulatedAddress } from '../src/demo/crowd.js';
import { startDemo } from '../src/demo/demo.js';
import { networkPrefix } from '../src/signals/reports/identity.js';
import { loadScenario } from '../src/demo/scenario.js';
import { waitFor } from './helpers/wait.js';

const T = (s: string) => Date.parse(s);
const SPEED = 200;

test('the crowd player sends what the scenario says, minute by minute, each report from its own network', async () => {
  const s = loadScenario('correlated-evening');
  const sent: { service: string; region: string }[] = [];
  const cats: string[] = [];
  const p = new CrowdPlayer(s, async (service, input) => (sent.push({ service, region: input.region }), cats.push(input.category), { ok: true, counted: true }), () => ['website', 'app', 'login', 'api']);
  // 23:10–23:11: 1,600 a minute for ChatGPT over three regions (fractions carried to the next step).
  await p.play(T('2024-12-11T23:10:00Z'), T('2024-12-11T23:11:00Z'));
  const chatgpt = sent.filter((x) => x.service === 'chatgpt').length;
  assert.ok(chatgpt >= 1597 && chatgpt <= 1600, `chatgpt sent ${chatgpt}`);
  assert.deepEqual(new Set(sent.map((x) => x.region)), new Set(['us', 'eu', 'asia']));
  assert.equal(sent.filter((x) => x.service === 'siri').length, 0, 'no reports where the scenario has none');
  assert.equal(p.totals.accepted, sent.length);
  for (const c of ['app', 'login', 'api']) assert.ok(cats.filter((x) => x === c).length > sent.length / 8, `category ${c} is reported too`);
  assert.ok(cats.filter((x) => x === 'website').length >= sent.length / 2 - 1, 'half report the obvious symptom');
  // Distinct /24 per simulated person: the intake's prefix caps hold without silencing the crowd.
  assert.notEqual(networkPrefix(simulatedAddress(1)), networkPrefix(simulatedAddress(2)));
  // Faster than the machine can send: thinned evenly, and said so.
  const fast = new CrowdPlayer(s, async () => ({ ok: true, counted: true }), () => ['website'], 60_000, 100);
  await fast.play(T('2024-12-11T23:10:00Z'), T('2024-12-11T23:20:00Z'));
  assert.ok(fast.totals.thinned > 0 && fast.totals.sent <= 1000, `sent ${fast.totals.sent}, thinned ${fast.totals.thinned}`);
});

test('during the demo ChatGPT outage the reports page shows the surge and the crowd level rises', { timeout: 300_000 }, async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'vigie-demo-crowd-'));
  // 200×: a real second is 3 scenario minutes. Faster, a loaded machine sends so thinned a sample of the
  // surge (a step that comes while the last is still being sent is dropped whole) that the level can stay "none".
  const demo = await startDemo({ scenario: 'correlated-evening', speed: SPEED, intervalMs: 60_000, port: 0, dataDir, logger: pino({ level: 'silent' }), out: () => {} });
  try {
    // The level is sampled all along: it must rise during the outage (how long it stays up is the signal's business).
    const seen = new Set<string>();
    // An hour and more into the outage the surge is still judged against the usual volume (the demo seeds two
    // weeks of it): it used to be learned as usual within the hour and read "no evidence" from 00:05.
    const late = new Set<string>();
    await waitFor('scenario time an hour and a half into the ChatGPT outage', () => {
      const now = demo.clock.now();
      if (now >= T('2024-12-11T23:09:00Z')) seen.add(demo.vigie.reports.level('chatgpt'));
      if (now >= T('2024-12-12T00:15:00Z')) late.add(demo.vigie.reports.level('chatgpt'));
      return now >= T('2024-12-12T00:40:00Z');
    }, ((T('2024-12-12T00:40:00Z') - T('2024-12-11T20:45:00Z')) / SPEED) * 2 + 30_000, 20);
    assert.deepEqual([...late], ['detected'], `the crowd level from 00:15 to 00:40 (still hundreds of reports a minute)`);
    await demo.crowd.idle();
    const v = demo.vigie.reports.view('chatgpt')!;
    assert.ok(v.lastHour > 500, `reports in the last hour: ${v.lastHour}`);
    assert.ok(seen.has('detected'), `the crowd level rose to detected during the outage (seen: ${[...seen].join(', ')})`);
    assert.ok(demo.crowd.totals.counted > 500, `counted ${demo.crowd.totals.counted}`);
    const json = (await (await request(`${demo.url}/api/services/chatgpt/reports`)).body.json()) as { lastHour?: number; last_hour?: number };
    assert.ok((json.lastHour ?? json.last_hour ?? 0) > 500, `reports API: ${JSON.stringify(json).slice(0, 200)}`);
    const page = await waitFor('the sparkline on the main page', async () => {
      const html = await (await request(`${demo.url}/`)).body.text();
      const m = /data-crowd="chatgpt" data-crowd-level="(\w+)" data-crowd-last-hour="(\d+)"/.exec(html);
      return m && Number(m[2]) > 500 ? html : undefined;
    }, 20_000, 200);
    assert.match(page, /<svg[^>]*role="img"[^>]*aria-label="Crowd reports, last hour: \d+/);
  } finally {
    await demo.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
});
