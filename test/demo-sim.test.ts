import assert from 'node:assert/strict';
import { fork, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { forkSimulator, SIM_PROCESS_PATH, type SimReply } from '../src/demo/sim-client.js';
import { loadScenario, parseScenario } from '../src/demo/scenario.js';
import { startSimulator, type Simulator } from '../src/demo/sim-server.js';

const T = (iso: string) => Date.parse(iso);

async function get(url: string, timeoutMs = 2000): Promise<{ status: number; body: string; ms: number }> {
  const t0 = performance.now();
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  const body = await res.text();
  return { status: res.status, body, ms: performance.now() - t0 };
}

async function failure(url: string, timeoutMs: number): Promise<{ name: string; cause: string; ms: number }> {
  const t0 = performance.now();
  try {
    await get(url, timeoutMs);
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    return { name: e.name, cause: e.cause?.code ?? '', ms: performance.now() - t0 };
  }
  assert.fail(`expected ${url} to fail`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // An orphan that has exited stays a zombie until init reaps it: that counts as gone.
  try {
    return !/^State:\s*Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return true; // no /proc (not Linux): trust kill(0)
  }
}

async function waitGone(pid: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return !alive(pid);
}

describe('simulated services, correlated evening', () => {
  const scenario = loadScenario('correlated-evening');
  let sim: Simulator;
  before(async () => {
    sim = await startSimulator(scenario);
  });
  after(async () => {
    await sim.close();
  });

  it('listens on loopback, one port per service', () => {
    assert.deepEqual(Object.keys(sim.ports).sort(), ['chatgpt', 'meta', 'siri']);
    assert.equal(new Set(Object.values(sim.ports)).size, 3);
    assert.match(sim.url('chatgpt', 'web', 'eu'), /^http:\/\/127\.0\.0\.1:\d+\/eu\/web$/);
    assert.throws(() => sim.url('nope', 'web', 'eu'), /no simulated service "nope"/);
  });

  it('answers 200 before 23:07 and 503 after, in every region', async () => {
    sim.setTime(T('2024-12-11T23:06:00Z'));
    for (const r of scenario.regions) {
      const res = await get(sim.url('chatgpt', 'web', r));
      assert.equal(res.status, 200);
      assert.deepEqual(JSON.parse(res.body), { status: 'ok' });
    }
    sim.setTime(T('2024-12-11T23:08:00Z'));
    for (const r of scenario.regions) assert.equal((await get(sim.url('chatgpt', 'web', r))).status, 503);
    sim.setTime(T('2024-12-12T02:30:00Z'));
    assert.equal((await get(sim.url('chatgpt', 'web', 'eu'))).status, 200, 'Europe back first');
    assert.equal((await get(sim.url('chatgpt', 'web', 'us'))).status, 503);
  });

  it('answers 500 "Internal Server Error" for Facebook during Meta\'s outage', async () => {
    sim.setTime(T('2024-12-11T21:00:00Z'));
    const res = await get(sim.url('meta', 'facebook', 'us'));
    assert.equal(res.status, 500);
    assert.match(res.body, /Internal Server Error/);
    sim.setTime(T('2024-12-11T22:27:00Z'));
    assert.equal((await get(sim.url('meta', 'facebook', 'us'))).status, 200);
  });

  it('hangs WhatsApp until the client times out', async () => {
    sim.setTime(T('2024-12-11T21:00:00Z'));
    const f = await failure(sim.url('meta', 'whatsapp', 'asia'), 300);
    assert.equal(f.name, 'TimeoutError');
    assert.ok(f.ms >= 250, `gave up after ${f.ms} ms`);
  });

  it('drops Sora\'s connections', async () => {
    sim.setTime(T('2024-12-11T23:30:00Z'));
    const f = await failure(sim.url('chatgpt', 'sora', 'eu'), 2000);
    assert.equal(f.name, 'TypeError'); // fetch failed: the socket closed
  });

  it('answers 200 with an error page for wrong content', async () => {
    sim.setTime(T('2024-12-11T23:30:00Z'));
    const res = await get(sim.url('siri', 'chatgpt-extension', 'us'));
    assert.equal(res.status, 200);
    assert.match(res.body, /Something went wrong/);
  });

  it('answers 404 to unknown paths', async () => {
    const base = `http://127.0.0.1:${sim.ports.chatgpt}`;
    for (const path of ['/', '/mars/web', '/eu/nope', '/eu/web/extra', '/eu/facebook']) assert.equal((await get(base + path)).status, 404, path);
  });
});

describe('simulated services, other modes', () => {
  const scenario = parseScenario(`
name: modes
title: Modes
start: 2024-01-01T00:00:00Z
end: 2024-01-01T01:00:00Z
regions: [local]
services:
  - id: svc
    name: Service
    components:
      - { id: slow, name: Slow }
      - { id: flaky, name: Flaky }
      - { id: hang, name: Hang }
faults:
  - { target: svc/slow, from: 2024-01-01T00:00:00Z, until: 2024-01-01T01:00:00Z, mode: slow, delay_ms: 200, note: test }
  - { target: svc/flaky, from: 2024-01-01T00:00:00Z, until: 2024-01-01T01:00:00Z, mode: error_500, share: 0.25, note: test }
  - { target: svc/hang, from: 2024-01-01T00:00:00Z, until: 2024-01-01T01:00:00Z, mode: timeout, note: test }
`);

  it('answers slowly after delay_ms real milliseconds', async () => {
    const sim = await startSimulator(scenario);
    try {
      const res = await get(sim.url('svc', 'slow', 'local'));
      assert.equal(res.status, 200);
      assert.ok(res.ms >= 190, `answered after ${res.ms} ms`);
    } finally {
      await sim.close();
    }
  });

  it('fails a deterministic share of requests', async () => {
    const sim = await startSimulator(scenario);
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) statuses.push((await get(sim.url('svc', 'flaky', 'local'))).status);
      assert.deepEqual(statuses, [200, 200, 200, 500, 200, 200, 200, 500]);
    } finally {
      await sim.close();
    }
  });

  it('closes promptly while requests hang and slow answers wait', async () => {
    const sim = await startSimulator(scenario);
    const pending = [failure(sim.url('svc', 'hang', 'local'), 10_000), failure(sim.url('svc', 'hang', 'local'), 10_000)];
    const slow = get(sim.url('svc', 'slow', 'local')).catch(() => 'cut');
    await new Promise((r) => setTimeout(r, 50));
    const t0 = performance.now();
    await sim.close();
    assert.ok(performance.now() - t0 < 500, `close took ${performance.now() - t0} ms`);
    for (const f of await Promise.all(pending)) assert.ok(f.ms < 2000, 'the hanging request was cut, not timed out');
    assert.equal(await slow, 'cut');
    await sim.close(); // twice is fine
  });
});

