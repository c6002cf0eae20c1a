// `npm test` without PostgreSQL: the PostgreSQL runs are skipped, saying so, and counted as skipped;
// with VIGIE_TEST_PG=require (CI) the same absence is a failure. Run against a port nothing listens on.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { refusedPort } from './helpers/servers.js';

const HELPERS = fileURLToPath(new URL('./helpers/', import.meta.url));

function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    // Without NODE_TEST_CONTEXT: the child is a test run of its own, not part of this one.
    const { NODE_TEST_CONTEXT: _inner, ...outer } = process.env;
    const child = spawn(process.execPath, args, { env: { ...outer, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve({ code, out });
    });
  });
}

test('no PostgreSQL: skipped with a plain reason and counted; required: a failure', { timeout: 120_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'vigie-requirements-'));
  try {
    const file = join(dir, 'one-store.test.mjs');
    await writeFile(file, `import { forEachEngine } from ${JSON.stringify(join(HELPERS, 'engines.js'))};\nforEachEngine('a store', async (env) => { const s = await env.open(); await s.close(); });\n`);
    const url = `postgres://postgres@127.0.0.1:${await refusedPort()}/postgres`;
    const base = { VIGIE_TEST_PG_URL: url };

    const auto = await run(['--test', '--test-reporter=tap', file], { ...base, VIGIE_TEST_PG: '' });
    assert.equal(auto.code, 0, auto.out);
    assert.match(auto.out, /# skipped 1/);
    assert.match(auto.out, /# SKIP PostgreSQL runs skipped: no server answers at postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres \(ECONNREFUSED\)/);
    assert.match(auto.out, /# pass 1/, 'the SQLite run still runs');

    const required = await run(['--test', '--test-reporter=tap', file], { ...base, VIGIE_TEST_PG: 'require' });
    assert.equal(required.code, 1, required.out);
    assert.match(required.out, /PostgreSQL is unreachable at/);
    assert.match(required.out, /# fail 1/);

    const line = await run([join(HELPERS, 'requirements.js')], { ...base, VIGIE_TEST_PG: '' });
    assert.equal(line.code, 0);
    assert.match(line.out, /^PostgreSQL \(postgres:\/\/\S+\): NOT AVAILABLE, PostgreSQL runs skipped: no server answers/m);
    const bad = await run([join(HELPERS, 'requirements.js')], { ...base, VIGIE_TEST_PG: 'maybe' });
    assert.notEqual(bad.code, 0);
    assert.match(bad.out, /VIGIE_TEST_PG="maybe": use require, skip or auto/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
