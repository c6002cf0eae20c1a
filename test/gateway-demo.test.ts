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
