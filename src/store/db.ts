// Opening a database: SQLite (embedded default) or PostgreSQL (scale-out), both behind one Kysely<Database>.
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';

export type Engine = 'sqlite' | 'postgres';

export interface StoreOptions {
  /** postgres:// or postgresql:// URL; wins over path. */
  url?: string;
  /** SQLite file, or ":memory:". Default ./data/vigie.db. */
  path?: string;
}

export const DEFAULT_SQLITE_PATH = './data/vigie.db';
const PG_URL = /^postgres(ql)?:\/\//i;
const INT8_OID = 20;

export interface OpenedDatabase {
  engine: Engine;
  db: Kysely<Database>;
}

export function openDatabase(opts: StoreOptions): OpenedDatabase {
  if (opts.url !== undefined && opts.url !== '') {
    if (!PG_URL.test(opts.url)) throw new Error(`store url must start with postgres:// or postgresql:// (got "${redact(opts.url)}")`);
    return { engine: 'postgres', db: new Kysely<Database>({ dialect: new PostgresDialect({ pool: postgresPool(opts.url) }) }) };
  }
  return { engine: 'sqlite', db: new Kysely<Database>({ dialect: new SqliteDialect({ database: sqliteDatabase(opts.path ?? DEFAULT_SQLITE_PATH) }) }) };
}

function sqliteDatabase(path: string): SqliteDatabase.Database {
  const memory = path === ':memory:' || path === '';
  if (!memory) mkdirSync(dirname(resolve(path)), { recursive: true });
  const db = new SqliteDatabase(memory ? ':memory:' : path);
  db.pragma('busy_timeout = 5000');
  db.pragma('journal_mode = WAL'); // ":memory:" stays "memory"; that is fine
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  return db;
}

function postgresPool(url: string): pg.Pool {
  // int8 (BIGINT: our epoch-ms times, identities, count(*)) as JS numbers, on this pool only,
  // not through pg's global parser registry. Our values stay far below 2^53.
  const types = new pg.TypeOverrides();
  types.setTypeParser(INT8_OID, 'text', (v: string) => Number(v));
  const pool = new pg.Pool({ connectionString: url, types, max: 10, connectionTimeoutMillis: 10_000 });
  // An idle client that loses its server emits 'error' on the pool; unhandled, that would end the
  // process. pg drops that client itself, and the next query reports the problem to its caller.
  pool.on('error', () => {});
  return pool;
}

/** The URL without its password, for messages. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/:[^:@/]*@/, ':***@');
  }
}
