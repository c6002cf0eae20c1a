// The audit log: who changed what through the admin API, and every sign-in attempt. Kept for a
// bounded time (pruned on insert, at most once an hour).
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

export interface AuditEntry {
  at: number;
  actorKind: string;
  actorName: string;
  action: string;
  method: string;
  path: string;
  target: string | null;
  before: unknown;
  after: unknown;
  /** 'ok', 'forbidden', 'csrf', 'failed', 'throttled', … */
  outcome: string;
  status: number;
  address: string;
}

export interface StoredAuditEntry extends AuditEntry {
  id: number;
}

export interface AuditFilter {
  actor?: string | undefined;
  action?: string | undefined;
  target?: string | undefined;
  since?: number | undefined;
  until?: number | undefined;
  /** Entries with an id below this (the cursor: the last id of the previous page). */
  before?: number | undefined;
  limit: number;
}

const json = (v: unknown): string | null => (v === undefined || v === null ? null : JSON.stringify(v));
const parse = (s: string | null): unknown => {
  if (s === null) return null;
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
};

export const AUDIT_RETENTION_MS = 366 * 86_400_000;
const PRUNE_EVERY_MS = 3_600_000;

export class AuditStore {
  private prunedAt = -Infinity;
  constructor(
    private readonly db: Kysely<Database>,
    private readonly retentionMs = AUDIT_RETENTION_MS,
  ) {}

  async add(e: AuditEntry): Promise<void> {
    await this.db
      .insertInto('audit_log')
      .values({ at: e.at, actor_kind: e.actorKind, actor_name: e.actorName, action: e.action, method: e.method, path: e.path, target: e.target, before: json(e.before), after: json(e.after), outcome: e.outcome, status: e.status, address: e.address })
      .execute();
    if (e.at - this.prunedAt >= PRUNE_EVERY_MS) {
      this.prunedAt = e.at;
      await this.db.deleteFrom('audit_log').where('at', '<', e.at - this.retentionMs).execute();
    }
  }

  /** Newest first. */
  async list(f: AuditFilter): Promise<StoredAuditEntry[]> {
    let q = this.db.selectFrom('audit_log').selectAll();
    if (f.actor !== undefined) q = q.where('actor_name', '=', f.actor);
    if (f.action !== undefined) q = q.where('action', '=', f.action);
    if (f.target !== undefined) q = q.where('target', '=', f.target);
    if (f.since !== undefined) q = q.where('at', '>=', f.since);
    if (f.until !== undefined) q = q.where('at', '<', f.until);
    if (f.before !== undefined) q = q.where('id', '<', f.before);
    const rows = await q.orderBy('id', 'desc').limit(f.limit).execute();
    return rows.map((r) => ({
      id: Number(r.id),
      at: Number(r.at),
      actorKind: r.actor_kind,
      actorName: r.actor_name,
      action: r.action,
      method: r.method,
      path: r.path,
      target: r.target,
      before: parse(r.before),
      after: parse(r.after),
      outcome: r.outcome,
      status: Number(r.status),
      address: r.address,
    }));
  }
}
