// The gateway's composition root: config in, a listening OpenAI-compatible proxy out.
// `vigie gateway` and the tests start it through createGateway.
import type { AddressInfo } from 'node:net';
import { type Logger, pino } from 'pino';
import { Agent } from 'undici';
import { type Clock, systemClock } from '../core/time.js';
import cluster from 'node:cluster';
import { HealthBoard, type OngoingFailover, type TrafficMove, type UpstreamTransition } from './board.js';
import { type ClientEntry, Clients } from './clients.js';
import { type Counters, MemoryCounters, StoreCounters } from './counters.js';
import { EventReporter, type GatewayEventSink, eventOf } from './events.js';
import type { Store } from '../store/store.js';
import { listGatewayClients } from '../store/gateway.js';
import type { GatewayConfig } from './config.js';
import type { HealthConfig } from './health.js';
import { GatewayMetrics } from './metrics.js';
import { FailoverProgress, type GatewayProgressSink } from './progress.js';
import { type Route, trickleTicker } from './route.js';
import { gatewayServer } from './server.js';
import { type ComponentReading, VigiePoller, findComponent, signalFor } from './vigie-source.js';
import type { BoardView } from './cluster.js';

export interface GatewayOptions {
  config: GatewayConfig;
  logger?: Logger;
  clock?: Clock;
  /** Vigie server to read component status from (wins over config.vigie_url); null: none, the status is fed by applyReading (in-process). */
  vigieUrl?: string | null;
  port?: number;
  host?: string;
  /** Node process metrics on /metrics (default true; tests with several gateways turn them off). */
  processMetrics?: boolean;
  /** How long stop() lets answers in progress finish before cutting them (default 10 s). */
  stopGraceMs?: number;
  /** Where client counters are kept and shared, and stored client tokens read; none: in memory, config clients only. */
  store?: Pick<Store, 'db'>;
  /** Where failover/failback events go (in-process: Vigie records them); standalone with vigie_token: POSTed to the server. */
  events?: GatewayEventSink;
  /** Where an ongoing failover's figures go (in-process: Vigie records them, after its event); standalone with vigie_token: POSTed to the server. */
  progress?: GatewayProgressSink;
  /** A worker of several (cluster.ts): the health view it routes on and reports to (the primary's); default: its own board. */
  view?: BoardView;
  /** /metrics for a worker of several (every process's). */
  metricsText?: () => Promise<string>;
  /** false: the cluster's primary, which keeps the health view, polls Vigie and reports events, but serves no request. */
  serve?: boolean;
}

const STOP_GRACE_MS = 10_000;
const FIRST_READING_WAIT_MS = 1000;

/** Paths pino masks, should a key ever reach a log line. */
export const REDACT = ['api_key', '*.api_key', 'authorization', '*.authorization', 'headers.authorization', '*.headers.authorization', '*.headers["api-key"]', 'token', '*.token'];

export function healthConfig(c: GatewayConfig): HealthConfig {
  const h = c.health;
  return { recoverAfterMs: h.recover_after, windowMs: h.window, minRequests: h.min_requests, errorRate: h.error_rate, slowFirstTokenMs: h.slow_first_token, cooldownMs: h.cooldown, successStreak: h.success_streak };
}

export function toRoutes(c: GatewayConfig): Route[] {
  return c.routes.map((r) => ({
    name: r.name,
    models: r.models,
    upstreams: r.upstreams.map((u) => (typeof u === 'string' ? { id: u, modelMap: {} } : { id: u.upstream, modelMap: u.model_map })),
  }));
}

export class Gateway {
  readonly board: HealthBoard;
  /** What requests route on: the board, or (a worker of several) the primary's view. */
  readonly view: BoardView;
  readonly metrics: GatewayMetrics;
  readonly clients: Clients;
  readonly log: Logger;
  readonly moves: TrafficMove[] = [];
  private readonly clock: Clock;
  private readonly dispatcher: Agent;
  private readonly poller: VigiePoller | undefined;
  private readonly app: ReturnType<typeof gatewayServer>;
  private readonly names: Record<string, string>;
  private readonly counters: Counters;
  /** Standalone: reports events to the Vigie server. */
  readonly reporter: EventReporter | undefined;
  private readonly sink: GatewayEventSink | undefined;
  /** Reports an ongoing failover's figures, where this process holds the board and reports events. */
  readonly progress: FailoverProgress | undefined;
  private clientTimer: NodeJS.Timeout | undefined;

