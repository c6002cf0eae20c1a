// Migrations as code, run by Kysely's Migrator from an in-code provider.
// Each migration is written once for both engines; it branches on the engine only where the SQL differs.
// Append new migrations with a higher zero-padded prefix; never edit one that has shipped.
import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { COMPONENT_STATUSES } from '../core/status.js';
import type { Engine } from './db.js';
import { blockStart, encodeBlock, type BlockResolution } from './rollup-blocks.js';
import type { Rollup } from './rollup-values.js';
import { rollupFromRow } from './rollups.js';
import type { RollupTable } from './schema.js';

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
    // Storage (rollups and retention, src/store/rollups.ts): one table per resolution, keyed by
    // (monitor, bucket) so the 90-day bars read one short index range per monitor; on SQLite
    // WITHOUT ROWID, so that key is the table itself and no second copy of it is stored.
    '0002_rollups': {
      async up(db) {
        for (const table of ['rollups_minute', 'rollups_hour', 'rollups_day']) {
          let t = db.schema
            .createTable(table)
            .ifNotExists()
            .addColumn('monitor_id', 'text', (c) => c.notNull())
            .addColumn('bucket', 'bigint', (c) => c.notNull())
            .addColumn('count', 'integer', (c) => c.notNull())
            .addColumn('ok_count', 'integer', (c) => c.notNull())
            .addColumn('degraded_count', 'integer', (c) => c.notNull())
            .addColumn('latency_sum_ms', 'double precision', (c) => c.notNull())
            .addColumn('latency_min_ms', 'double precision')
            .addColumn('latency_max_ms', 'double precision');
          for (let i = 0; i < 12; i++) t = t.addColumn(`h${i}`, 'integer', (c) => c.notNull().defaultTo(0));
          t = t.addPrimaryKeyConstraint(`${table}_pk`, ['monitor_id', 'bucket']);
          if (engine === 'sqlite') t = t.modifyEnd(sql`without rowid`);
          await t.execute();
        }
        await db.schema
          .createTable('rollup_progress')
          .ifNotExists()
          .addColumn('name', 'text', (c) => c.primaryKey())
          .addColumn('done_id', 'bigint', (c) => c.notNull())
          .addColumn('seen_max_id', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute();
      },
      async down(db) {
        for (const t of ['rollup_progress', 'rollups_day', 'rollups_hour', 'rollups_minute']) await db.schema.dropTable(t).ifExists().execute();
      },
    },
    // Incidents and scheduled maintenance (one table, as Statuspage), their updates and components; admin API tokens.
    '0003_incidents': {
      async up(db) {
        await db.schema
          .createTable('incidents')
          .ifNotExists()
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('incident', 'maintenance')`))
          .addColumn('service_id', 'text')
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('impact', 'text', (c) => c.notNull().check(sql`impact in ('none', 'minor', 'major', 'critical')`))
          .addColumn('cause', 'text', (c) => c.notNull().defaultTo('unknown'))
          .addColumn('origin', 'text', (c) => c.notNull().check(sql`origin in ('auto', 'manual')`))
          .addColumn('human', 'smallint', (c) => c.notNull().defaultTo(0).check(sql`human in (0, 1)`))
          .addColumn('observed_start', 'bigint')
          .addColumn('fault_start', 'bigint')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .addColumn('monitoring_at', 'bigint')
          .addColumn('resolved_at', 'bigint')
          .addColumn('postmortem_body', 'text')
          .addColumn('postmortem_published_at', 'bigint')
          .addColumn('scheduled_for', 'bigint')
          .addColumn('scheduled_until', 'bigint')
          .addColumn('auto_transitions', 'smallint', (c) => c.notNull().defaultTo(0).check(sql`auto_transitions in (0, 1)`))
          .addColumn('started_at', 'bigint')
          .addColumn('vendor_ack_at', 'bigint')
          .addColumn('vendor_ack_source', 'text')
          .addColumn('vendor_ack_text', 'text')
          .addColumn('silent_vendor_at', 'bigint')
          .addColumn('peak_share', 'double precision')
          .addColumn('peak_detail', 'text')
          .execute();
        await db.schema.createIndex('incidents_kind_status_idx').ifNotExists().on('incidents').columns(['kind', 'status']).execute();
        await db.schema.createIndex('incidents_created_idx').ifNotExists().on('incidents').column('created_at').execute();

        await db.schema
          .createTable('incident_components')
          .ifNotExists()
          .addColumn('incident_id', 'text', (c) => c.notNull().references('incidents.id').onDelete('cascade'))
          .addColumn('component_id', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull().check(sql`status in (${statusList})`))
          .addColumn('added_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('incident_components_pk', ['incident_id', 'component_id'])
          .execute();
        await db.schema.createIndex('incident_components_component_idx').ifNotExists().on('incident_components').column('component_id').execute();

        await identity(db, 'incident_updates')
          .addColumn('public_id', 'text', (c) => c.notNull().unique())
          .addColumn('incident_id', 'text', (c) => c.notNull().references('incidents.id').onDelete('cascade'))
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('body', 'text', (c) => c.notNull())
          .addColumn('affected', 'text', (c) => c.notNull().defaultTo('[]'))
          .addColumn('at', 'bigint', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('author', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('incident_updates_incident_idx').ifNotExists().on('incident_updates').columns(['incident_id', 'at']).execute();

        await db.schema
          .createTable('api_tokens')
          .ifNotExists()
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull().unique())
          .addColumn('hash', 'text', (c) => c.notNull().unique())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('last_used_at', 'bigint')
          .addColumn('revoked_at', 'bigint')
          .execute();
      },
      async down(db) {
        for (const t of ['api_tokens', 'incident_updates', 'incident_components', 'incidents']) await db.schema.dropTable(t).ifExists().execute();
      },
    },
    // Notify (src/store/outbox.ts, src/store/subscriptions.ts): the outbox of events written with
    // the change that causes them, one delivery per target with its retry state, public
    // subscriptions, and the open alerts of the operator rules.
    '0007_notify': {
      async up(db) {
        await identity(db, 'notify_events')
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('subject', 'text', (c) => c.notNull())
          .addColumn('component_ids', 'text', (c) => c.notNull().defaultTo('[]'))
          .addColumn('payload', 'text', (c) => c.notNull())
          .addColumn('at', 'bigint', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('expanded_at', 'bigint')
          .execute();
        await db.schema.createIndex('notify_events_pending_idx').ifNotExists().on('notify_events').columns(['expanded_at', 'id']).execute();

        await identity(db, 'notify_deliveries')
          .addColumn('event_id', 'bigint')
          .addColumn('target', 'text', (c) => c.notNull())
          .addColumn('action', 'text', (c) => c.notNull())
          .addColumn('order_key', 'text', (c) => c.notNull())
          .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
          .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('pending', 'sending', 'delivered', 'dead', 'skipped')`))
          .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
          .addColumn('lease_until', 'bigint')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .addColumn('delivered_at', 'bigint')
          .addColumn('last_error', 'text')
          .addColumn('last_status', 'integer')
          .addColumn('response', 'text')
          .addColumn('context', 'text', (c) => c.notNull().defaultTo('{}'))
          .execute();
        await db.schema.createIndex('notify_deliveries_due_idx').ifNotExists().on('notify_deliveries').columns(['status', 'next_attempt_at']).execute();
        await db.schema.createIndex('notify_deliveries_order_idx').ifNotExists().on('notify_deliveries').columns(['order_key', 'id']).execute();
        await db.schema.createIndex('notify_deliveries_event_idx').ifNotExists().on('notify_deliveries').column('event_id').execute();

        await identity(db, 'notify_subscriptions')
          .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('email', 'webhook')`))
          .addColumn('address', 'text', (c) => c.notNull())
          .addColumn('component_ids', 'text', (c) => c.notNull().defaultTo('[]'))
          .addColumn('locale', 'text', (c) => c.notNull().defaultTo('en'))
          .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('pending', 'active', 'unsubscribed')`))
          .addColumn('secret', 'text')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .addColumn('confirmed_at', 'bigint')
          .addColumn('unsubscribed_at', 'bigint')
          .addUniqueConstraint('notify_subscriptions_kind_address_uq', ['kind', 'address'])
          .execute();
        await db.schema.createIndex('notify_subscriptions_status_idx').ifNotExists().on('notify_subscriptions').column('status').execute();

        await db.schema
          .createTable('notify_rule_state')
          .ifNotExists()
          .addColumn('rule', 'text', (c) => c.notNull())
          .addColumn('component_id', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('opened_at', 'bigint', (c) => c.notNull())
          .addColumn('last_sent_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('notify_rule_state_pk', ['rule', 'component_id'])
          .execute();
      },
      async down(db) {
        for (const t of ['notify_rule_state', 'notify_subscriptions', 'notify_deliveries', 'notify_events']) await db.schema.dropTable(t).ifExists().execute();
      },
    },
    // Vendor status (src/store/vendor.ts): readings of official status pages, their incidents and updates.
    '0004_vendor': {
      async up(db) {
        await identity(db, 'vendor_snapshots')
          .addColumn('service_id', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('url', 'text', (c) => c.notNull())
          .addColumn('first_seen_at', 'bigint', (c) => c.notNull())
          .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
          .addColumn('polls', 'integer', (c) => c.notNull())
          .addColumn('reachable', 'smallint', (c) => c.notNull().check(sql`reachable in (0, 1)`))
          .addColumn('error', 'text')
          .addColumn('says_operational', 'smallint', (c) => c.check(sql`says_operational in (0, 1)`))
          .addColumn('indicator', 'text')
          .addColumn('description', 'text')
          .addColumn('components', 'text', (c) => c.notNull().defaultTo('[]'))
          .addColumn('incidents', 'text', (c) => c.notNull().defaultTo('[]'))
          .addColumn('digest', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('vendor_snapshots_service_idx').ifNotExists().on('vendor_snapshots').columns(['service_id', 'first_seen_at']).execute();

        await identity(db, 'vendor_incidents')
          .addColumn('service_id', 'text', (c) => c.notNull())
          .addColumn('vendor_id', 'text', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('impact', 'text')
          .addColumn('maintenance', 'smallint', (c) => c.notNull().defaultTo(0).check(sql`maintenance in (0, 1)`))
          .addColumn('url', 'text')
          .addColumn('created_at', 'bigint')
          .addColumn('updated_at', 'bigint')
          .addColumn('first_seen_at', 'bigint', (c) => c.notNull())
          .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
          .addColumn('closed_seen_at', 'bigint')
          .addUniqueConstraint('vendor_incidents_service_vendor_uq', ['service_id', 'vendor_id'])
          .execute();

        await identity(db, 'vendor_incident_updates')
          .addColumn('service_id', 'text', (c) => c.notNull())
          .addColumn('vendor_incident_id', 'text', (c) => c.notNull())
          .addColumn('update_id', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('body', 'text', (c) => c.notNull())
          .addColumn('published_at', 'bigint')
          .addColumn('seen_at', 'bigint', (c) => c.notNull())
          .addUniqueConstraint('vendor_incident_updates_uq', ['service_id', 'vendor_incident_id', 'update_id'])
          .execute();
      },
      async down(db) {
        for (const t of ['vendor_incident_updates', 'vendor_incidents', 'vendor_snapshots']) await db.schema.dropTable(t).ifExists().execute();
      },
    },
    // Crowd reports (src/store/reports.ts): one row per accepted report (reporter and prefix are
    // salted hashes, never addresses), and rejections counted by service, minute and reason.
    '0005_reports': {
      async up(db) {
        await identity(db, 'reports')
          .addColumn('service_id', 'text', (c) => c.notNull())
          .addColumn('category', 'text', (c) => c.notNull())
          .addColumn('at', 'bigint', (c) => c.notNull())
          .addColumn('region', 'text')
          .addColumn('reporter', 'text', (c) => c.notNull())
          .addColumn('prefix', 'text', (c) => c.notNull())
          .addColumn('counted', 'smallint', (c) => c.notNull().check(sql`counted in (0, 1)`))
          .addColumn('source', 'text', (c) => c.notNull())
          .addColumn('comment', 'text')
          .addColumn('comment_status', 'text', (c) => c.check(sql`comment_status in ('pending', 'approved', 'rejected')`))
          .execute();
        await db.schema.createIndex('reports_service_at_idx').ifNotExists().on('reports').columns(['service_id', 'at']).execute();
        await db.schema.createIndex('reports_at_idx').ifNotExists().on('reports').column('at').execute();
        await identity(db, 'report_rejections')
          .addColumn('service_id', 'text', (c) => c.notNull())
          .addColumn('minute', 'bigint', (c) => c.notNull())
          .addColumn('reason', 'text', (c) => c.notNull())
          .addColumn('count', 'integer', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('report_rejections_service_idx').ifNotExists().on('report_rejections').columns(['service_id', 'minute']).execute();
      },
      async down(db) {
        for (const t of ['report_rejections', 'reports']) await db.schema.dropTable(t).ifExists().execute();
      },
    },
    // Compact storage (src/store/chunks.ts, src/store/rollup-blocks.ts): raw observations of past
    // hours as one chunk per monitor-hour, minute and hour rollups as one block per monitor-hour
    // and monitor-day. Existing minute and hour rollup rows are converted, then their tables dropped.
    '0008_compact_storage': {
      async up(db) {
        const blob = engine === 'postgres' ? 'bytea' : 'blob';
        await db.schema
          .createTable('observation_chunks')
          .ifNotExists()
          .addColumn('monitor_id', 'text', (c) => c.notNull())
          .addColumn('hour', 'bigint', (c) => c.notNull())
          .addColumn('first_id', 'bigint', (c) => c.notNull())
          .addColumn('count', 'integer', (c) => c.notNull())
          .addColumn('first_at', 'bigint', (c) => c.notNull())
          .addColumn('last_at', 'bigint', (c) => c.notNull())
          .addColumn('data', blob, (c) => c.notNull())
          .addPrimaryKeyConstraint('observation_chunks_pk', ['monitor_id', 'hour', 'first_id'])
          .execute();
        await db.schema
          .createTable('rollup_blocks')
          .ifNotExists()
          .addColumn('monitor_id', 'text', (c) => c.notNull())
          .addColumn('resolution', 'text', (c) => c.notNull().check(sql`resolution in ('minute', 'hour')`))
          .addColumn('start', 'bigint', (c) => c.notNull())
          .addColumn('data', blob, (c) => c.notNull())
          .addPrimaryKeyConstraint('rollup_blocks_pk', ['monitor_id', 'resolution', 'start'])
          .execute();
        const tables = new Set((await db.introspection.getTables()).map((t) => t.name));
        for (const res of ['minute', 'hour'] as const) {
          const table = `rollups_${res}`;
          if (!tables.has(table)) continue; // converted and dropped by an earlier, interrupted run
          await convertRollupRows(db, table, res);
          await db.schema.dropTable(table).ifExists().execute();
        }
      },
      async down(db) {
        for (const t of ['rollup_blocks', 'observation_chunks']) await db.schema.dropTable(t).ifExists().execute();
      },
    },
    // Heartbeats (src/store/heartbeats.ts): the last beat per push token, kept across restarts.
    '0009_heartbeats': {
      async up(db) {
        await db.schema
          .createTable('heartbeats')
          .ifNotExists()
          .addColumn('token', 'text', (c) => c.primaryKey())
          .addColumn('at', 'bigint', (c) => c.notNull())
          .addColumn('down', 'text')
          .execute();
      },
      async down(db) {
        await db.schema.dropTable('heartbeats').ifExists().execute();
      },
    },
    // Crowd report counts per minute (src/store/reports.ts), so reports themselves (reporter hashes
    // included) can be deleted after days while the baseline keeps its weeks. Filled from what is there.
    '0010_report_minutes': {
      async up(db) {
        await db.schema
          .createTable('report_minutes')
          .ifNotExists()
          .addColumn('service_id', 'text', (c) => c.notNull())
          .addColumn('category', 'text', (c) => c.notNull())
          .addColumn('minute', 'bigint', (c) => c.notNull())
          .addColumn('n', 'integer', (c) => c.notNull())
          .addPrimaryKeyConstraint('report_minutes_pk', ['service_id', 'category', 'minute'])
          .execute();
        await sql`insert into report_minutes (service_id, category, minute, n)
          select service_id, category, (at - (at % 60000)) / 60000, count(*) from reports where counted = 1 group by 1, 2, 3
          on conflict do nothing`.execute(db);
      },
      async down(db) {
        await db.schema.dropTable('report_minutes').ifExists().execute();
      },
    },
    // Text Vigie writes by itself, as a message key and parameters (JSON, src/i18n/text.ts) beside the English
    // plain text, so every language renders it: reasons for status changes, incident titles, drafted updates.
    '0011_semantics': {
      async up(db) {
        const have = async (table: string) => new Set((await db.introspection.getTables()).find((t) => t.name === table)?.columns.map((c) => c.name) ?? []);
        for (const [table, column] of [
          ['component_status_changes', 'reason_text'],
          ['incidents', 'name_text'],
          ['incident_updates', 'body_text'],
        ] as const)
          if (!(await have(table)).has(column)) await db.schema.alterTable(table).addColumn(column, 'text').execute();
        // When Vigie's status first left operational for the incident's components: the end of "time to detect".
        if (!(await have('incidents')).has('detected_at')) await db.schema.alterTable('incidents').addColumn('detected_at', 'bigint').execute();
      },
      async down(db) {
        await db.schema.alterTable('component_status_changes').dropColumn('reason_text').execute();
        await db.schema.alterTable('incidents').dropColumn('name_text').execute();
        await db.schema.alterTable('incident_updates').dropColumn('body_text').execute();
        await db.schema.alterTable('incidents').dropColumn('detected_at').execute();
      },
    },
    // Agents (src/store/agents.ts): tokens stored hashed; (stream, last_seq) makes result upload idempotent.
    '0013_agents': {
      async up(db) {
        await db.schema
          .createTable('agents')
          .ifNotExists()
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull().unique())
          .addColumn('region', 'text', (c) => c.notNull())
          .addColumn('token_hash', 'text', (c) => c.notNull().unique())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('revoked_at', 'bigint')
          .addColumn('last_seen_at', 'bigint')
          .addColumn('version', 'text')
          .addColumn('clock_offset_ms', 'double precision')
          .addColumn('backlog', 'bigint')
          .addColumn('dropped', 'bigint')
          .addColumn('checks_per_s', 'double precision')
          .addColumn('stream', 'text')
          .addColumn('last_seq', 'bigint', (c) => c.notNull().defaultTo(0))
          .execute();
      },
      async down(db) {
        await db.schema.dropTable('agents').ifExists().execute();
      },
    },
    // Nodes on one PostgreSQL (src/cluster, src/store/leases.ts): leases with fencing epochs, and membership.
    '0014_cluster': {
      async up(db) {
        await db.schema
          .createTable('cluster_leases')
          .ifNotExists()
          .addColumn('name', 'text', (c) => c.primaryKey())
          .addColumn('holder', 'text', (c) => c.notNull())
          .addColumn('epoch', 'bigint', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('cluster_nodes')
          .ifNotExists()
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('seen_at', 'bigint', (c) => c.notNull())
          .addColumn('started_at', 'bigint', (c) => c.notNull())
          .execute();
      },
      async down(db) {
        for (const t of ['cluster_leases', 'cluster_nodes']) await db.schema.dropTable(t).ifExists().execute();
      },
    },
    // What each shard's holders wrote, per epoch (src/cluster/node.ts): one row per shard and epoch, counted in the write's transaction.
    '0022_nodes': {
      async up(db) {
        await db.schema
          .createTable('cluster_writes')
          .ifNotExists()
          .addColumn('shard', 'text', (c) => c.notNull())
          .addColumn('epoch', 'bigint', (c) => c.notNull())
          .addColumn('node', 'text', (c) => c.notNull())
          .addColumn('rows', 'bigint', (c) => c.notNull())
          .addColumn('last_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('cluster_writes_pk', ['shard', 'epoch'])
          .execute();
      },
      async down(db) {
        await db.schema.dropTable('cluster_writes').ifExists().execute();
      },
    },
    // The gateway (src/store/gateway.ts): failover and failback events for the page, client tokens
    // (hashed), and the counters that replicas share (monthly tokens, rate-limit windows; atomic upserts).
    '0016_gateway': {
      async up(db) {
        await db.schema
          .createTable('gateway_events')
          .ifNotExists()
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('source', 'text', (c) => c.notNull())
          .addColumn('route', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('from_upstream', 'text', (c) => c.notNull())
          .addColumn('to_upstream', 'text', (c) => c.notNull())
          .addColumn('from_name', 'text', (c) => c.notNull())
          .addColumn('to_name', 'text', (c) => c.notNull())
          .addColumn('component', 'text')
          .addColumn('reason', 'text')
          .addColumn('at', 'bigint', (c) => c.notNull())
          .addColumn('failed_requests', 'bigint', (c) => c.notNull())
          .addColumn('served_requests', 'bigint')
          .addColumn('body', 'text', (c) => c.notNull())
          .addColumn('body_text', 'text')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('gateway_events_at_idx').ifNotExists().on('gateway_events').column('at').execute();
        await db.schema
          .createTable('gateway_clients')
          .ifNotExists()
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull().unique())
          .addColumn('team', 'text', (c) => c.notNull())
          .addColumn('token_hash', 'text', (c) => c.notNull().unique())
          .addColumn('rate_count', 'bigint')
          .addColumn('rate_per_ms', 'bigint')
          .addColumn('monthly_tokens', 'bigint')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('revoked_at', 'bigint')
          .execute();
        await db.schema
          .createTable('gateway_usage')
          .ifNotExists()
          .addColumn('client', 'text', (c) => c.notNull())
          .addColumn('month', 'text', (c) => c.notNull())
          .addColumn('tokens', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('gateway_usage_pk', ['client', 'month'])
          .execute();
        await db.schema
          .createTable('gateway_rate')
          .ifNotExists()
          .addColumn('client', 'text', (c) => c.primaryKey())
          .addColumn('window_start', 'bigint', (c) => c.notNull())
          .addColumn('used', 'bigint', (c) => c.notNull())
          .execute();
      },
      async down(db) {
        for (const t of ['gateway_events', 'gateway_clients', 'gateway_usage', 'gateway_rate']) await db.schema.dropTable(t).ifExists().execute();
      },
    },
    // Sign-in (src/auth): people with roles, their sessions (only a hash of the cookie), the audit
    // log, and a role per API token (tokens made before roles had full power: owner).
    '0020_users': {
      async up(db) {
        await db.schema
          .createTable('users')
          .ifNotExists()
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull().unique())
          .addColumn('role', 'text', (c) => c.notNull())
          .addColumn('password_hash', 'text')
          .addColumn('totp_secret', 'text')
          .addColumn('totp_enabled', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('totp_last_step', 'bigint')
          .addColumn('oidc_subject', 'text', (c) => c.unique())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('sessions')
          .ifNotExists()
          .addColumn('id_hash', 'text', (c) => c.primaryKey())
          .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('csrf', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('seen_at', 'bigint', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .addColumn('address', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('sessions_user_idx').ifNotExists().on('sessions').column('user_id').execute();
        await identity(db, 'audit_log')
          .addColumn('at', 'bigint', (c) => c.notNull())
          .addColumn('actor_kind', 'text', (c) => c.notNull())
          .addColumn('actor_name', 'text', (c) => c.notNull())
          .addColumn('action', 'text', (c) => c.notNull())
          .addColumn('method', 'text', (c) => c.notNull())
          .addColumn('path', 'text', (c) => c.notNull())
          .addColumn('target', 'text')
          .addColumn('before', 'text')
          .addColumn('after', 'text')
          .addColumn('outcome', 'text', (c) => c.notNull())
          .addColumn('status', 'integer', (c) => c.notNull())
          .addColumn('address', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('audit_log_at_idx').ifNotExists().on('audit_log').column('at').execute();
        const tokens = (await db.introspection.getTables()).find((t) => t.name === 'api_tokens');
        if (tokens && !tokens.columns.some((c) => c.name === 'role')) await db.schema.alterTable('api_tokens').addColumn('role', 'text', (c) => c.notNull().defaultTo('owner')).execute();
      },
      async down(db) {
        for (const t of ['audit_log', 'sessions', 'users']) await db.schema.dropTable(t).ifExists().execute();
        await db.schema.alterTable('api_tokens').dropColumn('role').execute();
        },
      },
    // Services, components and monitors made through the admin API (src/store/catalog.ts), merged with the config file's.
    '0021_catalog': {
      async up(db) {
        for (const [table, parent] of [
          ['catalog_services', null],
          ['catalog_components', 'service_id'],
          ['catalog_monitors', 'component_id'],
        ] as const) {
          let t = db.schema.createTable(table).ifNotExists().addColumn('id', 'text', (c) => c.primaryKey());
          if (parent) t = t.addColumn(parent, 'text', (c) => c.notNull());
          t = t.addColumn('entry', 'text', (c) => c.notNull());
          if (table === 'catalog_monitors') t = t.addColumn('paused', 'smallint', (c) => c.notNull().defaultTo(0).check(sql`paused in (0, 1)`));
          await t
            .addColumn('position', 'integer', (c) => c.notNull())
            .addColumn('created_at', 'bigint', (c) => c.notNull())
            .addColumn('updated_at', 'bigint', (c) => c.notNull())
            .execute();
          if (parent) await db.schema.createIndex(`${table}_${parent}_idx`).ifNotExists().on(table).column(parent).execute();
        }
      },
      async down(db) {
        for (const t of ['catalog_monitors', 'catalog_components', 'catalog_services']) await db.schema.dropTable(t).ifExists().execute();
      },
    },
    // A failover's live figures while it lasts (src/store/gateway.ts, recordGatewayProgress): requests served
    // and failed since traffic left, as of when, where the traffic is now, and when the failover ended.
    '0023_gateway_progress': {
      async up(db) {
        // Column by column, each only if missing: SQLite runs this DDL outside a transaction, so a crash may leave some added.
        const have = new Set((await db.introspection.getTables()).find((t) => t.name === 'gateway_events')?.columns.map((c) => c.name) ?? []);
        for (const [column, type] of [
          ['progress_served', 'bigint'],
          ['progress_failed', 'bigint'],
          ['progress_at', 'bigint'],
          ['progress_to', 'text'],
          ['progress_to_name', 'text'],
          ['ended_at', 'bigint'],
        ] as const)
          if (!have.has(column)) await db.schema.alterTable('gateway_events').addColumn(column, type).execute();
      },
      async down(db) {
        for (const column of ['progress_served', 'progress_failed', 'progress_at', 'progress_to', 'progress_to_name', 'ended_at']) await db.schema.alterTable('gateway_events').dropColumn(column).execute();
      },
    },
  };
}

/** Old one-row-per-bucket rollups into blocks, a page of rows at a time in key order; idempotent. */
async function convertRollupRows(db: Kysely<any>, table: string, res: BlockResolution): Promise<void> {
  let pending: Rollup[] = [];
  const flush = async () => {
    if (pending.length === 0) return;
    const start = blockStart(pending[0]!.bucket, res);
    const values = { monitor_id: pending[0]!.monitorId, resolution: res, start, data: encodeBlock(start, res, pending) };
    pending = [];
    await db.insertInto('rollup_blocks').values(values).onConflict((oc) => oc.columns(['monitor_id', 'resolution', 'start']).doUpdateSet({ data: values.data })).execute();
  };
  let after: { monitor_id: string; bucket: number } | undefined;
  for (;;) {
    let q = db.selectFrom(table).selectAll().orderBy('monitor_id').orderBy('bucket').limit(10_000);
    if (after) {
      const a = after;
      q = q.where((eb) => eb.or([eb('monitor_id', '>', a.monitor_id), eb.and([eb('monitor_id', '=', a.monitor_id), eb('bucket', '>', a.bucket)])]));
    }
    const rows = await q.execute();
    for (const r of rows) {
      const rollup = rollupFromRow(r as RollupTable);
      const head = pending[0];
      if (head && (head.monitorId !== rollup.monitorId || blockStart(head.bucket, res) !== blockStart(rollup.bucket, res))) await flush();
      pending.push(rollup);
    }
    if (rows.length < 10_000) break;
    after = { monitor_id: String(rows.at(-1)!.monitor_id), bucket: Number(rows.at(-1)!.bucket) };
  }
  await flush();
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
