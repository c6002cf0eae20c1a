// The outage history on the web: /services/<id>/history (HTML, en/fr), /outages (every service on one
// time axis), and the JSON and CSV behind them. Computed from the store on demand, cached until the
// next publish (the app calls invalidate()), one computation shared by concurrent requests.
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema } from 'fastify';
import { render } from 'preact-render-to-string';
import { z } from 'zod';
import { correlatedOutages } from '../../analytics/correlation.js';
import { serviceHistory } from '../../analytics/history.js';
import { vendorHonesty } from '../../analytics/honesty.js';
import { type Outage, outagesOf, serviceOf } from '../../analytics/outages.js';
import { serviceSpans } from '../../analytics/reliability.js';
import type { HistoryInput } from '../../analytics/types.js';
import { incidentSentenceText, serviceSentenceText } from '../../i18n/history.js';
import { DEFAULT_LANG, type Lang, LANGS, fromAcceptLanguage, fromCookie, isLang } from '../../i18n/index.js';
import { VENDOR_CATALOGUE } from '../../signals/vendor/catalogue.js';
import { ServiceHistoryPage, TimelinePage, historyCsp } from '../views/history.js';
import { PAGE_CSP } from './pages.js';
import { incidentSentence } from '../../analytics/sentences.js';
import { serviceOutages } from '../../analytics/reliability.js';
import { historyInput } from '../../analytics/input.js';
import type { VigieConfig } from '../../config/schema.js';
import { readHistory } from '../../store/history.js';
import type { Store } from '../../store/store.js';

export interface HistoryRouteOptions {
  cache: HistoryCache;
  siteTitle: () => string;
  /** The page's live state key, so live pages swap the #live part. */
  state: () => string;
}

/** Reads the history's input from the store, with the config's services, as of `now`. */
export async function loadHistoryInput(store: Store, config: VigieConfig, now: number): Promise<HistoryInput> {
  const [records, model] = await Promise.all([readHistory(store, { now }), store.pageModel()]);
  return historyInput(config, new Map(model.services.map((s) => [s.id, s.createdAt])), records, now);
}

/**
 * The loaded input, kept until the next publish makes it stale; one load shared by concurrent requests.
 * During an outage publishes come several a second, so a stale input is reloaded at most once per
 * `minReloadMs` of real time (the cost is the machine's, not the scenario's): pages lag by that much at most.
 */
export class HistoryCache {
  private current: Promise<{ input: HistoryInput; outages: Outage[] }> | undefined;
  private stale = false;
  private loadedAt = -Infinity;
  private made = new WeakMap<Promise<unknown>, Map<string, unknown>>();
  private lastGood: { input: HistoryInput; outages: Outage[] } | undefined;
  constructor(
    private load: () => Promise<HistoryInput>,
    private minReloadMs = 5000,
  ) {}
  get(): Promise<{ input: HistoryInput; outages: Outage[] }> {
    if (this.current && !(this.stale && performance.now() - this.loadedAt >= this.minReloadMs)) return this.current;
    this.stale = false;
    this.loadedAt = performance.now();
    const previous = this.lastGood;
    const p = (this.current = this.load().then(
      (input) => (this.lastGood = { input, outages: outagesOf(input.incidents) }),
      (err) => {
        // A store that fails: the last good reading still answers (the next request tries again).
        if (this.current === p) this.current = undefined;
        if (previous) return previous;
        throw err;
      },
    ));
    return p;
  }
  /** A result computed from the loaded input, kept with it: a surge of readers costs one render per page and language. */
  async memo<T>(key: string, make: (d: { input: HistoryInput; outages: Outage[] }) => T): Promise<T> {
    const p = this.get();
    const d = await p;
    if (p !== this.current) return make(d);
    let m = this.made.get(p);
    if (!m) this.made.set(p, (m = new Map()));
    if (m.size > 1000) m.clear();
    if (!m.has(key)) m.set(key, make(d));
    return m.get(key) as T;
  }
  /** The store changed (a publish): the next request after `minReloadMs` reads it again. */
  invalidate(): void {
    this.stale = true;
  }
}

