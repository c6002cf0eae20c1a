// Every store test runs on both engines: SQLite in a temp file, PostgreSQL in a throwaway database
// on a real server. With no PostgreSQL server answering, the PostgreSQL runs are skipped, saying so
// (VIGIE_TEST_PG=require, as in CI, makes that a failure instead; see requirements.ts).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import pg from 'pg';
import type { Engine } from '../../src/store/db.js';
import { PG_ADMIN_URL, PG_SKIP } from './requirements.js';
import { openStore, type Store } from '../../src/store/store.js';

export { PG_ADMIN_URL };
/** True when the PostgreSQL runs are skipped (PG_SKIP says why). */
export const PG_SKIPPED = PG_SKIP !== false;

export interface TestEngine {
  readonly name: Engine;
  /** Store options for this test's database (several opens share it: reopen, run migrations again). */
  readonly options: { url?: string; path?: string };
  /** Opens (and migrates) a store on this test's database; closed by cleanup(). */
  open(): Promise<Store>;
  /** Closes every store it opened and removes the database. Safe to call twice. */
  cleanup(): Promise<void>;
}

function uniqueName(): string {
  return `vigie_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
}

function tracker(options: { url?: string; path?: string }) {
  const stores: Store[] = [];
  return {
    open: async () => {
      const s = await openStore(options);
      stores.push(s);
      return s;
    },
    closeAll: async () => {
      await Promise.allSettled(stores.map((s) => s.close()));
    },
  };
}

export async function sqliteEngine(): Promise<TestEngine> {
  const dir = await mkdtemp(join(tmpdir(), 'vigie-test-'));
  const options = { path: join(dir, 'vigie.db') };
  const t = tracker(options);
  return {
    name: 'sqlite',
    options,
    open: t.open,
    cleanup: async () => {
      await t.closeAll();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 5000 });
  try {
    await c.connect();
  } catch (err) {
    throw new Error(
      `PostgreSQL is unreachable at ${PG_ADMIN_URL} (${err instanceof Error ? err.message : String(err)}). ` +
        'Start it, point VIGIE_TEST_PG_URL at one, or unset VIGIE_TEST_PG=require to let the PostgreSQL runs skip.',
      { cause: err },
    );
  }
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export async function postgresEngine(): Promise<TestEngine> {
  const name = uniqueName();
  await admin((c) => c.query(`CREATE DATABASE "${name}"`));
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${name}`;
  const options = { url: u.toString() };
  const t = tracker(options);
  let dropped = false;
  return {
    name: 'postgres',
    options,
    open: t.open,
    cleanup: async () => {
      await t.closeAll();
      if (dropped) return;
      dropped = true;
      await admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}

export const ENGINES: readonly Engine[] = ['sqlite', 'postgres'];

export function makeEngine(name: Engine): Promise<TestEngine> {
  return name === 'sqlite' ? sqliteEngine() : postgresEngine();
}

/**
 * Declares one test per engine under a describe block. Each run gets a fresh database, cleaned up
 * afterwards whatever the outcome.
 */
export function forEachEngine(title: string, fn: (env: TestEngine, t: TestContext) => Promise<void>): void {
  describe(title, () => {
    for (const name of ENGINES) {
      it(name, async (t) => {
        if (name === 'postgres' && PG_SKIP) {
          t.skip(PG_SKIP);
          return;
        }
        const env = await makeEngine(name);
        try {
          await fn(env, t);
        } finally {
          await env.cleanup();
        }
      });
    }
  });
}
