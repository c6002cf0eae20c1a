// Updates as a person reads them: newest first (the snapshot's order), and the updates of one minute
// folded into one entry, since the page shows times to the minute and two entries with the same time
// read as out of order. Feeds and both HTML pages use this; the v2 API keeps every update.
import type { SnapshotIncidentUpdate } from './snapshot.js';

export interface UpdateGroup {
  /** The newest update's status and time. */
  status: string;
  at: number;
  /** Newest first. */
  updates: SnapshotIncidentUpdate[];
}

const MINUTE_MS = 60_000;

/** `updates` newest first (as in a Snapshot) → one group per minute, newest first. */
export function foldUpdates(updates: readonly SnapshotIncidentUpdate[]): UpdateGroup[] {
  const out: UpdateGroup[] = [];
  for (const u of updates) {
    const last = out[out.length - 1];
    if (last && Math.floor(last.at / MINUTE_MS) === Math.floor(u.at / MINUTE_MS)) last.updates.push(u);
    else out.push({ status: u.status, at: u.at, updates: [u] });
  }
  return out;
}
