// The `vigie` command as people run it: real subprocesses, exit codes, what they print.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import { type Running, startHttp } from './helpers/servers.js';
import { CLI, runCli } from './helpers/cli.js';

const run = (args: string[], opts: { cwd?: string } = {}) => runCli(args, opts);

const noStack = (s: string) => assert.doesNotMatch(s, /\n\s+at .+:\d+:\d+/, 'no stack trace');

describe('vigie config check', () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'vigie-cli-'))));
  after(() => rm(dir, { recursive: true, force: true }));

  test('a good file: exit 0 and what it holds', async () => {
    const r = await run(['config', 'check', 'examples/vigie.yaml']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /examples\/vigie\.yaml: OK \(\d+ services, \d+ components, \d+ monitors\)/);
  });

  test('a bad file: exit 1, file:line:column, field and message for each error, no stack trace', async () => {
    const file = join(dir, 'bad.yaml');
    await writeFile(
      file,
      ['services:', '  - id: chatgpt', '    name: ChatGPT', '    components:', '      - id: web', '        name: Web', '        monitors:', '          - name: us', '            url: http://127.0.0.1/', '            intervall: 30s', '            timeout: soon', ''].join('\n'),
    );
    const r = await run(['config', 'check', file]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`${file.replace(/[/.]/g, '\\$&')}:10:13: services\\[0\\]\\.components\\[0\\]\\.monitors\\[0\\]\\.intervall: unknown key "intervall" \\(did you mean "interval"\\?\\)`));
    assert.match(r.stderr, /:11:22: services\[0\]\.components\[0\]\.monitors\[0\]\.timeout: "soon" is not a duration/);
    assert.match(r.stderr, /2 errors; nothing was started/);
    noStack(r.stderr);
  });

  test('a missing file and a YAML syntax error are one clear line each', async () => {
    const missing = await run(['config', 'check', join(dir, 'nope.yaml')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /nope\.yaml: file not found/);
    const file = join(dir, 'syntax.yaml');
    await writeFile(file, 'services:\n  - id: [unclosed\n');
    const syntax = await run(['config', 'check', file]);
    assert.equal(syntax.code, 1);
    assert.match(syntax.stderr, /syntax\.yaml:\d+:\d+: /);
    noStack(syntax.stderr);
  });
});

describe('vigie check', () => {
  let server: Running;
  before(async () => {
    server = await startHttp((req, res) => {
      if (req.url === '/fail') res.writeHead(500).end('Internal Server Error');
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    });
  });
  after(() => server.close());

  test('a passing check: exit 0, verdict and per-phase timings', async () => {
    const r = await run(['check', `${server.origin}/`, '--timeout', '3s']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^OK\b/);
    assert.match(r.stdout, /status\s+200/);
    assert.match(r.stdout, /connect\s+[\d.]+ ms/);
    assert.match(r.stdout, /total\s+[\d.]+ ms/);
  });

  test('a failing check: exit 1 and the failure kind; --json gives one object', async () => {
    const r = await run(['check', `${server.origin}/fail`]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^FAIL http_status: HTTP 500/);
    const j = await run(['check', `${server.origin}/fail`, '--json']);
    assert.equal(j.code, 1);
    const o = JSON.parse(j.stdout) as { ok: boolean; statusCode: number; error: { kind: string }; phases: { totalMs: number } };
    assert.equal(o.ok, false);
    assert.equal(o.statusCode, 500);
    assert.equal(o.error.kind, 'http_status');
    assert.equal(typeof o.phases.totalMs, 'number');
  });

  test('a refused port is a connect failure', async () => {
    const { refusedPort } = await import('./helpers/servers.js');
    const r = await run(['check', `http://127.0.0.1:${await refusedPort()}/`, '--timeout', '2s']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^FAIL connect:/);
  });

  test('bad input: exit 2 with one line saying what is wrong', async () => {
    for (const [args, msg] of [
      [['check', 'not a url'], /is not a URL/],
      [['check', 'ftp://127.0.0.1/'], /cannot check ftp:\/\/ URLs; use http:\/\/, https:\/\/, tcp:\/\//],
      [['check', 'tcp://127.0.0.1'], /a tcp:\/\/ check needs a host and a port/],
      [['check', 'dns:///example.com?type=BOGUS'], /\?type= takes one of A, AAAA/],
      [['check', 'http://127.0.0.1/', '--timeout', 'soon'], /--timeout takes a duration/],
      [['check', 'http://127.0.0.1/', '--expect', '999'], /--expect takes HTTP status codes/],
    ] as const) {
      const r = await run([...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, msg);
      noStack(r.stderr);
    }
  });
});

describe('vigie start', () => {
  test('serves the page for a config, and SIGTERM stops it cleanly', { timeout: 30_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vigie-start-'));
    const target = await startHttp((_req, res) => res.writeHead(200).end('ok'));
    let child: ChildProcess | undefined;
    try {
      const file = join(dir, 'vigie.yaml');
      await writeFile(
        file,
        [
          'site: { title: "Start test", port: 0 }',
          `store: { path: "${join(dir, 'vigie.db')}" }`,
          'defaults: { interval: 200ms, timeout: 1s }',
          'services:',
          '  - id: acme',
          '    name: Acme',
          '    components:',
          '      - id: api',
          '        name: API',
          `        monitors: [{ name: local, url: "${target.origin}/" }]`,
        ].join('\n'),
      );
      child = spawn(process.execPath, [CLI, 'start', '--config', file, '--log-level', 'warn'], { cwd: dir });
      let out = '';
      child.stdout!.on('data', (d) => (out += d));
      const url = await new Promise<string>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no status page line in: ${out}`)), 15_000);
        child!.stdout!.on('data', () => {
          const m = /Status page: (http:\/\/\S+?)\/?\s/.exec(out);
          if (m) {
            clearTimeout(t);
            resolve(m[1]!);
          }
        });
      });
      const summary = (await (await request(`${url}/api/v2/summary.json`)).body.json()) as { page: { name: string }; components: unknown[] };
      assert.equal(summary.page.name, 'Start test');
      assert.equal(summary.components.length, 2);
      const exit = new Promise<number | null>((r) => child!.on('exit', (code) => r(code)));
      child.kill('SIGTERM');
      assert.equal(await exit, 0);
    } finally {
      if (child && child.exitCode === null) child.kill('SIGKILL');
      await target.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
