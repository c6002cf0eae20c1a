// Storage faults on both engines: a disk that fills (a real small tmpfs), a read-only database file,
// PostgreSQL cut off (a TCP proxy that drops every connection and refuses new ones). While writes fail,
// detection and the page go on from memory, the page says Vigie cannot record and /healthz fails; once
// the store is back everything held is written, in order, and nothing is lost.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, rmSync, truncateSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { request } from 'undici';
import { createVigie, type Vigie } from '../src/app.js';
import { DamagedDatabaseError, ReadOnlyDatabaseError } from '../src/store/db.js';
import { openStore } from '../src/store/store.js';
import { sql } from 'kysely';
import { PG_SKIPPED, postgresEngine, sqliteEngine } from './helpers/engines.js';
import { waitFor } from './helpers/wait.js';
import { IS_ROOT, capturingLogger, cuttableProxy, faultConfig, smallTmpfs, startTarget } from './faults-helpers.js';

const summaryStatus = async (base: string) => {
  const s = (await (await request(`${base}/api/v2/summary.json`)).body.json()) as { components: { name: string; status: string }[] };
  return s.components.find((c) => c.name === 'API')?.status;
};
const healthz = async (base: string) => (await request(`${base}/healthz`)).statusCode;
const pageText = async (base: string, lang = 'en') => (await request(`${base}/?lang=${lang}`)).body.text();

/** Fills the file system holding `dir` to the last byte; returns the filler's path. */
function fill(dir: string): string {
  const file = join(dir, 'filler');
  const fd = openSync(file, 'a');
  const chunk = Buffer.alloc(16_384, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  }
  try {
    for (;;) writeSync(fd, chunk, 0, 512);
  } catch {
    /* full */
  } finally {
    closeSync(fd);
  }
  return file;
}

/** Observations of the monitor stored with `at` in [from, to]. */
async function storedBetween(v: Vigie, from: number, to: number): Promise<number> {
  const rows = await v.store.recentObservations('acme/api/m', 100_000);
  return rows.filter((o) => o.at >= from && o.at <= to).length;
}

