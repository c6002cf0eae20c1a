// One Vigie per database: a second process (here, a second Vigie) is refused with who holds the
// store, before it writes anything; the store is free again once the first stops, and a lock file
// left by a process that has ended is taken over.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { createVigie } from '../src/app.js';
import { configSchema } from '../src/config/schema.js';
import { forEachEngine, sqliteEngine, type TestEngine } from './helpers/engines.js';

const config = (engine: TestEngine, component: string) =>
  configSchema.parse({
    site: { port: 0 },
    store: engine.options.path ? { path: engine.options.path } : {},
    services: [{ id: 'acme', name: 'Acme', components: [{ id: component, name: component }] }],
  });

const open = (engine: TestEngine, component: string) => createVigie({ config: config(engine, component), ...(engine.options.url ? { databaseUrl: engine.options.url } : {}) });

forEachEngine('a second Vigie on the same database is refused before it writes, and may start once the first has stopped', async (engine) => {
  const first = await open(engine, 'api');
  let second: Awaited<ReturnType<typeof open>> | undefined;
  try {
    await assert.rejects(open(engine, 'web'), (err: Error) => {
      assert.equal(err.name, 'StoreLockedError');
      assert.match(err.message, /another Vigie is already running/);
      assert.match(err.message, engine.name === 'sqlite' ? new RegExp(`pid ${process.pid} on `) : /server backend \d+/);
      return true;
    });
    // The refused one synced nothing: the first's component is still the only one.
    const model = await first.store.pageModel();
    assert.deepEqual(model.services.flatMap((s) => s.components.map((c) => c.id)), ['acme/api']);
    await first.stop();
    second = await open(engine, 'web');
    const after = await second.store.pageModel();
    assert.deepEqual(after.services.flatMap((s) => s.components.map((c) => c.id)), ['acme/web']);
  } finally {
    await first.stop().catch(() => {});
    await second?.stop();
    await engine.cleanup();
  }
});

test('the lock is taken in a folder the store has not created yet (a first run)', async () => {
  const engine = await sqliteEngine();
  const nested = { ...engine, options: { path: join(dirname(engine.options.path!), 'not', 'yet', 'vigie.db') } } as TestEngine;
  try {
    const v = await open(nested, 'api');
    assert.equal(JSON.parse(await readFile(`${nested.options.path!}.lock`, 'utf8')).pid, process.pid);
    await v.stop();
  } finally {
    await engine.cleanup();
  }
});

test('a lock file left by a process that has ended is taken over; one of a live process is not', async () => {
  const engine = await sqliteEngine();
  const file = `${engine.options.path!}.lock`;
  try {
    const gone = spawnSync(process.execPath, ['-e', '']).pid!;
    await writeFile(file, JSON.stringify({ pid: gone, host: hostname(), since: '2026-01-01T00:00:00.000Z' }));
    const v = await open(engine, 'api');
    assert.equal(JSON.parse(await readFile(file, 'utf8')).pid, process.pid, 'the file now names this process');
    await v.stop();
    await assert.rejects(readFile(file), { code: 'ENOENT' }, 'stop removes it');

    // A live process (the test runner's parent) holds it: refused, and its file is left alone.
    await writeFile(file, JSON.stringify({ pid: process.ppid, host: hostname(), since: '2026-01-01T00:00:00.000Z' }));
    await assert.rejects(open(engine, 'api'), { name: 'StoreLockedError' });
    assert.equal(JSON.parse(await readFile(file, 'utf8')).pid, process.ppid);

    // Empty and fresh: another process is between creating and writing it. Empty and old: left over.
    await writeFile(file, '');
    await assert.rejects(open(engine, 'api'), (err: Error) => err.name === 'StoreLockedError' && /is starting/.test(err.message));
    await utimes(file, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    const taken = await open(engine, 'api');
    assert.equal(JSON.parse(await readFile(file, 'utf8')).pid, process.pid);
    await taken.stop();
  } finally {
    await engine.cleanup();
  }
});
