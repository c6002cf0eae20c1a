// Real `vigie agent` processes against a real Vigie server: assignments and their changes, health
// in the admin API and /metrics, refusals (unknown and revoked tokens, an unconfigured region),
// a server outage buffered on the agent's disk and delivered once, SIGKILL of an agent and the
// takeover of its monitors, bad uploads answered 4xx, and silent regions on the page.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { request } from 'undici';
import { type Vigie, createVigie } from '../src/app.js';
import { configSchema } from '../src/config/schema.js';
import { ADMIN, admin, okServer, registerOverApi, spawnAgent, type AgentProc } from './helpers/agents.js';
import { forEachEngine, sqliteEngine, type TestEngine } from './helpers/engines.js';
import { waitFor } from './helpers/wait.js';

function config(engine: TestEngine, target: string, monitors: { name: string; regions: string[] }[], extra: Record<string, unknown> = {}, port = 0) {
  return configSchema.parse({
    site: { port },
    store: engine.options.path ? { path: engine.options.path } : {},
    services: [{ id: 's', name: 'S', components: [{ id: 'c', name: 'C', monitors: monitors.map((m) => ({ ...m, url: target, interval: '1s', timeout: '2s' })) }] }],
    ...extra,
  });
}

async function startServer(engine: TestEngine, cfg: ReturnType<typeof config>, port = 0): Promise<{ vigie: Vigie; base: string }> {
  const vigie = await createVigie({ config: cfg, adminToken: ADMIN, port, ...(engine.options.url ? { databaseUrl: engine.options.url } : {}) });
  return { vigie, base: await vigie.start() };
}

async function observations(vigie: Vigie, monitorId: string): Promise<{ at: number }[]> {
  return vigie.store.db.selectFrom('observations').select('at').where('monitor_id', '=', monitorId).orderBy('at').execute();
}

