// The HTTP server: the public page, the Statuspage v2 API, feeds, badges, the widget, live updates and
// health. Everything public is served from prepared bytes that publish() replaces whenever the state
// changes: a request is a lookup, a header check (ETag → 304) and a write of bytes compressed beforehand
// (brotli, gzip or none). Other parts register their own routes on `app` (reports, subscriptions, admin).
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { Logger } from 'pino';
import { LANGS } from '../i18n/index.js';
import { type Entry, LANG_PATHS, pickEncoding, servePrepared } from './fast-path.js';
import { installWire } from './fast-wire.js';
import { type Prepared, PreparedSet, prepare } from './prepared.js';
import { RenderCache, type Resource, buildResources, stateKeys } from './routes/pages.js';
import { SseHub, type SseOptions } from './routes/sse.js';
import { Pressure } from './pressure.js';
import { FORWARD_KEY_HEADER, FORWARD_PEER_HEADER, PublicWorkers } from './workers.js';
import type { Snapshot } from './snapshot.js';

export interface WebOptions {
  logger: Logger;
  /** Adds a meta refresh (inside <noscript>) to the HTML page, for browsers without JavaScript. */
  refreshSeconds?: number;
  /** Cache-Control max-age of public responses, seconds (default 5): how stale a CDN may serve. */
  maxAgeSeconds?: number;
  /** Whether Vigie can write its data: /healthz answers 503 while it cannot. */
  health?: () => { writable: boolean; failingSince: number | null; cause: string | null };
  /** Live-update stream limits (per network, age, descriptors). */
  sse?: Omit<SseOptions, 'pressure'>;
  /** Server timeouts (ms); the defaults suit a public page behind a surge (see SERVER_TIMEOUTS). */
  timeouts?: Partial<typeof SERVER_TIMEOUTS>;
  /** Descriptor and heap pressure (tests pass their own). */
  pressure?: Pressure;
  /** Processes that share the port and answer the prepared public responses (site.workers, workers.ts); 0: this process answers everything. */
  workers?: number;
}

/**
 * Node's defaults (60 s for headers, 300 s for a request, no limit on sockets) let slow clients hold
 * a descriptor each for minutes. A browser sends its headers at once and a report or admin body
 * within seconds; proxies in front keep connections open ~60 s, so keep-alive outlasts theirs.
 */
export const SERVER_TIMEOUTS = {
  /** Whole request head received within this (slowloris). */
  headersMs: 10_000,
  /** Whole request (head and body) received within this. */
  requestMs: 30_000,
  /** Idle keep-alive connection kept this long (longer than a load balancer's usual 60 s). */
  keepAliveMs: 72_000,
  /** How often Node looks for connections past those limits. */
  checkEveryMs: 1_000,
  /** Requests served per keep-alive connection before it is closed (spreads a surge across sockets). */
  maxRequestsPerSocket: 1_000,
};


export class WebServer {
  readonly app: FastifyInstance;
  readonly sse: SseHub;
  readonly pressure: Pressure;
  private prepared = new PreparedSet();
  private entries = new Map<string, Entry>();
  private renderCache = new RenderCache();
  private publishing: Promise<void> = Promise.resolve();
  private pending: Snapshot | undefined;
  private cacheControl: string;
  private state = '';
  /** What the last publish showed besides the bars (pages.ts stateKeys) and its UTC day. */
  private restKey = '';
  private readonly timeouts: typeof SERVER_TIMEOUTS;
  /** The public-page workers, when site.workers > 0. */
  private readonly workers: PublicWorkers | undefined;
  /** Connections answered 503 at once because descriptors were nearly gone, since start. */
  refusedConnections = 0;
  /** Connections the kernel could not hand us (out of descriptors) since start. */
  acceptFailures = 0;

