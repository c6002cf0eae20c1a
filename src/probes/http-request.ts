// One HTTP request over a connection opened for it alone, so DNS, TCP connect and the TLS
// handshake are measured on every run, never hidden by a pooled keep-alive socket or a cached
// TLS session. Shared by the http probe (once per redirect hop) and the llm probe.
//
// The connection steps are the shared ones (connect.ts: resolve, TCP, TLS, each timed); the request
// is one write of `connection: close` HTTP/1.1 and the response is read by the small parser below
// (http1.ts): status line, headers, then the body framed by chunked encoding, content-length or the
// close. A one-shot HTTP client library (undici) cost twice the rest of a check: a Client, its
// request and queue objects, a parser instance, and an Error with a formatted stack per check. The
// socket is destroyed when the run ends, whatever the outcome.
//
// Phases are durations, not offsets: dnsMs + connectMs + tlsMs + firstByteMs (request written
// until response headers parsed) <= totalMs; the rest of totalMs is the body transfer.
import type { IncomingHttpHeaders } from 'node:http';
import { performance } from 'node:perf_hooks';
import type tls from 'node:tls';
import { recordCert } from './cert.js';
import { bareHost, connectTo, hostPort, reason } from './connect.js';
import { ResponseParser, requestHead } from './http1.js';
import { type Run, ProbeFailure, errorCode, errorText, fail, round } from './run.js';
import type { LookupFn } from './types.js';

/** Bodies larger than this fail with 'body_too_large' unless the monitor sets max_body; reading stops there. */
export const MAX_BODY_BYTES = 1024 * 1024;

export const USER_AGENT = 'Vigie-probe/0.1';

export interface HttpRequest {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body?: string | undefined;
  maxBodyBytes?: number | undefined;
  lookup?: LookupFn | undefined;
  /** Accept any TLS certificate (its dates are still read). */
  insecure?: boolean | undefined;
  /** Reads (and keeps) the body only when this says so for the status; always by default. */
  wantBody?: (status: number) => boolean;
  /** Each body chunk as it arrives, with the milliseconds since the request went out (the llm probe times its first token here). */
  onChunk?: ((chunk: Buffer, msSinceSent: number) => void) | undefined;
}

export interface HttpResponse {
  statusCode: number;
  headers: IncomingHttpHeaders;
  /** The body when it was read (capped); empty otherwise. */
  body: Buffer;
  /** performance.now() when the request went out (connection ready). */
  sentAt: number;
}

const EMPTY = Buffer.alloc(0);

export async function httpOnce(run: Run, req: HttpRequest): Promise<HttpResponse> {
  const { url } = req;
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail('protocol', `unsupported scheme "${url.protocol}", expected http: or https:`);
  const secure = url.protocol === 'https:';
  const host = bareHost(url.hostname);
  const port = Number(url.port) || (secure ? 443 : 80);
  const maxBody = req.maxBodyBytes ?? MAX_BODY_BYTES;
  // Before connecting: a request that cannot be written fails without touching the target.
  let head: string;
  try {
    head = requestHead(req.method, `${url.pathname}${url.search}`, url.host, req.headers, USER_AGENT, req.body === undefined ? undefined : Buffer.byteLength(req.body));
  } catch (err) {
    return fail('protocol', `invalid request: ${errorText(err)}`);
  }
  const socket = await connectTo(run, { host, port, lookup: req.lookup, tls: secure ? { host, alpn: ['http/1.1'], insecure: req.insecure } : undefined });
  if (secure) recordCert(run, socket as tls.TLSSocket);
  run.where = 'waiting for first byte';
  const sentAt = performance.now();
  // One write (a writev when there is a body): no small second segment waiting on the peer's ACK.
  socket.cork();
  socket.write(head, 'latin1');
  if (req.body !== undefined) socket.write(req.body, 'utf8');
  socket.uncork();

  const parser = new ResponseParser(req.method === 'HEAD');
  return new Promise<HttpResponse>((resolve, reject) => {
    let stage: 'first byte' | 'body' = 'first byte';
    let statusCode = 0;
    let headers: IncomingHttpHeaders = {};
    let chunks: Buffer[] | undefined;
    let total = 0;
    const done = (err: unknown, res?: HttpResponse) => {
      socket.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      if (err === undefined) resolve(res!);
      else reject(err instanceof ProbeFailure || run.over ? err : new ProbeFailure(lost(err, stage, host, port, total)));
    };
    const finish = () => done(undefined, { statusCode, headers, body: chunks === undefined ? EMPTY : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total), sentAt });
    const onHead = (status: number, h: IncomingHttpHeaders): boolean => {
      // From the request going out to parsed headers.
      run.phases.firstByteMs = round((run.phases.firstByteMs ?? 0) + performance.now() - sentAt);
      statusCode = status;
      headers = h;
      run.statusCode = status;
      if (req.wantBody && !req.wantBody(status)) return false; // no need to read on: the socket goes with the run
      stage = 'body';
      run.where = 'reading body (0 bytes received)';
      chunks = [];
      return true;
    };
    const onBody = (b: Buffer) => {
      total += b.length;
      if (total > maxBody) fail('body_too_large', `response body exceeds ${maxBody} bytes; stopped reading`);
      chunks!.push(b);
      run.where = `reading body (${total} bytes received)`;
      req.onChunk?.(b, performance.now() - sentAt);
    };
    const onData = (b: Buffer) => {
      try {
        const r = parser.push(b, onHead, onBody);
        if (r === 'done') finish();
      } catch (err) {
        socket.destroy();
        done(err instanceof ProbeFailure ? err : new ProbeFailure({ kind: 'protocol', message: `malformed HTTP response: ${errorText(err)}` }));
      }
    };
    const onEnd = () => {
      try {
        if (parser.end() === 'done') return finish();
      } catch (err) {
        return done(err instanceof ProbeFailure ? err : new ProbeFailure({ kind: 'protocol', message: `malformed HTTP response: ${errorText(err)}` }));
      }
      done(Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }));
    };
    const onError = (err: Error) => done(err);
    const onClose = () => done(Object.assign(new Error('socket closed'), { code: 'ECONNRESET' }));
    socket.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}

/** A connection that failed or closed mid-exchange: before the response headers it is a lost connection, after them a body cut short. */
function lost(err: unknown, stage: 'first byte' | 'body', host: string, port: number, bodyBytes: number): { kind: 'connect' | 'protocol'; message: string } {
  const text = errorText(err);
  if (stage === 'body') return { kind: 'protocol', message: `response body cut short after ${bodyBytes} bytes: ${text}` };
  return { kind: 'connect', message: `connection to ${hostPort(host, port)} lost before a response: ${reason(errorCode(err), text)}` };
}

export function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
