// `vigie gateway` as several processes sharing its port (node:cluster): gateway.workers / --workers.
//
// Why: one Node process relays every chunk of every stream on one core; past a few hundred concurrent
// streams its event loop becomes the queue the time to first token waits in. Workers share the port
// (the primary accepts and hands connections round-robin), each relaying its own streams.
//
// What is shared, and how:
//   - client counters (rate limits, monthly budgets) and stored client tokens: through the database,
//     as replicas on one PostgreSQL already share them (each worker leases and flushes: counters.ts);
//   - the health view: ONE, in the primary. Workers send it the outcome of every attempt and client
//     request (batched every BATCH_MS, in order), and route on the states it sends back at each change
//     (and every second). One view means one decision and one event per failover, whatever the number
//     of processes, and the passive view sees all the traffic (a per-process view would see 1/N of it,
//     trip later, and report the same move N times). Vigie's status is polled once, by the primary;
//     failovers and failbacks are reported by the primary only.
//   - /metrics: any worker answers for all: it asks the primary, which gathers every worker's registry
//     (prom-client's aggregation) and adds its own (traffic moves, upstream states).
// The primary serves no request: a worker that dies is replaced; the primary's state survives it.
import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';

// A registry's getMetricsAsJSON() answer, as it crosses the IPC channel.
type metric = unknown;
import type { HealthBoard, OngoingFailover, TrafficMove } from './board.js';
import type { Health, HealthState, Outcome } from './health.js';

const BATCH_MS = 50;
const STATE_EVERY_MS = 1000;
const METRICS_TIMEOUT_MS = 5000;
/** A worker has its own stop grace (10 s) to finish its streams; past this it is killed. */
const STOP_WAIT_MS = 15_000;

/** What proxy.ts and the server need of the health view: the whole HealthBoard, or a worker's mirror of the primary's. */
export interface BoardView {
  state(id: string): HealthState;
  snapshot(id: string): Health | undefined;
  outcome(id: string, o: Outcome): void;
  clientFailed(route: string, n?: number): void;
  clientServed(route: string, n?: number): void;
  activeOf(route: string): string | undefined;
  ongoing(route: string): OngoingFailover | null;
}

type UpstreamView = Pick<Health, 'state' | 'since' | 'reason' | 'vigie'>;

interface StateMsg {
  type: 'vigie-gw:state';
  upstreams: Record<string, UpstreamView>;
  active: Record<string, string | undefined>;
  ongoing: Record<string, OngoingFailover | null>;
}
interface ReportMsg {
  type: 'vigie-gw:report';
  outcomes: [string, Outcome][];
  served: Record<string, number>;
  failed: Record<string, number>;
}
interface MetricsReq {
  type: 'vigie-gw:metrics?';
  id: number;
}
interface MetricsAns {
  type: 'vigie-gw:metrics';
  id: number;
  text?: string;
  json?: metric[];
}

const isMsg = (m: unknown, type: string): boolean => typeof m === 'object' && m !== null && (m as { type?: unknown }).type === type;

/** The worker's side: routes on the primary's states, sends it what its requests saw. */
export class WorkerBoard implements BoardView {
  private upstreams: Record<string, UpstreamView> = {};
  private active: Record<string, string | undefined> = {};
  private ongoingByRoute: Record<string, OngoingFailover | null> = {};
  private outcomes: [string, Outcome][] = [];
  private served: Record<string, number> = {};
  private failed: Record<string, number> = {};
  private timer: NodeJS.Timeout | undefined;
  private readonly onMessage = (m: unknown) => {
    if (!isMsg(m, 'vigie-gw:state')) return;
    const s = m as StateMsg;
    this.upstreams = s.upstreams;
    this.active = s.active;
    this.ongoingByRoute = s.ongoing;
  };

  constructor(ids: readonly string[], now: number) {
    for (const id of ids) this.upstreams[id] = { state: 'up', since: now, reason: null, vigie: 'unknown' };
    process.on('message', this.onMessage);
    if (process.connected) process.send?.({ type: 'vigie-gw:hello' });
  }

  state(id: string): HealthState {
    return this.upstreams[id]?.state ?? 'down';
  }

