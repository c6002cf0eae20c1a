// GET /api/admin/monitors/events: Server-Sent Events for the console's dashboard. `status` when a
// monitor unit's status changes (at once), `latency` every few seconds with the units checked since
// (one line for all of them), and a keep-alive comment. Registered on the root app under the admin
// prefix, so it passes the admin API's own authentication hook (AdminRoutes.watch). A client's
// memory is bounded by the socket: one that stops reading past maxBufferedBytes is dropped.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { MonitorBoard } from '../../catalog/board.js';
import type { Catalog } from '../../catalog/catalog.js';
import { iso } from './admin-common.js';

export interface MonitorEventsOptions {
  board: MonitorBoard;
  catalog: Catalog;
  /** How often latency batches go out (real ms: a display cadence, not product time). */
  batchMs?: number;
  keepAliveMs?: number;
  maxClients?: number;
  maxBufferedBytes?: number;
}

export const MONITOR_EVENTS_PATH = '/api/admin/monitors/events';

export class MonitorEvents {
  private clients = new Set<ServerResponse>();
  private batchTimer: NodeJS.Timeout;
  private aliveTimer: NodeJS.Timeout;
  private stopListening: () => void;

  constructor(private readonly o: MonitorEventsOptions) {
    this.stopListening = o.board.listen({
      status: (id, s, from) => {
        if (this.clients.size === 0) return;
        this.write(`event: status\ndata: ${JSON.stringify({ id, status: s.status, from, since: iso(s.since), last_check_at: iso(s.lastAt), last_latency_ms: s.latencyMs, last_error: s.error })}\n\n`);
      },
    });
    this.batchTimer = setInterval(() => this.batch(), o.batchMs ?? 5000);
    this.batchTimer.unref();
    this.aliveTimer = setInterval(() => this.write(': keep-alive\n\n'), o.keepAliveMs ?? 25_000);
    this.aliveTimer.unref();
  }

  get size(): number {
    return this.clients.size;
  }

  /** Units checked since the last batch: [id, last_latency_ms, ok 0/1, last check epoch s]. */
  private batch(): void {
    const ids = this.o.board.drain();
    if (this.clients.size === 0 || ids.length === 0) return;
    const rows: [string, number, number, number][] = [];
    for (const id of ids) {
      const s = this.o.board.get(id);
      if (s) rows.push([id, Math.round(s.latencyMs * 10) / 10, s.ok ? 1 : 0, Math.floor(s.lastAt / 1000)]);
    }
    if (rows.length > 0) this.write(`event: latency\ndata: ${JSON.stringify({ monitors: rows })}\n\n`);
  }

  handler = (req: FastifyRequest, reply: FastifyReply) => {
    // A stream never ends: a client that did not ask for one (a generic HTTP client, a crawler of the
    // OpenAPI document) gets an answer instead of a request that hangs. EventSource always asks.
    if (!/\btext\/event-stream\b/i.test(String(req.headers.accept ?? '')))
      return reply.code(406).send({ error: 'not_acceptable', message: 'this is a Server-Sent Events stream: ask with "Accept: text/event-stream" (EventSource does)' });
    if (this.clients.size >= (this.o.maxClients ?? 1000)) return reply.code(503).header('retry-after', '30').send({ error: 'busy', message: 'too many live streams; the list still answers' });
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no', connection: 'keep-alive' });
    res.write(`retry: 5000\nevent: hello\ndata: ${JSON.stringify({ monitors: this.o.catalog.units.length })}\n\n`);
    req.raw.socket.setNoDelay(true);
    req.raw.socket.setTimeout(0);
    this.clients.add(res);
    const drop = () => this.clients.delete(res);
    res.on('close', drop);
    res.on('error', drop);
  };

  register(app: FastifyInstance): void {
    app.get(
      MONITOR_EVENTS_PATH,
      {
        schema: {
          operationId: 'streamMonitorEvents',
          summary: 'Live monitor events (Server-Sent Events): "status" at each status change, "latency" batches of the units checked, keep-alive comments',
          tags: ['monitors'],
        } as never,
      },
      this.handler,
    );
    app.addHook('preClose', (done) => {
      this.close();
      done();
    });
  }

  close(): void {
    clearInterval(this.batchTimer);
    clearInterval(this.aliveTimer);
    this.stopListening();
    for (const c of this.clients) c.end();
    this.clients.clear();
  }

  private write(chunk: string): void {
    const max = this.o.maxBufferedBytes ?? 256 * 1024;
    for (const c of this.clients) {
      if (c.writableEnded) continue;
      if (c.writableLength > max) c.destroy();
      else c.write(chunk);
    }
  }
}