  constructor(private readonly o: GatewayOptions) {
    const c = o.config;
    this.clock = o.clock ?? systemClock;
    this.log = (o.logger ?? pino({ level: 'silent' })).child({ component: 'gateway' }, { redact: { paths: REDACT, censor: '[redacted]' } });
    this.metrics = new GatewayMetrics({ processMetrics: o.processMetrics ?? true });
    this.counters = o.store
      ? new StoreCounters({ db: o.store.db, clock: this.clock, log: this.log, flushMs: c.usage_flush, sliceTokens: c.usage_slice, budgeted: () => this.clients.budgeted(), onError: (err) => this.storeFault(err) })
      : new MemoryCounters();
    this.clients = new Clients(c.clients, this.clock, this.counters);
    const routes = toRoutes(c);
    this.names = Object.fromEntries(Object.entries(c.upstreams).map(([id, u]) => [id, u.display_name ?? id]));
    this.board = new HealthBoard(Object.keys(c.upstreams), routes, healthConfig(c), this.clock);
    for (const id of Object.keys(c.upstreams)) this.metrics.setState(id, 'up');
    this.board.listen({ transition: (t) => this.onTransition(t), move: (m) => this.onMove(m) });
    this.view = o.view ?? this.board;
    this.dispatcher = new Agent({ connect: { timeout: c.retry.connect_timeout }, keepAliveTimeout: 30_000, connections: 512 });
    const tickers = new Map(routes.map((r) => [r.name, trickleTicker(c.health.trickle)]));
    this.app = gatewayServer({
      config: c,
      routes,
      board: this.view,
      clients: this.clients,
      metrics: this.metrics,
      log: this.log,
      dispatcher: this.dispatcher,
      trickle: (route) => tickers.get(route)?.() ?? false,
      status: () => this.status(),
      ...(o.metricsText ? { metricsText: o.metricsText } : {}),
    });
    const vigieUrl = o.vigieUrl === null ? undefined : (o.vigieUrl ?? c.vigie_url);
    if (vigieUrl && c.vigie_token && !o.events) this.reporter = new EventReporter({ url: vigieUrl, token: c.vigie_token, log: this.log, dispatcher: this.dispatcher });
    this.sink = o.events ?? this.reporter?.sink;
    const progressSink = o.progress ?? this.reporter?.progressSink;
    if (progressSink && !o.view) this.progress = new FailoverProgress({ ongoing: (r) => this.board.ongoing(r), clock: this.clock, everyMs: c.progress_every, names: this.names, sink: progressSink });
    if (vigieUrl) {
      this.poller = new VigiePoller({ url: vigieUrl, pollMs: c.vigie_poll, staleAfterMs: c.health.stale_after, clock: this.clock, log: this.log, dispatcher: this.dispatcher, onReading: (list) => this.applyReading(list) });
    }
  }

  /** Feeds a reading of Vigie's components (the poller's, or Vigie's own when run in-process); null: unknown. */
  applyReading(list: readonly ComponentReading[] | null): void {
    for (const [id, u] of Object.entries(this.o.config.upstreams)) {
      if (!u.component) continue;
      const found = list ? findComponent(list, u.component) : undefined;
      this.board.vigie(id, signalFor(found?.status, this.o.config.health.avoid_status));
    }
  }

  async start(): Promise<string> {
    const c = this.o.config;
    if (this.o.store && this.o.serve !== false) {
      await this.loadClients();
      await this.counters.start();
      const tick = () => {
        this.clientTimer = setTimeout(() => void this.loadClients().finally(tick), c.clients_refresh);
        this.clientTimer.unref();
      };
      tick();
    }
    if (this.o.vigieUrl !== null && (this.o.vigieUrl ?? c.vigie_url) && !this.sink)
      this.log.warn({ event: 'gateway.events_unreported' }, 'gateway.vigie_token is not set: failovers and failbacks are only logged, not shown on the Vigie page');
    if (this.clients.open && this.o.serve !== false) this.log.warn({ event: 'gateway.open' }, 'no gateway clients: any caller may use the gateway (and its provider keys)');
    if (this.o.serve !== false) await this.app.listen({ host: this.o.host ?? c.host, port: this.o.port ?? c.port });
    // The first reading is worth a short wait (routing starts informed), never a long one: an unreachable
    // Vigie must not hold the gateway back; its status arrives with a later poll.
    if (this.poller) await Promise.race([this.poller.start(), new Promise((r) => setTimeout(r, FIRST_READING_WAIT_MS).unref())]);
    return this.address() ?? '';
  }