  snapshot(id: string): Health | undefined {
    const u = this.upstreams[id];
    return u ? { ...u, vigieQuietSince: null, trippedAt: null, streak: 0, buckets: [] } : undefined;
  }

  outcome(id: string, o: Outcome): void {
    this.outcomes.push([id, o]);
    this.arm();
  }

  clientFailed(route: string, n = 1): void {
    this.failed[route] = (this.failed[route] ?? 0) + n;
    this.arm();
  }

  clientServed(route: string, n = 1): void {
    this.served[route] = (this.served[route] ?? 0) + n;
    this.arm();
  }

  activeOf(route: string): string | undefined {
    return this.active[route];
  }

  ongoing(route: string): OngoingFailover | null {
    return this.ongoingByRoute[route] ?? null;
  }

  private arm(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), BATCH_MS);
    this.timer.unref();
  }

  /** Sends what is pending to the primary. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.outcomes.length === 0 && Object.keys(this.served).length === 0 && Object.keys(this.failed).length === 0) return;
    const msg: ReportMsg = { type: 'vigie-gw:report', outcomes: this.outcomes, served: this.served, failed: this.failed };
    this.outcomes = [];
    this.served = {};
    this.failed = {};
    if (process.connected) process.send?.(msg);
  }

  stop(): void {
    this.flush();
    process.off('message', this.onMessage);
  }
}

/** A worker's /metrics: every worker's registry and the primary's, gathered by the primary. */
let metricsSeq = 0;
export function clusterMetricsText(): Promise<string> {
  return new Promise((resolve, reject) => {
    const id = ++metricsSeq;
    const timer = setTimeout(() => {
      process.off('message', on);
      reject(new Error('the gateway primary did not answer for /metrics'));
    }, METRICS_TIMEOUT_MS);
    const on = (m: unknown) => {
      if (!isMsg(m, 'vigie-gw:metrics') || (m as MetricsAns).id !== id) return;
      clearTimeout(timer);
      process.off('message', on);
      resolve((m as MetricsAns).text ?? '');
    };
    process.on('message', on);
    process.send?.({ type: 'vigie-gw:metrics?', id } satisfies MetricsReq);
  });
}

/** In each worker: answers the primary's request for its registry. */
export function answerMetrics(registry: { getMetricsAsJSON(): Promise<unknown[]> }): () => void {
  const on = (m: unknown) => {
    if (!isMsg(m, 'vigie-gw:metrics-json?')) return;
    const id = (m as MetricsReq).id;
    void registry.getMetricsAsJSON().then((json) => process.send?.({ type: 'vigie-gw:metrics', id, json } satisfies MetricsAns));
  };
  process.on('message', on);
  return () => process.off('message', on);
}

export interface PrimaryOptions {
  board: HealthBoard;
  routes: readonly string[];
  upstreams: readonly string[];
  /** The primary's own registry (moves, states). */
  registry: { getMetricsAsJSON(): Promise<unknown[]> };
  log: { warn(o: object, msg: string): void; info(o: object, msg: string): void };
  workers: number;
  /** A worker exited before it listened: the gateway cannot serve (the others are stopped by the caller). */
  onFatal?: (message: string) => void;
  /** Tells the caller a worker is listening (its address), at each worker start (replacements included). */
  onListening?: (worker: Worker, address: string) => void;
}

/** In the primary: forks the workers, keeps the one health view, answers /metrics for all. */
export class GatewayPrimary {
  private readonly timer: NodeJS.Timeout;
  private stopping = false;
  private seq = 0;
  private readonly listened = new Set<number>();

  constructor(private readonly o: PrimaryOptions) {
    o.board.listen({ transition: () => this.broadcast(), move: () => this.broadcast() });
    // Time-based moves (down -> recovering) happen when a state is read: read them, and resend the states, every second.
    this.timer = setInterval(() => {
      for (const id of o.upstreams) o.board.state(id);
      this.broadcast();
    }, STATE_EVERY_MS);
    this.timer.unref();
    cluster.on('message', (w, m) => this.onMessage(w, m));
    cluster.on('exit', (w, code, signal) => {
      if (this.stopping) return;
      // A worker that never listened (port taken, bad store) would fail again: no restart loop, the gateway stops.
      if (!this.listened.has(w.id)) {
        this.stopping = true;
        o.onFatal?.(`gateway worker ${w.id} exited before listening (${signal ?? code})`);
        return;
      }
      o.log.warn({ event: 'gateway.worker_exit', worker: w.id, code, signal }, `gateway worker ${w.id} exited (${signal ?? code}); starting another`);
      this.fork();
    });
    for (let i = 0; i < o.workers; i++) this.fork();
  }

