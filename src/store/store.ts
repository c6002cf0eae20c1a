// The system of record. Everything that happens is written here before anything acts on it.
import type SqliteDatabase from 'better-sqlite3';
import { type Kysely, type Transaction, sql } from 'kysely';
import type { Entities, MonitorEntity } from '../config/schema.js';
import type { Observation } from '../core/observation.js';
import { isComponentStatus, type ComponentStatus } from '../core/status.js';
import { chunkHoursNewestFirst, CHUNK_MS } from './chunks.js';
import { DamagedDatabaseError, DEFAULT_SQLITE_PATH, isDamagedDatabaseError, openDatabase, ReadOnlyDatabaseError, redact, type Engine, type StoreOptions } from './db.js';
import { migrateToLatest } from './migrations.js';
import { enqueueComponentStatus } from './outbox.js';
import { type ObservationWriter, postgresObservationWriter, sqliteObservationWriter } from './observation-writer.js';
import { observationRow, toMonitor, toObservation, toStatus, toStringList } from './rows.js';
import type { Database } from './schema.js';
import { syncEntities, type SyncReport } from './sync.js';

export type { Engine, StoreOptions } from './db.js';
export type { SyncReport } from './sync.js';

export interface StatusChange {
  componentId: string;
  fromStatus: ComponentStatus;
  toStatus: ComponentStatus;
  at: number;
  reason: string;
  /** The reason as a message key and parameters (JSON, src/i18n/text.ts), when Vigie wrote it so. */
  reasonText?: string | null;
}

export interface PageComponent {
  id: string;
  serviceId: string;
  name: string;
  description: string | null;
  groupName: string | null;
  dependsOn: string[];
  position: number;
  status: ComponentStatus;
  statusSince: number;
  createdAt: number;
  /** Last change of any kind: config (sync) or status. */
  updatedAt: number;
}

export interface PageService {
  id: string;
  name: string;
  description: string | null;
  url: string | null;
  position: number;
  createdAt: number;
  updatedAt: number;
  components: PageComponent[];
}

export interface PageModel {
  /** Active services by position, each with its active components by position. */
  services: PageService[];
  /** Latest updatedAt of any service or component on the page; 0 for an empty page. */
  updatedAt: number;
}

/** Rows per INSERT: well under SQLite's and PostgreSQL's bound-parameter limits. */
const INSERT_CHUNK = 500;
const DEFAULT_CHANGES_LIMIT = 1000;

export class StoreClosedError extends Error {
  constructor() {
    super('store is closed');
    this.name = 'StoreClosedError';
  }
}

export class Store {
  private readonly inflight = new Set<Promise<unknown>>();
  private closing: Promise<void> | undefined;
  private readonly writeObservations: ObservationWriter;

  constructor(
    readonly engine: Engine,
    readonly db: Kysely<Database>,
    /** SQLite's own handle (openDatabase gives it): observation rows go through a statement prepared once. */
    sqlite?: SqliteDatabase.Database,
  ) {
    this.writeObservations = engine === 'postgres' ? postgresObservationWriter(db) : sqlite ? sqliteObservationWriter(db, sqlite) : kyselyObservationWriter(db);
  }

  /** Upserts services, components and monitors from the config, archives what left it, restores what came back. */
  syncEntities(e: Entities, at: number): Promise<SyncReport> {
    return this.track(() => this.db.transaction().execute((trx) => syncEntities(trx, this.engine, e, at)));
  }

  /** Monitors not archived, in config order. */
  activeMonitors(): Promise<MonitorEntity[]> {
    return this.track(async () => {
      const rows = await this.db
        .selectFrom('monitors as m')
        .innerJoin('components as c', 'c.id', 'm.component_id')
        .innerJoin('services as s', 's.id', 'c.service_id')
        .selectAll('m')
        .where('m.archived_at', 'is', null)
        .orderBy('s.position')
        .orderBy('c.position')
        .orderBy('m.position')
        .orderBy('m.id')
        .execute();
      return rows.map(toMonitor);
    });
  }

  recordObservations(obs: Observation[]): Promise<void> {
    return this.track(async () => {
      if (obs.length === 0) return;
      await this.writeObservations(obs);
    });
  }

