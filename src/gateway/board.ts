// The gateway's view of all its upstreams and routes: each upstream's Health (health.ts), the
// signals that move it, and the failover/failback events that follow when a route's traffic moves.
// No I/O: the clock is given, events go to listeners (logs, metrics, the status page).
import type { Clock } from '../core/time.js';
import { type Health, type HealthConfig, type HealthState, type Outcome, type Step, type Transition, type VigieSignal, advance, initialHealth, onOutcome, onVigie } from './health.js';
import { type Route, activeUpstream } from './route.js';

export interface UpstreamTransition extends Transition {
  upstream: string;
}

/** A route's traffic moved from one upstream to another. */
export interface TrafficMove {
  route: string;
  from: string;
  to: string;
  at: number;
  /** failover: away from the route's preferred order; failback: back towards it. */
  kind: 'failover' | 'failback';
  /** failover: requests on this route that failed at the client since the previous move; failback: those
   *  that failed since the traffic left `to` (the whole failover, however many moves it took). */
  failedRequests: number;
  /** Requests answered successfully over the same span. */
  servedRequests: number;
  /** Why `from` was left (its down reason), when it was. */
  reason: string | null;
  /** The failover this move began (none was in progress on the route), as ongoing() gives it: its progress is reported from here. */
  started?: OngoingFailover;
  /** The failover this move ended, with its final counts (as ongoing() gave them just before the move). */
  ended?: OngoingFailover;
}

/** Client requests of a route so far (only ever grows). */
interface Totals {
  served: number;
  failed: number;
  at: number;
}

/** A failover in progress on a route: since when, and what its clients got since. */
export interface OngoingFailover {
  route: string;
  /** The upstream the traffic left first (the route's preferred one, usually). */
  from: string;
  /** Where the traffic is now. */
  to: string;
  since: number;
  served: number;
  failed: number;
}

export interface BoardListener {
  transition?(t: UpstreamTransition): void;
  move?(m: TrafficMove): void;
}

export class HealthBoard {
  private health = new Map<string, Health>();
  private active = new Map<string, string | undefined>();
  private totals = new Map<string, Totals>();
  /** Per route, the totals at the previous move. */
  private lastMove = new Map<string, Totals>();
  /** Per route, per upstream the traffic left and has not come back to: the totals when it left. */
  private departed = new Map<string, Map<string, Totals>>();
  private listeners: BoardListener[] = [];

  constructor(
    upstreamIds: readonly string[],
    private readonly routes: readonly Route[],
    private readonly cfg: HealthConfig,
    private readonly clock: Clock,
  ) {
    const now = clock.now();
    for (const id of upstreamIds) this.health.set(id, initialHealth(now));
    for (const r of routes) {
      this.active.set(r.name, activeUpstream(r.upstreams, (id) => this.peek(id)));
      const zero = { served: 0, failed: 0, at: now };
      this.totals.set(r.name, { ...zero });
      this.lastMove.set(r.name, zero);
      this.departed.set(r.name, new Map());
    }
  }

  listen(l: BoardListener): void {
    this.listeners.push(l);
  }

  /** The upstream's state now (time-based moves applied). */
  state(id: string): HealthState {
    this.apply(id, (h, now) => advance(h, now, this.cfg));
    return this.peek(id);
  }

  snapshot(id: string): Health | undefined {
    return this.health.get(id);
  }

  vigie(id: string, signal: VigieSignal): void {
    this.apply(id, (h, now) => onVigie(h, signal, now, this.cfg));
  }

  outcome(id: string, o: Outcome): void {
    this.apply(id, (h, now) => onOutcome(h, o, now, this.cfg));
  }

  /** A client request on the route ended in an error that was not the caller's. */
  clientFailed(route: string, n = 1): void {
    const t = this.totals.get(route);
    if (t) t.failed += n;
  }

  /** A client request on the route was answered successfully. */
  clientServed(route: string, n = 1): void {
    const t = this.totals.get(route);
    if (t) t.served += n;
  }

  /** The route's failover in progress (its traffic is away from an upstream it left), with its counts so far; null when none. */
  ongoing(route: string): OngoingFailover | null {
    const marks = this.departed.get(route);
    const t = this.totals.get(route);
    const to = this.active.get(route);
    if (!marks || marks.size === 0 || !t || to === undefined) return null;
    // The earliest departure still open: where the failover began.
    let first: [string, Totals] | undefined;
    for (const e of marks) if (!first || e[1].at < first[1].at) first = e;
    const [from, m] = first!;
    return { route, from, to, since: m.at, served: t.served - m.served, failed: t.failed - m.failed };
  }

  activeOf(route: string): string | undefined {
    return this.active.get(route);
  }

  private peek(id: string): HealthState {
    return this.health.get(id)?.state ?? 'down';
  }

  private apply(id: string, f: (h: Health, now: number) => Step): void {
    const h = this.health.get(id);
    if (!h) return;
    const now = this.clock.now();
    const step = f(h, now);
    this.health.set(id, step.health);
    if (step.transitions.length === 0) return;
    for (const t of step.transitions) for (const l of this.listeners) l.transition?.({ ...t, upstream: id });
    this.checkRoutes(now);
  }

  private checkRoutes(now: number): void {
    for (const r of this.routes) {
      const before = this.active.get(r.name);
      const after = activeUpstream(r.upstreams, (id) => this.peek(id));
      if (before === after || before === undefined || after === undefined) continue;
      const was = this.ongoing(r.name);
      this.active.set(r.name, after);
      const rank = (id: string) => r.upstreams.findIndex((u) => u.id === id);
      const kind = rank(after) > rank(before) ? 'failover' : 'failback';
      const t = this.totals.get(r.name)!;
      const marks = this.departed.get(r.name)!;
      // A failback counts from when the traffic left the upstream it returns to (with three upstreams
      // or more, several moves ago); a failover, since the previous move. Without a departure on record
      // (the upstream was already avoided when the gateway started), since the gateway started.
      const from = kind === 'failback' ? (marks.get(after) ?? { served: 0, failed: 0, at: now }) : this.lastMove.get(r.name)!;
      const move: TrafficMove = {
        route: r.name,
        from: before,
        to: after,
        at: now,
        kind,
        failedRequests: t.failed - from.failed,
        servedRequests: t.served - from.served,
        reason: this.health.get(before)?.reason ?? null,
      };
      const mark = { served: t.served, failed: t.failed, at: now };
      this.lastMove.set(r.name, mark);
      if (!marks.has(before)) marks.set(before, mark);
      marks.delete(after);
      // Back on an upstream preferred to those it had left: those departures are over too.
      for (const id of [...marks.keys()]) if (rank(id) > rank(after)) marks.delete(id);
      const is = this.ongoing(r.name);
      const same = !!was && !!is && was.from === is.from && was.since === is.since;
      if (was && !same) move.ended = was;
      if (is && !same) move.started = is;
      for (const l of this.listeners) l.move?.(move);
    }
  }
}
