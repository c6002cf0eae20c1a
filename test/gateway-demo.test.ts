// The demo's gateway piece: a client calling through a simulated ChatGPT API outage loses no request,
// and the move to the second provider and back is printed.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { it } from 'node:test';
import { pino } from 'pino';
import { publicId } from '../src/core/ids.js';
import { systemClock } from '../src/core/time.js';
import { startDemoGateway } from '../src/gateway/demo.js';
import { FakeVigie } from './gateway-fake.js';
import { until } from './gateway-setup.js';

it('demo gateway: requests keep succeeding through the simulated outage; failover and failback are printed', async (t) => {
  let simStatus = 200;
  const sim = createServer((_req, res) => res.writeHead(simStatus).end('{"status":"ok"}'));
  await new Promise<void>((r) => sim.listen(0, '127.0.0.1', () => r()));
  t.after(() => new Promise<void>((r) => (sim.closeAllConnections(), sim.close(() => r()))));
  const vigie = await new FakeVigie().start(publicId);
  t.after(() => vigie.stop());
  vigie.statuses.set('chatgpt/api', 'operational');
  const lines: string[] = [];
  const demo = await startDemoGateway({
    vigieUrl: vigie.url,
    simApiUrl: `http://127.0.0.1:${(sim.address() as AddressInfo).port}/us/api`,
    clock: systemClock,
    logger: pino({ level: 'silent' }),
    out: (l) => lines.push(l),
    everyMs: 20,
  });
  t.after(() => demo.stop());
  await until(() => (demo.counts.byUpstream.openai ?? 0) >= 3, 'traffic on OpenAI');
  // The outage starts before Vigie has seen it: the gateway retries on Mistral meanwhile.
  simStatus = 503;
  await until(() => (demo.counts.byUpstream.mistral ?? 0) >= 3, 'traffic on Mistral');
  vigie.statuses.set('chatgpt/api', 'major_outage');
  await until(() => lines.some((l) => /moved from OpenAI to Mistral/.test(l)), 'failover line', 15_000);
  simStatus = 200;
  vigie.statuses.set('chatgpt/api', 'operational');
  await until(() => lines.some((l) => /moved from Mistral to OpenAI/.test(l)), 'failback line', 20_000);
  assert.equal(demo.counts.failed, 0, demo.summary());
  assert.match(demo.summary(), /, 0 failed;/);
});

it('the demo’s page shows the gateway’s failover and failback, with the requests Mistral served and none failed', { timeout: 180_000 }, async (t) => {
  const { startDemo } = await import('../src/demo/demo.js');
  const { mkdtemp, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { request } = await import('undici');
  const dataDir = await mkdtemp(join(tmpdir(), 'vigie-demo-gw-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const lines: string[] = [];
  const demo = await startDemo({ scenario: 'correlated-evening', speed: 900, intervalMs: 60_000, port: 0, dataDir, gateway: true, logger: pino({ level: 'silent' }), out: (l) => lines.push(l) });
  t.after(() => demo.stop());
  await demo.ended;
  const page = async (lang: string) => (await request(`${demo.url}/?lang=${lang}`)).body.text();
  await until(async () => /API traffic moved back from Mistral to OpenAI/.test(await page('en')), 'the failback on the page', 30_000);
  const en = await page('en');
  assert.match(en, /API traffic moved from OpenAI to Mistral at \d\d:\d\d UTC \(route chat\); 0 failed requests/);
  const back = /during the failover, (\d+) requests? served and (\d+) failed/.exec(en);
  assert.ok(back, 'the failback says what happened during the failover');
  assert.ok(Number(back[1]) > 0, `${back[1]} requests served by Mistral`);
  assert.equal(back[2], '0');
  // One move each way through the whole outage: no flapping.
  assert.equal(en.match(/data-gateway-event="failover"/g)?.length, 1, en.match(/<li id="gateway-[^]*?<\/li>/g)?.join('\n'));
  assert.equal(en.match(/data-gateway-event="failback"/g)?.length, 1);
  const fr = await page('fr');
  assert.match(fr, /Trafic API basculé d’OpenAI vers Mistral/);
  assert.match(fr, /pendant la bascule, \d+ requêtes? servies? et 0 en échec/);
  await until(() => lines.some((l) => /^Gateway: \d+ chat requests through the gateway, 0 failed/.test(l)), 'the summary line');
});
