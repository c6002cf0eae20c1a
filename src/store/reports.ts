// Crowd reports in the store: group-committed inserts, the aggregates the signal learns from, the
// keys that rebuild dedup after a restart, rejections by reason, and comment moderation.
import { type Insertable, type Kysely, sql } from 'kysely';
import type { Database, ReportTable } from './schema.js';

/** A report as written: the table's columns less the generated id. */
export type ReportRow = Omit<Insertable<ReportTable>, 'id'>;

export type CommentStatus = 'pending' | 'approved' | 'rejected';

/** Rows per INSERT: 10 columns each, well under both engines' bound-parameter limits. */
const CHUNK = 1000;

/** Inserts the batch and adds its counted reports to the minute counts, in one transaction: all of it is durable when this resolves, or none. */
export async function insertReports(db: Kysely<Database>, rows: ReportRow[]): Promise<void> {
  if (rows.length === 0) return;
  const minutes = new Map<string, { service_id: string; category: string; minute: number; n: number }>();
  for (const r of rows) {
    if (r.counted !== 1) continue;
    const minute = Math.floor(r.at / 60_000);
    const key = `${r.service_id}\u0000${r.category}\u0000${minute}`;
    const m = minutes.get(key);
    if (m) m.n++;
    else minutes.set(key, { service_id: r.service_id, category: r.category, minute, n: 1 });
  }
  await db.transaction().execute(async (trx) => {
    for (let i = 0; i < rows.length; i += CHUNK) await trx.insertInto('reports').values(rows.slice(i, i + CHUNK)).execute();
    await addMinutesIn(trx, [...minutes.values()]);
  });
}

/** Adds to the per-minute counts alone (history brought in without its reports, as the demo's usual volume). */
export async function addReportMinutes(db: Kysely<Database>, counts: MinuteCount[]): Promise<void> {
  await db.transaction().execute((trx) => addMinutesIn(trx, counts));
}

type MinuteCount = { service_id: string; category: string; minute: number; n: number };

async function addMinutesIn(trx: Kysely<Database>, counts: MinuteCount[]): Promise<void> {
  for (let i = 0; i < counts.length; i += CHUNK)
    await trx
      .insertInto('report_minutes')
      .values(counts.slice(i, i + CHUNK))
      .onConflict((oc) => oc.columns(['service_id', 'category', 'minute']).doUpdateSet((eb) => ({ n: sql<number>`${eb.ref('report_minutes.n')} + ${eb.ref('excluded.n')}` })))
      .execute();
}

export async function countReports(db: Kysely<Database>, opts: { serviceId?: string; counted?: boolean } = {}): Promise<number> {
  let q = db.selectFrom('reports').select((eb) => eb.fn.countAll<number>().as('n'));
  if (opts.serviceId !== undefined) q = q.where('service_id', '=', opts.serviceId);
  if (opts.counted !== undefined) q = q.where('counted', '=', opts.counted ? 1 : 0);
  const r = await q.executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Counted reports per service, category and epoch minute from the minute of `since` on, oldest first. */
export async function reportMinuteCounts(db: Kysely<Database>, since: number): Promise<{ serviceId: string; category: string; minute: number; n: number }[]> {
  const rows = await db
    .selectFrom('report_minutes')
    .selectAll()
    .where('minute', '>=', Math.floor(since / 60_000))
    .orderBy('minute')
    .orderBy('service_id')
    .orderBy('category')
    .execute();
  return rows.map((r) => ({ serviceId: r.service_id, category: r.category, minute: Number(r.minute), n: Number(r.n) }));
}

/** What rebuilds the dedup window and prefix caps after a restart, oldest first. */
export async function recentReportKeys(db: Kysely<Database>, since: number): Promise<{ serviceId: string; reporter: string; prefix: string; at: number; counted: boolean }[]> {
  const rows = await db
    .selectFrom('reports')
    .select(['service_id', 'reporter', 'prefix', 'at', 'counted'])
    .where('at', '>=', since)
    .orderBy('at')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ serviceId: r.service_id, reporter: r.reporter, prefix: r.prefix, at: r.at, counted: r.counted === 1 }));
}

export async function insertRejections(db: Kysely<Database>, rows: { service_id: string; minute: number; reason: string; count: number }[]): Promise<void> {
  if (rows.length === 0) return;
  await db.insertInto('report_rejections').values(rows).execute();
}

/** Rejections by service and reason since `since` (all time by default). */
export async function rejectionTotals(db: Kysely<Database>, since = 0): Promise<{ serviceId: string; reason: string; n: number }[]> {
  const rows = await db
    .selectFrom('report_rejections')
    .select(['service_id', 'reason', (eb) => eb.fn.sum<number>('count').as('n')])
    .where('minute', '>=', Math.floor(since / 60_000))
    .groupBy(['service_id', 'reason'])
    .execute();
  return rows.map((r) => ({ serviceId: r.service_id, reason: r.reason, n: Number(r.n) }));
}

export interface StoredComment {
  id: number;
  serviceId: string;
  category: string;
  at: number;
  region: string | null;
  comment: string;
  status: CommentStatus;
}

export async function listComments(db: Kysely<Database>, opts: { status?: CommentStatus; serviceId?: string; limit?: number } = {}): Promise<StoredComment[]> {
  let q = db.selectFrom('reports').select(['id', 'service_id', 'category', 'at', 'region', 'comment', 'comment_status']).where('comment', 'is not', null);
  if (opts.status) q = q.where('comment_status', '=', opts.status);
  if (opts.serviceId) q = q.where('service_id', '=', opts.serviceId);
  const rows = await q.orderBy('at', 'desc').orderBy('id', 'desc').limit(opts.limit ?? 50).execute();
  return rows.map((r) => ({
    id: r.id,
    serviceId: r.service_id,
    category: r.category,
    at: r.at,
    region: r.region,
    comment: r.comment ?? '',
    status: (r.comment_status ?? 'pending') as CommentStatus,
  }));
}

/** Sets a comment's moderation status; false when there is no comment with that id. */
export async function setCommentStatus(db: Kysely<Database>, id: number, status: CommentStatus): Promise<boolean> {
  const r = await db.updateTable('reports').set({ comment_status: status }).where('id', '=', id).where('comment', 'is not', null).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}