describe('a disk that fills (SQLite on a small tmpfs)', { skip: !IS_ROOT && 'needs root to mount a tmpfs' }, () => {
  it('keeps detecting, says so on the page and /healthz, and writes everything once space returns', async () => {
    const fs = smallTmpfs('4m');
    const target = await startTarget();
    const { log, lines } = capturingLogger();
    let vigie: Vigie | undefined;
    try {
      vigie = await createVigie({ config: faultConfig(target.url, { path: join(fs.dir, 'vigie.db') }), logger: log });
      const base = await vigie.start();
      await waitFor('observations stored', async () => (await vigie!.store.recentObservations('acme/api/m', 3)).length >= 3);
      assert.equal(await healthz(base), 200);

      // Fill the disk, and keep it full until a write fails (SQLite reuses WAL space for a while).
      const filler = fill(fs.dir);
      await waitFor('a failed write', () => {
        fill(fs.dir);
        return !vigie!.guard.health.writable;
      }, 30_000);
      const fullSince = vigie.guard.health.view().failingSince!;
      assert.equal(await healthz(base), 503, '/healthz fails while Vigie cannot write');
      const hz = (await (await request(`${base}/healthz`)).body.json()) as { cause: string; message: string };
      assert.match(hz.message, /disk is full/);

      // The target goes down while nothing can be written: the page must follow anyway.
      target.failing.on = true;
      await waitFor('major outage shown from memory', async () => (await summaryStatus(base)) === 'major_outage');
      const html = await pageText(base);
      assert.match(html, /Vigie cannot write its data since \d\d:\d\d UTC: statuses may be stale/);
      assert.match(await pageText(base, 'fr'), /Vigie ne peut plus enregistrer ses données depuis \d\d:\d\d UTC/);
      assert.ok(vigie.guard.health.view().held['status changes']! >= 1, 'the change waits in memory');

      // Space returns: writes resume by themselves, held rows first.
      rmSync(filler);
      await waitFor('writable again', () => vigie!.guard.health.writable, 30_000);
      const recovered = Date.now();
      assert.equal(await healthz(base), 200);
      await waitFor('the notice gone from the page', async () => !/cannot write its data/.test(await pageText(base)));
      const changes = await vigie.store.statusChanges({ componentId: 'acme/api' });
      assert.ok(changes.some((c) => c.toStatus === 'major_outage' && c.at >= fullSince), 'the held status change is in the store');
      assert.ok((await storedBetween(vigie, fullSince, recovered)) > 0, 'observations made while the disk was full are in the store');
      assert.deepEqual(vigie.guard.health.view().dropped, {}, 'nothing was given up');
      assert.deepEqual(vigie.guard.health.view().held, { observations: 0, 'status changes': 0 });

      // The cause was said, once, and never hidden behind rollback noise.
      const text = lines.map((l) => `${String(l.msg)} ${JSON.stringify(l.err ?? '')}`);
      assert.ok(text.some((t) => /database or disk is full/.test(t)), 'the real cause is logged');
      assert.ok(!text.some((t) => /cannot rollback/.test(t)), 'no "cannot rollback" noise');
      const firstLines = lines.filter((l) => /observations write failed/.test(String(l.msg)));
      assert.equal(firstLines.length, 1, 'the cause is logged once, then counted');
      const errors = lines.filter((l) => Number(l.level) >= 50);
      assert.ok(errors.length <= 12, `a handful of error lines for the whole fault, not one per failed write: ${errors.length}\n${errors.map((l) => l.msg).join('\n')}`);
      const metrics = await (await request(`${base}/metrics`)).body.text();
      assert.match(metrics, /vigie_failures_total\{cause="database or disk is full[^"]*",where="observations write"\} \d+/);
      assert.match(metrics, /vigie_store_writable 1/);
      assert.match(metrics, /vigie_sse_refused_total\{reason="network"\} 0/);
      assert.match(metrics, /vigie_fds_left \d+/);
    } finally {
      await vigie?.stop().catch(() => {});
      await target.close();
      fs.close();
    }
  });
});

describe('a read-only database', { skip: !IS_ROOT && 'needs root for read-only mounts' }, () => {
  it('is refused at start with a message naming the file (read-only file, then read-only folder)', async () => {
    const fs = smallTmpfs('8m');
    const target = await startTarget();
    const path = join(fs.dir, 'vigie.db');
    try {
      const first = await createVigie({ config: faultConfig(target.url, { path }) });
      await first.stop();
      // The file alone read-only (a read-only bind mount of it: root ignores file modes).
      execFileSync('mount', ['--bind', path, path]);
      execFileSync('mount', ['-o', 'remount,ro,bind', path]);
      try {
        await assert.rejects(createVigie({ config: faultConfig(target.url, { path }) }), (err: Error) => {
          assert.ok(err instanceof ReadOnlyDatabaseError, String(err));
          assert.ok(err.message.includes(path), err.message);
          assert.match(err.message, /cannot be written/);
          return true;
        });
      } finally {
        execFileSync('umount', [path]);
      }
      // The whole folder read-only.
      execFileSync('mount', ['-o', 'remount,ro', fs.dir]);
      await assert.rejects(createVigie({ config: faultConfig(target.url, { path }) }), (err: Error) => {
        assert.ok(err instanceof ReadOnlyDatabaseError, String(err));
        assert.ok(err.message.includes(path), err.message);
        return true;
      });
      execFileSync('mount', ['-o', 'remount,rw', fs.dir]);
    } finally {
      await target.close();
      fs.close();
    }
  });
});

describe('a damaged database file', () => {
  it('stops start-up naming the file and the ways out', async () => {
    const engine = await sqliteEngine();
    const target = await startTarget();
    try {
      const path = engine.options.path!;
      const v = await createVigie({ config: faultConfig(target.url, { path }) });
      await v.stop();
      // Truncated in the middle of its pages, as a full disk or a bad copy leaves it.
      truncateSync(path, Math.floor(statSync(path).size / 2));
      await assert.rejects(createVigie({ config: faultConfig(target.url, { path }) }), (err: Error) => {
        assert.ok(err instanceof DamagedDatabaseError, `${err.name}: ${err.message}`);
        assert.ok(err.message.includes(path), err.message);
        assert.match(err.message, /restore it from a backup/);
        assert.match(err.message, /fresh file and keep the damaged one/);
        return true;
      });
      // Not a database at all.
      writeFileSync(path, Buffer.alloc(8192, 7));
      rmSync(`${path}-wal`, { force: true });
      rmSync(`${path}-shm`, { force: true });
      await assert.rejects(createVigie({ config: faultConfig(target.url, { path }) }), DamagedDatabaseError);
    } finally {
      await target.close();
      await engine.cleanup();
    }
  });
});

describe('PostgreSQL cut off under load', { skip: PG_SKIPPED && 'VIGIE_TEST_PG=skip' }, () => {
  it('keeps detecting from memory and writes everything once the database is back', async () => {
    const engine = await postgresEngine();
    const target = await startTarget();
    const u = new URL(engine.options.url!);
    const proxy = await cuttableProxy(u.hostname, Number(u.port || 5432));
    u.port = String(proxy.port);
    let vigie: Vigie | undefined;
    try {
      vigie = await createVigie({ config: faultConfig(target.url), databaseUrl: u.toString() });
      const base = await vigie.start();
      await waitFor('observations stored', async () => (await vigie!.store.recentObservations('acme/api/m', 3)).length >= 3);

      await proxy.cut();
      const cutAt = Date.now();
      await waitFor('a failed write', () => !vigie!.guard.health.writable, 30_000);
      target.failing.on = true;
      await waitFor('major outage shown from memory', async () => (await summaryStatus(base)) === 'major_outage', 30_000);
      assert.equal(await healthz(base), 503);
      assert.match(await pageText(base), /Vigie cannot write its data since/);

      await proxy.restore();
      await waitFor('writable again', () => vigie!.guard.health.writable, 60_000);
      const back = Date.now();
      assert.equal(await healthz(base), 200);
      const changes = await vigie.store.statusChanges({ componentId: 'acme/api' });
      assert.ok(changes.some((c) => c.toStatus === 'major_outage' && c.at >= cutAt), 'the held status change is in the store');
      assert.ok((await storedBetween(vigie, cutAt, back)) > 0, 'observations made while cut off are in the store');
      assert.deepEqual(vigie.guard.health.view().dropped, {});
    } finally {
      await vigie?.stop().catch(() => {});
      await proxy.close();
      await target.close();
      await engine.cleanup();
    }
  });
});

describe('a PostgreSQL connection cut while checked out of the pool', { skip: PG_SKIPPED && 'VIGIE_TEST_PG=skip' }, () => {
  it('fails the transaction that held it, not the process', async () => {
    const engine = await postgresEngine();
    const u = new URL(engine.options.url!);
    const proxy = await cuttableProxy(u.hostname, Number(u.port || 5432));
    u.port = String(proxy.port);
    const store = await openStore({ url: u.toString() });
    let fatal: unknown;
    const onUncaught = (err: unknown) => (fatal = err);
    // The test runner would report an uncaught error as this test's failure; catch it to say what it was.
    process.on('uncaughtException', onUncaught);
    try {
      const tx = store.db.transaction().execute(async (trx) => {
        await trx.selectFrom('services').selectAll().execute();
        await proxy.cut(); // the client is checked out and idle between two queries
        await new Promise((r) => setTimeout(r, 200));
        await trx.selectFrom('services').selectAll().execute();
      });
      await assert.rejects(tx);
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(fatal, undefined, `an 'error' event escaped: ${String(fatal)}`);
      await proxy.restore();
      await waitFor('the pool works again', async () => (await store.db.selectFrom('services').selectAll().execute(), true));
    } finally {
      process.off('uncaughtException', onUncaught);
      await store.close().catch(() => {});
      await proxy.close();
      await engine.cleanup();
    }
  });
});

describe('a read-only PostgreSQL database', { skip: PG_SKIPPED && 'VIGIE_TEST_PG=skip' }, () => {
  it('is refused at start, named (without its password)', async () => {
    const engine = await postgresEngine();
    const target = await startTarget();
    try {
      const first = await createVigie({ config: faultConfig(target.url), databaseUrl: engine.options.url! });
      await first.stop();
      const name = new URL(engine.options.url!).pathname.slice(1);
      const admin = await engine.open();
      await sql.raw(`ALTER DATABASE "${name}" SET default_transaction_read_only = on`).execute(admin.db);
      await admin.close();
      await assert.rejects(createVigie({ config: faultConfig(target.url), databaseUrl: engine.options.url! }), (err: Error) => {
        assert.ok(err instanceof ReadOnlyDatabaseError, `${err.name}: ${err.message}`);
        assert.ok(err.message.includes(name), err.message);
        return true;
      });
    } finally {
      await target.close();
      await engine.cleanup();
    }
  });
});

describe('PostgreSQL gone silent (connections kept, nothing answered)', { skip: PG_SKIPPED && 'VIGIE_TEST_PG=skip' }, () => {
  it('does not freeze detection or the page', async () => {
    const engine = await postgresEngine();
    const target = await startTarget();
    const u = new URL(engine.options.url!);
    const proxy = await cuttableProxy(u.hostname, Number(u.port || 5432));
    u.port = String(proxy.port);
    let vigie: Vigie | undefined;
    try {
      vigie = await createVigie({ config: faultConfig(target.url), databaseUrl: u.toString() });
      const base = await vigie.start();
      await waitFor('observations stored', async () => (await vigie!.store.recentObservations('acme/api/m', 3)).length >= 3);
      proxy.blackhole();
      target.failing.on = true;
      await waitFor('major outage shown while the database is silent', async () => (await summaryStatus(base)) === 'major_outage', 40_000);
      proxy.unblock();
      await waitFor('the change reaches the store', async () => (await vigie!.store.statusChanges({ componentId: 'acme/api' })).some((c) => c.toStatus === 'major_outage'), 60_000);
    } finally {
      proxy.unblock();
      await vigie?.stop().catch(() => {});
      await proxy.close();
      await target.close();
      await engine.cleanup();
    }
  });
});
