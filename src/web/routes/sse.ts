// Server-Sent Events at /events: each open page hears `state` (the new state key) when a publish
// changed what the page shows; the page then re-fetches itself (prepared bytes) and swaps its live part.
// A new connection gets the current key at once, so a page that missed a publish catches up. The
// stream carries no content, only "something changed", so it costs one small write per client per change.
//
// Streams are bounded three ways, so one client cannot take the descriptors every page needs: per
// client network (/24 for IPv4, /48 for IPv6; X-Forwarded-For with reports.trust_proxy, as elsewhere),
// by age (a stream is closed after `maxAgeMs` or when its client stops reading; EventSource reconnects
// by itself after `retry`), and by what the process has left (Pressure: refused near the fd limit).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { clientAddress, networkPrefix } from '../../signals/reports/identity.js';
import type { Pressure } from '../pressure.js';

export interface SseOptions {
  /** Open streams at most; beyond, 503 (pages stay correct without live updates). */
  maxClients?: number;
  /** Open streams per client network (/24, /48) at most. Default 64 (an office behind one address has many readers). */
  maxPerNetwork?: number;
  /** A stream is closed after this long (ms; the browser reconnects). Default 10 min. */
  maxAgeMs?: number;
  /** A client with more than this many bytes unread is dropped (it stopped reading). Default 64 KiB. */
  maxBufferedBytes?: number;
  /** Comment line this often so proxies keep the stream open (ms). */
  keepAliveMs?: number;
  /** Take the client from X-Forwarded-For (reports.trust_proxy). */
  trustProxy?: () => boolean;
  pressure?: Pressure;
}

export type SseRefusal = 'busy' | 'network' | 'pressure';

interface Client {
  res: ServerResponse;
  socket: Socket;
  network: string;
  openedAt: number;
}

export class SseHub {
  private clients = new Set<Client>();
  private perNetwork = new Map<string, number>();
  private state = '';
  private timer: NodeJS.Timeout;
  private readonly max: number;
  /** Streams refused since start, by reason (for /metrics). */
  readonly refused: Record<SseRefusal, number> = { busy: 0, network: 0, pressure: 0 };

  constructor(private readonly opts: SseOptions = {}) {
    this.max = opts.maxClients ?? 20_000;
    this.timer = setInterval(() => this.sweep(), Math.min(opts.keepAliveMs ?? 25_000, opts.maxAgeMs ?? 600_000));
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
    const network = networkPrefix(clientAddress(req.raw.socket.remoteAddress, req.headers['x-forwarded-for'], this.opts.trustProxy?.() ?? false));
    const refusal: SseRefusal | undefined =
      this.clients.size >= this.max
        ? 'busy'
        : (this.perNetwork.get(network) ?? 0) >= (this.opts.maxPerNetwork ?? 64)
          ? 'network'
          : this.opts.pressure && this.opts.pressure.tightness() !== 'ok'
            ? 'pressure'
            : undefined;
    if (refusal) {
      this.refused[refusal]++;
      const message = refusal === 'network' ? 'too many live-update streams from your network; the page works without them' : 'live updates are busy; the page works without them';
      // The socket is not kept: under pressure each descriptor counts.
      return reply.code(503).header('retry-after', refusal === 'pressure' ? '60' : '30').header('cache-control', 'no-store').header('connection', 'close').send({ error: refusal === 'network' ? 'too_many_streams' : 'busy', message });
    }
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
    const client: Client = { res, socket: req.raw.socket, network, openedAt: performance.now() };
    this.clients.add(client);
    this.perNetwork.set(network, (this.perNetwork.get(network) ?? 0) + 1);
    let dropped = false;
    const drop = () => {
      if (dropped) return;
      dropped = true;
      this.clients.delete(client);
      const n = (this.perNetwork.get(network) ?? 1) - 1;
      if (n <= 0) this.perNetwork.delete(network);
      else this.perNetwork.set(network, n);
    };
    res.on('close', drop);
    res.on('error', drop);
  };

  /** Streams open from one network prefix. */
  streamsFrom(network: string): number {
    return this.perNetwork.get(network) ?? 0;
  }

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
    for (const c of this.clients) c.res.end();
    this.clients.clear();
    this.perNetwork.clear();
  }

  /** Keep-alive for the living; the end for streams past their age and clients that stopped reading. */
  private sweep(): void {
    const now = performance.now();
    const maxAge = this.opts.maxAgeMs ?? 600_000;
    const maxBuffered = this.opts.maxBufferedBytes ?? 65_536;
    for (const c of this.clients) {
      // Ended and closed: the socket is not kept alive for reuse (EventSource opens a new one).
      if (now - c.openedAt >= maxAge) {
        c.res.end();
        c.socket.end();
      }
      else if (c.res.writableLength > maxBuffered) c.res.destroy();
      else if (!c.res.writableEnded) c.res.write(': keep-alive\n\n');
    }
  }

  private write(chunk: string): void {
    const maxBuffered = this.opts.maxBufferedBytes ?? 65_536;
    for (const c of this.clients) {
      if (c.res.writableEnded) continue;
      if (c.res.writableLength > maxBuffered) c.res.destroy();
      else c.res.write(chunk);
    }
  }
}
