// App-made services, components and monitors (0021_catalog): each kept as the config file's entry
// (JSON text of the YAML shape), so the same schemas read them and `vigie export` writes them back.
// The catalog (src/catalog) holds them in memory; these are its reads and its one write path.
import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.js';
import { CorruptRowError } from './rows.js';

export type CatalogLevel = 'service' | 'component' | 'monitor';

export interface StoredEntry {
  level: CatalogLevel;
  /** "s", "s/c" or "s/c/name". */
  id: string;
  /** The parent's id ("" for a service). */
  parent: string;
  /** The entry as the config file writes it (for services without components, components without monitors). */
  entry: Record<string, unknown>;
  paused: boolean;
  position: number;
  createdAt: number;
  updatedAt: number;
}

const TABLES = { service: 'catalog_services', component: 'catalog_components', monitor: 'catalog_monitors' } as const;

function parseEntry(table: string, id: string, text: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new CorruptRowError(table, id, 'entry is not JSON');
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new CorruptRowError(table, id, 'entry is not an object');
  return v as Record<string, unknown>;
}

/** Every stored entry, parents first, each level in position order. */
export async function loadCatalog(db: Kysely<Database>): Promise<StoredEntry[]> {
  const [services, components, monitors] = await Promise.all([
    db.selectFrom('catalog_services').selectAll().orderBy('position').orderBy('id').execute(),
    db.selectFrom('catalog_components').selectAll().orderBy('position').orderBy('id').execute(),
    db.selectFrom('catalog_monitors').selectAll().orderBy('position').orderBy('id').execute(),
  ]);
  return [
    ...services.map((r) => ({ level: 'service' as const, id: r.id, parent: '', entry: parseEntry(TABLES.service, r.id, r.entry), paused: false, position: r.position, createdAt: r.created_at, updatedAt: r.updated_at })),
    ...components.map((r) => ({ level: 'component' as const, id: r.id, parent: r.service_id, entry: parseEntry(TABLES.component, r.id, r.entry), paused: false, position: r.position, createdAt: r.created_at, updatedAt: r.updated_at })),
    ...monitors.map((r) => ({ level: 'monitor' as const, id: r.id, parent: r.component_id, entry: parseEntry(TABLES.monitor, r.id, r.entry), paused: r.paused === 1, position: r.position, createdAt: r.created_at, updatedAt: r.updated_at })),
  ];
}

export interface CatalogWrite {
  /** Inserted or replaced (by id). */
  put?: StoredEntry[];
  /** Removed, by level and id. */
  remove?: { level: CatalogLevel; id: string }[];
}

/** Applies one change in one transaction: a cascade delete or a service with its components is all or nothing. */
export async function writeCatalog(db: Kysely<Database>, w: CatalogWrite): Promise<void> {
  await db.transaction().execute(async (trx) => {
    for (const r of w.remove ?? []) await trx.deleteFrom(TABLES[r.level]).where('id', '=', r.id).execute();
    for (const e of w.put ?? []) await put(trx, e);
  });
}

async function put(trx: Transaction<Database>, e: StoredEntry): Promise<void> {
  const common = { entry: JSON.stringify(e.entry), position: e.position, created_at: e.createdAt, updated_at: e.updatedAt };
  if (e.level === 'service') {
    await trx.insertInto('catalog_services').values({ id: e.id, ...common }).onConflict((oc) => oc.column('id').doUpdateSet(common)).execute();
  } else if (e.level === 'component') {
    const row = { service_id: e.parent, ...common };
    await trx.insertInto('catalog_components').values({ id: e.id, ...row }).onConflict((oc) => oc.column('id').doUpdateSet(row)).execute();
  } else {
    const row = { component_id: e.parent, paused: e.paused ? 1 : 0, ...common };
    await trx.insertInto('catalog_monitors').values({ id: e.id, ...row }).onConflict((oc) => oc.column('id').doUpdateSet(row)).execute();
  }
}