  /** The monitor's latest observations, newest first: recent rows, then compacted hours as far as needed. */
  recentObservations(monitorId: string, limit: number): Promise<Observation[]> {
    return this.track(async () => {
      const rows = await this.db
        .selectFrom('observations')
        .selectAll()
        .where('monitor_id', '=', monitorId)
        .orderBy('at', 'desc')
        .orderBy('id', 'desc')
        .limit(positiveInt(limit, 'limit'))
        .execute();
      const out = rows.map(toObservation);
      // Rows and chunks overlap in time only by late checks; an hour older than the limit-th
      // observation so far cannot hold anything newer, so the walk stops there.
      for await (const { hour, observations } of chunkHoursNewestFirst(this.db, monitorId)) {
        if (out.length >= limit && out[limit - 1]!.at >= hour + CHUNK_MS) break;
        out.push(...observations);
        out.sort((a, b) => b.at - a.at);
      }
      return out.slice(0, limit);
    });
  }

  /**
   * Moves a component to a status: appends the change (with the status it left) and updates the
   * component, in one transaction. Nothing happens if the status is the one it already has.
   */
  recordComponentStatus(
    c: { componentId: string; status: ComponentStatus; at: number; reason: string; reasonText?: string | null },
    /** Runs first in the write's transaction and throws to refuse it (a cluster node that is no longer the leader). */
    fence?: (trx: Transaction<Database>) => Promise<void>,
  ): Promise<void> {
    return this.track(async () => {
      if (!isComponentStatus(c.status)) throw new TypeError(`not a component status: ${JSON.stringify(c.status)}`);
      await this.db.transaction().execute(async (trx) => {
        await fence?.(trx);
        let q = trx.selectFrom('components').select(['status', 'updated_at']).where('id', '=', c.componentId);
        if (this.engine === 'postgres') q = q.forUpdate(); // SQLite transactions are already serialised
        const row = await q.executeTakeFirst();
        if (!row) throw new Error(`unknown component "${c.componentId}"`);
        const from = toStatus(row.status, 'components', c.componentId);
        if (from === c.status) return;
        await trx
          .insertInto('component_status_changes')
          .values({ component_id: c.componentId, from_status: from, to_status: c.status, at: c.at, reason: c.reason, reason_text: c.reasonText ?? null })
          .execute();
        await trx
          .updateTable('components')
          .set({ status: c.status, status_since: c.at, updated_at: Math.max(row.updated_at, c.at) })
          .where('id', '=', c.componentId)
          .execute();
        // The notification outbox row, in this same transaction: no change without its notification.
        await enqueueComponentStatus(trx, { componentId: c.componentId, from, to: c.status, at: c.at, reason: c.reason, reasonText: c.reasonText ?? null });
      });
    });
  }

  /** Active components' current status and since when (creation time until the first change). */
  componentStatuses(): Promise<Map<string, { status: ComponentStatus; since: number }>> {
    return this.track(async () => {
      const rows = await this.db.selectFrom('components').select(['id', 'status', 'status_since']).where('archived_at', 'is', null).orderBy('id').execute();
      return new Map(rows.map((r) => [r.id, { status: toStatus(r.status, 'components', r.id), since: r.status_since }]));
    });
  }

  /** What the status page and the Statuspage v2 API show. */
  pageModel(): Promise<PageModel> {
    return this.track(async () => {
      // One snapshot, so services and components agree (SQLite's transactions already are one).
      const [services, components] = await this.db
        .transaction()
        .setIsolationLevel('repeatable read')
        .execute(async (trx) => [
          await trx.selectFrom('services').selectAll().where('archived_at', 'is', null).orderBy('position').orderBy('id').execute(),
          await trx.selectFrom('components').selectAll().where('archived_at', 'is', null).orderBy('position').orderBy('id').execute(),
        ] as const);
      const byService = new Map<string, PageComponent[]>();
      let updatedAt = 0;
      for (const r of components) {
        const list = byService.get(r.service_id) ?? [];
        list.push({
          id: r.id,
          serviceId: r.service_id,
          name: r.name,
          description: r.description,
          groupName: r.group_name,
          dependsOn: toStringList(r.depends_on, 'components', r.id, 'depends_on'),
          position: r.position,
          status: toStatus(r.status, 'components', r.id),
          statusSince: r.status_since,
          createdAt: r.created_at,
          updatedAt: r.updated_at,
        });
        byService.set(r.service_id, list);
      }
      const out: PageService[] = services.map((s) => ({
        id: s.id,
        name: s.name,
        description: s.description,
        url: s.url,
        position: s.position,
        createdAt: s.created_at,
        updatedAt: s.updated_at,
        components: byService.get(s.id) ?? [],
      }));
      for (const s of out) {
        updatedAt = Math.max(updatedAt, s.updatedAt);
        for (const c of s.components) updatedAt = Math.max(updatedAt, c.updatedAt);
      }
      return { services: out, updatedAt };
    });
  }

