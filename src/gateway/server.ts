// The gateway's HTTP surface (Fastify): the OpenAI-compatible endpoints, /v1/models, /metrics and
// /healthz. Bodies are taken as raw bytes and judged by requests.ts, so every bad input, even
// unparsable JSON or a wrong content type, gets an OpenAI-style error body with a 4xx.
import Fastify, { type FastifyInstance } from 'fastify';
import { apiError } from './errors.js';
import { type ProxyDeps, proxyRequest, sendError } from './proxy.js';
import type { Endpoint } from './upstream.js';

export interface ServerDeps extends ProxyDeps {
  /** Upstream states for /healthz. */
  status: () => unknown;
  /** /metrics (a worker of several: every process's, gathered by the primary); default: this process's registry. */
  metricsText?: () => Promise<string>;
}

const ENDPOINTS: Endpoint[] = ['chat/completions', 'completions', 'embeddings'];

export function gatewayServer(d: ServerDeps): FastifyInstance {
  // requestTimeout bounds receiving a request (a slow client cannot hold a socket forever); answers,
  // which may stream for minutes, are bounded by the retry settings instead.
  const app = Fastify({ logger: false, bodyLimit: d.config.max_body_bytes, keepAliveTimeout: 65_000, requestTimeout: 60_000, return503OnClosing: false });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  for (const ep of ENDPOINTS) {
    app.post(`/v1/${ep}`, (req, reply) => {
      reply.hijack();
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      proxyRequest(d, ep, req.raw, reply.raw, raw).catch((err: unknown) => {
        d.log.error({ event: 'gateway.internal_error', err: err instanceof Error ? err.message : String(err) }, 'gateway request failed unexpectedly');
        sendError(reply.raw, 500, apiError('The gateway failed to handle this request.', 'server_error', 'internal_error'));
      });
    });
  }

  app.get('/v1/models', async (req, reply) => {
    const admission = await d.clients.admit(req.headers.authorization);
    if (!admission.ok) {
      if (admission.retryAfterS !== undefined) reply.header('retry-after', String(admission.retryAfterS));
      return reply.code(admission.status).send(apiError(admission.message, admission.type, admission.code));
    }
    const ids = [...new Set(d.routes.flatMap((r) => r.models.filter((m) => m !== '*')))];
    return { object: 'list', data: ids.map((id) => ({ id, object: 'model', created: 0, owned_by: 'vigie-gateway' })) };
  });

  app.get('/metrics', async (_req, reply) => reply.header('cache-control', 'no-store').type(d.metrics.contentType).send(await (d.metricsText ?? (() => d.metrics.text()))()));
  app.get('/healthz', async () => d.status());

  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send(apiError(`Unknown request URL: ${req.method} ${req.url.split('?')[0]}.`, 'invalid_request_error', 'unknown_url'));
  });
  app.setErrorHandler((err: { statusCode?: number; code?: string; message?: string }, _req, reply) => {
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) d.log.error({ event: 'gateway.internal_error', err: err.message }, 'gateway error');
    const message = err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? `The request body is larger than ${d.config.max_body_bytes} bytes.` : status === 500 ? 'The gateway failed to handle this request.' : (err.message ?? 'Bad request.');
    reply.code(status).send(apiError(message, status === 500 ? 'server_error' : 'invalid_request_error', err.code ?? null));
  });
  return app;
}