/** A route schema with its OpenAPI operation id and summary (read by the OpenAPI generator). */
const doc = (s: FastifySchema & { operationId: string; summary: string }): FastifySchema => s;
const SLUG = '^[a-z0-9][a-z0-9_-]*$';
const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: SLUG, maxLength: 100 } } } as const;
const langQuery = { lang: { type: 'string', enum: [...LANGS] } } as const;
const rangeQuery = {
  from: { type: 'string', maxLength: 40, description: 'ISO 8601 date-time (with offset) or date' },
  to: { type: 'string', maxLength: 40, description: 'ISO 8601 date-time (with offset) or date' },
} as const;

const MIN_RANGE_MS = 15 * 60_000;
const MAX_RANGE_MS = 31 * 86_400_000;
const when = z.union([z.iso.datetime({ offset: true }), z.iso.date()]).transform((v) => Date.parse(v.length === 10 ? `${v}T00:00:00Z` : v));

class BadParam extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

function parseRange(q: { from?: string; to?: string }, fallback: () => { from: number; to: number }): { from: number; to: number } {
  const parse = (field: 'from' | 'to') => {
    const v = q[field];
    if (v === undefined) return undefined;
    const r = when.safeParse(v);
    if (!r.success || !Number.isFinite(r.data)) throw new BadParam(field, `${field} must be an ISO 8601 date-time with offset (2024-12-11T23:07:00Z) or a date (2024-12-11)`);
    return r.data;
  };
  const from = parse('from');
  const to = parse('to');
  const d = fallback();
  const range = from !== undefined && to !== undefined ? { from, to } : from !== undefined ? { from, to: from + (d.to - d.from) } : to !== undefined ? { from: to - (d.to - d.from), to } : d;
  if (range.to - range.from < MIN_RANGE_MS) throw new BadParam(to !== undefined ? 'to' : 'from', 'to must be at least 15 minutes after from');
  if (range.to - range.from > MAX_RANGE_MS) throw new BadParam('to', 'the range may span 31 days at most');
  return range;
}

function langOf(req: FastifyRequest): Lang {
  const q = (req.query as { lang?: string }).lang;
  if (isLang(q)) return q;
  return fromCookie(req.headers.cookie) ?? fromAcceptLanguage(req.headers['accept-language']) ?? DEFAULT_LANG;
}

/** camelCase keys to snake_case, Maps to objects: the public JSON's shape. */
export function snake(v: unknown): unknown {
  if (v instanceof Map) return snake(Object.fromEntries(v));
  if (Array.isArray(v)) return v.map(snake);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), snake(x)]));
  if (typeof v === 'number' && !Number.isFinite(v)) return null;
  return v;
}

