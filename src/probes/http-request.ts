// One HTTP request over a connection opened for it alone, so DNS, TCP connect and the TLS
// handshake are measured on every run, never hidden by a pooled keep-alive socket or a cached
// TLS session. Shared by the http probe (once per redirect hop) and the llm probe.
//
// undici speaks HTTP; we hand it the socket. A one-shot Client gets our own `connect`
// function, which runs the shared connection steps (connect.ts: resolve, TCP, TLS, each timed).
// The Client is destroyed when the run ends, whatever the outcome.
//
// Phases are durations, not offsets: dnsMs + connectMs + tlsMs + firstByteMs (request written
// until response headers parsed) <= totalMs; the rest of totalMs is the body transfer.
import type { IncomingHttpHeaders } from 'node:http';
import type net from 'node:net';
import type { Readable } from 'node:stream';
import { performance } from 'node:perf_hooks';
import type tls from 'node:tls';
import { Client, type buildConnector, errors } from 'undici';
import { recordCert } from './cert.js';
import { CONNECT_REASONS, bareHost, connectTo, hostPort, reason } from './connect.js';
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

/** undici asked for a second connection within one request; we refuse it. */
class ReconnectRefused extends Error {
  constructor() {
    super('the connection closed before a response and a check gets only one');
    this.name = 'ReconnectRefused';
  }
}

const noop = () => {};

/**
 * The reason every finished check's Client is destroyed with: made once. Without one, undici builds a
 * ClientDestroyedError, stack trace and all, for each check (~3 % of a check's CPU). Nothing is
 * waiting on the Client by then, so no caller ever sees it.
 */
const CHECK_OVER = new errors.ClientDestroyedError();

export async function httpOnce(run: Run, req: HttpRequest): Promise<HttpResponse> {
  const { url } = req;
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail('protocol', `unsupported scheme "${url.protocol}", expected http: or https:`);
  const secure = url.protocol === 'https:';
  const host = bareHost(url.hostname);
  const port = Number(url.port) || (secure ? 443 : 80);
  const maxBody = req.maxBodyBytes ?? MAX_BODY_BYTES;
  let sentAt = 0;
  let stage: 'setup' | 'first byte' | 'body' = 'setup';
  let bodyBytes = 0;

  let connections = 0;
  const connect: buildConnector.connector = (_opts, callback) => {
    // One connection per request: if undici ever asks again (say, to retry after the
    // first socket closed), refuse rather than silently measure a second one.
    if (connections++ > 0) {
      callback(new ReconnectRefused(), null);
      return;
    }
    connectTo(run, { host, port, lookup: req.lookup, tls: secure ? { host, alpn: ['http/1.1'], insecure: req.insecure } : undefined }).then(
      (socket: net.Socket) => {
        if (secure) recordCert(run, socket as tls.TLSSocket);
        stage = 'first byte';
        run.where = 'waiting for first byte';
        sentAt = performance.now();
        callback(null, socket);
      },
      // A ProbeFailure has no `code`, so undici cannot mistake it for one of its own errors
      // (some codes make it keep the request queued instead of failing it).
      (err: unknown) => callback(err instanceof Error ? err : new Error(String(err)), null),
    );
  };

  const client = new Client(url.origin, {
    connect,
    // The run's deadline covers the whole check; undici's would only cover pieces of it.
    headersTimeout: 0,
    bodyTimeout: 0,
    pipelining: 0, // no keep-alive: the connection dies with the request
  });
  run.defer(() => client.destroy(CHECK_OVER).catch(noop));

  const headers: Record<string, string> = { ...req.headers };
  if (!Object.keys(headers).some((k) => k.toLowerCase() === 'user-agent')) headers['user-agent'] = USER_AGENT;
  try {
    const res = await client.request({
      path: `${url.pathname}${url.search}`,
      method: req.method,
      headers,
      ...(req.body !== undefined ? { body: req.body } : {}),
    });
    // From the connection being ready (the request goes out then) to parsed headers.
    run.phases.firstByteMs = round((run.phases.firstByteMs ?? 0) + performance.now() - sentAt);
    run.statusCode = res.statusCode;
    // Destroying the body (below, or at the deadline) makes it emit 'error'; the loop reports
    // errors itself, so this listener only keeps a stray one from going uncaught.
    res.body.on('error', noop);
    if (req.wantBody && !req.wantBody(res.statusCode)) {
      res.body.destroy(); // no need to drain: the connection is thrown away with the Client
      return { statusCode: res.statusCode, headers: res.headers, body: Buffer.alloc(0), sentAt };
    }
    stage = 'body';
    run.where = 'reading body (0 bytes received)';
    const body = await readBody(res.body, maxBody, (b, total) => {
      bodyBytes = total;
      run.where = `reading body (${total} bytes received)`;
      req.onChunk?.(b, performance.now() - sentAt);
    });
    return { statusCode: res.statusCode, headers: res.headers, body, sentAt };
  } catch (err) {
    if (err instanceof ProbeFailure || run.over) throw err;
    throw new ProbeFailure(classify(err, stage, host, port, bodyBytes));
  }
}

/**
 * The body, from 'data' events rather than an async iterator (its promises and end-of-stream
 * watcher are a few KB per check); `onChunk` hears each chunk kept and the total so far. Past `max`
 * bytes it fails as body_too_large and destroys the stream, so an endless body stops here; the
 * Client, destroyed when the run ends, takes the socket with it.
 */
function readBody(body: Readable, max: number, onChunk: (chunk: Buffer, total: number) => void): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const settle = (err?: unknown) => {
      body.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      if (err === undefined) resolve(Buffer.concat(chunks, total));
      else reject(err);
    };
    const onData = (b: Buffer) => {
      total += b.length;
      try {
        if (total > max) fail('body_too_large', `response body exceeds ${max} bytes; stopped reading`);
        chunks.push(b);
        onChunk(b, total);
      } catch (err) {
        settle(err);
        body.destroy();
      }
    };
    const onEnd = () => settle();
    const onError = (err: Error) => settle(err);
    // Destroyed with neither an end nor an error (as the for-await loop's premature close).
    const onClose = () => settle(Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    body.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}

/** Sorts an undici error into a failure kind from the stage it happened in and what it says. */
function classify(err: unknown, stage: 'setup' | 'first byte' | 'body', host: string, port: number, bodyBytes: number): { kind: 'connect' | 'protocol'; message: string } {
  const code = errorCode(err);
  const text = errorText(err);
  if (stage === 'body') return { kind: 'protocol', message: `response body cut short after ${bodyBytes} bytes: ${text}` };
  if (isParserError(err, code)) return { kind: 'protocol', message: `malformed HTTP response: ${text}` };
  if (code === 'UND_ERR_SOCKET' || (code !== undefined && code in CONNECT_REASONS) || err instanceof ReconnectRefused)
    return { kind: 'connect', message: `connection to ${hostPort(host, port)} lost before a response: ${reason(code, text)}` };
  if (code === 'UND_ERR_INVALID_ARG') return { kind: 'protocol', message: `invalid request: ${text}` };
  return { kind: 'protocol', message: `no valid response: ${text}` };
}

function isParserError(err: unknown, code: string | undefined): boolean {
  return (
    (err instanceof Error && err.name === 'HTTPParserError') ||
    (code !== undefined && (code.startsWith('HPE_') || code === 'UND_ERR_HEADERS_OVERFLOW'))
  );
}

export function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