  /** The listening address (http://host:port), once started. */
  address(): string | undefined {
    const a = this.app.server.address() as AddressInfo | null;
    if (!a || typeof a === 'string') return undefined;
    return `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
  }

  private stopping: Promise<void> | undefined;

  stop(): Promise<void> {
    return (this.stopping ??= (async () => {
      this.poller?.stop();
      // Streams in progress get a moment to finish; then they are cut, so a stop never hangs on a long answer.
      const cut = setTimeout(() => this.app.server.closeAllConnections(), this.o.stopGraceMs ?? STOP_GRACE_MS);
      await this.app.close();
      clearTimeout(cut);
      clearTimeout(this.clientTimer);
      await this.counters.stop();
      this.progress?.stop();
      await this.reporter?.stop();
      await this.dispatcher.close();
    })());
  }

  status() {
    return {
      upstreams: Object.fromEntries(
        Object.keys(this.o.config.upstreams).map((id) => {
          const state = this.view.state(id);
          const h = this.view.snapshot(id)!;
          return [id, { state, reason: h.reason, since: new Date(h.since).toISOString(), vigie: h.vigie }];
        }),
      ),
      routes: Object.fromEntries(this.o.config.routes.map((r) => [r.name, { active: this.view.activeOf(r.name) ?? null, failover: ongoingJson(this.view.ongoing(r.name)) }])),
      ...(cluster.isWorker ? { worker: cluster.worker?.id ?? null, pid: process.pid } : {}),
      // Standalone: failovers and failbacks reported to the Vigie server, and those still waiting for it.
      ...(this.reporter ? { events: { sent: this.reporter.sent, pending: this.reporter.pending, progress_sent: this.reporter.progressSent, progress_pending: this.reporter.progressPending } } : {}),
    };
  }

  private onTransition(t: UpstreamTransition): void {
    this.metrics.setState(t.upstream, t.to);
    this.log.info({ event: 'gateway.upstream_state', upstream: t.upstream, from: t.from, to: t.to, reason: t.reason, at: new Date(t.at).toISOString() }, `upstream ${t.upstream}: ${t.from} → ${t.to} (${t.reason})`);
  }

  /** Live client tokens from the database, beside the config's. */
  private async loadClients(): Promise<void> {
    if (!this.o.store) return;
    try {
      const rows = await listGatewayClients(this.o.store.db);
      const live = rows.filter((r) => r.revokedAt === null);
      this.clients.setStored(
        live.map((r): ClientEntry => ({ name: r.name, team: r.team, tokenSha256: r.tokenHash, rateLimit: r.rateLimit, monthlyTokens: r.monthlyTokens })),
        rows.length > 0,
      );
    } catch (err) {
      // The last list stays in force: a store that does not answer neither locks clients out nor lets revoked ones in for longer than it lasts.
      this.storeFault(err);
    }
  }

  private faultLogged = 0;
  private storeFault(err: unknown): void {
    // At most one line a minute: a store that is down would otherwise log once per request.
    const now = Date.now();
    if (now - this.faultLogged < 60_000) return;
    this.faultLogged = now;
    this.log.warn({ event: 'gateway.store_failing', err: err instanceof Error ? err.message : String(err) }, 'the gateway’s database does not answer: client counters are kept locally until it does');
  }

  private onMove(m: TrafficMove): void {
    this.moves.push(m);
    if (this.moves.length > 100) this.moves.shift();
    this.metrics.failovers.inc({ route: m.route, from: m.from, to: m.to, kind: m.kind });
    this.log.info({ event: `gateway.${m.kind}`, route: m.route, from: m.from, to: m.to, reason: m.reason, failed_requests: m.failedRequests, served_requests: m.servedRequests, at: new Date(m.at).toISOString() }, moveSentence(m, this.names));
    const e = eventOf(m, this.o.config, this.o.config.name, this.clock.now());
    this.progress?.ending(m);
    this.sink?.(e);
    this.progress?.starting(m, e.id);
  }
}

/** A failover in progress, for /healthz: since when, and what the route's clients got since. */
function ongoingJson(f: OngoingFailover | null) {
  return f ? { from: f.from, to: f.to, since: new Date(f.since).toISOString(), served_requests: f.served, failed_requests: f.failed } : null;
}

/** "API traffic moved from OpenAI to Mistral at 23:08 UTC; 0 failed requests" */
export function moveSentence(m: TrafficMove, names: Record<string, string>): string {
  const hhmm = new Date(m.at).toISOString().slice(11, 16);
  const n = m.failedRequests;
  return `API traffic (route ${m.route}) moved from ${names[m.from] ?? m.from} to ${names[m.to] ?? m.to} at ${hhmm} UTC; ${n} failed request${n === 1 ? '' : 's'}`;
}

export async function createGateway(o: GatewayOptions): Promise<Gateway> {
  return new Gateway(o);
}
