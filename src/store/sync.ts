// Declarative sync: the config says what exists; the store makes its rows agree.
// Rows are never deleted (their observations and status history stay): what left the config is
// archived, and restored if it comes back.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Entities } from '../config/schema.js';
import type { Engine } from './db.js';
import { canonicalJson, monitorColumns } from './rows.js';
import type { Database } from './schema.js';

export interface SyncReport {
  /** Ids (service "s", component "s/c", monitor "s/c/m") new to the store. */
  added: string[];
  /** Ids whose config-derived columns (including position) differ from the store's. */
  changed: string[];
  /** Ids no longer in the config, now archived. */
  archived: string[];
  /** Archived ids back in the config; their columns are brought up to date too (not also listed as changed). */
  restored: string[];
}

type Value = string | number | null;
type Columns = Record<string, Value>;
type SyncTable = 'services' | 'components' | 'monitors';

/** Serialises concurrent syncs from several processes sharing one PostgreSQL ("vigi"). */
const SYNC_LOCK_KEY = 0x76696769;

/**
 * Rows per INSERT of new rows, and ids per archiving UPDATE: a first start at 10,000 monitors made
 * 10,000 INSERT statements (~0.5 s of CPU in Kysely's query building alone). At most ~15 columns a
 * row: 200 rows stay far below both engines' parameter limits (SQLite 32,766; PostgreSQL 65,535).
 */
const CHUNK = 200;

/** Columns holding JSON text: compared by meaning, not by spelling. */
const JSON_COLUMNS = new Set(['depends_on', 'target']);

export async function syncEntities(trx: Transaction<Database>, engine: Engine, e: Entities, at: number): Promise<SyncReport> {
  if (engine === 'postgres') await sql`select pg_advisory_xact_lock(${SYNC_LOCK_KEY})`.execute(trx);
  const report: SyncReport = { added: [], changed: [], archived: [], restored: [] };

  // Parents before children, for the foreign keys.
  await syncTable(
    trx,
    'services',
    e.services.map((s) => ({ id: s.id, cols: { name: s.name, description: s.description, url: s.url, position: s.position } })),
    {},
    at,
    report,
  );
  await syncTable(
    trx,
    'components',
    e.components.map((c) => ({
      id: c.id,
      cols: {
        service_id: c.serviceId,
        name: c.name,
        description: c.description,
        group_name: c.groupName,
        depends_on: canonicalJson(c.dependsOn),
        position: c.position,
      },
    })),
    { status: 'operational', status_since: at },
    at,
    report,
  );
  await syncTable(
    trx,
    'monitors',
    monitorPositions(e).map(([m, i]) => ({ id: m.id, cols: monitorColumns(m, i) })),
    {},
    at,
    report,
  );
  return report;
}

/** Each monitor with its index among its component's monitors (so removing one elsewhere changes nothing here). */
function monitorPositions(e: Entities): [Entities['monitors'][number], number][] {
  const next = new Map<string, number>();
  return e.monitors.map((m) => {
    const i = next.get(m.componentId) ?? 0;
    next.set(m.componentId, i + 1);
    return [m, i];
  });
}

function same(column: string, stored: unknown, wanted: Value): boolean {
  if (JSON_COLUMNS.has(column) && typeof stored === 'string' && typeof wanted === 'string') {
    try {
      return canonicalJson(JSON.parse(stored)) === wanted;
    } catch {
      return false;
    }
  }
  return stored === wanted;
}

async function syncTable(
  trx: Transaction<Database>,
  table: SyncTable,
  wanted: { id: string; cols: Columns }[],
  onInsert: Columns,
  at: number,
  report: SyncReport,
): Promise<void> {
  // The three tables share the sync-relevant shape; Kysely cannot type a table chosen at run time.
  const db = trx as unknown as Kysely<Record<SyncTable, Columns & { id: string; archived_at: number | null }>>;
  const existing = new Map<string, Record<string, unknown>>();
  for (const r of await db.selectFrom(table).selectAll().orderBy('id').execute()) existing.set(r.id as string, r);

  const seen = new Set<string>();
  const fresh: Columns[] = [];
  for (const { id, cols } of wanted) {
    seen.add(id);
    const row = existing.get(id);
    if (!row) {
      // Every row with every column, in the same order: a multi-row INSERT takes the union of the
      // rows' keys and fills a missing one with DEFAULT (NULL on SQLite, which has no DEFAULT there).
      fresh.push({ id, ...cols, ...onInsert, created_at: at, updated_at: at, archived_at: null });
      report.added.push(id);
      continue;
    }
    const archived = row.archived_at !== null;
    const differs = Object.entries(cols).some(([k, v]) => !same(k, row[k], v));
    if (!archived && !differs) continue;
    await db
      .updateTable(table)
      .set({ ...cols, updated_at: at, archived_at: null })
      .where('id', '=', id)
      .execute();
    (archived ? report.restored : report.changed).push(id);
  }

  for (let i = 0; i < fresh.length; i += CHUNK) await db.insertInto(table).values(fresh.slice(i, i + CHUNK)).execute();

  const gone: string[] = [];
  for (const [id, row] of existing) if (!seen.has(id) && row.archived_at === null) gone.push(id);
  for (let i = 0; i < gone.length; i += CHUNK) {
    const ids = gone.slice(i, i + CHUNK);
    await db.updateTable(table).set({ archived_at: at, updated_at: at }).where('id', 'in', ids).execute();
  }
  report.archived.push(...gone);
}
