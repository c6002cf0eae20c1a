// Observation rows written the cheap way, since every check writes one: on SQLite one statement
// prepared once and run per row inside one transaction (Kysely would build, compile and have SQLite
// re-prepare a 500-row INSERT of 6,500 parameters per batch); on PostgreSQL one INSERT … SELECT FROM
// unnest() with a parameter per column, whatever the number of rows. Both write the same rows, in
// order, in one transaction per batch: all or none, as before.
import type SqliteDatabase from 'better-sqlite3';
import { CompiledQuery, type Kysely } from 'kysely';
import type { Observation } from '../core/observation.js';
import { ERROR_MESSAGE_MAX, truncate } from './rows.js';
import type { Database } from './schema.js';

const COLUMNS = 'monitor_id, region, at, ok, degraded, status_code, dns_ms, connect_ms, tls_ms, first_byte_ms, total_ms, error_kind, error_message';
const PG_TYPES = ['text', 'text', 'bigint', 'smallint', 'smallint', 'integer', 'double precision', 'double precision', 'double precision', 'double precision', 'double precision', 'text', 'text'];
const PG_INSERT = `insert into observations (${COLUMNS}) select * from unnest(${PG_TYPES.map((t, i) => `$${i + 1}::${t}[]`).join(', ')})`;
/** Rows per PostgreSQL statement: arrays have no parameter limit, this bounds one message's size. */
const PG_CHUNK = 5000;

export type ObservationWriter = (obs: readonly Observation[]) => Promise<void>;

const opt = (v: number | undefined): number | null => (v === undefined ? null : v);
const message = (o: Observation): string | null => (o.error ? truncate(o.error.message, ERROR_MESSAGE_MAX) : null);

/**
 * SQLite: the statement runs on Kysely's one connection while Kysely lends it to us
 * (db.connection()), so it never lands inside a transaction Kysely has open across an await.
 */
export function sqliteObservationWriter(db: Kysely<Database>, raw: SqliteDatabase.Database): ObservationWriter {
  let insert: SqliteDatabase.Statement | undefined;
  let many: ((obs: readonly Observation[]) => void) | undefined;
  return (obs) =>
    db.connection().execute(async () => {
      if (!many) {
        insert = raw.prepare(`insert into observations (${COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
        const stmt = insert;
        many = raw.transaction((list: readonly Observation[]) => {
          for (const o of list) {
            const p = o.phases;
            stmt.run(o.monitorId, o.region, o.at, o.ok ? 1 : 0, o.degraded ? 1 : 0, opt(o.statusCode), opt(p.dnsMs), opt(p.connectMs), opt(p.tlsMs), opt(p.firstByteMs), p.totalMs, o.error?.kind ?? null, message(o));
          }
        });
      }
      many(obs);
    });
}

export function postgresObservationWriter(db: Kysely<Database>): ObservationWriter {
  const chunk = async (e: Kysely<Database>, obs: readonly Observation[]) => {
    const cols: unknown[][] = PG_TYPES.map(() => new Array(obs.length));
    for (let i = 0; i < obs.length; i++) {
      const o = obs[i]!;
      const p = o.phases;
      cols[0]![i] = o.monitorId;
      cols[1]![i] = o.region;
      cols[2]![i] = o.at;
      cols[3]![i] = o.ok ? 1 : 0;
      cols[4]![i] = o.degraded ? 1 : 0;
      cols[5]![i] = opt(o.statusCode);
      cols[6]![i] = opt(p.dnsMs);
      cols[7]![i] = opt(p.connectMs);
      cols[8]![i] = opt(p.tlsMs);
      cols[9]![i] = opt(p.firstByteMs);
      cols[10]![i] = p.totalMs;
      cols[11]![i] = o.error?.kind ?? null;
      cols[12]![i] = message(o);
    }
    await e.executeQuery(CompiledQuery.raw(PG_INSERT, cols));
  };
  return async (obs) => {
    if (obs.length <= PG_CHUNK) return void (await chunk(db, obs));
    await db.transaction().execute(async (trx) => {
      for (let i = 0; i < obs.length; i += PG_CHUNK) await chunk(trx, obs.slice(i, i + PG_CHUNK));
    });
  };
}