const CSV_COLUMNS = ['id', 'service', 'name', 'worst_status', 'impact', 'cause', 'start', 'end', 'duration_s', 'time_to_detect_s', 'ack_lag_s', 'time_to_resolve_s', 'vendor_acknowledged_at', 'components'];
/** A CSV cell: quoted when needed; a leading =, +, - or @ neutralised so spreadsheets do not run it. */
export function csvCell(v: unknown): string {
  let s = v === null || v === undefined ? '' : String(v);
  if (/^[=+\-@\t\r]/.test(s) && typeof v === 'string') s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
const isoOr = (t: number | null) => (t === null ? null : new Date(t).toISOString());
const secs = (ms: number | null) => (ms === null ? null : Math.round(ms / 1000));
export function outagesCsv(list: readonly Outage[]): string {
  const rows = list.map((o) =>
    [o.id, serviceOf(o), o.name, o.worst, o.impact, o.cause, isoOr(o.start), isoOr(o.end), secs(o.end === null ? null : o.end - o.start), secs(o.figures.timeToDetectMs), secs(o.figures.acknowledgementLagMs), secs(o.figures.timeToResolveMs), isoOr(o.figures.vendorAcknowledgedAt), [...o.components.keys()].join(' ')]
      .map(csvCell)
      .join(','),
  );
  return [CSV_COLUMNS.join(','), ...rows].join('\r\n') + '\r\n';
}

function outageJson(o: Outage) {
  return snake({ ...o, service: serviceOf(o), components: Object.fromEntries(o.components), start: isoOr(o.start), end: isoOr(o.end) });
}

export async function historyRoutes(app: FastifyInstance, opts: HistoryRouteOptions): Promise<void> {
  const cache = opts.cache;
  // The store could not be read (and nothing was read before): 503 and try again, never a 500.
  app.setErrorHandler((err: Error & { statusCode?: number; validation?: unknown }, req, reply) => {
    if (err.validation !== undefined || (err.statusCode !== undefined && err.statusCode < 500)) return reply.code(err.statusCode ?? 400).send({ error: 'invalid', message: err.message });
    req.log.error({ err }, 'history unavailable');
    return reply.code(503).header('retry-after', '5').header('cache-control', 'no-store').send({ error: 'unavailable', message: 'the history cannot be read right now; try again in a few seconds' });
  });
  const fail = (reply: FastifyReply, err: unknown) => {
    if (err instanceof BadParam) return reply.code(400).send({ error: 'invalid', message: `${err.field}: ${err.message}`, field: err.field });
    throw err;
  };
  const notFound = (reply: FastifyReply, id: string) => reply.code(404).send({ error: 'not_found', message: `no service "${id}"` });
  const noStore = (reply: FastifyReply) => reply.header('cache-control', 'public, max-age=5');

  app.get<{ Params: { id: string }; Querystring: { lang?: Lang } }>(
    '/services/:id/history',
    { schema: doc({ operationId: 'getServiceHistoryPage', summary: 'A service’s outage history (HTML)', params: idParams, querystring: { type: 'object', properties: langQuery } }) },
    async (req, reply) => {
      const lang = langOf(req);
      const html = await cache.memo(`page:${lang}:${req.params.id}`, ({ input, outages }) => {
        const h = serviceHistory(input, req.params.id, outages);
        if (!h) return null;
        const names = new Map(input.services.map((s) => [s.id, s.name]));
        return '<!doctype html>' + render(ServiceHistoryPage({ siteTitle: opts.siteTitle(), h, lang, state: opts.state(), names }));
      });
      if (html === null) return notFound(reply, req.params.id);
      return noStore(reply).type('text/html; charset=utf-8').header('content-security-policy', historyCsp(PAGE_CSP)).header('vary', 'accept-language, cookie').send(html);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/services/:id/history.json',
    { schema: doc({ operationId: 'getServiceHistory', summary: 'A service’s reliability report, sentences, dependencies, vendor honesty and correlated outages', params: idParams }) },
    async (req, reply) => {
      const { input, outages } = await cache.get();
      const h = serviceHistory(input, req.params.id, outages);
      if (!h) return notFound(reply, req.params.id);
      const mine = serviceOutages(h.service, outages);
      const body = {
        service: { id: h.service.id, name: h.service.name, dependsOn: h.service.dependsOn, slo: h.service.slo, vendor: h.service.vendor },
        generatedAt: isoOr(input.now),
        timeZone: input.timeZone,
        sentence: Object.fromEntries(LANGS.map((l) => [l, serviceSentenceText(l, h.sentence)])),
        report: { ...h.report, outages: undefined, components: h.report.components.map((c) => ({ ...c, outages: c.outages.map((o) => o.id) })) },
        outages: h.report.outages.map((o) => ({ ...(outageJson(o) as object), sentence: Object.fromEntries(LANGS.map((l) => [l, incidentSentenceText(l, incidentSentence(h.service.name, o, mine, input.timeZone))])) })),
        dependsOn: h.dependsOn,
        dependents: h.dependents,
        upstreamNow: h.upstreamNow,
        honesty: h.honesty,
        correlated: h.correlated,
      };
      return noStore(reply).header('access-control-allow-origin', '*').send(snake(body));
    },
  );

  const exportRoute = (withId: boolean, format: 'csv' | 'json') => async (req: FastifyRequest, reply: FastifyReply) => {
    const { input, outages } = await cache.get();
    let list = outages;
    if (withId) {
      const id = (req.params as { id: string }).id;
      const s = input.services.find((x) => x.id === id);
      if (!s) return notFound(reply, id);
      list = serviceOutages(s, outages);
    }
    list = [...list].sort((a, b) => b.start - a.start);
    reply.header('access-control-allow-origin', '*');
    if (format === 'json') return noStore(reply).send({ outages: list.map(outageJson) });
    return noStore(reply).type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="outages.csv"`).send(outagesCsv(list));
  };
  for (const format of ['csv', 'json'] as const) {
    app.get(`/api/services/:id/outages.${format}`, { schema: doc({ operationId: `getServiceOutages${format.toUpperCase()}`, summary: `A service’s outages as ${format.toUpperCase()}`, params: idParams }) }, exportRoute(true, format));
    app.get(`/api/outages.${format}`, { schema: doc({ operationId: `getOutages${format.toUpperCase()}`, summary: `Every outage as ${format.toUpperCase()}` }) }, exportRoute(false, format));
  }

  /** Default range: the latest correlated group with an hour either side, else the last 24 hours. */
  const defaultRange = (input: HistoryInput, outages: Outage[]) => () => {
    const groups = correlatedOutages(input, outages);
    const g = groups[groups.length - 1];
    return g ? { from: g.start - 3_600_000, to: (g.end ?? input.now) + 3_600_000 } : { from: input.now - 86_400_000, to: input.now };
  };

  app.get<{ Querystring: { from?: string; to?: string; lang?: Lang } }>(
    '/outages',
    { schema: doc({ operationId: 'getOutageTimeline', summary: 'Every service on one time axis, with correlated outages (HTML)', querystring: { type: 'object', properties: { ...rangeQuery, ...langQuery } } }) },
    async (req, reply) => {
      const { input, outages } = await cache.get();
      let range;
      try {
        range = parseRange(req.query, defaultRange(input, outages));
      } catch (err) {
        return fail(reply, err);
      }
      const lang = langOf(req);
      const rows = input.services.map((s) => ({ id: s.id, name: s.name, spans: serviceSpans(s, outages, input) }));
      const groups = correlatedOutages(input, outages, range);
      const names = new Map(input.services.map((s) => [s.id, s.name]));
      const html = '<!doctype html>' + render(TimelinePage({ siteTitle: opts.siteTitle(), lang, state: opts.state(), rows, ...range, groups, names }));
      return noStore(reply).type('text/html; charset=utf-8').header('content-security-policy', historyCsp(PAGE_CSP)).header('vary', 'accept-language, cookie').send(html);
    },
  );

  app.get<{ Querystring: { from?: string; to?: string } }>(
    '/api/outages/correlated.json',
    { schema: doc({ operationId: 'getCorrelatedOutages', summary: 'Outages of several services at the same time, grouped, with their common pattern', querystring: { type: 'object', properties: rangeQuery } }) },
    async (req, reply) => {
      const { input, outages } = await cache.get();
      let range: { from?: number; to?: number } = {};
      if (req.query.from !== undefined || req.query.to !== undefined) {
        try {
          range = parseRange(req.query, () => ({ from: input.now - 86_400_000, to: input.now }));
        } catch (err) {
          return fail(reply, err);
        }
      }
      return noStore(reply).header('access-control-allow-origin', '*').send(snake({ groups: correlatedOutages(input, outages, range) }));
    },
  );

  app.get('/api/vendors/honesty.json', { schema: doc({ operationId: 'getVendorHonesty', summary: 'Per vendor: outages acknowledged, lags, time said operational while down, and a grade' }) }, async (_req, reply) => {
    const { input, outages } = await cache.get();
    return noStore(reply).header('access-control-allow-origin', '*').send(snake({ vendors: vendorHonesty(input, outages) }));
  });

  app.get('/api/vendors/catalogue.json', { schema: doc({ operationId: 'getVendorCatalogue', summary: 'Official status pages Vigie knows by name (vendor: <key> in the config)' }) }, async (_req, reply) =>
    reply.header('cache-control', 'public, max-age=3600').header('access-control-allow-origin', '*').send({ vendors: VENDOR_CATALOGUE }),
  );
}
