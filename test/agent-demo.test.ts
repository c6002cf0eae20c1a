// The demo's regions as real `vigie agent` processes: each region's checks come from its own agent
// process, the page's per-region view follows them, and stopping the demo ends every agent.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { pino } from 'pino';
import { startDemo } from '../src/demo/demo.js';
import { waitFor } from './helpers/wait.js';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

it('vigie demo runs its three regions as agent processes, and stops them with itself', { timeout: 120_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'vigie-demo-agents-'));
  const demo = await startDemo({ scenario: 'correlated-evening', speed: 60, port: 0, logger: pino({ level: 'silent' }), agents: true, dataDir, out: () => {} });
  try {
    assert.equal(demo.agents?.pids.length, demo.scenario.regions.length);
    await waitFor('every region’s agent live', () => demo.vigie.agents.silentRegions().size === 0, 60_000, 100);
    const regions = await waitFor(
      'checks from every region',
      async () => {
        const rows = await demo.vigie.store.db.selectFrom('observations').select('region').distinct().execute();
        const got = rows.map((r) => r.region).sort();
        return got.length === demo.scenario.regions.length ? got : undefined;
      },
      60_000,
      200,
    );
    assert.deepEqual(regions, [...demo.scenario.regions].sort());
    const live = demo.vigie.agents.liveAgents();
    assert.deepEqual(live.map((a) => a.region).sort(), [...demo.scenario.regions].sort(), 'one live agent per region');
    assert.ok(live.every((a) => a.monitors > 0));
    const units = demo.scenario.services.reduce((n, s) => n + s.components.length, 0) * demo.scenario.regions.length;
    assert.equal(live.reduce((n, a) => n + a.monitors, 0), units, 'every region’s monitors run on its agent, none in the server');
    const page = await waitFor('the page without "no data"', async () => {
      const html = await (await fetch(`${demo.url}/`)).text();
      return html.includes('data-region=') && !html.includes('no data from') ? html : undefined;
    }, 30_000, 200);
    assert.ok(page.length > 0);
  } finally {
    const pids = demo.agents?.pids ?? [];
    await demo.stop();
    assert.deepEqual(pids.filter(alive), [], 'no agent process left behind');
    rmSync(dataDir, { recursive: true, force: true });
  }
});
