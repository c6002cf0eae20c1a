// Agents heard by any cluster node: their last request is in the store (each heartbeat writes it),
// so every node reads the same live set and splits each region between the same agents.
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';

export async function liveAgentsInStore(db: Kysely<Database>, since: number): Promise<{ id: string; region: string }[]> {
  return db.selectFrom('agents').select(['id', 'region']).where('revoked_at', 'is', null).where('last_seen_at', '>=', since).execute();
}