function tempDir(): { dir: string; done(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-agent-'));
  return { dir, done: () => rmSync(dir, { recursive: true, force: true }) };
}

describe('vigie agent processes', { timeout: 180_000 }, () => {
  it('runs its assignment, follows changes, reports health, and stops when refused', async () => {
    const engine = await sqliteEngine();
    const target = await okServer();
    const tmp = tempDir();
    const agents: AgentProc[] = [];
    let vigie: Vigie | undefined;
    try {
      const started = await startServer(engine, config(engine, target.url, [{ name: 'one', regions: ['eu-west'] }]));
      vigie = started.vigie;
      const base = started.base;
      const token = await registerOverApi(base, 'paris-1', 'eu-west');
      const a = spawnAgent(['--server', base, '--token', token, '--region', 'eu-west', '--data', join(tmp.dir, 'a')]);
      agents.push(a);
      await waitFor('the agent’s first results', async () => (await observations(vigie!, 's/c/one@eu-west')).length >= 2, 30_000);

      const list = await admin(base, 'GET', '/agents');
      assert.equal(list.status, 200);
      const me = list.json.agents.find((x: { name: string }) => x.name === 'paris-1');
      assert.equal(me.live, true);
      assert.equal(me.region, 'eu-west');
      assert.equal(me.monitors, 1);
      assert.deepEqual(list.json.regions, [{ name: 'eu-west', silent: false }]);
      await waitFor('a heartbeat with health', async () => {
        const r = (await admin(base, 'GET', '/agents')).json.agents[0];
        return r.version === '0.1.0' && typeof r.clock_offset_ms === 'number' && r.backlog !== null;
      });
      const metrics = await (await request(`${base}/metrics`)).body.text();
      assert.match(metrics, /vigie_agent_checks_per_second\{agent="paris-1",region="eu-west"\}/);
      assert.match(metrics, /vigie_region_live_agents\{region="eu-west"\} 1/);

      // An assignment change reaches the running agent.
      await vigie.reload(config(engine, target.url, [{ name: 'one', regions: ['eu-west'] }, { name: 'two', regions: ['eu-west', 'local'] }]));
      await waitFor('results of the monitor added while the agent runs', async () => (await observations(vigie!, 's/c/two@eu-west')).length >= 1, 30_000);

      // Registering for a region the config does not have: refused by name.
      const bad = await admin(base, 'POST', '/agents', { name: 'x', region: 'mars' });
      assert.equal(bad.status, 400);
      assert.equal(bad.json.issues[0].field, 'body.region');
      assert.equal((await admin(base, 'POST', '/agents', { name: 'paris-1', region: 'eu-west' })).status, 409);
      assert.equal((await admin(base, 'POST', '/agents', { name: 'y' })).json.issues[0].field, 'body.region');

      // An unknown token: a clear refusal, exit 2.
      const stranger = spawnAgent(['--server', base, '--token', 'vigie_agent_nobody', '--data', join(tmp.dir, 'b')]);
      agents.push(stranger);
      assert.equal(await stranger.exited, 2);
      assert.match(stranger.err(), /not known to the server/);

      // A token for another region than --region: exit 3.
      const lost = spawnAgent(['--server', base, '--token', token, '--region', 'us-east', '--data', join(tmp.dir, 'c')]);
      agents.push(lost);
      assert.equal(await lost.exited, 3);
      assert.match(lost.err(), /registered for region "eu-west", not "us-east"/);

      // Revoked while running: the agent is told and exits non-zero.
      const revoked = await admin(base, 'DELETE', '/agents/paris-1');
      assert.equal(revoked.status, 204);
      assert.equal(await a.exited, 2);
      assert.match(a.err(), /revoked/);
      assert.equal((await admin(base, 'DELETE', '/agents/paris-1')).status, 404);
      assert.notEqual((await admin(base, 'GET', '/agents')).json.agents.find((x: { name: string }) => x.name === 'paris-1').revoked_at, null);

      // A region the config no longer has: an agent of it is told so.
      const other = await registerOverApi(base, 'paris-2', 'eu-west');
      await vigie.reload(config(engine, target.url, [{ name: 'one', regions: ['local'] }]));
      const orphan = spawnAgent(['--server', base, '--token', other, '--data', join(tmp.dir, 'd')]);
      agents.push(orphan);
      assert.equal(await orphan.exited, 3);
      assert.match(orphan.err(), /region "eu-west" is not configured on the server/);
    } finally {
      await Promise.all(agents.map((p) => p.stop()));
      await vigie?.stop();
      await target.close();
      await engine.cleanup();
      tmp.done();
    }
  });

  it('SIGKILL of an agent: the region’s other agent takes its monitors', async () => {
    const engine = await sqliteEngine();
    const target = await okServer();
    const tmp = tempDir();
    const agents: AgentProc[] = [];
    let vigie: Vigie | undefined;
    try {
      const names = ['m1', 'm2', 'm3', 'm4', 'm5', 'm6'];
      const started = await startServer(engine, config(engine, target.url, names.map((name) => ({ name, regions: ['eu-west'] }))));
      vigie = started.vigie;
      const base = started.base;
      const ta = await registerOverApi(base, 'a', 'eu-west');
      const tb = await registerOverApi(base, 'b', 'eu-west');
      const a = spawnAgent(['--server', base, '--token', ta, '--data', join(tmp.dir, 'a')]);
      const b = spawnAgent(['--server', base, '--token', tb, '--data', join(tmp.dir, 'b')]);
      agents.push(a, b);
      // Rendezvous hashing promises each monitor to one live agent, not a share to each: with two
      // random agent ids, 1 pair in 32 gives all six monitors to one agent. So the agent killed is
      // the one that holds the most (3 at least), whatever the split.
      type Row = { name: string; live: boolean; monitors: number };
      const split = await waitFor(
        'both agents live',
        async () => {
          const list = (await admin(base, 'GET', '/agents')).json.agents as Row[];
          return list.length === 2 && list.every((x) => x.live) ? list : undefined;
        },
        30_000,
      );
      assert.equal(split.reduce((n, x) => n + x.monitors, 0), names.length, 'each monitor runs on exactly one agent');
      await waitFor('results for all six monitors', async () => (await Promise.all(names.map((n) => observations(vigie!, `s/c/${n}@eu-west`)))).every((o) => o.length > 0), 30_000);

      const [victim, survivor] = split[0]!.monitors >= split[1]!.monitors ? [split[0]!, split[1]!] : [split[1]!, split[0]!];
      const proc = victim.name === 'a' ? a : b;
      proc.child.kill('SIGKILL');
      await proc.exited;
      const killedAt = Date.now();
      // Every monitor gets checked again after the kill: by the only agent left.
      await waitFor(
        `${survivor.name} running all six monitors`,
        async () => (await Promise.all(names.map((n) => observations(vigie!, `s/c/${n}@eu-west`)))).every((o) => o.some((x) => x.at > killedAt)),
        40_000,
        200,
      );
      const list = (await admin(base, 'GET', '/agents')).json.agents as Row[];
      assert.deepEqual(
        list.map((x) => [x.name, x.live, x.monitors]).sort(),
        [
          [victim.name, false, 0],
          [survivor.name, true, 6],
        ].sort(),
      );
    } finally {
      await Promise.all(agents.map((p) => p.stop()));
      await vigie?.stop();
      await target.close();
      await engine.cleanup();
      tmp.done();
    }
  });

  it('bad uploads are 4xx naming the field, never 5xx; a silent region shows as no data, not down', async () => {
    const engine = await sqliteEngine();
    const target = await okServer();
    let vigie: Vigie | undefined;
    try {
      const started = await startServer(engine, config(engine, target.url, [{ name: 'one', regions: ['local', 'eu-west'] }]));
      vigie = started.vigie;
      const base = started.base;
      const token = await registerOverApi(base, 'probe', 'eu-west');
      // No agent connected yet: eu-west is "no data" on the page, never down, and not in the quorum.
      const page = await (await request(`${base}/`)).body.text();
      assert.match(page, /no data from eu-west/);
      assert.doesNotMatch(page, /eu-west: failing/);
      assert.equal((await admin(base, 'GET', '/agents')).json.regions[0].silent, true);
      const post = async (path: string, body: unknown) => {
        const r = await request(`${base}/api/agent/v1${path}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: typeof body === 'string' ? body : JSON.stringify(body),
        });
        return { status: r.statusCode, json: (await r.body.json()) as any };
      };
      const good = { stream: 'test-stream', seq: 1, agent_time: Date.now(), observations: [{ monitor_id: 's/c/one@eu-west', at: Date.now() - 1000, ok: true, degraded: false, phases: { total_ms: 3 } }] };
      let r = await post('/results', { ...good, seq: 0 });
      assert.equal(r.status, 400);
      assert.equal(r.json.issues[0].field, 'body.seq');
      r = await post('/results', { ...good, observations: [{ ...good.observations[0], phases: {} }] });
      assert.equal(r.json.issues[0].field, 'body.observations.0.phases.total_ms');
      r = await post('/results', { ...good, observations: [{ ...good.observations[0], at: Date.now() + 3_600_000 }] });
      assert.equal(r.status, 400);
      assert.equal(r.json.issues[0].field, 'body.observations.0.at');
      r = await post('/results', { ...good, agent_id: 'someone-else' });
      assert.equal(r.status, 409);
      assert.equal(r.json.issues[0].field, 'body.agent_id');
      r = await post('/results', '{"stream":');
      assert.equal(r.status, 400);
      r = await post('/results', good);
      assert.deepEqual([r.status, r.json.stored, r.json.accepted], [200, true, 1]);
      r = await post('/results', good);
      assert.deepEqual([r.status, r.json.stored, r.json.duplicate], [200, false, true], 'a retried batch is acknowledged, not stored again');
      r = await post('/results', { ...good, seq: 2, observations: [{ ...good.observations[0], monitor_id: 's/c/one@local' }] });
      assert.deepEqual([r.json.accepted, r.json.ignored], [0, 1], 'results for monitors outside the agent’s region are not taken');
      assert.equal((await observations(vigie, 's/c/one@eu-west')).length, 1);

      // An agent whose clock is 30 s behind: its check times are moved to the server's clock, and it is flagged.
      const behind = Date.now() - 30_000;
      r = await post('/results', { ...good, seq: 3, agent_time: behind, observations: [{ ...good.observations[0], at: behind - 2000 }] });
      assert.equal(r.json.accepted, 1);
      const corrected = (await observations(vigie, 's/c/one@eu-west')).at(-1)!.at;
      assert.ok(Math.abs(corrected - (Date.now() - 2000)) < 10_000, `stored at ${corrected}, ${Date.now() - corrected} ms ago`);
      const flagged = (await admin(base, 'GET', '/agents')).json.agents[0];
      assert.equal(flagged.clock_flagged, true);
      assert.ok(flagged.clock_offset_ms > 25_000);

      // Whatever the body, the answer is never a 5xx.
      await fc.assert(
        fc.asyncProperty(fc.oneof(fc.jsonValue(), fc.record({ stream: fc.string(), seq: fc.integer(), agent_time: fc.double(), observations: fc.array(fc.jsonValue(), { maxLength: 3 }) })), async (body) => {
          const res = await post('/results', JSON.stringify(body) ?? 'null');
          assert.ok(res.status < 500 && res.status >= 200, `${res.status} for ${JSON.stringify(body)}`);
          const hb = await post('/heartbeat', JSON.stringify(body) ?? 'null');
          assert.ok(hb.status < 500, `${hb.status} for ${JSON.stringify(body)}`);
        }),
        { numRuns: 60 },
      );

      // The uploads above made the agent live (it is heard from): eu-west is no longer "no data".
      await vigie.publish();
      assert.match(await (await request(`${base}/`)).body.text(), /eu-west: up/);
    } finally {
      await vigie?.stop();
      await target.close();
      await engine.cleanup();
    }
  });
});

forEachEngine('vigie agent: the server stops, the agent buffers on disk, and delivers everything once when it is back', async (engine) => {
  const target = await okServer();
  const tmp = tempDir();
  let agent: AgentProc | undefined;
  let vigie: Vigie | undefined;
  try {
    const monitors = [{ name: 'one', regions: ['eu-west'] }, { name: 'two', regions: ['eu-west'] }];
    const first = await startServer(engine, config(engine, target.url, monitors));
    vigie = first.vigie;
    const port = Number(new URL(first.base).port);
    const token = await registerOverApi(first.base, 'lyon', 'eu-west');
    agent = spawnAgent(['--server', first.base, '--token', token, '--data', join(tmp.dir, 'a')]);
    await waitFor('first results', async () => (await observations(vigie!, 's/c/one@eu-west')).length >= 2, 30_000);

    await vigie.stop();
    vigie = undefined;
    const downAt = Date.now();
    // While the server is away the agent keeps checking; its results wait on its disk.
    await new Promise((r) => setTimeout(r, 4000));
    const upAt = Date.now();
    vigie = (await startServer(engine, config(engine, target.url, monitors, {}, port), port)).vigie;

    await waitFor('results checked while the server was down', async () => (await observations(vigie!, 's/c/one@eu-west')).some((o) => o.at > downAt + 1000 && o.at < upAt - 1000), 30_000, 200);
    const code = await agent.stop();
    assert.equal(code, 0);
    const summary = JSON.parse(agent.out().trim().split('\n').at(-1)!) as { checks: number; backlog: number; dropped: number };
    assert.equal(summary.backlog, 0, 'everything delivered before the agent stopped');
    assert.equal(summary.dropped, 0);
    const rows = [...(await observations(vigie, 's/c/one@eu-west')), ...(await observations(vigie, 's/c/two@eu-west'))];
    assert.equal(rows.length, summary.checks, 'every check the agent ran is stored: nothing lost, nothing twice');
    for (const id of ['s/c/one@eu-west', 's/c/two@eu-west']) {
      const ats: number[] = (await observations(vigie, id)).map((o) => o.at);
      assert.equal(new Set(ats).size, ats.length, `no check of ${id} stored twice`);
    }
  } finally {
    await agent?.stop();
    await vigie?.stop();
    await target.close();
    tmp.done();
  }
});

/** A TCP proxy to the server that can be cut (every connection destroyed, nothing accepted) and restored on the same port. */
async function proxy(to: number): Promise<{ port: number; cut(): Promise<void>; restore(): Promise<void>; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const make = () =>
    net.createServer((c) => {
      const up = net.connect(to, '127.0.0.1');
      for (const s of [c, up]) {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      c.pipe(up).pipe(c);
    });
  let server = make();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  const stop = () =>
    new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    });
  return {
    port,
    cut: stop,
    restore: async () => {
      server = make();
      await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
    },
    close: stop,
  };
}

it('an agent cut off from a running server: its region shows "no data", then everything it buffered arrives once', { timeout: 120_000 }, async () => {
  const engine = await sqliteEngine();
  const target = await okServer();
  const tmp = tempDir();
  let agent: AgentProc | undefined;
  let vigie: Vigie | undefined;
  let link: Awaited<ReturnType<typeof proxy>> | undefined;
  try {
    const started = await startServer(engine, config(engine, target.url, [{ name: 'one', regions: ['local', 'eu-west'] }]));
    vigie = started.vigie;
    const base = started.base;
    link = await proxy(Number(new URL(base).port));
    const token = await registerOverApi(base, 'nice', 'eu-west');
    agent = spawnAgent(['--server', `http://127.0.0.1:${link.port}`, '--token', token, '--data', join(tmp.dir, 'a')]);
    await waitFor('results through the proxy', async () => (await observations(vigie!, 's/c/one@eu-west')).length >= 2, 30_000);
    await waitFor('eu-west on the page', async () => (await (await request(`${base}/`)).body.text()).includes('eu-west: up'), 15_000, 200);

    await link.cut();
    const cutAt = Date.now();
    // No heartbeat for 10 s: the region is silent, shown as no data (not down), out of the quorum.
    await waitFor('eu-west silent', async () => (await admin(base, 'GET', '/agents')).json.regions[0].silent === true, 30_000, 200);
    await waitFor('"no data from eu-west" on the page', async () => (await (await request(`${base}/`)).body.text()).includes('no data from eu-west'), 15_000, 200);
    assert.equal((await vigie.store.componentStatuses()).get('s/c')?.status, 'operational', 'a silent region is not an outage');
    const restoredAt = Date.now();
    await link.restore();

    await waitFor('what was checked while cut off', async () => (await observations(vigie!, 's/c/one@eu-west')).some((o) => o.at > cutAt + 1000 && o.at < restoredAt - 1000), 30_000, 200);
    await waitFor('eu-west heard from again', async () => (await admin(base, 'GET', '/agents')).json.regions[0].silent === false, 30_000, 200);
    assert.equal(await agent.stop(), 0);
    const summary = JSON.parse(agent.out().trim().split('\n').at(-1)!) as { checks: number; backlog: number; dropped: number };
    assert.deepEqual([summary.backlog, summary.dropped], [0, 0]);
    const ats: number[] = (await observations(vigie, 's/c/one@eu-west')).map((o) => o.at);
    assert.equal(ats.length, summary.checks, 'every check arrived');
    assert.equal(new Set(ats).size, ats.length, 'none twice');
  } finally {
    await agent?.stop();
    await link?.close();
    await vigie?.stop();
    await target.close();
    await engine.cleanup();
    tmp.done();
  }
});
