// A local OpenAI-compatible upstream for the gateway tests: a real HTTP server on 127.0.0.1 whose
// behaviour a test scripts (answer, refuse connections, 500, stall before the first token, stall or
// drop mid-stream, 429 with Retry-After, 401), and which counts what it received.
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';

export type Mode = 'ok' | '500' | 'stall_first' | 'stall_mid' | 'drop_mid' | '429' | '401' | 'comment_then_stall' | 'drop_json';

export interface Received {
  path: string;
  model: string;
  stream: boolean;
  authorization: string | undefined;
  apiKey: string | undefined;
}

export class FakeUpstream {
  mode: Mode = 'ok';
  /** Streamed chunks per answer. */
  chunks = 5;
  /** Delay between streamed chunks. */
  chunkDelayMs = 2;
  /** Answer plain JSON even when asked to stream (as some providers do). */
  ignoreStream = false;
  readonly received: Received[] = [];
  private server: Server | undefined;
  private sockets = new Set<import('node:net').Socket>();
  private stalled = new Set<ServerResponse>();
  port = 0;

  constructor(readonly name: string) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/v1`;
  }

  async start(port = this.port): Promise<this> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this;
  }

  /** Stops listening: new connections are refused; answers in progress finish (as when a provider's front door fails). */
  async refuse(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (s) {
      const closed = new Promise<void>((resolve) => s.close(() => resolve()));
      s.closeIdleConnections();
      void closed;
    }
  }

  /** Stops listening (new connections are refused) and drops every open connection. */
  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    for (const r of this.stalled) r.destroy();
    this.stalled.clear();
    for (const sock of this.sockets) sock.destroy();
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  countFor(path = '/v1/chat/completions'): number {
    return this.received.filter((r) => r.path === path).length;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const parts: Buffer[] = [];
    for await (const c of req) parts.push(c as Buffer);
    const path = (req.url ?? '').split('?')[0]!;
    let body: { model?: string; stream?: boolean; stream_options?: { include_usage?: boolean } } = {};
    try {
      body = JSON.parse(Buffer.concat(parts).toString('utf8'));
    } catch {
      // answered below like any request
    }
    const stream = body.stream === true && !this.ignoreStream;
    this.received.push({ path, model: String(body.model), stream, authorization: req.headers.authorization, apiKey: req.headers['api-key'] as string | undefined });
    const model = String(body.model);
    switch (this.mode) {
      case '500':
        return json(res, 500, { error: { message: 'The server had an error while processing your request.', type: 'server_error', param: null, code: null } });
      case '429':
        res.setHeader('retry-after', '7');
        return json(res, 429, { error: { message: 'Rate limit reached', type: 'requests', param: null, code: 'rate_limit_exceeded' } });
      case '401':
        return json(res, 401, { error: { message: `Incorrect API key provided: ${req.headers.authorization ?? ''}`, type: 'invalid_request_error', param: null, code: 'invalid_api_key' } });
      case 'stall_first':
        if (stream) {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.flushHeaders();
        }
        this.stalled.add(res);
        return;
      case 'drop_json':
        if (!stream) {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.write('{"id":"cmpl-half","choices":[{"mess');
          await sleep(5);
          res.socket?.destroy();
          return;
        }
        break;
      case 'comment_then_stall':
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(': keep-alive\n\n');
        this.stalled.add(res);
        return;
      default:
        break;
    }
    if (path.endsWith('/embeddings')) return json(res, 200, { object: 'list', data: [{ object: 'embedding', index: 0, embedding: [0.1, 0.2] }], model, usage: { prompt_tokens: 3, total_tokens: 3 } });
    if (!stream) {
      return json(res, 200, {
        id: `cmpl-${this.name}`,
        object: path.endsWith('/completions') && !path.endsWith('/chat/completions') ? 'text_completion' : 'chat.completion',
        model,
        choices: [{ index: 0, message: { role: 'assistant', content: `hello from ${this.name}` }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
      });
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'x-request-id': `req-${this.name}` });
    const n = this.chunks;
    for (let i = 0; i < n; i++) {
      if (res.destroyed) return;
      if (i === 2 && this.mode === 'stall_mid') {
        this.stalled.add(res);
        return;
      }
      if (i === 2 && this.mode === 'drop_mid') {
        // Half an event, then the connection drops.
        res.write('data: {"choices":[{"delta":{"cont');
        await sleep(5);
        res.socket?.destroy();
        return;
      }
      res.write(streamChunk(this.name, model, i));
      if (this.chunkDelayMs > 0) await sleep(this.chunkDelayMs);
    }
    if (body.stream_options?.include_usage) res.write(`data: ${JSON.stringify({ id: `c-${this.name}`, object: 'chat.completion.chunk', model, choices: [], usage: { prompt_tokens: 10, completion_tokens: n, total_tokens: 10 + n } })}\n\n`);
    res.end('data: [DONE]\n\n');
  }
}

export function streamChunk(name: string, model: string, i: number): string {
  return `data: ${JSON.stringify({ id: `c-${name}`, object: 'chat.completion.chunk', model, choices: [{ index: 0, delta: { content: `${name}-${i} ` } }] })}\n\n`;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export const sha256 = (t: string) => createHash('sha256').update(t).digest('hex');

/** A fake Vigie server: /api/v2/components.json with statuses the test sets by "service/component" id. */
export class FakeVigie {
  readonly statuses = new Map<string, string>();
  private server: Server | undefined;
  url = '';
  polls = 0;

  async start(publicId: (kind: string, key: string) => string): Promise<this> {
    this.server = createServer((req, res) => {
      if (req.url !== '/api/v2/components.json') return json(res, 404, {});
      this.polls++;
      json(res, 200, {
        page: { id: 'p', name: 'Vigie' },
        components: [...this.statuses].map(([id, status]) => ({ id: publicId('component', id), name: id, status, group: false, group_id: null })),
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
