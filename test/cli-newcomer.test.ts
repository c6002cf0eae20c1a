// What a newcomer meets at the command line: `vigie --version`, `vigie start` without a config
// (a hint, not a stack), `vigie init` (a starter config that checks OK, never over an existing file),
// and logs that a person can read on a terminal while pipes still get JSON lines.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { formatLogLine, useText } from '../src/cli/log-format.js';
import { CLI, runCli } from './helpers/cli.js';

const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'vigie-newcomer-'));
}

describe('vigie --version, start without a config, init', () => {
  test('--version prints the package version', async () => {
    for (const flag of ['--version', '-V']) {
      const r = await runCli([flag]);
      assert.equal(r.code, 0);
      assert.equal(r.stdout.trim(), pkg.version);
    }
  });

  test('start without a config points at the example and at vigie init', async () => {
    const dir = await tempDir();
    try {
      const r = await runCli(['start'], { cwd: dir });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /no config file at vigie\.yaml/);
      assert.match(r.stderr, /npx vigie start --config examples\/vigie\.yaml/);
      assert.match(r.stderr, /npx vigie init/);
      assert.doesNotMatch(r.stderr, /\bat .*\.js:\d+/, 'no stack trace');
      const other = await runCli(['start', '-c', 'mine.yaml'], { cwd: dir });
      assert.match(other.stderr, /npx vigie init mine\.yaml/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('init writes a starter that checks OK, and never overwrites', async () => {
    const dir = await tempDir();
    try {
      let r = await runCli(['init'], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      const written = await readFile(join(dir, 'vigie.yaml'), 'utf8');
      assert.match(written, /^# vigie\.yaml/);
      r = await runCli(['config', 'check', 'vigie.yaml'], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /OK \(1 services, 1 components, 1 monitors\)/);
      await writeFile(join(dir, 'vigie.yaml'), 'site: { title: Mine }\n');
      r = await runCli(['init'], { cwd: dir });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /already exists; nothing was written/);
      assert.equal(await readFile(join(dir, 'vigie.yaml'), 'utf8'), 'site: { title: Mine }\n');
      r = await runCli(['init', 'sub/dir/status.yaml'], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      assert.match(await readFile(join(dir, 'sub/dir/status.yaml'), 'utf8'), /services:/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('log lines', () => {
  test('a pino line becomes one readable line; an error keeps its stack; anything else passes through', () => {
    const t = Date.UTC(2024, 11, 11, 23, 7, 12);
    assert.equal(
      formatLogLine(JSON.stringify({ level: 30, time: t, pid: 1, hostname: 'h', app: 'vigie', msg: 'vigie started', url: 'http://127.0.0.1:8080', monitors: 3 }), { colour: false }),
      '23:07:12 INFO  vigie started  url=http://127.0.0.1:8080 monitors=3\n',
    );
    const err = formatLogLine(JSON.stringify({ level: 50, time: t, msg: 'could not prepare the page', err: { type: 'RangeError', message: 'Invalid time value', stack: 'RangeError: Invalid time value\n    at x (y.js:1:1)' } }), { colour: false });
    assert.equal(err, '23:07:12 ERROR could not prepare the page  err="Invalid time value"\n    at x (y.js:1:1)\n');
    assert.equal(formatLogLine('not json', { colour: false }), 'not json\n');
    assert.match(formatLogLine(JSON.stringify({ level: 40, time: t, msg: 'w' }), { colour: true }), /\x1b\[33mWARN /);
    assert.equal(useText('auto', true), true);
    assert.equal(useText('auto', false), false);
    assert.equal(useText('auto', undefined), false);
    assert.equal(useText('json', true), false);
    assert.equal(useText('text', false), true);
  });

  async function startAndStop(dir: string, args: string[], viaTerminal: boolean): Promise<string> {
    const file = join(dir, 'vigie.yaml');
    await writeFile(file, `site: { title: "Logs", port: 0 }\nstore: { path: "${join(dir, 'vigie.db')}" }\n`);
    const cmd = [process.execPath, CLI, 'start', '--config', file, ...args];
    // `script` gives the command a pseudo-terminal, as a person's shell would.
    const child: ChildProcess = viaTerminal
      ? spawn('script', ['-qec', cmd.map((a) => `'${a}'`).join(' '), '/dev/null'], { cwd: dir, detached: true, env: { ...process.env, NO_COLOR: '1' } })
      : spawn(cmd[0]!, cmd.slice(1), { cwd: dir, env: { ...process.env, VIGIE_LOG_FORMAT: '' } });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`"vigie started" never logged: ${out}`)), 15_000);
        const look = () => /vigie started/.test(out) && (clearTimeout(timer), resolve());
        child.stdout!.on('data', look);
        child.stderr!.on('data', look);
      });
    } finally {
      const exit = new Promise((r) => child.on('close', r));
      if (viaTerminal) process.kill(-child.pid!, 'SIGTERM');
      else child.kill('SIGTERM');
      await exit;
    }
    return out;
  }

  test('vigie start logs readable lines on a terminal, JSON lines into a pipe', { timeout: 60_000 }, async () => {
    const dir = await tempDir();
    try {
      const piped = await startAndStop(dir, [], false);
      const line = piped.split('\n').find((l) => l.includes('vigie started'))!;
      assert.equal(JSON.parse(line).msg, 'vigie started');
      const text = await startAndStop(dir, ['--log-format', 'text'], false);
      assert.match(text, /^\d\d:\d\d:\d\d INFO  vigie started  url=http:\/\/127\.0\.0\.1:\d+/m);
      const tty = await startAndStop(dir, [], true);
      assert.match(tty, /^\d\d:\d\d:\d\d INFO  vigie started  url=http:\/\/127\.0\.0\.1:\d+/m);
      assert.doesNotMatch(tty, /"msg":/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
