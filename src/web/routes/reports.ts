// Crowd report routes.
//   GET  /api/reports/challenge             a signed hashcash challenge for the API
//   POST /api/services/:id/reports          JSON report: { category, comment?, region?, pow: { challenge, nonce } }
//   GET  /api/services/:id/reports          level, score, window, categories, last 24 h series, rejections
//   GET  /services/:id/reports              the HTML page with the chart and the form
//   POST /services/:id/reports              the form (urlencoded; works without JavaScript)
//   GET  /api/reports/comments?status=      moderation queue (Bearer reports.moderator_token)
//   POST /api/reports/comments/:id          { status: approved | rejected } (same token)
// Every refusal is a 4xx with { accepted: false, error: <reason>, message } and counts as rejected.
// Errors are answered here, never thrown to Fastify, so no request (and no address) reaches a log.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { render } from 'preact-render-to-string';
import { clientAddress } from '../../signals/reports/identity.js';
import type { CrowdReports, Requester, SubmitResult } from '../../signals/reports/intake.js';
import { type Lang, MESSAGES, isLang, pickLang } from '../../i18n/index.js';
import { MESSAGE_SLOT, ReportsPage, TOKEN_SLOT, messageHtml } from '../views/reports.js';

/** The page's language as the status page chooses it. */
const langOf = (req: FastifyRequest): Lang => pickLang((req.query as { lang?: unknown } | undefined)?.lang, req.headers.cookie, req.headers['accept-language']);

export interface ReportRoutesOptions {
  reports: CrowdReports;
  /** The site title, for the page header. */
  title: () => string;
}

const PAGE_CACHE_MS = 5_000;

