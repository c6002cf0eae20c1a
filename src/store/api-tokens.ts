// Admin API tokens in the store: only their sha256 is kept, never the token.
import { type Role, isRole } from '../auth/roles.js';
import type { Store } from './store.js';

export interface ApiTokenInfo {
  id: string;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
  role: Role;
}

/** A stored role this version does not know gives no power beyond reading. */
const roleOf = (r: string): Role => (isRole(r) ? r : 'viewer');

export class ApiTokenStore {
  constructor(private readonly store: Store) {}

  async create(t: { id: string; name: string; hash: string; at: number; role: Role }): Promise<void> {
    const taken = await this.store.db.selectFrom('api_tokens').select('id').where('name', '=', t.name).executeTakeFirst();
    if (taken) throw new Error(`a token named "${t.name}" already exists`);
    await this.store.db.insertInto('api_tokens').values({ id: t.id, name: t.name, hash: t.hash, created_at: t.at, last_used_at: null, revoked_at: null, role: t.role }).execute();
  }

  /** The live (not revoked) token with this hash. */
  async findByHash(hash: string): Promise<(ApiTokenInfo & { hash: string }) | undefined> {
    const r = await this.store.db.selectFrom('api_tokens').selectAll().where('hash', '=', hash).where('revoked_at', 'is', null).executeTakeFirst();
    return r ? { id: r.id, name: r.name, hash: r.hash, createdAt: r.created_at, lastUsedAt: r.last_used_at, revokedAt: r.revoked_at, role: roleOf(r.role) } : undefined;
  }

  async touch(id: string, at: number): Promise<void> {
    await this.store.db.updateTable('api_tokens').set({ last_used_at: at }).where('id', '=', id).execute();
  }

  async list(): Promise<ApiTokenInfo[]> {
    const rows = await this.store.db.selectFrom('api_tokens').selectAll().orderBy('created_at').orderBy('name').execute();
    return rows.map((r) => ({ id: r.id, name: r.name, createdAt: r.created_at, lastUsedAt: r.last_used_at, revokedAt: r.revoked_at, role: roleOf(r.role) }));
  }

  /** Revokes the token by name; false when there is no live token of that name. */
  async revoke(name: string, at: number): Promise<boolean> {
    const r = await this.store.db.updateTable('api_tokens').set({ revoked_at: at }).where('name', '=', name).where('revoked_at', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }
}