  constructor(private opts: WebOptions) {
    // Prepared responses skip Fastify's routing, hooks and reply objects: the server's own request
    // handler answers them from bytes (the fast path) and hands everything else to Fastify.
    this.pressure = opts.pressure ?? new Pressure();
    this.sse = new SseHub({ ...opts.sse, pressure: this.pressure });
    const t = { ...SERVER_TIMEOUTS, ...opts.timeouts };
    this.timeouts = t;
    if ((opts.workers ?? 0) > 0) this.workers = new PublicWorkers(opts.workers!, opts.logger.child({ part: 'web-workers' }));
    const serverFactory = (handler: (req: IncomingMessage, res: ServerResponse) => void) => {
      const server = createServer(
        { keepAliveTimeout: t.keepAliveMs, headersTimeout: t.headersMs, requestTimeout: t.requestMs, connectionsCheckingInterval: t.checkEveryMs },
        (req, res) => {
          if (this.workers && req.headers[FORWARD_KEY_HEADER] !== undefined) fromWorker(req, this.workers.key);
          if (servePrepared(this.entries, req, res)) return;
          // Near the descriptor or heap limit, only the prepared page and API are answered: the rest waits.
          if (this.pressure.tightness() === 'critical') {
            res.writeHead(503, { 'retry-after': '30', 'cache-control': 'no-store', connection: 'close', 'content-type': 'application/json' });
            res.end('{"error":"busy","message":"Vigie is short of resources; the status page still answers"}');
            return;
          }
          handler(req, res);
        },
      );
      server.maxRequestsPerSocket = t.maxRequestsPerSocket;
      // Out of descriptors but for the last few: a newcomer hears 503 and goes, instead of holding one.
      server.on('connection', (socket) => {
        if (this.pressure.tightness() !== 'exhausted') return;
        this.refusedConnections++;
        socket.end(EXHAUSTED_ANSWER);
      });
      // Plain reads of prepared entries are answered from the parser's callback (fast-wire.ts), before any of the above.
      installWire(server, () => this.entries);
      return server;
    };
    // Request logs would cost more than the prepared responses themselves during a surge.
    this.app = Fastify({
      loggerInstance: opts.logger.child({ part: 'web' }) as FastifyBaseLogger,
      logController: new LogController({ disableRequestLogging: true }),
      serverFactory,
      // Admin paths carry URL-encoded monitor ids ("service%2Fcomponent%2Fname%40region"), often past the default 100.
      routerOptions: { maxParamLength: 1000 },
    }) as unknown as FastifyInstance;
    const maxAge = opts.maxAgeSeconds ?? 5;
    // A CDN may keep it maxAge seconds, serve it stale while refetching, and serve it stale if we are down.
    this.cacheControl = `public, max-age=${maxAge}, stale-while-revalidate=${maxAge * 6}, stale-if-error=86400`;

    // The same routes through Fastify: reached only when the fast path has nothing prepared (starting: 503; unknown: 404).
    const fallback = (req: FastifyRequest, reply: FastifyReply) => {
      if (this.entries.size === 0) return reply.code(503).header('retry-after', '1').header('cache-control', 'no-store').send({ error: 'starting', message: 'Vigie is starting; try again in a second' });
      return reply.code(404).header('cache-control', 'public, max-age=60').send({ error: 'not_found', message: `nothing at ${pathOf(req.url)}` });
    };
    for (const path of LANG_PATHS) this.app.get(path, fallback);
    this.app.get('/incidents/:id', fallback);
    for (const p of ['summary', 'status', 'components', 'incidents', 'incidents/unresolved', 'scheduled-maintenances', 'scheduled-maintenances/upcoming', 'scheduled-maintenances/active'])
      this.app.get(`/api/v2/${p}.json`, fallback);
    this.app.get('/badge/*', fallback);
    for (const p of ['/uptime.svg', '/widget.js', '/favicon.svg', '/favicon.ico']) this.app.get(p, fallback);
    // JSON nested thousands deep parses fine but overflows the stack of any recursive walk after it
    // (validation, NUL checks, logging): refused here, for every route, before any of them runs.
    this.app.addHook('preValidation', async (req, reply) => {
      if (req.body !== null && typeof req.body === 'object' && nestedDeeperThan(req.body, MAX_BODY_DEPTH))
        return reply.code(400).header('cache-control', 'no-store').send({ error: 'invalid_body', message: `the body is nested more than ${MAX_BODY_DEPTH} levels deep` });
    });
    this.sse.register(this.app);
    // Not ok while writes fail: an orchestrator or monitor must hear that the page may be stale.
    this.app.get('/healthz', async (_req, reply) => {
      const h = opts.health?.();
      if (!h || h.writable) return { ok: true };
      return reply.code(503).header('cache-control', 'no-store').header('retry-after', '10').send({ ok: false, error: 'store_unwritable', message: `Vigie cannot write its data (${h.cause ?? 'unknown cause'}); statuses may be stale`, failing_since: h.failingSince === null ? null : new Date(h.failingSince).toISOString() });
    });
  }

  /** Renders and compresses every public response from the snapshot, then swaps them in at once. */
  publish(s: Snapshot): Promise<void> {
    // While one publish runs, later snapshots replace each other: only the newest is prepared next.
    const queued = this.pending !== undefined;
    this.pending = s;
    if (!queued)
      this.publishing = this.publishing
        .then(() => {
          const next = this.pending!;
          this.pending = undefined;
          return this.doPublish(next);
        })
        .catch((err) => this.opts.logger.error({ err }, 'could not prepare the public responses'));
    return this.publishing;
  }

  /** The state key of the last publish (what /events announces). */
  get stateKey(): string {
    return this.state;
  }

