// Browser sessions (src/auth/sessions.ts): the row is keyed by the sha256 of the cookie, so the store
// never holds a cookie that would sign anyone in.
import type { Kysely } from 'kysely';
import type { Database, SessionTable } from './schema.js';

export interface SessionRow {
  idHash: string;
  userId: string;
  csrf: string;
  createdAt: number;
  seenAt: number;
  expiresAt: number;
  address: string;
}

const fromRow = (r: SessionTable): SessionRow => ({
  idHash: r.id_hash,
  userId: r.user_id,
  csrf: r.csrf,
  createdAt: Number(r.created_at),
  seenAt: Number(r.seen_at),
  expiresAt: Number(r.expires_at),
  address: r.address,
});

export class SessionStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(s: SessionRow): Promise<void> {
    await this.db.insertInto('sessions').values({ id_hash: s.idHash, user_id: s.userId, csrf: s.csrf, created_at: s.createdAt, seen_at: s.seenAt, expires_at: s.expiresAt, address: s.address }).execute();
  }

  async get(idHash: string): Promise<SessionRow | undefined> {
    const r = await this.db.selectFrom('sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
    return r ? fromRow(r) : undefined;
  }

  async touch(idHash: string, at: number): Promise<void> {
    await this.db.updateTable('sessions').set({ seen_at: at }).where('id_hash', '=', idHash).execute();
  }

  async remove(idHash: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
  }

  /** Ends every session of the user but `keep` (the one that made the change, if any). */
  async removeUser(userId: string, keep?: string): Promise<number> {
    let q = this.db.deleteFrom('sessions').where('user_id', '=', userId);
    if (keep !== undefined) q = q.where('id_hash', '!=', keep);
    return Number((await q.executeTakeFirst()).numDeletedRows);
  }

  /** Drops sessions past their absolute end or idle since before `idleBefore`. */
  async prune(at: number, idleBefore: number): Promise<number> {
    const r = await this.db.deleteFrom('sessions').where((eb) => eb.or([eb('expires_at', '<=', at), eb('seen_at', '<', idleBefore)])).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
