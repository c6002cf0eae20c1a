// Where a monitor taken over by a cluster node picks up: the slot after its last stored check. The
// previous holder's writes are fenced from the moment this node holds the shard, so what the store
// says then is final: the next slot is neither run twice nor skipped, and a slot missed while the
// old holder was dead (its lease running out) is run at once, still on the monitor's grid.
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';

/** The latest stored check time of each monitor that has recent rows. */
export async function lastChecks(db: Kysely<Database>, monitorIds: readonly string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (let i = 0; i < monitorIds.length; i += 1000) {
    const rows = await db
      .selectFrom('observations')
      .select(['monitor_id', (eb) => eb.fn.max('at').as('at')])
      .where('monitor_id', 'in', monitorIds.slice(i, i + 1000))
      .groupBy('monitor_id')
      .execute();
    for (const r of rows) if (r.at !== null) out.set(r.monitor_id, Number(r.at));
  }
  return out;
}

/**
 * The first planned time for a monitor checked last at `last`: the next slot on its grid, or, when
 * that is past, the latest slot not after now (one catch-up check, not one per missed slot).
 */
export function resumeAt(last: number, intervalMs: number, now: number): number {
  const next = last + intervalMs;
  if (next > now) return next;
  return next + Math.floor((now - next) / intervalMs) * intervalMs;
}
