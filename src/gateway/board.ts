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
  /** Requests on this route that failed at the client since the previous move. */
  failedRequests: number;
  /** Requests on this route answered successfully since the previous move (for a failback: during the failover). */
  servedRequests: number;
  /** Why `from` was left (its down reason), when it was. */
  reason: string | null;
}

export interface BoardListener {
  transition?(t: UpstreamTransition): void;
  move?(m: TrafficMove): void;
}

export class HealthBoard {
  private health = new Map<string, Health>();
  private active = new Map<string, string | undefined>();
  private failedSinceMove = new Map<string, number>();
  private servedSinceMove = new Map<string, number>();
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
      this.failedSinceMove.set(r.name, 0);
      this.servedSinceMove.set(r.name, 0);
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
  clientFailed(route: string): void {
    this.failedSinceMove.set(route, (this.failedSinceMove.get(route) ?? 0) + 1);
  }

  /** A client request on the route was answered successfully. */
  clientServed(route: string): void {
    this.servedSinceMove.set(route, (this.servedSinceMove.get(route) ?? 0) + 1);
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
      this.active.set(r.name, after);
      const rank = (id: string) => r.upstreams.findIndex((u) => u.id === id);
      const move: TrafficMove = {
        route: r.name,
        from: before,
        to: after,
        at: now,
        kind: rank(after) > rank(before) ? 'failover' : 'failback',
        failedRequests: this.failedSinceMove.get(r.name) ?? 0,
        servedRequests: this.servedSinceMove.get(r.name) ?? 0,
        reason: this.health.get(before)?.reason ?? null,
      };
      this.failedSinceMove.set(r.name, 0);
      this.servedSinceMove.set(r.name, 0);
      for (const l of this.listeners) l.move?.(move);
    }
  }
}
