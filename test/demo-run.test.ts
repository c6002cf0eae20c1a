// The demo as a newcomer runs it, accelerated: simulated services in a child process, Vigie
// probing them over loopback. Order is checked strictly (nothing changes before its fault); times get
// a tolerance, because at this speed one real second of CPU stall is 5 scenario minutes. Exact
// detection times are checked in simulated time by the replay tests.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pino } from 'pino';
import { request } from 'undici';
import { startDemo } from '../src/demo/demo.js';
import { waitFor } from './helpers/wait.js';

const at = (hhmm: string, day = 11) => Date.parse(`2024-12-${day}T${hhmm}:00Z`);
/** Scenario minutes a change may lag its cause under a loaded machine. */
const SLACK = 30 * 60_000;

test('the correlated evening replays: Meta fails and recovers, then ChatGPT and Sora from 23:07, back region by region', { timeout: 300_000 }, async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'vigie-demo-'));
  const lines: string[] = [];
  const demo = await startDemo({
    scenario: 'correlated-evening',
    // Meta fails 5 scenario minutes after the start: at 900× that was a third of a real second, less than
    // Vigie's own start (its first publish) takes on a loaded machine, so its first checks came late.
    speed: 300,
    intervalMs: 60_000,
    // This scenario has no slow answers (its faults are resets and errors): on a loaded machine a slow
    // loopback answer is the machine's, not the vendor's, and must not read as a change before the fault.
    degradedAfterMs: null,
    timeoutMs: 10_000,
    port: 0,
    dataDir,
    logger: pino({ level: 'silent' }),
    out: (l) => lines.push(l),
  });
  try {
    assert.match(lines.join('\n'), /Status page: http:\/\/127\.0\.0\.1:\d+/);
    // The printed console account signs in, as an owner.
    const account = /Operator console: (http:\/\/127\.0\.0\.1:\d+)\/admin {4}user demo, password (\S+) /.exec(lines.join('\n'));
    assert.ok(account, 'the demo prints a console account');
    const signIn = await fetch(`${account[1]}/api/admin/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'demo', password: account[2] }) });
    assert.equal(signIn.status, 200);
    assert.equal(((await signIn.json()) as { user: { role: string } }).user.role, 'owner');
    await demo.ended;
    const changes = (await demo.vigie.store.statusChanges({ limit: 1000 })).reverse();
    const of = (id: string) => changes.filter((c) => c.componentId === id);
    const firstMajor = (id: string) => of(id).find((c) => c.toStatus === 'major_outage')?.at;
    const lastChange = (id: string) => of(id).at(-1);

    for (const id of ['meta/facebook', 'meta/instagram']) {
      const t = firstMajor(id);
      assert.ok(t !== undefined && t >= at('20:50') && t <= at('20:50') + SLACK, `${id} major outage at ${t && new Date(t).toISOString()}`);
      const back = lastChange(id)!;
      assert.equal(back.toStatus, 'operational');
      assert.ok(back.at >= at('22:26') && back.at <= at('22:26') + SLACK, `${id} back at ${new Date(back.at).toISOString()}`);
    }
    for (const id of ['chatgpt/web', 'chatgpt/app', 'chatgpt/api', 'chatgpt/sora']) {
      const t = firstMajor(id);
      assert.ok(t !== undefined && t >= at('23:07') && t <= at('23:07') + SLACK, `${id} major outage at ${t && new Date(t).toISOString()}`);
      const early = of(id).filter((c) => c.at < at('23:07'));
      assert.deepEqual(early, [], `${id} changed before its fault`);
      assert.equal(lastChange(id)?.toStatus, 'operational', `${id} ends operational`);
    }
    // Europe recovers first (02:10): ChatGPT web is then in partial outage, not major, until the US is back.
    const web = of('chatgpt/web');
    const partial = web.find((c) => c.fromStatus === 'major_outage' && c.toStatus === 'partial_outage');
    assert.ok(partial && partial.at >= at('02:10', 12) && partial.at <= at('02:10', 12) + SLACK, 'partial outage once Europe is back');
    assert.match(partial.reason, /asia, us/);
    // Siri's extension answers 200 but depends on the API: it is impaired through the dependency.
    assert.ok(of('siri/chatgpt-extension').some((c) => c.toStatus === 'partial_outage' && /depends on ChatGPT API/.test(c.reason)));

    // The page is re-rendered just after a change (debounced): on a loaded machine the last one can
    // still be on its way when the replay ends.
    const indicator = async () => ((await (await request(`${demo.url}/api/v2/summary.json`)).body.json()) as { status: { indicator: string } }).status.indicator;
    await waitFor('all operational on the page at the end of the replay', async () => (await indicator()) === 'none');
    assert.match(lines.join('\n'), /Vendor: {3}chatgpt says "monitoring": Traffic recovery is underway/);
  } finally {
    await demo.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
  assert.ok(demo.sim.child.exitCode !== null || demo.sim.child.signalCode !== null, 'the simulator process has exited');
});
