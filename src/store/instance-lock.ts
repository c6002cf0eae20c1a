// One running Vigie per database. Two processes on one store would each run the scheduler and the
// storage job: double checks, archived monitors when their configs differ, rollups raced. Until
// several nodes can share one PostgreSQL (src/cluster, not wired yet), a second `vigie start` is
// refused with who holds the store. Agents probe from other regions without a store of their own.
//
// - PostgreSQL: a session advisory lock on a connection of its own, held until stop. The server
//   drops it when that connection ends, so a crashed process frees the store at once.
// - SQLite: a lock file beside the database, with the holder's pid and host. A file left by a
//   process that no longer runs on this host is taken over (SQLite files are local to one host).
// - ":memory:" needs no lock: nobody else can open it.
import { mkdir, open, readFile, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import { pg } from './pg.js';
import { type StoreOptions, DEFAULT_SQLITE_PATH, redact } from './db.js';

export interface InstanceLock {
  release(): Promise<void>;
}

export class StoreLockedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreLockedError';
  }
}

/** Advisory lock key: the bytes "vigie" and three zeros as one bigint, the same for every Vigie. */
const PG_LOCK_KEY = '8532464671393841152';

/**
 * `shared`: a cluster node (config `cluster:`). Nodes hold the PostgreSQL lock in shared mode, so any
 * number of them run together while a Vigie without `cluster:` (exclusive) is refused beside them,
 * and they beside it.
 */
export function lockInstance(opts: StoreOptions, onLost?: (err: Error) => void, shared = false): Promise<InstanceLock> {
  if (opts.url) return lockPostgres(opts.url, onLost, shared);
  if (shared) return Promise.reject(new StoreLockedError('config "cluster:" needs PostgreSQL (store.url or DATABASE_URL): nodes share one PostgreSQL; SQLite is for one process'));
  const path = opts.path ?? DEFAULT_SQLITE_PATH;
  if (path === ':memory:' || path === '') return Promise.resolve({ release: async () => {} });
  return lockFile(`${path}.lock`, {
    held: (h, file) => `another Vigie is already running on this database (pid ${h.pid} on ${h.host}, since ${h.since}; lock file ${file}); stop it first`,
    starting: (file) => `another Vigie is starting on this database (lock file ${file}); stop it first`,
  });
}

/** What a refusal says: held by a live process, or being created by one that is starting. */
export interface LockWords {
  held(holder: Holder, file: string): string;
  starting(file: string): string;
}

async function lockPostgres(url: string, onLost?: (err: Error) => void, shared = false): Promise<InstanceLock> {
  const client = new (pg().Client)({ connectionString: url, connectionTimeoutMillis: 10_000 });
  let released = false;
  client.on('error', (err) => {
    if (!released) onLost?.(err);
  });
  await client.connect();
  try {
    const { rows } = await client.query<{ ok: boolean }>(`select ${shared ? 'pg_try_advisory_lock_shared' : 'pg_try_advisory_lock'}($1::bigint) as ok`, [PG_LOCK_KEY]);
    if (!rows[0]?.ok && shared)
      throw new StoreLockedError(`a Vigie without "cluster:" is already running on ${redact(url)}; stop it first, or give it the same "cluster:" section so it joins the nodes`);
    if (!rows[0]?.ok) {
      const nodes = await client.query<{ n: number }>(
        `select count(*)::int as n from pg_locks l where l.locktype = 'advisory' and l.granted and l.mode = 'ShareLock'
           and l.database = (select oid from pg_database where datname = current_database()) and ((l.classid::bigint << 32) | l.objid::bigint) = $1::bigint`,
        [PG_LOCK_KEY],
      );
      if ((nodes.rows[0]?.n ?? 0) > 0)
        throw new StoreLockedError(`${nodes.rows[0]!.n} Vigie cluster node(s) are running on ${redact(url)}; add the same "cluster:" section to this config to join them, or stop them first`);
      const holder = await client.query<{ pid: number; addr: string | null; since: Date | null }>(
        `select a.pid, a.client_addr::text as addr, a.backend_start as since from pg_locks l join pg_stat_activity a using (pid)
         where l.locktype = 'advisory' and l.granted and l.database = (select oid from pg_database where datname = current_database())
           and ((l.classid::bigint << 32) | l.objid::bigint) = $1::bigint`,
        [PG_LOCK_KEY],
      );
      const h = holder.rows[0];
      const who = h ? ` (server backend ${h.pid}${h.addr ? `, client ${h.addr}` : ''}${h.since ? `, connected ${h.since.toISOString()}` : ''})` : '';
      throw new StoreLockedError(`another Vigie is already running on ${redact(url)}${who}; stop it first: one process per database (or several nodes, each with the config's "cluster:" section)`);
    }
  } catch (err) {
    released = true;
    await client.end().catch(() => {});
    throw err;
  }
  return {
    release: async () => {
      if (released) return;
      released = true;
      await client.end().catch(() => {});
    },
  };
}

export interface Holder {
  pid: number;
  host: string;
  since: string;
}

/** A lock file holding its process's pid and host, taken over once that process has ended (also the agent's data folder). */
export async function lockFile(file: string, words: LockWords): Promise<InstanceLock> {
  const me: Holder = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  // The lock comes before the store, which would create the folder of a first run.
  await mkdir(dirname(resolve(file)), { recursive: true });
  for (let attempt = 0; ; attempt++) {
    try {
      const fh = await open(file, 'wx');
      await fh.writeFile(JSON.stringify(me) + '\n');
      await fh.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw err;
      const holder = await readHolder(file);
      if (holder && (holder.host !== me.host || alive(holder.pid)))
        throw new StoreLockedError(words.held(holder, file));
      // Unreadable and fresh: another process is between creating and writing it.
      if (!holder && Date.now() - (await stat(file).catch(() => ({ mtimeMs: 0 }))).mtimeMs < 10_000)
        throw new StoreLockedError(words.starting(file));
      // Left by a process that has ended (or unreadable and old): take it over, once.
      await unlink(file).catch(() => {});
    }
  }
  let released = false;
  return {
    release: async () => {
      if (released) return;
      released = true;
      // Only our own file: never one another process wrote after a takeover.
      const holder = await readHolder(file);
      if (holder?.pid === me.pid && holder.host === me.host && holder.since === me.since) await unlink(file).catch(() => {});
    },
  };
}

async function readHolder(file: string): Promise<Holder | undefined> {
  try {
    const h = JSON.parse(await readFile(file, 'utf8')) as Partial<Holder>;
    return typeof h.pid === 'number' && typeof h.host === 'string' ? { pid: h.pid, host: h.host, since: String(h.since ?? '?') } : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, under another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
