// The HTTP server: the public page, the Statuspage v2 API, feeds, badges, the widget, live updates and
// health. Everything public is served from prepared bytes that publish() replaces whenever the state
// changes: a request is a lookup, a header check (ETag → 304) and a write of bytes compressed beforehand
// (brotli, gzip or none). Other parts register their own routes on `app` (reports, subscriptions, admin).
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { Logger } from 'pino';
import { DEFAULT_LANG, type Lang, LANGS, fromAcceptLanguage, fromCookie, isLang } from '../i18n/index.js';
import { type Prepared, PreparedSet, etagFor, matchesEtag, prepare } from './prepared.js';
import { LANG_PATHS, NOT_FOUND, RenderCache, type Resource, buildResources, langKey, stateKey } from './routes/pages.js';
import { SseHub, type SseOptions } from './routes/sse.js';
import { Pressure } from './pressure.js';
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

/** A prepared response and the headers it always goes out with. */
interface Entry {
  p: Prepared;
  headers: Record<string, string>;
  status: number;
}

const LANG_COOKIE_MAX_AGE = 365 * 86_400;

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
    const serverFactory = (handler: (req: IncomingMessage, res: ServerResponse) => void) => {
      const server = createServer(
        { keepAliveTimeout: t.keepAliveMs, headersTimeout: t.headersMs, requestTimeout: t.requestMs, connectionsCheckingInterval: t.checkEveryMs },
        (req, res) => {
          if (this.fastPath(req, res)) return;
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
    const state = stateKey(s);
    const resources = buildResources(s, { state, cache: this.renderCache, ...(this.opts.refreshSeconds ? { refreshSeconds: this.opts.refreshSeconds } : {}) });
    // Same bytes as last time → same Prepared, no compression.
    const previous = new Map<string, Prepared>();
    for (const e of this.entries.values()) previous.set(e.p.etag, e.p);
    const next = new Map<string, Entry>();
    const list = [...resources];
    // Bounded so a big publish does not queue hundreds of jobs ahead of everything else on the thread pool.
    for (let i = 0; i < list.length; i += 16) {
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
    this.sse.publish(state);
  }

  private entry(p: Prepared, r: Resource): Entry {
    const headers: Record<string, string> = { 'content-type': p.contentType, 'x-content-type-options': 'nosniff', 'cache-control': this.cacheControl, ...r.headers };
    return { p, headers, status: r.status ?? 200 };
  }

  /** Answers a GET/HEAD for a prepared resource; false when it is not one (Fastify takes it). */
  private fastPath(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const url = req.url ?? '/';
    const qi = url.indexOf('?');
    const path = qi < 0 ? url : url.slice(0, qi);
    const langDependent = (LANG_PATHS as readonly string[]).includes(path) || path.startsWith('/incidents/');
    if (!langDependent) {
      const e = this.entries.get(path);
      if (!e) return false;
      this.write(e, req, res, 'accept-encoding', undefined);
      return true;
    }
    // ?lang= wins (and is remembered in a cookie), then the cookie, then Accept-Language.
    const q = qi < 0 ? null : new URLSearchParams(url.slice(qi + 1)).get('lang');
    const cookie = fromCookie(req.headers.cookie);
    let lang: Lang;
    let vary = 'accept-encoding';
    let setCookie: string | undefined;
    if (isLang(q)) {
      lang = q;
      if (cookie !== q && !path.endsWith('.atom') && !path.endsWith('.rss') && path !== '/widget') setCookie = `lang=${q}; Path=/; Max-Age=${LANG_COOKIE_MAX_AGE}; SameSite=Lax`;
    } else {
      lang = cookie ?? fromAcceptLanguage(req.headers['accept-language']) ?? DEFAULT_LANG;
      vary = 'accept-encoding, accept-language, cookie';
    }
    let key = langKey(lang, path);
    if (path.startsWith('/incidents/')) {
      let id = path.slice('/incidents/'.length);
      try {
        id = decodeURIComponent(id);
      } catch {
        /* keep as is: not found below */
      }
      key = langKey(lang, `/incidents/${id}`);
      if (!this.entries.has(key)) key = langKey(lang, NOT_FOUND);
    }
    const e = this.entries.get(key);
    if (!e) return false;
    this.write(e, req, res, vary, setCookie);
    return true;
  }

  private write(e: Entry, req: IncomingMessage, res: ServerResponse, vary: string, setCookie: string | undefined): void {
    const { p } = e;
    const enc = p.br && p.gzip ? pickEncoding(req.headers['accept-encoding'] as string | undefined) : 'identity';
    const headers: Record<string, string | number> = { ...e.headers, etag: etagFor(p, enc), vary };
    // The cookie-setting answer is this visitor's own: no shared cache may keep it.
    if (setCookie) Object.assign(headers, { 'set-cookie': setCookie, 'cache-control': 'private, no-cache' });
    if (e.status === 200 && matchesEtag(req.headers['if-none-match'], p)) {
      delete headers['content-type'];
      res.writeHead(304, headers);
      res.end();
      return;
    }
    const body = (enc === 'br' ? p.br : enc === 'gzip' ? p.gzip : undefined) ?? p.body;
    if (enc !== 'identity') headers['content-encoding'] = enc;
    headers['content-length'] = body.length;
    res.writeHead(e.status, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  /** Listens and returns the base URL. */
  async listen(host: string, port: number): Promise<string> {
    await this.app.listen({ host, port });
    // Out of descriptors, accept() fails and the server emits 'error': without a listener that ends
    // the process. The connection is dropped by the kernel; the page goes on for the others.
    this.app.server.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EMFILE' || err.code === 'ENFILE') this.acceptFailures++;
      else this.opts.logger.error({ err }, 'server error');
    });
    const addr = this.app.server.address();
    if (addr === null || typeof addr === 'string') throw new Error('server has no TCP address');
    const h = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    return `http://${h}:${addr.port}`;
  }

  async close(): Promise<void> {
    this.sse.close();
    await this.app.close();
  }
}

const EXHAUSTED_ANSWER =
  'HTTP/1.1 503 Service Unavailable\r\nretry-after: 30\r\ncache-control: no-store\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: 53\r\nconnection: close\r\n\r\nVigie is out of connections; try again in 30 seconds\n';

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

/** br when accepted, else gzip, else identity (q=0 honoured). */
export function pickEncoding(header: string | undefined): 'br' | 'gzip' | 'identity' {
  if (!header) return 'identity';
  let br = false;
  let gz = false;
  for (const part of header.split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';');
    const off = params.some((p) => /^\s*q=0(\.0*)?\s*$/.test(p));
    if (off) continue;
    if (name === 'br') br = true;
    else if (name === 'gzip' || name === 'x-gzip') gz = true;
    else if (name === '*') br = gz = true;
  }
  return br ? 'br' : gz ? 'gzip' : 'identity';
}

export { LANGS };
