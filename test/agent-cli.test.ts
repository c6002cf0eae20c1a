// `vigie agent register|list|revoke` as a person runs them: the token once on stdout, only its hash
// stored, a region the config does not have refused by name, and the flags the agent itself needs.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { runCli } from './helpers/cli.js';

it('vigie agent register, list and revoke', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-agent-cli-'));
  try {
    const cfg = join(dir, 'vigie.yaml');
    writeFileSync(
      cfg,
      [
        `store: { path: ${JSON.stringify(join(dir, 'vigie.db'))} }`,
        'regions: [ap-south]',
        'services:',
        '  - id: s',
        '    name: S',
        '    components:',
        '      - id: c',
        '        name: C',
        '        monitors:',
        '          - { name: m, url: "http://127.0.0.1:9/", regions: [local, eu-west] }',
      ].join('\n'),
    );
    const reg = await runCli(['agent', 'register', 'paris-1', '--region', 'eu-west', '-c', cfg]);
    assert.equal(reg.code, 0, reg.stderr);
    const token = reg.stdout.trim();
    assert.match(token, /^vigie_agent_[A-Za-z0-9_-]{43}$/);
    assert.match(reg.stderr, /shown only now/);
    assert.equal((await runCli(['agent', 'register', 'mumbai-1', '--region', 'ap-south', '-c', cfg])).code, 0, 'a region of the top-level list');

    const bad = await runCli(['agent', 'register', 'x', '--region', 'us-east', '-c', cfg]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /region "us-east" is not configured \(configured: ap-south, eu-west\)/);
    assert.equal((await runCli(['agent', 'register', 'paris-1', '--region', 'eu-west', '-c', cfg])).code, 2, 'names are unique');
    assert.equal((await runCli(['agent', 'register', 'bad name', '--region', 'eu-west', '-c', cfg])).code, 2);

    const list = await runCli(['agent', 'list', '-c', cfg]);
    assert.equal(list.code, 0);
    assert.match(list.stdout, /^mumbai-1\tap-south\tnever seen$/m);
    assert.match(list.stdout, /^paris-1\teu-west\tnever seen$/m);
    assert.ok(!list.stdout.includes(token));

    assert.equal((await runCli(['agent', 'revoke', 'paris-1', '-c', cfg])).code, 0);
    assert.match((await runCli(['agent', 'list', '-c', cfg])).stdout, /^paris-1\teu-west\trevoked /m);
    assert.equal((await runCli(['agent', 'revoke', 'paris-1', '-c', cfg])).code, 1);

    const noServer = await runCli(['agent', '--token', token]);
    assert.equal(noServer.code, 2);
    assert.match(noServer.stderr, /--server is required/);
    const badUrl = await runCli(['agent', '--server', 'ftp://x', '--token', token]);
    assert.equal(badUrl.code, 2);
    assert.match(badUrl.stderr, /--server must be an http/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it('one agent per data directory: a second is refused, naming the holder', { timeout: 30_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-agent-lock-'));
  try {
    // The lock as a live agent on this host leaves it (this test's own process stands in for that agent).
    writeFileSync(join(dir, 'agent.pid'), JSON.stringify({ pid: process.pid, host: hostname(), since: '2026-01-01T00:00:00.000Z' }) + '\n');
    const r = await runCli(['agent', '--server', 'http://127.0.0.1:9', '--token', 'vigie_agent_x', '--data', dir]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`another agent \\(pid ${process.pid} on .*\\) uses the data directory`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
