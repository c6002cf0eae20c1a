// Client counters in the database: atomic increments from several connections (no lost update), rate
// windows never over-granted, totals kept across a restart, and two `vigie gateway` processes on one
// PostgreSQL sharing one client's budget and rate limit. Client tokens from the CLI and the admin API.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { ManualClock } from '../src/core/time.js';
import { configSchema } from '../src/config/schema.js';
import { StoreCounters, monthOf } from '../src/gateway/counters.js';
import { Gateway } from '../src/gateway/gateway.js';
import { addGatewayUsage, gatewayUsage, leaseGatewayRate, listGatewayClients } from '../src/store/gateway.js';
import { FakeUpstream } from './gateway-fake.js';
import { ask, chat, until } from './gateway-setup.js';
import { startAdminVigie } from './helpers/admin.js';
import { CLI, runCli } from './helpers/cli.js';
import { forEachEngine, makeEngine } from './helpers/engines.js';
import { PG_SKIP } from './helpers/requirements.js';

const silent = pino({ level: 'silent' });

forEachEngine('gateway counters: atomic upserts from two connections', async (env) => {
  const a = await env.open();
  const b = await env.open();
  // 200 increments at once, half through each connection: every one counts.
  await Promise.all(Array.from({ length: 200 }, (_, i) => addGatewayUsage((i % 2 ? a : b).db, 'team-a', '2026-11', i + 1)));
  assert.equal((await gatewayUsage(a.db, ['team-a', 'team-b'], '2026-11')).get('team-a'), (200 * 201) / 2);
  assert.equal((await gatewayUsage(a.db, ['team-b'], '2026-11')).size, 0);
  // Leases of a 10-per-window limit asked 50 times at once: exactly 10 granted.
  const grants = await Promise.all(Array.from({ length: 50 }, (_, i) => leaseGatewayRate((i % 2 ? a : b).db, 'team-a', 60_000, 1, 10)));
  assert.equal(grants.reduce((n, g) => n + g.granted, 0), 10);
  // A lease asking for more than is left gets the rest.
  assert.equal((await leaseGatewayRate(a.db, 'team-b', 60_000, 4, 6)).granted, 4);
  assert.equal((await leaseGatewayRate(a.db, 'team-b', 60_000, 4, 6)).granted, 2);
  // A replica whose clock lags (an older window) does not reset the current one.
  assert.equal((await leaseGatewayRate(b.db, 'team-b', 0, 4, 6)).granted, 0);
  // The next window starts over.
  assert.equal((await leaseGatewayRate(b.db, 'team-b', 120_000, 4, 6)).granted, 4);
});

forEachEngine('gateway counters: a budget’s usage survives a restart and is seen by another replica', async (env) => {
  const clock = new ManualClock(Date.UTC(2026, 10, 29, 12));
  const s1 = await env.open();
  const one = new StoreCounters({ db: s1.db, clock, log: silent, flushMs: 60_000, sliceTokens: 1_000_000, budgeted: () => ['team-a'] });
  await one.start();
  one.charge('team-a', 400, clock.now());
  one.charge('team-a', 100, clock.now());
  assert.equal(one.used('team-a', clock.now()), 500, 'pending counts locally at once');
  await one.stop(); // flushes
  const s2 = await env.open();
  const two = new StoreCounters({ db: s2.db, clock, log: silent, flushMs: 60_000, sliceTokens: 1, budgeted: () => ['team-a'] });
  await two.start();
  assert.equal(two.used('team-a', clock.now()), 500);
  two.charge('team-a', 7, clock.now());
  await two.flush();
  assert.equal((await gatewayUsage(s1.db, ['team-a'], monthOf(clock.now()))).get('team-a'), 507);
  await two.stop();
});

