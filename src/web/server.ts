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
import { SseHub } from './routes/sse.js';
import type { Snapshot } from './snapshot.js';

export interface WebOptions {
  logger: Logger;
  /** Adds a meta refresh (inside <noscript>) to the HTML page, for browsers without JavaScript. */
  refreshSeconds?: number;
  /** Cache-Control max-age of public responses, seconds (default 5): how stale a CDN may serve. */
  maxAgeSeconds?: number;
}

/** A prepared response and the headers it always goes out with. */
interface Entry {
  p: Prepared;
  headers: Record<string, string>;
  status: number;
}

const LANG_COOKIE_MAX_AGE = 365 * 86_400;

export class WebServer {
  readonly app: FastifyInstance;
  readonly sse = new SseHub();
  private prepared = new PreparedSet();
  private entries = new Map<string, Entry>();
  private renderCache = new RenderCache();
  private publishing: Promise<void> = Promise.resolve();
  private pending: Snapshot | undefined;
  private cacheControl: string;
  private state = '';

  constructor(private opts: WebOptions) {
    // Prepared responses skip Fastify's routing, hooks and reply objects: the server's own request
    // handler answers them from bytes (the fast path) and hands everything else to Fastify.
    const serverFactory = (handler: (req: IncomingMessage, res: ServerResponse) => void) =>
      createServer({ keepAliveTimeout: 72_000 }, (req, res) => {
        if (!this.fastPath(req, res)) handler(req, res);
      });
    // Request logs would cost more than the prepared responses themselves during a surge.
    this.app = Fastify({
      loggerInstance: opts.logger.child({ part: 'web' }) as FastifyBaseLogger,
      logController: new LogController({ disableRequestLogging: true }),
      serverFactory,
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
    this.sse.register(this.app);
    this.app.get('/healthz', async () => ({ ok: true }));
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
