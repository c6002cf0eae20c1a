// The last beat of each heartbeat token (0009_heartbeats), so a restart of Vigie remembers when
// each job last called in.
import type { Kysely } from 'kysely';
import type { Beat, BeatStore } from '../probes/heartbeat.js';
import type { Database } from './schema.js';

export function heartbeatStore(db: Kysely<Database>): BeatStore {
  return {
    async save(token, beat) {
      const row = { token, at: beat.at, down: beat.down ?? null };
      // Never move a token back in time when two saves race.
      await db
        .insertInto('heartbeats')
        .values(row)
        .onConflict((oc) => oc.column('token').doUpdateSet({ at: row.at, down: row.down }).where('heartbeats.at', '<=', row.at))
        .execute();
    },
  };
}

export async function loadBeats(db: Kysely<Database>): Promise<Map<string, Beat>> {
  const rows = await db.selectFrom('heartbeats').selectAll().execute();
  return new Map(rows.map((r) => [r.token, r.down === null ? { at: r.at } : { at: r.at, down: r.down }]));
}
