// Opening a database: SQLite (embedded default) or PostgreSQL (scale-out), both behind one Kysely<Database>.
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { type DatabaseConnection, type Driver, Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import type pgTypes from 'pg';
import { pg } from './pg.js';
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
  /** SQLite's own handle, behind Kysely's one connection: for statements prepared once (observation-writer.ts). */
  sqlite?: SqliteDatabase.Database;
}

export function openDatabase(opts: StoreOptions): OpenedDatabase {
  if (opts.url !== undefined && opts.url !== '') {
    if (!PG_URL.test(opts.url)) throw new Error(`store url must start with postgres:// or postgresql:// (got "${redact(opts.url)}")`);
    return { engine: 'postgres', db: new Kysely<Database>({ dialect: new PostgresDialect({ pool: postgresPool(opts.url) }) }) };
  }
  const sqlite = sqliteDatabase(opts.path ?? DEFAULT_SQLITE_PATH);
  const db = new Kysely<Database>({ dialect: new RollbackSafeSqliteDialect(sqlite) });
  handles.set(db, sqlite);
  return { engine: 'sqlite', db, sqlite };
}

const handles = new WeakMap<Kysely<Database>, SqliteDatabase.Database>();

/**
 * SQLite's own handle behind a Kysely opened here, for statements prepared once on the hot paths. Run
 * them only while Kysely lends its one connection (inside db.connection() or a transaction's callback).
 */
export function sqliteHandle(db: Kysely<Database>): SqliteDatabase.Database | undefined {
  return handles.get(db);
}

/**
 * SQLite ends a transaction by itself on some errors (SQLITE_FULL, SQLITE_IOERR, SQLITE_NOMEM...);
 * Kysely's ROLLBACK after that fails with "cannot rollback - no transaction is active", and that
 * error replaced the one that mattered ("database or disk is full") in every log line.
 */
class RollbackSafeSqliteDialect extends SqliteDialect {
  constructor(private readonly database: SqliteDatabase.Database) {
    super({ database });
  }
  override createDriver(): Driver {
    const driver = super.createDriver();
    const rollback = driver.rollbackTransaction.bind(driver);
    driver.rollbackTransaction = async (conn: DatabaseConnection) => {
      if (this.database.open && this.database.inTransaction) await rollback(conn);
    };
    return driver;
  }
}

/** SQLite error codes that mean the file itself is damaged or is not a database. */
const DAMAGED = new Set(['SQLITE_CORRUPT', 'SQLITE_NOTADB', 'SQLITE_CORRUPT_VTAB', 'SQLITE_CORRUPT_SEQUENCE', 'SQLITE_CORRUPT_INDEX']);

export function isDamagedDatabaseError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && DAMAGED.has(code);
}

/** A damaged SQLite file, named, with the ways out (instead of "database disk image is malformed"). */
export class DamagedDatabaseError extends Error {
  constructor(
    readonly path: string,
    cause: unknown,
  ) {
    const file = resolve(path);
    super(
      `the database file ${file} is damaged (${cause instanceof Error ? cause.message : String(cause)}); Vigie will not start on it. ` +
        `Ways out: restore it from a backup (stop Vigie, copy the backup over ${file}, remove ${file}-wal and ${file}-shm), ` +
        `or start on a fresh file and keep the damaged one for recovery (mv ${file} ${file}.damaged; mv ${file}-wal ${file}.damaged-wal if present; ` +
        `then start again: Vigie creates a new, empty database; sqlite3 ${file}.damaged .recover can salvage rows)`,
      { cause },
    );
    this.name = 'DamagedDatabaseError';
  }
}

/** A database Vigie can read but not write: refused at start rather than failing at the first check. */
export class ReadOnlyDatabaseError extends Error {
  constructor(where: string, cause: unknown) {
    super(
      `the database ${where} cannot be written (${cause instanceof Error ? cause.message : String(cause)}); Vigie records every check and must be able to write it. ` +
        `Make the file and its folder writable by this user (or mount the volume read-write), or point store.path / DATABASE_URL at a writable database`,
      { cause },
    );
    this.name = 'ReadOnlyDatabaseError';
  }
}

function sqliteDatabase(path: string): SqliteDatabase.Database {
  const memory = path === ':memory:' || path === '';
  if (!memory) mkdirSync(dirname(resolve(path)), { recursive: true });
  const db = new SqliteDatabase(memory ? ':memory:' : path);
  try {
    db.pragma('busy_timeout = 5000');
    db.pragma('journal_mode = WAL'); // ":memory:" stays "memory"; that is fine
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    if (!memory) probeWrite(db, path);
  } catch (err) {
    db.close();
    if (isDamagedDatabaseError(err)) throw new DamagedDatabaseError(path, err);
    throw err;
  }
  return db;
}

/** A file-system refusal to write beside the database (its lock file), as a ReadOnlyDatabaseError naming it. */
export function readOnlyOr(opts: StoreOptions, err: unknown): unknown {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code !== 'EROFS' && code !== 'EACCES' && code !== 'EPERM') return err;
  return new ReadOnlyDatabaseError(resolve(opts.path ?? DEFAULT_SQLITE_PATH), err);
}

/**
 * Writes nothing but needs the write lock and the WAL: a read-only file, folder or mount fails here
 * (SQLITE_READONLY, SQLITE_CANTOPEN), at start, with a message that says so. Being root does not
 * help against a read-only mount or an immutable file. A quick look at the schema catches most
 * damaged files before anything else reads them.
 */
function probeWrite(db: SqliteDatabase.Database, path: string): void {
  try {
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    db.exec('BEGIN IMMEDIATE; CREATE TABLE IF NOT EXISTS vigie_write_check (x INTEGER); DROP TABLE vigie_write_check; COMMIT');
  } catch (err) {
    if (db.inTransaction) db.exec('ROLLBACK');
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && (code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_CANTOPEN') || code === 'SQLITE_PERM' || code === 'SQLITE_AUTH'))
      throw new ReadOnlyDatabaseError(resolve(path), err);
    throw err;
  }
}

function postgresPool(url: string): pgTypes.Pool {
  // int8 (BIGINT: our epoch-ms times, identities, count(*)) as JS numbers, on this pool only,
  // not through pg's global parser registry. Our values stay far below 2^53.
  const types = new (pg().TypeOverrides)();
  types.setTypeParser(INT8_OID, 'text', (v: string) => Number(v));
  // query_timeout: a server that stops answering without closing the connection (a cut link, a
  // frozen host) fails the query after 2 min instead of holding it (and its pool client) for the
  // ~15 min TCP takes to give up; no statement Vigie runs takes that long.
  const pool = new (pg().Pool)({ connectionString: url, types, max: 10, connectionTimeoutMillis: 10_000, query_timeout: 120_000 });
  // An idle client that loses its server emits 'error' on the pool; unhandled, that would end the
  // process. pg drops that client itself, and the next query reports the problem to its caller.
  pool.on('error', () => {});
  // A client checked out of the pool (inside a transaction, or between a query and its release) has
  // no pool listener: a server restart or a cut connection emitted 'error' on it and ended the process.
  // The query it was running fails on its own; the listener only keeps the event from being fatal.
  pool.on('connect', (client) => {
    client.on('error', () => {});
  });
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
