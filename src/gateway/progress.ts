// A failover's live figures for the status page: while a route's traffic is away from the upstream it
// left, the process that holds the HealthBoard (the gateway, or a cluster's primary) reports every
// `gateway.progress_every` what the route's clients got since (served, failed), and once more when the
// failover ends. The reports go where the events go (in-process: Vigie's store, through the same
// WriteBehind, in order; standalone: the admin API, through the EventReporter's queue), each naming
// the failover event it belongs to. Not notified: the failback's own notification gives the totals.
import type { Clock, TimerHandle } from '../core/time.js';
import type { GatewayProgressRecord } from '../store/gateway.js';
import type { OngoingFailover, TrafficMove } from './board.js';

export type GatewayProgressSink = (p: GatewayProgressRecord) => void;

interface Open {
  eventId: string;
  from: string;
  since: number;
}

export interface FailoverProgressOptions {
  ongoing: (route: string) => OngoingFailover | null;
  clock: Clock;
  everyMs: number;
  /** Upstream id → display name. */
  names: Record<string, string>;
  sink: GatewayProgressSink;
}

export class FailoverProgress {
  private readonly open = new Map<string, Open>();
  private timer: TimerHandle | undefined;
  private stopped = false;

  constructor(private readonly o: FailoverProgressOptions) {}

  /** Before the move's event is sent: the failover it ends gets its last report, so the page never shows a finished failover as ongoing. */
  ending(m: TrafficMove): void {
    const f = this.open.get(m.route);
    if (!f || !m.ended || m.ended.from !== f.from || m.ended.since !== f.since) return;
    this.open.delete(m.route);
    this.send(f, m.ended, m.at, true);
    if (this.open.size === 0) this.disarm();
  }

  /** After the move's event is sent (its id known): a failover it begins is reported at once (nothing served yet), then every everyMs. */
  starting(m: TrafficMove, eventId: string): void {
    // Only a failover begins one (a failback may leave one in progress, never start it).
    if (!m.started || m.kind !== 'failover' || this.stopped) return;
    const f = { eventId, from: m.started.from, since: m.started.since };
    this.open.set(m.route, f);
    this.send(f, m.started, m.at, false);
    this.arm();
  }

  /** Failovers being reported (route → event id). */
  get reporting(): ReadonlyMap<string, string> {
    return new Map([...this.open].map(([route, f]) => [route, f.eventId]));
  }

  /** Reports every open failover now. */
  tick(): void {
    const now = this.o.clock.now();
    for (const [route, f] of this.open) {
      const g = this.o.ongoing(route);
      // The board's failover is another one (or none) without a move we saw end it: this one's figures stop here.
      if (!g || g.from !== f.from || g.since !== f.since) {
        this.open.delete(route);
        continue;
      }
      this.send(f, g, now, false);
    }
  }

  /** At the gateway's stop: the figures as they stand (the failover is not over: the page says "as of" when). */
  stop(): void {
    if (this.stopped) return;
    this.tick();
    this.stopped = true;
    this.disarm();
  }

  private send(f: Open, g: OngoingFailover, asOf: number, ended: boolean): void {
    this.o.sink({ eventId: f.eventId, served: g.served, failed: g.failed, asOf, to: g.to, toName: this.o.names[g.to] ?? g.to, ended });
  }

  private arm(): void {
    if (this.timer || this.stopped) return;
    this.timer = this.o.clock.at(this.o.clock.now() + this.o.everyMs, () => {
      this.timer = undefined;
      this.tick();
      if (this.open.size > 0) this.arm();
    });
  }

  private disarm(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }
}