  private fork(): void {
    cluster.fork();
  }

  private stateMsg(): StateMsg {
    const b = this.o.board;
    const upstreams: Record<string, UpstreamView> = {};
    for (const id of this.o.upstreams) {
      const h = b.snapshot(id)!;
      upstreams[id] = { state: b.state(id), since: h.since, reason: h.reason, vigie: h.vigie };
    }
    const active: Record<string, string | undefined> = {};
    const ongoing: Record<string, OngoingFailover | null> = {};
    for (const r of this.o.routes) {
      active[r] = b.activeOf(r);
      ongoing[r] = b.ongoing(r);
    }
    return { type: 'vigie-gw:state', upstreams, active, ongoing };
  }

  private broadcast(): void {
    const msg = this.stateMsg();
    for (const w of Object.values(cluster.workers ?? {})) if (w) this.send(w, msg);
  }

  private send(w: Worker, msg: object): void {
    if (w.isConnected()) w.send(msg, (err: Error | null) => void err);
  }

  private onMessage(w: Worker, m: unknown): void {
    if (isMsg(m, 'vigie-gw:report')) {
      const r = m as ReportMsg;
      for (const [id, o] of r.outcomes) this.o.board.outcome(id, o);
      for (const [route, n] of Object.entries(r.served)) this.o.board.clientServed(route, n);
      for (const [route, n] of Object.entries(r.failed)) this.o.board.clientFailed(route, n);
      return;
    }
    if (isMsg(m, 'vigie-gw:hello')) {
      this.send(w, this.stateMsg());
      return;
    }
    if (isMsg(m, 'vigie-gw:listening')) {
      this.listened.add(w.id);
      this.o.onListening?.(w, String((m as { address?: unknown }).address));
      return;
    }
    if (isMsg(m, 'vigie-gw:metrics?')) {
      const id = (m as MetricsReq).id;
      void this.gather().then(
        (text) => this.send(w, { type: 'vigie-gw:metrics', id, text } satisfies MetricsAns),
        (err: unknown) => this.send(w, { type: 'vigie-gw:metrics', id, text: `# metrics unavailable: ${err instanceof Error ? err.message : String(err)}\n` } satisfies MetricsAns),
      );
    }
  }

  /** Every worker's registry and the primary's, summed as prom-client aggregates cluster metrics. */
  private async gather(): Promise<string> {
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w && w.isConnected());
    const parts = await Promise.all(
      workers.map(
        (w) =>
          new Promise<metric[]>((resolve) => {
            const id = ++this.seq;
            const timer = setTimeout(() => done([]), METRICS_TIMEOUT_MS);
            const on = (m: unknown) => {
              if (isMsg(m, 'vigie-gw:metrics') && (m as MetricsAns).id === id) done((m as MetricsAns).json ?? []);
            };
            const done = (json: metric[]) => {
              clearTimeout(timer);
              w.off('message', on);
              resolve(json);
            };
            w.on('message', on);
            this.send(w, { type: 'vigie-gw:metrics-json?', id });
          }),
      ),
    );
    parts.push(await this.o.registry.getMetricsAsJSON());
    return AggregatorRegistry.aggregate(parts as never).metrics();
  }

  /** Stops the workers (each finishes its streams within its own grace), then the primary's timers. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w);
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.isDead()) return resolve();
            // A worker stopping on its own signal (Ctrl-C reaches the whole process group) takes the message as a no-op.
            const kill = setTimeout(() => w.process.kill('SIGKILL'), STOP_WAIT_MS);
            w.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            this.send(w, { type: 'vigie-gw:stop' });
          }),
      ),
    );
  }
}

export type { TrafficMove };
