// The HTTP server: the public page, the Statuspage v2 API, health. Everything public is
// served from prepared bytes that publish() replaces whenever the state changes.
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { render } from 'preact-render-to-string';
import { type Prepared, PreparedSet, prepare } from './prepared.js';
import type { Snapshot } from './snapshot.js';
import { v2Components, v2Status, v2Summary } from './statuspage-v2.js';
import { StatusPage } from './views/page.js';

export interface WebOptions {
  logger: Logger;
  /** Adds a meta refresh to the HTML page; the demo uses it to stay live without scripts. */
  refreshSeconds?: number;
}

const JSON_TYPE = 'application/json; charset=utf-8';

export class WebServer {
  readonly app: FastifyInstance;
  private prepared = new PreparedSet();

  constructor(private opts: WebOptions) {
    // Request logs would cost more than the prepared responses themselves during a surge.
    this.app = Fastify({
      loggerInstance: opts.logger.child({ part: 'web' }) as FastifyBaseLogger,
      logController: new LogController({ disableRequestLogging: true }),
    }) as unknown as FastifyInstance;
    const serve = (name: string) => (req: FastifyRequest, reply: FastifyReply) => this.send(name, req, reply);
    this.app.get('/', serve('page'));
    this.app.get('/api/v2/summary.json', serve('summary'));
    this.app.get('/api/v2/status.json', serve('status'));
    this.app.get('/api/v2/components.json', serve('components'));
    this.app.get('/healthz', async () => ({ ok: true }));
  }

  publish(s: Snapshot): void {
    const html = '<!doctype html>' + render(StatusPage({ s, ...(this.opts.refreshSeconds ? { refreshSeconds: this.opts.refreshSeconds } : {}) }));
    this.prepared.set('page', prepare(html, 'text/html; charset=utf-8'));
    this.prepared.set('summary', prepare(JSON.stringify(v2Summary(s)), JSON_TYPE));
    this.prepared.set('status', prepare(JSON.stringify(v2Status(s)), JSON_TYPE));
    this.prepared.set('components', prepare(JSON.stringify({ page: v2Summary(s).page, components: v2Components(s) }), JSON_TYPE));
  }

  private send(name: string, req: FastifyRequest, reply: FastifyReply) {
    const p: Prepared | undefined = this.prepared.get(name);
    if (!p) return reply.code(503).header('retry-after', '1').send({ error: 'starting', message: 'Vigie is starting; try again in a second' });
    reply.header('etag', p.etag).header('cache-control', 'public, max-age=5, stale-while-revalidate=30').header('vary', 'accept-encoding');
    if (req.headers['if-none-match'] === p.etag) return reply.code(304).send();
    reply.type(p.contentType);
    if (/\bgzip\b/.test(req.headers['accept-encoding'] ?? '')) return reply.header('content-encoding', 'gzip').send(p.gzip);
    return reply.send(p.body);
  }

  /** Listens and returns the base URL. */
  async listen(host: string, port: number): Promise<string> {
    await this.app.listen({ host, port });
    const addr = this.app.server.address();
    if (addr === null || typeof addr === 'string') throw new Error('server has no TCP address');
    const h = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    return `http://${h}:${addr.port}`;
  }

  close(): Promise<void> {
    return this.app.close();
  }
}
