// `vigie notify test CHANNEL --config FILE` as a subprocess against a local receiver.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startRecorder } from './helpers/receivers.js';

const CLI = resolve(dirname(fileURLToPath(import.meta.url)), '../src/cli.js');

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, VIGIE_DEBUG: '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const t = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('exit', (code) => {
      clearTimeout(t);
      res({ code, stdout, stderr });
    });
  });
}

it('vigie notify test sends one message and prints what the receiver answered', async () => {
  const rec = await startRecorder();
  rec.respond = (r) => (r.url.startsWith('/v2/enqueue') ? { status: 400, body: '{"status":"invalid event","errors":["routing_key invalid"]}' } : { body: 'ok' });
  const dir = await mkdtemp(join(tmpdir(), 'vigie-notify-cli-'));
  const file = join(dir, 'vigie.yaml');
  await writeFile(
    file,
    [
      'site: { title: Acme status }',
      'notify:',
      '  secret: ${NOTIFY_SECRET}',
      '  channels:',
      `    team: { type: slack, url: "${rec.origin}/services/x" }`,
      `    pager: { type: pagerduty, routing_key: nope, base_url: "${rec.origin}" }`,
      '    broken: { type: discord, url: "not a url" }',
      '',
    ].join('\n'),
  );
  try {
    const env = { NOTIFY_SECRET: 'notify-secret-0123456789' };
    const ok = await run(['notify', 'test', 'team', '--config', file], env);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^team \(slack\): delivered: HTTP 200/m);
    assert.match(ok.stdout, /receiver answered: ok/);
    assert.equal(rec.requests.length, 1);
    assert.equal(rec.requests[0]!.json.text, 'Test message from Acme status');

    const refused = await run(['notify', 'test', 'pager', '--config', file], env);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /pager \(pagerduty\): failed: HTTP 400/);
    assert.match(refused.stdout, /routing_key invalid/);

    const broken = await run(['notify', 'test', 'broken', '--config', file], env);
    assert.equal(broken.code, 1);
    assert.match(broken.stderr, /notify channel "broken" \(discord\): field "url": must be an http/);

    const missing = await run(['notify', 'test', 'nope', '--config', file], env);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no such channel \(configured: team, pager, broken\)/);
  } finally {
    await rec.close();
    await rm(dir, { recursive: true, force: true });
  }
});