describe('gateway clients from the database', () => {
  it('CLI add/list/revoke and the admin routes; a gateway on the database accepts a new token and refuses a revoked one', async (t) => {
    const env = await makeEngine('sqlite');
    t.after(() => env.cleanup());
    const dir = await mkdtemp(join(tmpdir(), 'vigie-gw-clients-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'vigie.yaml');
    await writeFile(file, `store: { path: "${env.options.path}" }\n`);

    const add = await runCli(['gateway', 'client', 'add', 'billing', '--team', 'finance', '--rate-limit', '100/m', '--monthly-tokens', '5000', '-c', file]);
    assert.equal(add.code, 0, add.stderr);
    const cliToken = add.stdout.trim();
    assert.match(cliToken, /^vg-/);
    assert.match(add.stderr, /shown only now/);
    const dup = await runCli(['gateway', 'client', 'add', 'billing', '-c', file]);
    assert.equal(dup.code, 2);
    assert.match(dup.stderr, /already exists/);
    const badRate = await runCli(['gateway', 'client', 'add', 'x', '--rate-limit', 'fast', '-c', file]);
    assert.equal(badRate.code, 2);
    assert.match(badRate.stderr, /--rate-limit: "fast" is not a rate/);
    const badName = await runCli(['gateway', 'client', 'add', 'Bad Name', '-c', file]);
    assert.equal(badName.code, 2);
    assert.match(badName.stderr, /NAME must be/);
    const list = await runCli(['gateway', 'client', 'list', '-c', file]);
    assert.equal(list.code, 0);
    assert.match(list.stdout, /^billing\tteam finance\trate 100\/m\t0 of 5000 tokens this month\tcreated /m);
    assert.ok(!list.stdout.includes(cliToken));

    const { call, vigie } = await startAdminVigie(env);
    t.after(() => vigie.stop());
    const created = await call('POST', '/gateway/clients', { name: 'search', team: 'platform', rate_limit: '5/s', monthly_tokens: 1000 });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.json.team, 'platform');
    assert.equal(created.json.rate_limit, '5/s');
    const apiToken: string = created.json.token;
    assert.equal((await call('POST', '/gateway/clients', { name: 'search' })).status, 409);
    const bad = await call('POST', '/gateway/clients', { name: 'x', rate_limit: 'often' });
    assert.equal(bad.status, 400);
    assert.match(bad.text, /rate_limit/);
    const listed = await call('GET', '/gateway/clients');
    assert.deepEqual(listed.json.clients.map((c: any) => [c.name, c.team]), [['billing', 'finance'], ['search', 'platform']]);
    assert.ok(!listed.text.includes(apiToken) && !listed.text.includes(cliToken));
    const stored = await listGatewayClients(vigie.store.db);
    assert.ok(stored.every((c) => /^[0-9a-f]{64}$/.test(c.tokenHash)), 'only hashes are stored');
    assert.equal((await call('GET', '/gateway/clients', undefined, null)).status, 401);

    const up = await new FakeUpstream('openai').start();
    t.after(() => up.stop());
    const config = configSchema.parse({ gateway: { port: 0, clients_refresh: '100ms', upstreams: { openai: { base_url: up.url } }, routes: [{ name: 'chat', models: ['*'], upstreams: ['openai'] }] } }).gateway!;
    const gw = new Gateway({ config, store: vigie.store, processMetrics: false, logger: silent });
    t.after(() => gw.stop());
    const url = await gw.start();
    assert.equal((await chat(url, ask(), { authorization: `Bearer ${cliToken}` })).status, 200);
    assert.equal((await chat(url, ask(), { authorization: `Bearer ${apiToken}` })).status, 200);
    assert.equal((await chat(url, ask(), { authorization: 'Bearer vg-nobody' })).status, 401);
    // Usage is counted per client in the database.
    await until(async () => (await gatewayUsage(vigie.store.db, ['billing'], monthOf(Date.now()))).get('billing') === 15, 'billing’s usage flushed');

    assert.equal((await call('DELETE', '/gateway/clients/search')).status, 204);
    assert.equal((await call('DELETE', '/gateway/clients/search')).status, 404);
    const revoke = await runCli(['gateway', 'client', 'revoke', 'billing', '-c', file]);
    assert.equal(revoke.code, 0, revoke.stderr);
    await until(async () => (await chat(url, ask(), { authorization: `Bearer ${apiToken}` })).status === 401, 'the revoked API token refused');
    await until(async () => (await chat(url, ask(), { authorization: `Bearer ${cliToken}` })).status === 401, 'the revoked CLI token refused');
    assert.match((await runCli(['gateway', 'client', 'list', '-c', file])).stdout, /billing\t.*\trevoked /);
    // Every stored client revoked: the gateway stays closed (it opens only when no client was ever listed).
    assert.equal((await chat(url, ask())).status, 401);
    assert.equal((await chat(url, ask(), { authorization: `Bearer ${cliToken}` })).status, 401);
  });
});

/** A `vigie gateway` process; resolves with its URL once it listens. */
async function startGatewayProcess(file: string, env: Record<string, string>): Promise<{ url: string; child: ChildProcess; stop(): Promise<number | null> }> {
  const child = spawn(process.execPath, [CLI, 'gateway', '-c', file], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const url = await new Promise<string>((resolve, reject) => {
    const killer = setTimeout(() => reject(new Error(`no gateway within 30 s: ${err}`)), 30_000);
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/[^\s/]+)\/v1/.exec(out);
      if (m) {
        clearTimeout(killer);
        resolve(m[1]!);
      }
    });
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
  });
  return {
    url,
    child,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.removeAllListeners('exit');
        const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        child.on('exit', (c) => {
          clearTimeout(killer);
          resolve(c);
        });
        child.kill('SIGTERM');
      }),
  };
}

