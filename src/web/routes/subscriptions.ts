// Subscriptions on the web: the public side (subscribe by form or JSON, confirm, unsubscribe with a
// signed token, RFC 8058 one-click POST). The admin side is in admin-notify.ts. Public answers never
// contain a subscriber's address.
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Store } from '../../store/store.js';
import { signToken } from '../../notify/signing.js';
import { SubscriptionError, type Subscriptions } from '../../notify/subscriptions.js';
import type { NotifyWorker } from '../../notify/worker.js';
import { escapeHtml as esc } from '../../core/escape.js';
import { type Lang, MESSAGES, pickLang } from '../../i18n/index.js';
import type { RateLimit } from '../../notify/registry.js';
import { WindowCounter } from '../../signals/reports/gate.js';
import { clientAddress, networkPrefix } from '../../signals/reports/identity.js';

export interface SubscriptionRoutesOptions {
  subs: Subscriptions;
  /** Subscribe requests allowed per network prefix (notify.subscriptions.per_network). */
  perNetwork: () => RateLimit;
  /** Take the client from X-Forwarded-For (reports.trust_proxy: the proxy is the site's). */
  trustProxy: () => boolean;
  worker: NotifyWorker;
  store: Store;
  now: () => number;
  title: () => string;
  /** Public base URL, no trailing slash. */
  baseUrl: () => string;
}

const FORM = 'application/x-www-form-urlencoded';

const subscribeBody = z.object({
  email: z.string().max(254).optional(),
  webhook: z.string().max(2048).optional(),
  components: z.union([z.string(), z.array(z.string())]).optional().transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v])),
  component: z.union([z.string(), z.array(z.string())]).optional().transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v])),
  locale: z.enum(['en', 'fr']).optional(),
});

function page(reply: FastifyReply, code: number, title: string, heading: string, body: string, lang: Lang = 'en') {
  return reply
    .code(code)
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer')
    .send(
      `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">` +
        `<title>${esc(heading)} · ${esc(title)}</title><style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.5}</style></head>` +
        `<body><h1>${esc(heading)}</h1>${body}<p><a href="/">${esc(title)}</a></p></body></html>`,
    );
}