describe('simulator in a child process', () => {
  it('starts, reports its ports, follows the time and stops', async () => {
    const sim = await forkSimulator('correlated-evening', { t: T('2024-12-11T23:06:00Z') });
    try {
      assert.deepEqual(Object.keys(sim.ports).sort(), ['chatgpt', 'meta', 'siri']);
      assert.equal((await get(sim.url('chatgpt', 'api', 'asia'))).status, 200);
      sim.setTime(T('2024-12-11T23:08:00Z'));
      // IPC is asynchronous: the next request may race the message, so retry briefly.
      let status = 0;
      for (let i = 0; i < 20 && status !== 503; i++) {
        status = (await get(sim.url('chatgpt', 'api', 'asia'))).status;
        if (status !== 503) await new Promise((r) => setTimeout(r, 20));
      }
      assert.equal(status, 503);
    } finally {
      await sim.close();
    }
    assert.ok(sim.child.exitCode === 0, `exit code ${sim.child.exitCode}`);
  });

  it('reports a bad scenario instead of hanging', async () => {
    await assert.rejects(forkSimulator('no-such-replay'), /simulator process: unknown scenario "no-such-replay"/);
  });

  it('exits when its parent disconnects', async () => {
    const child = fork(SIM_PROCESS_PATH, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const exited = once(child, 'exit');
    child.send({ type: 'start', scenario: 'silent-vendor' });
    const [ready] = (await once(child, 'message')) as [SimReply];
    assert.equal(ready.type, 'ready');
    assert.ok(ready.type === 'ready' && ready.ports.chatgpt! > 0);
    child.disconnect();
    const [code] = await exited;
    assert.equal(code, 0);
  });

  it('exits when its parent is killed outright', async () => {
    // A parent that forks the simulator, prints the child's pid, then is SIGKILLed (no cleanup at all).
    const script = `
      import { fork } from 'node:child_process';
      const child = fork(${JSON.stringify(SIM_PROCESS_PATH)}, [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      child.on('message', (m) => { if (m.type === 'ready') console.log(child.pid); });
      child.send({ type: 'start', scenario: 'silent-vendor' });
    `;
    const parent = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    parent.stdout.setEncoding('utf8');
    const pid = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no pid from the parent')), 10_000);
      parent.stdout.on('data', (d: string) => {
        out += d;
        const m = /(\d+)\n/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
    });
    assert.ok(alive(pid));
    parent.kill('SIGKILL');
    await once(parent, 'exit');
    const t0 = performance.now();
    const gone = await waitGone(pid, 5000);
    if (!gone) process.kill(pid, 'SIGKILL');
    assert.ok(gone, 'the simulator outlived its parent');
    assert.ok(performance.now() - t0 < 1500, `took ${performance.now() - t0} ms to go`);
  });
});