describe('two gateway processes on one PostgreSQL', () => {
  it('share one client’s budget (no lost update, bounded over-spend) and one rate limit, and keep them across a restart', { skip: PG_SKIP }, async (t) => {
    const env = await makeEngine('postgres');
    t.after(() => env.cleanup());
    const up = await new FakeUpstream('openai').start();
    t.after(() => up.stop());
    const dir = await mkdtemp(join(tmpdir(), 'vigie-gw-pg-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'vigie.yaml');
    // usage_slice 1: each replica adds every answer's tokens at once (and learns the total), so the over-spend is only what is in flight.
    await writeFile(file, `gateway:\n  port: 0\n  usage_slice: 1\n  usage_flush: 200ms\n  clients_refresh: 200ms\n  upstreams:\n    openai: { base_url: "${up.url}" }\n  routes:\n    - { name: chat, models: ["*"], upstreams: [openai] }\n`);
    const dbEnv = { DATABASE_URL: env.options.url! };
    const BUDGET = 600; // 40 answers of 15 tokens
    const addBudget = await runCliEnv(['gateway', 'client', 'add', 'team-a', '--monthly-tokens', String(BUDGET), '-c', file], dbEnv);
    assert.equal(addBudget.code, 0, addBudget.stderr);
    const addRate = await runCliEnv(['gateway', 'client', 'add', 'team-b', '--rate-limit', '12/h', '-c', file], dbEnv);
    assert.equal(addRate.code, 0, addRate.stderr);
    const budgetToken = addBudget.stdout.trim();
    const rateToken = addRate.stdout.trim();

    const g1 = await startGatewayProcess(file, dbEnv);
    const g2 = await startGatewayProcess(file, dbEnv);
    t.after(async () => {
      g1.child.kill('SIGKILL');
      g2.child.kill('SIGKILL');
    });

    // Four callers per gateway, each until it is refused for the budget.
    const LOOPS = 4;
    let served = 0;
    const refusals = new Set<string>();
    const loop = async (url: string) => {
      for (let i = 0; i < 200; i++) {
        const r = await chat(url, ask(), { authorization: `Bearer ${budgetToken}` });
        if (r.status === 200) served++;
        else {
          assert.equal(r.status, 429, r.text);
          refusals.add(r.json?.error?.code);
          return;
        }
      }
      assert.fail('never refused');
    };
    await Promise.all([g1.url, g2.url].flatMap((u) => Array.from({ length: LOOPS }, () => loop(u))));
    assert.deepEqual([...refusals], ['insufficient_quota']);

    // The rate limit: 30 requests spread over both gateways, 12 admitted in all (one window of an hour).
    const rated = await Promise.all(Array.from({ length: 30 }, (_, i) => chat(i % 2 ? g1.url : g2.url, ask(), { authorization: `Bearer ${rateToken}` })));
    const admitted = rated.filter((r) => r.status === 200).length;
    assert.ok(rated.every((r) => r.status === 200 || (r.status === 429 && r.json?.error?.code === 'rate_limit_exceeded')));
    assert.ok(admitted >= 1 && admitted <= 12, `${admitted} admitted at 12/h across two gateways`);

    assert.equal(await g1.stop(), 0);
    assert.equal(await g2.stop(), 0);
    const store = await env.open();
    const total = (await gatewayUsage(store.db, ['team-a'], monthOf(Date.now()))).get('team-a');
    t.diagnostic(`${served} answers, ${total} tokens counted of a ${BUDGET}-token budget`);
    // No lost update: every answer's 15 tokens are in the shared row.
    assert.equal(total, served * 15);
    // Over-spend bounded by the answers in flight when the budget ran out: at most one per caller, and one more each that was admitted before its replica's flush came back.
    assert.ok(total! >= BUDGET, `${total} tokens used of ${BUDGET}: the budget was reached`);
    assert.ok(total! <= BUDGET + 2 * 2 * LOOPS * 15, `${total} tokens used of ${BUDGET}`);

    // Restarted: the count is still there, the client still refused.
    const g3 = await startGatewayProcess(file, dbEnv);
    t.after(() => g3.child.kill('SIGKILL'));
    const r = await chat(g3.url, ask(), { authorization: `Bearer ${budgetToken}` });
    assert.equal(r.status, 429);
    assert.equal(r.json.error.code, 'insufficient_quota');
    const r2 = await chat(g3.url, ask(), { authorization: `Bearer ${rateToken}` });
    assert.ok(admitted < 12 || r2.status === 429, 'the rate window is shared with the restarted process too');
    assert.equal(await g3.stop(), 0);
  });
});

function runCliEnv(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr });
    });
  });
}