export const subscriptionRoutes: FastifyPluginAsync<SubscriptionRoutesOptions> = async (app: FastifyInstance, o) => {
  // HTML forms post urlencoded; scoped to this plugin.
  if (!app.hasContentTypeParser(FORM))
    app.addContentTypeParser(FORM, { parseAs: 'string', bodyLimit: 16_384 }, (_req, body, done) => {
      const out: Record<string, string | string[]> = {};
      for (const [k, v] of new URLSearchParams(String(body))) {
        const prev = out[k];
        out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
      }
      done(null, out);
    });

  // Each subscribe may send a confirmation mail or register a webhook: a network that asks too often
  // is refused before anything is checked or sent. Kept in memory, keyed by a hash of the prefix.
  let perNetwork = new WindowCounter(o.perNetwork().perMs);
  const admitted = (req: FastifyRequest, reply: FastifyReply): boolean => {
    const rate = o.perNetwork();
    if (perNetwork.windowMs !== rate.perMs) perNetwork = new WindowCounter(rate.perMs);
    const now = o.now();
    const prefix = networkPrefix(clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], o.trustProxy()));
    const key = createHash('sha256').update(prefix).digest().readUIntBE(0, 6);
    if (perNetwork.count(key, now) >= rate.count) {
      reply.header('retry-after', String(perNetwork.retryAfter(now)));
      return false;
    }
    perNetwork.add(key, now);
    return true;
  };

  const subscribe = async (req: FastifyRequest, html: boolean, reply: FastifyReply) => {
    // The form says its language (locale); the JSON API answers in English, for programs.
    const lang = pickLang((req.body as { locale?: unknown } | undefined)?.locale, req.headers.cookie, req.headers['accept-language']);
    const w = MESSAGES[html ? lang : 'en'].subscription;
    if (!admitted(req, reply)) {
      const message = w.tooMany;
      return html ? page(reply, 429, o.title(), w.notSaved, `<p>${esc(message)}</p>`, lang) : reply.code(429).header('cache-control', 'no-store').send({ error: 'rate_limited', message });
    }
    const raw = req.body;
    const parsed = subscribeBody.safeParse(raw ?? {});
    if (!parsed.success) {
      const message = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
      return html ? page(reply, 400, o.title(), w.notSaved, `<p>${esc(message)}</p>`, lang) : reply.code(400).send({ error: 'invalid_request', message });
    }
    const b = parsed.data;
    try {
      const r = await o.subs.subscribe({ email: b.email || undefined, webhook: b.webhook || undefined, components: [...b.components, ...b.component], locale: b.locale });
      if (r.kind === 'email') {
        const msg = w.checkInboxText;
        return html ? page(reply, 202, o.title(), w.checkInbox, `<p>${esc(msg)}</p>`, lang) : reply.code(202).send({ status: 'pending_confirmation', message: msg });
      }
      const unsubscribe_url = `${o.baseUrl()}/subscriptions/unsubscribe?token=${signToken(o.worker.secret, 'unsubscribe', r.id)}`;
      const body = {
        status: 'active',
        format: 'statuspage',
        // Shown once, to whoever creates the subscription.
        ...(r.secret ? { signing_secret: r.secret } : {}),
        signature_header: 'X-Vigie-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>',
        unsubscribe_url,
      };
      return html ? page(reply, 201, o.title(), w.webhookSubscribed, `<p>${esc(w.webhookSubscribedText)}</p>`, lang) : reply.code(r.created ? 201 : 200).send(body);
    } catch (err) {
      if (err instanceof SubscriptionError) {
        const message = `${err.field ? `${err.field}: ` : ''}${err.message}`;
        return html ? page(reply, err.status, o.title(), w.notSaved, `<p>${esc(message)}</p>`, lang) : reply.code(err.status).send({ error: 'invalid_request', message, field: err.field });
      }
      throw err;
    }
  };

  app.post('/api/v1/subscriptions', (req, reply) => subscribe(req, false, reply));
  app.post('/subscriptions', (req, reply) => subscribe(req, (req.headers['content-type'] ?? '').startsWith(FORM), reply));

  // Links from mail: in the reader's language (?lang=, cookie, Accept-Language).
  const linkLang = (req: FastifyRequest) => pickLang((req.query as { lang?: unknown }).lang, req.headers.cookie, req.headers['accept-language']);
  app.get<{ Querystring: { token?: string } }>('/subscriptions/confirm', async (req, reply) => {
    const ok = await o.subs.confirm(String(req.query.token ?? ''));
    const lang = linkLang(req);
    const w = MESSAGES[lang].subscription;
    return ok ? page(reply, 200, o.title(), w.confirmed, `<p>${esc(w.confirmedText)}</p>`, lang) : page(reply, 400, o.title(), w.invalidLink, `<p>${esc(w.invalidConfirm)}</p>`, lang);
  });

  // GET shows a button (mail scanners follow links; only a POST unsubscribes). The same POST
  // serves RFC 8058 one-click (body "List-Unsubscribe=One-Click") and the button.
  app.get<{ Querystring: { token?: string } }>('/subscriptions/unsubscribe', async (req, reply) => {
    const token = String(req.query.token ?? '');
    const lang = linkLang(req);
    const w = MESSAGES[lang].subscription;
    if (!(await o.subs.canUnsubscribe(token))) return page(reply, 400, o.title(), w.invalidLink, `<p>${esc(w.invalidUnsubscribe)}</p>`, lang);
    return page(
      reply,
      200,
      o.title(),
      w.unsubscribe,
      `<form method="post" action="/subscriptions/unsubscribe?token=${esc(encodeURIComponent(token))}&amp;lang=${lang}"><input type="hidden" name="confirm" value="1"><button type="submit">${esc(w.unsubscribeButton)}</button></form>`,
      lang,
    );
  });
  app.post<{ Querystring: { token?: string } }>('/subscriptions/unsubscribe', async (req, reply) => {
    const ok = await o.subs.unsubscribe(String(req.query.token ?? ''));
    const lang = linkLang(req);
    const w = MESSAGES[lang].subscription;
    if (!ok) return page(reply, 400, o.title(), w.invalidLink, `<p>${esc(w.invalidUnsubscribe)}</p>`, lang);
    return page(reply, 200, o.title(), w.unsubscribed, `<p>${esc(w.unsubscribedText)}</p>`, lang);
  });
};