export const reportRoutes: FastifyPluginAsync<ReportRoutesOptions> = async (app, opts) => {
  const r = opts.reports;
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16_384 }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
  // Bodies Fastify refuses (bad JSON, too large, unknown type) are rejections like any other.
  app.setErrorHandler((err: { statusCode?: number; message?: string }, req, reply) => {
    const status = err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) return reply.code(500).send({ error: 'internal', message: 'unexpected error' });
    const id = (req.params as { id?: string } | undefined)?.id;
    const rej = r.reject(id !== undefined && r.service(id) ? id : '*', 'invalid_body', err.message ?? 'the body could not be read');
    return reply.code(status).send({ accepted: false, error: rej.reason, message: rej.message });
  });

  const who = (req: FastifyRequest): Requester => ({
    address: clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], r.trustProxy),
    userAgent: req.headers['user-agent'] ?? '',
  });

  const refuse = (reply: FastifyReply, res: Exclude<SubmitResult, { ok: true }>) => {
    if (res.retryAfterS !== undefined) reply.header('retry-after', String(res.retryAfterS));
    return reply.code(res.status).header('cache-control', 'no-store').send({ accepted: false, error: res.reason, message: res.message });
  };

  app.get('/api/reports/challenge', async (_req, reply) => reply.header('cache-control', 'no-store').send(r.challenge()));

  app.post<{ Params: { id: string } }>('/api/services/:id/reports', { bodyLimit: 16_384 }, async (req, reply) => {
    const res = await r.submit(req.params.id, (req.body ?? {}) as Record<string, unknown>, 'api', who(req));
    if (!res.ok) return refuse(reply, res);
    return reply
      .code(202)
      .header('cache-control', 'no-store')
      .send({
        accepted: true,
        counted: res.counted,
        service: req.params.id,
        category: res.category,
        at: new Date(res.at).toISOString(),
        ...(res.commentHeld ? { comment: 'held for moderation' } : {}),
      });
  });

  app.get<{ Params: { id: string } }>('/api/services/:id/reports', async (req, reply) => {
    const v = r.view(req.params.id);
    if (!v) return reply.code(404).send({ error: 'unknown_service', message: 'no such service' });
    return reply.header('cache-control', 'public, max-age=5').send({
      service: { id: v.serviceId, name: v.serviceName },
      at: new Date(v.now).toISOString(),
      level: v.level,
      since: new Date(v.since).toISOString(),
      score: round(v.score, 4),
      window: { minutes: v.window.minutes, observed: v.window.observed, expected: round(v.window.expected, 2), z: round(v.window.z, 2) },
      last_hour: v.lastHour,
      categories: v.categories.map((c) => ({ category: c.category, last_hour: c.lastHour, level: c.level, score: round(c.score, 4) })),
      series: {
        from: new Date(v.series.from).toISOString(),
        step_ms: v.series.stepMs,
        counts: v.series.counts,
        expected: v.series.expected.map((x) => (x === x ? round(x, 3) : null)),
        spread: v.series.spread.map((x) => (x === x ? round(x, 3) : null)),
      },
      rejected: v.rejected,
    });
  });

  // The page is rendered at most every few seconds per service; each visitor gets their own token.
  const cache = new Map<string, { at: number; html: string }>();
  const page = async (id: string, lang: Lang): Promise<string | undefined> => {
    const hit = cache.get(`${lang}:${id}`);
    if (hit && Date.now() - hit.at < PAGE_CACHE_MS) return hit.html;
    const v = r.view(id);
    if (!v) return undefined;
    const comments = await r.comments({ serviceId: id, status: 'approved', limit: 5 }).catch(() => []);
    const html = '<!doctype html>' + render(ReportsPage({ v, title: opts.title(), commentMax: r.commentMax, comments, lang }));
    cache.set(`${lang}:${id}`, { at: Date.now(), html });
    return html;
  };
  const sendPage = async (req: FastifyRequest, reply: FastifyReply, id: string, status: number, message: string) => {
    const html = await page(id, langOf(req));
    if (html === undefined || !r.service(id)?.enabled) return reply.code(404).type('text/html; charset=utf-8').send('<!doctype html><p>No such service.</p>');
    const body = html.replace(TOKEN_SLOT, r.formToken(who(req))).replace(MESSAGE_SLOT, message);
    return reply.code(status).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(body);
  };

  app.get<{ Params: { id: string }; Querystring: { thanks?: string } }>('/services/:id/reports', async (req, reply) => {
    const t = req.query.thanks;
    const w = MESSAGES[langOf(req)].reports;
    const msg = t === 'counted' ? messageHtml('ok', w.thanksCounted) : t === 'held' ? messageHtml('ok', w.thanksHeld) : t === 'noted' ? messageHtml('ok', w.thanksNoted) : '';
    return sendPage(req, reply, req.params.id, 200, msg);
  });

  app.post<{ Params: { id: string }; Body: Record<string, string> }>('/services/:id/reports', async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const res = await r.submit(req.params.id, body, 'form', who(req));
    if (res.ok) {
      const thanks = !res.counted ? 'noted' : res.commentHeld ? 'held' : 'counted';
      // The form says its language in its action (?lang=): the thank-you page keeps it.
      const q = (req.query as { lang?: unknown }).lang;
      return reply.code(303).header('location', `/services/${encodeURIComponent(req.params.id)}/reports?thanks=${thanks}${isLang(q) ? `&lang=${q}` : ''}`).send();
    }
    if (res.retryAfterS !== undefined) reply.header('retry-after', String(res.retryAfterS));
    if (res.reason === 'unknown_service') return reply.code(404).type('text/html; charset=utf-8').send('<!doctype html><p>No such service.</p>');
    return sendPage(req, reply, req.params.id, res.status, messageHtml('error', MESSAGES[langOf(req)].reports.notRecorded(res.message)));
  });

  // Moderation: comments are never public until approved.
  const authorized = (req: FastifyRequest): boolean => {
    const token = r.moderatorToken;
    const h = req.headers.authorization ?? '';
    if (token === undefined || !h.startsWith('Bearer ')) return false;
    const a = Buffer.from(h.slice(7));
    const b = Buffer.from(token);
    return a.length === b.length && timingSafeEqual(a, b);
  };
  app.get<{ Querystring: { status?: string; service?: string } }>('/api/reports/comments', async (req, reply) => {
    if (!authorized(req)) return reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'unauthorized', message: 'moderator token required' });
    const status = req.query.status ?? 'pending';
    if (!['pending', 'approved', 'rejected'].includes(status)) return reply.code(400).send({ error: 'invalid_status', message: 'status must be pending, approved or rejected' });
    const list = await r.comments({ status: status as 'pending', ...(req.query.service ? { serviceId: req.query.service } : {}), limit: 200 });
    return reply.header('cache-control', 'no-store').send({ comments: list.map((c) => ({ ...c, at: new Date(c.at).toISOString() })) });
  });
  app.post<{ Params: { id: string }; Body: { status?: string } }>('/api/reports/comments/:id', async (req, reply) => {
    if (!authorized(req)) return reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'unauthorized', message: 'moderator token required' });
    const id = Number(req.params.id);
    const status = (req.body ?? {}).status;
    if (!Number.isInteger(id) || (status !== 'approved' && status !== 'rejected' && status !== 'pending'))
      return reply.code(400).send({ error: 'invalid_body', message: 'send { "status": "approved" | "rejected" } for a numeric comment id' });
    if (!(await r.moderate(id, status))) return reply.code(404).send({ error: 'not_found', message: 'no comment with that id' });
    for (const k of cache.keys()) cache.delete(k);
    return reply.send({ id, status });
  });
};

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