  /** Status changes, newest first; at most `limit` (default 1000). */
  statusChanges(opts: { since?: number; componentId?: string; limit?: number } = {}): Promise<StatusChange[]> {
    return this.track(async () => {
      let q = this.db.selectFrom('component_status_changes').selectAll();
      if (opts.since !== undefined) q = q.where('at', '>=', opts.since);
      if (opts.componentId !== undefined) q = q.where('component_id', '=', opts.componentId);
      const rows = await q
        .orderBy('at', 'desc')
        .orderBy('id', 'desc')
        .limit(positiveInt(opts.limit ?? DEFAULT_CHANGES_LIMIT, 'limit'))
        .execute();
      return rows.map((r) => ({
        componentId: r.component_id,
        fromStatus: toStatus(r.from_status, 'component_status_changes', r.id),
        toStatus: toStatus(r.to_status, 'component_status_changes', r.id),
        at: r.at,
        reason: r.reason,
        ...(r.reason_text ? { reasonText: r.reason_text } : {}),
      }));
    });
  }

  /** Waits for the calls already made, then closes the database. Later calls fail; closing again is a no-op. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
      await this.db.destroy();
    })();
    return this.closing;
  }

  get closed(): boolean {
    return this.closing !== undefined;
  }

  private track<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closing) return Promise.reject(new StoreClosedError());
    const p = fn();
    this.inflight.add(p);
    const done = () => void this.inflight.delete(p);
    p.then(done, done);
    return p;
  }
}

/** Without SQLite's handle (a Store built on a Kysely alone): the rows through Kysely, as they always were. */
function kyselyObservationWriter(db: Kysely<Database>): ObservationWriter {
  return async (obs) => {
    const rows = obs.map(observationRow);
    await db.transaction().execute(async (trx) => {
      for (let i = 0; i < rows.length; i += INSERT_CHUNK) await trx.insertInto('observations').values(rows.slice(i, i + INSERT_CHUNK)).execute();
    });
  };
}

function positiveInt(n: number, name: string): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${name} must be a positive integer (got ${n})`);
  return n;
}

/** Opens the database named by the options and migrates it to the latest schema. */
export async function openStore(opts: StoreOptions): Promise<Store> {
  const { engine, db, sqlite } = openDatabase(opts);
  try {
    await migrateToLatest(db, engine);
    // A read-only PostgreSQL (a hot standby, default_transaction_read_only) would take the schema and fail every write.
    if (engine === 'postgres') {
      const { rows } = await sql<{ ro: string }>`select current_setting('transaction_read_only') as ro`.execute(db);
      if (rows[0]?.ro === 'on') throw new ReadOnlyDatabaseError(redact(opts.url!), new Error('transactions are read-only on this server or database (a standby, or default_transaction_read_only = on)'));
    }
  } catch (err) {
    await db.destroy().catch(() => {});
    throw damagedOr(opts, err);
  }
  return new Store(engine, db, sqlite);
}

/** A damaged SQLite file's error, named with its file and the ways out; any other error as it is. */
export function damagedOr(opts: StoreOptions, err: unknown): unknown {
  if (err instanceof DamagedDatabaseError || !isDamagedDatabaseError(err) || (opts.url !== undefined && opts.url !== '')) return err;
  return new DamagedDatabaseError(opts.path ?? DEFAULT_SQLITE_PATH, err);
}