  private async doPublish(s: Snapshot): Promise<void> {
    const { state, rest } = stateKeys(s);
    // Only the bars moved (the minute's refresh, most publishes): what does not show them is kept as it is.
    // The UTC day is part of it: the page's and history's windows follow the date.
    const restKey = `${rest}:${Math.floor(s.now / 86_400_000)}`;
    const barsOnly = restKey === this.restKey && this.entries.size > 0;
    const resources = buildResources(s, { state, cache: this.renderCache, barsOnly, ...(this.opts.refreshSeconds ? { refreshSeconds: this.opts.refreshSeconds } : {}) });
    // Same bytes as last time → same Prepared, no compression.
    const previous = new Map<string, Prepared>();
    for (const e of this.entries.values()) previous.set(e.p.etag, e.p);
    const next = barsOnly ? new Map(this.entries) : new Map<string, Entry>();
    const list = [...resources];
    // Bounded so a big publish does not queue hundreds of jobs ahead of everything else on the thread pool.
    // Small bodies are compressed in place (prepared.ts, SYNC_COMPRESS): the event loop gets a turn every ~10 ms.
    let turn = performance.now();
    for (let i = 0; i < list.length; i += 16) {
      if (performance.now() - turn > 10) {
        await new Promise((r) => setImmediate(r));
        turn = performance.now();
      }
      await Promise.all(
        list.slice(i, i + 16).map(async ([key, r]: [string, Resource]) => {
          const p = await prepare(r.body, r.type, previous);
          previous.set(p.etag, p);
          next.set(key, this.entry(p, r));
        }),
      );
    }
    this.entries = next;
    this.prepared.replace(new Map([...next].map(([k, e]) => [k, e.p])));
    this.state = state;
    this.restKey = restKey;
    await this.workers?.publish(next);
    this.sse.publish(state);
  }

  private entry(p: Prepared, r: Resource): Entry {
    const headers: Record<string, string> = { 'content-type': p.contentType, 'x-content-type-options': 'nosniff', 'cache-control': this.cacheControl, ...r.headers };
    return { p, headers, status: r.status ?? 200 };
  }

  /** Listens and returns the base URL. With workers, they take host:port and this process a loopback port of its own. */
  async listen(host: string, port: number): Promise<string> {
    await this.app.listen(this.workers ? { host: '127.0.0.1', port: 0 } : { host, port });
    // Out of descriptors, accept() fails and the server emits 'error': without a listener that ends
    // the process. The connection is dropped by the kernel; the page goes on for the others.
    this.app.server.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EMFILE' || err.code === 'ENFILE') this.acceptFailures++;
      else this.opts.logger.error({ err }, 'server error');
    });
    const addr = this.app.server.address();
    if (addr === null || typeof addr === 'string') throw new Error('server has no TCP address');
    if (this.workers) {
      const shared = await this.workers.start(host, port, { host: '127.0.0.1', port: addr.port }, this.timeouts);
      if (this.entries.size > 0) await this.workers.publish(this.entries);
      return `http://${host.includes(':') ? `[${host}]` : host}:${shared}`;
    }
    const h = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    return `http://${h}:${addr.port}`;
  }

  async close(): Promise<void> {
    this.sse.close();
    await this.workers?.stop();
    await this.app.close();
  }
}

const EXHAUSTED_ANSWER =
  'HTTP/1.1 503 Service Unavailable\r\nretry-after: 30\r\ncache-control: no-store\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: 53\r\nconnection: close\r\n\r\nVigie is out of connections; try again in 30 seconds\n';

/**
 * A request a public-page worker forwarded: with the right key, it stands for the visitor's own (the
 * worker opened this connection for it alone), so per-network limits and logs see the visitor's address.
 */
function fromWorker(req: IncomingMessage, key: string): void {
  const ok = req.headers[FORWARD_KEY_HEADER] === key;
  const peer = req.headers[FORWARD_PEER_HEADER];
  delete req.headers[FORWARD_KEY_HEADER];
  delete req.headers[FORWARD_PEER_HEADER];
  if (ok && typeof peer === 'string' && peer !== '') Object.defineProperty(req.socket, 'remoteAddress', { value: peer, configurable: true });
}

/** Deeper than any body a route takes. */
export const MAX_BODY_DEPTH = 64;

/** Whether a parsed JSON value nests arrays/objects more than `max` deep; iterative, so it cannot overflow itself. */
export function nestedDeeperThan(v: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[v, 1]];
  while (stack.length > 0) {
    const [x, d] = stack.pop()!;
    if (x === null || typeof x !== 'object') continue;
    if (d > max) return true;
    for (const y of Array.isArray(x) ? x : Object.values(x)) if (y !== null && typeof y === 'object') stack.push([y, d + 1]);
  }
  return false;
}

const pathOf = (url: string) => {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
};

export { LANGS };
export { pickEncoding };
