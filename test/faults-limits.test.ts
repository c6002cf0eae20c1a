// Resource limits on a real `vigie start`: a child run with a low `ulimit -n` and a small V8 heap. One
// client opening stream after stream, then idle connections, must meet 503 with Retry-After (streams
// first, then newcomers) while the public page keeps answering, and the process must survive running
// out of descriptors.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type Socket, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { CLI } from './helpers/cli.js';
import { waitFor } from './helpers/wait.js';
import { startTarget, type Target } from './faults-helpers.js';

const FD_LIMIT = 512;

/** Sends `req` on a new socket; resolves with the first bytes answered ('' if the server closed first). */
function firstAnswer(port: number, req: string, keep: Socket[]): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    keep.push(s);
    let got = '';
    s.on('error', () => resolve(got));
    s.on('close', () => resolve(got));
    s.on('data', (d) => {
      got += d.toString();
      if (got.includes('\r\n\r\n')) resolve(got);
    });
    s.write(req);
  });
}

describe(`vigie start with ulimit -n ${FD_LIMIT} and a 96 MB heap`, () => {
  let dir: string;
  let target: Target;
  let child: ChildProcess;
  let base: string;
  let port: number;
  let stderr = '';
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigie-limits-'));
    target = await startTarget();
    const config = join(dir, 'vigie.yaml');
    writeFileSync(
      config,
      [
        'site: { title: Limits, port: 0, host: 127.0.0.1 }',
        `store: { path: ${join(dir, 'vigie.db')} }`,
        'defaults: { interval: 200ms, timeout: 1s }',
        'services:',
        '  - id: acme',
        '    name: Acme',
        '    components:',
        `      - { id: api, name: API, monitors: [{ name: m, url: "${target.url}" }] }`,
        '',
      ].join('\n'),
    );
    child = spawn('sh', ['-c', `ulimit -n ${FD_LIMIT} && exec "$0" "$@"`, process.execPath, '--max-old-space-size=96', CLI, 'start', '--config', config, '--log-level', 'warn'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stderr!.on('data', (d) => (stderr += d));
    let out = '';
    base = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no status page address within 20 s: ${out} ${stderr}`)), 20_000);
      child.stdout!.on('data', (d) => {
        out += d;
        const m = /Status page: (http:\/\/[^\s]+?)\/?\s/.exec(out);
        if (m) {
          clearTimeout(t);
          resolve(m[1]!);
        }
      });
      child.once('exit', (code) => reject(new Error(`vigie exited ${code}: ${stderr}`)));
    });
    port = Number(new URL(base).port);
  });
  after(async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    }
    await target.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses streams, then newcomers, with 503 + Retry-After while the page answers; survives running out', async () => {
    const sockets: Socket[] = [];
    try {
      await waitFor('the page', async () => (await request(`${base}/`)).statusCode === 200);
      // One client, stream after stream.
      let accepted = 0;
      let refusal = '';
      for (let i = 0; i < FD_LIMIT && !refusal; i++) {
        const a = await firstAnswer(port, 'GET /events HTTP/1.1\r\nHost: x\r\n\r\n', sockets);
        if (a.startsWith('HTTP/1.1 200')) accepted++;
        else refusal = a;
      }
      assert.ok(accepted > 0, 'some streams were served');
      assert.match(refusal, /^HTTP\/1\.1 503/, `streams end in a 503, not a failure: ${JSON.stringify(refusal.slice(0, 80))}`);
      assert.match(refusal.toLowerCase(), /retry-after: \d+/);
      const page = await request(`${base}/`);
      assert.equal(page.statusCode, 200, 'the page answers once streams are refused');
      await page.body.dump();

      // Then idle connections, more than the process has descriptors left.
      // Opened quickly: the server's header timeout would otherwise close them as fast as they come.
      const answers: string[] = [];
      for (let i = 0; i < FD_LIMIT; i++) {
        const s = connect(port, '127.0.0.1');
        sockets.push(s);
        const k = answers.push('') - 1;
        s.on('error', () => {});
        s.on('data', (d) => (answers[k] += d.toString()));
        await new Promise((r) => setTimeout(r, 5));
      }
      await new Promise((r) => setTimeout(r, 500));
      assert.ok(
        answers.some((a) => /^HTTP\/1\.1 503/.test(a) && /retry-after: \d+/i.test(a)),
        `newcomers beyond the reserve are told 503 with Retry-After (accepted streams ${accepted}; answers: ${JSON.stringify(answers.reduce<Record<string, number>>((m, x) => ({ ...m, [x.slice(0, 12) || 'none']: (m[x.slice(0, 12) || 'none'] ?? 0) + 1 }), {}))})`,
      );
      assert.equal(child.exitCode, null, `vigie is still running: ${stderr}`);
    } finally {
      for (const s of sockets) s.destroy();
    }
    // Once the crowd leaves, everything answers again.
    await waitFor('the page after the crowd left', async () => (await request(`${base}/`)).statusCode === 200, 20_000);
    await waitFor('/healthz after the crowd left', async () => (await request(`${base}/healthz`)).statusCode === 200, 20_000);
    assert.equal(child.exitCode, null, `vigie is still running: ${stderr}`);
    assert.doesNotMatch(stderr, /FATAL|heap out of memory|EMFILE/);
  });
});
