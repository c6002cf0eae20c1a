// Heartbeat (push) monitors: the job calls Vigie, not the other way round. The push route
// (src/web/routes/push.ts) records each beat in a BeatBook; this probe, run on the monitor's
// interval like any other, fails when the last beat is older than period + grace:
//   no beat in time            -> 'timeout' ("no beat for 7m 10s; expected one every 5m + 1m grace")
//   the job pushed status=down -> 'assertion' with its message
// A token with no beat yet counts from when this process started listening. Beats are saved as they
// come (src/store/heartbeats.ts) and restored at start, so a restart does not give a daily job a
// fresh day before a missed beat is noticed.
import { formatDuration } from '../core/duration.js';
import { type Clock, systemClock } from '../core/time.js';
import type { HeartbeatTarget } from '../config/schema.js';
import { fail, runProbe } from './run.js';
import type { BeatSource, Probe } from './types.js';

export interface Beat {
  at: number;
  /** Set when the job reported itself down, with its message. */
  down?: string;
}

/** Where beats are kept across restarts. */
export interface BeatStore {
  save(token: string, beat: Beat): Promise<void>;
}

/** The last beat per token, in clock time. Only tokens the route accepts get here, so it stays small. */
export class BeatBook implements BeatSource {
  private beats = new Map<string, Beat>();
  readonly since: number;

  constructor(
    private clock: Clock = systemClock,
    private store?: BeatStore,
  ) {
    this.since = clock.now();
  }

  /** Records a beat; resolves once it is saved, so the job's 200 means it will survive a restart. */
  async beat(token: string, down?: string): Promise<Beat> {
    const b: Beat = { at: this.clock.now(), ...(down !== undefined ? { down } : {}) };
    await this.store?.save(token, b);
    // Beats of one token may be saved out of order; the book keeps the latest.
    if ((this.beats.get(token)?.at ?? -Infinity) <= b.at) this.beats.set(token, b);
    return b;
  }

  /** Beats saved by an earlier run; a newer beat already in the book wins. */
  restore(saved: ReadonlyMap<string, Beat>): void {
    for (const [token, b] of saved) if ((this.beats.get(token)?.at ?? -Infinity) < b.at) this.beats.set(token, b);
  }

  last(token: string): Beat | undefined {
    return this.beats.get(token);
  }
}

export const heartbeatProbe: Probe<HeartbeatTarget> = (t, ctx) =>
  runProbe(ctx, async (run) => {
    const beats = ctx.beats;
    if (!beats) return fail('protocol', 'no push route in this process: heartbeat monitors are checked by `vigie start`, which serves /api/push/<token>');
    const now = (ctx.clock ?? systemClock).now();
    const last = beats.last(t.token);
    const age = Math.max(0, now - (last?.at ?? beats.since));
    if (last) run.details.sinceLastBeatMs = age;
    if (last?.down !== undefined) return fail('assertion', `the job reported down ${formatDuration(age)} ago: ${last.down}`);
    const allowed = t.periodMs + t.graceMs;
    if (age > allowed) {
      const expect = `expected one every ${formatDuration(t.periodMs)}${t.graceMs > 0 ? ` + ${formatDuration(t.graceMs)} grace` : ''}`;
      return fail('timeout', last ? `no beat for ${formatDuration(age)}; ${expect}` : `no beat since Vigie started ${formatDuration(age)} ago; ${expect}`);
    }
    return undefined;
  });
