// Server-Sent Events at /events: each open page hears `state` (the new state key) when a publish
// changed what the page shows; the page then re-fetches itself (prepared bytes) and swaps its live part.
// A new connection gets the current key at once, so a page that missed a publish catches up. The
// stream carries no content, only "something changed", so it costs one small write per client per change.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';

export interface SseOptions {
  /** Open streams at most; beyond, 503 (pages stay correct without live updates). */
  maxClients?: number;
  /** Comment line this often so proxies keep the stream open (ms). */
  keepAliveMs?: number;
}

export class SseHub {
  private clients = new Set<ServerResponse>();
  private state = '';
  private timer: NodeJS.Timeout;
  private readonly max: number;

  constructor(opts: SseOptions = {}) {
    this.max = opts.maxClients ?? 20_000;
    this.timer = setInterval(() => this.write(': keep-alive\n\n'), opts.keepAliveMs ?? 25_000);
    this.timer.unref();
  }

  get size(): number {
    return this.clients.size;
  }

  /** Sends the new state to every client when it differs from the last one. */
  publish(state: string): void {
    if (state === this.state) return;
    this.state = state;
    this.write(`id: ${state}\nevent: state\ndata: ${state}\n\n`);
  }

  handler = (req: FastifyRequest, reply: FastifyReply) => {
    if (this.clients.size >= this.max) return reply.code(503).header('retry-after', '30').header('cache-control', 'no-store').send({ error: 'busy' });
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
    });
    res.write(`retry: 5000\n${this.state ? `id: ${this.state}\nevent: state\ndata: ${this.state}\n` : ''}\n`);
    req.raw.socket.setNoDelay(true);
    req.raw.socket.setTimeout(0);
    this.clients.add(res);
    const drop = () => this.clients.delete(res);
    res.on('close', drop);
    res.on('error', drop);
  };

  register(app: FastifyInstance): void {
    app.get('/events', this.handler);
    // Open streams would keep the server from closing.
    app.addHook('preClose', (done) => {
      this.close();
      done();
    });
  }

  close(): void {
    clearInterval(this.timer);
    for (const c of this.clients) c.end();
    this.clients.clear();
  }

  private write(chunk: string): void {
    for (const c of this.clients) if (!c.writableEnded) c.write(chunk);
  }
}
