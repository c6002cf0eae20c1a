// Migrations as code, run by Kysely's Migrator from an in-code provider.
// Each migration is written once for both engines; it branches on the engine only where the SQL differs.
// Append new migrations with a higher zero-padded prefix; never edit one that has shipped.
import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { COMPONENT_STATUSES } from '../core/status.js';
import type { Engine } from './db.js';

const statusList = sql.join(COMPONENT_STATUSES.map((s) => sql.lit(s)));

function migrations(engine: Engine): Record<string, Migration> {
  /** An auto-increment primary key: the one place the two engines really differ. */
  const identity = (db: Kysely<any>, table: string) =>
    engine === 'postgres'
      ? db.schema.createTable(table).ifNotExists().addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
      : db.schema.createTable(table).ifNotExists().addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());

  return {
    // ifNotExists everywhere: SQLite DDL is not run in a transaction by Kysely, so a crash
    // half-way must leave a state this migration can finish on the next start.
    '0001_initial': {
      async up(db) {
        await db.schema
          .createTable('services')
          .ifNotExists()
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('description', 'text')
          .addColumn('url', 'text')
          .addColumn('position', 'integer', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .addColumn('archived_at', 'bigint')
          .execute();

        await db.schema
          .createTable('components')
          .ifNotExists()
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('service_id', 'text', (c) => c.notNull().references('services.id'))
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('description', 'text')
          .addColumn('group_name', 'text')
          .addColumn('depends_on', 'text', (c) => c.notNull().defaultTo('[]'))
          .addColumn('position', 'integer', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull().defaultTo('operational').check(sql`status in (${statusList})`))
          .addColumn('status_since', 'bigint', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .addColumn('archived_at', 'bigint')
          .execute();
        await db.schema.createIndex('components_service_idx').ifNotExists().on('components').column('service_id').execute();

        await db.schema
          .createTable('monitors')
          .ifNotExists()
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('component_id', 'text', (c) => c.notNull().references('components.id'))
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('region', 'text', (c) => c.notNull())
          .addColumn('interval_ms', 'double precision', (c) => c.notNull())
          .addColumn('timeout_ms', 'double precision', (c) => c.notNull())
          .addColumn('degraded_after_ms', 'double precision')
          .addColumn('target', 'text', (c) => c.notNull())
          .addColumn('position', 'integer', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .addColumn('archived_at', 'bigint')
          .execute();
        await db.schema.createIndex('monitors_component_idx').ifNotExists().on('monitors').column('component_id').execute();

        await identity(db, 'observations')
          .addColumn('monitor_id', 'text', (c) => c.notNull().references('monitors.id'))
          .addColumn('region', 'text', (c) => c.notNull())
          .addColumn('at', 'bigint', (c) => c.notNull())
          .addColumn('ok', 'smallint', (c) => c.notNull().check(sql`ok in (0, 1)`))
          .addColumn('degraded', 'smallint', (c) => c.notNull().check(sql`degraded in (0, 1)`))
          .addColumn('status_code', 'integer')
          .addColumn('dns_ms', 'double precision')
          .addColumn('connect_ms', 'double precision')
          .addColumn('tls_ms', 'double precision')
          .addColumn('first_byte_ms', 'double precision')
          .addColumn('total_ms', 'double precision', (c) => c.notNull())
          .addColumn('error_kind', 'text')
          .addColumn('error_message', 'text')
          .execute();
        await db.schema.createIndex('observations_monitor_at_idx').ifNotExists().on('observations').columns(['monitor_id', 'at']).execute();

        await identity(db, 'component_status_changes')
          .addColumn('component_id', 'text', (c) => c.notNull().references('components.id'))
          .addColumn('from_status', 'text', (c) => c.notNull().check(sql`from_status in (${statusList})`))
          .addColumn('to_status', 'text', (c) => c.notNull().check(sql`to_status in (${statusList})`))
          .addColumn('at', 'bigint', (c) => c.notNull())
          .addColumn('reason', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('component_status_changes_component_at_idx')
          .ifNotExists()
          .on('component_status_changes')
          .columns(['component_id', 'at'])
          .execute();
        await db.schema.createIndex('component_status_changes_at_idx').ifNotExists().on('component_status_changes').column('at').execute();
      },
      async down(db) {
        for (const t of ['component_status_changes', 'observations', 'monitors', 'components', 'services'])
          await db.schema.dropTable(t).ifExists().execute();
      },
    },
  };
}

export class InCodeMigrationProvider implements MigrationProvider {
  constructor(private readonly engine: Engine) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    return migrations(this.engine);
  }
}

export function migrator(db: Kysely<any>, engine: Engine): Migrator {
  return new Migrator({ db, provider: new InCodeMigrationProvider(engine) });
}

/** Runs every migration not yet applied; returns the names it ran. Throws if one fails. */
export async function migrateToLatest(db: Kysely<any>, engine: Engine): Promise<string[]> {
  const { error, results } = await migrator(db, engine).migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`store migration ${failed ? `"${failed}" ` : ''}failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
