// Durability: a child Vigie acknowledges reports, is killed with SIGKILL right after the last
// acknowledgement, and every acknowledged report is in the store; after a restart the dedup window
// is rebuilt from the store, so the same reporter is still refused as a duplicate.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { solvePow } from '../src/signals/reports/pow.js';
import { openStore } from '../src/store/store.js';
import { countReports } from '../src/store/reports.js';
import { challenge, report } from './reports-helpers.js';

const CLI = fileURLToPath(new URL('../src/cli.js', import.meta.url));

export async function startChild(config: string): Promise<{ child: ChildProcess; base: string; exited: Promise<void> }> {
  const child = spawn(process.execPath, [CLI, 'start', '--config', config, '--port', '0', '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`child did not start: ${err}`)), 20_000);
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /Status page: (http:\/\/\S+?)\/?\n/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`child exited with ${code}: ${err}`));
    });
  });
  return { child, base, exited };
}

export function yamlConfig(dbPath: string, difficulty = 4): string {
  return [
    'site: { title: Durability, port: 0 }',
    `store: { path: ${JSON.stringify(dbPath)} }`,
    `reports: { salt: durability-salt-0123456789, trust_proxy: true, pow_difficulty: ${difficulty}, per_prefix_per_minute: 100000, per_reporter_per_minute: 1000 }`,
    'services:',
    '  - id: acme',
    '    name: Acme',
    '    components: [{ id: web, name: Web }]',
    '',
  ].join('\n');
}

test('reports acknowledged before a SIGKILL are all in the store, and dedup survives the restart', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'vigie-durable-'));
  const db = join(dir, 'vigie.db');
  const config = join(dir, 'vigie.yaml');
  await writeFile(config, yamlConfig(db));
  let running: ChildProcess | undefined;
  try {
    const first = await startChild(config);
    running = first.child;
    const ch = await challenge(first.base);
    const nonces = Array.from({ length: 400 }, (_, i) => solvePow(ch.challenge, 'acme', ch.difficulty, i * 10_000));
    let acked = 0;
    await Promise.all(
      nonces.map(async (nonce, i) => {
        const r = await report(first.base, ch, `10.${(i >> 8) & 255}.${i & 255}.1`, { category: 'website' }, { pow: { challenge: ch.challenge, nonce } });
        if (r.status === 202) acked++;
      }),
    );
    first.child.kill('SIGKILL');
    await first.exited;
    assert.equal(acked, 400);
    const store = await openStore({ path: db });
    try {
      assert.equal(await countReports(store.db), acked, 'every acknowledged report survived the kill');
    } finally {
      await store.close();
    }

    const second = await startChild(config);
    running = second.child;
    const ch2 = await challenge(second.base);
    const again = await report(second.base, ch2, '10.0.0.1', { category: 'website' });
    assert.equal(again.status, 409, 'the reporter of the first run is still within its window');
    assert.equal(again.body.error, 'duplicate');
    const fresh = await report(second.base, ch2, '10.99.0.1', { category: 'website' });
    assert.equal(fresh.status, 202);
    const view = (await (await fetch(`${second.base}/api/services/acme/reports`)).json()) as { last_hour: number };
    assert.equal(view.last_hour, 401, 'the signal reloaded its counts from the store');
    second.child.kill('SIGTERM');
    await second.exited;
  } finally {
    if (running && running.exitCode === null && running.signalCode === null) running.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
});
