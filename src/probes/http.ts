// HTTP(S) probe: one request over a connection opened for this check alone, so
// DNS, TCP connect and the TLS handshake are measured on every run, never hidden
// by a pooled keep-alive socket or a cached TLS session.
//
// undici speaks HTTP; we hand it the socket. A one-shot Client gets our own
// `connect` function, which resolves the name (timed), opens TCP to that address
// (timed) and, for https, runs the TLS handshake over it (timed). The Client is
// destroyed when the check ends, whatever the outcome.
//
// Phases are durations, not offsets: dnsMs + connectMs + tlsMs + firstByteMs
// (request written until response headers parsed) <= totalMs; the rest of
// totalMs is the body transfer.
//
// Not done here yet: following redirects (a 301 when 200 is expected is an
// http_status failure that names the Location), body/header assertions,
// certificate expiry, trying more than the first resolved address.
import { promises as dns } from 'node:dns';
import { STATUS_CODES } from 'node:http';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import tls from 'node:tls';
import { Client, type buildConnector } from 'undici';
import type { ErrorKind, Phases, ProbeResult } from '../core/observation.js';
import type { HttpTarget } from '../config/schema.js';
import type { Probe, ProbeContext } from './types.js';

/** Bodies larger than this fail with 'body_too_large'; reading stops there. */
export const MAX_BODY_BYTES = 1024 * 1024;

const USER_AGENT = 'Vigie-probe/0.1';

/**
 * Carries a DNS/TCP/TLS error from our connect function through undici untouched:
 * without a `code` of its own, undici cannot mistake it for one of its own errors
 * (some codes make it keep the request queued instead of failing it).
 */
class SetupError extends Error {
  constructor(readonly original: unknown) {
    super(errorText(original));
    this.name = 'SetupError';
  }
}

/** undici asked for a second connection within one check; we refuse it. */
class ReconnectRefused extends Error {
  constructor() {
    super('the connection closed before a response and a check gets only one');
    this.name = 'ReconnectRefused';
  }
}

type Stage = 'dns' | 'connect' | 'tls' | 'first byte' | 'body';

interface Failure {
  kind: ErrorKind;
  message: string;
}

const systemLookup = (hostname: string) => dns.lookup(hostname);

const noop = () => {};

const round = (ms: number) => Math.round(ms * 100) / 100;

export const httpProbe: Probe<HttpTarget> = async (target, ctx) => {
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  const phases: Omit<Phases, 'totalMs'> = {};
  let statusCode: number | undefined;

  const finish = (failure?: Failure): ProbeResult => {
    const totalMs = round(elapsed());
    const ok = failure === undefined;
    const threshold = ctx.degradedAfterMs;
    return {
      ok,
      degraded: ok && threshold != null && totalMs > threshold,
      phases: { ...phases, totalMs },
      ...(statusCode !== undefined ? { statusCode } : {}),
      ...(failure ? { error: failure } : {}),
    };
  };

  let url: URL;
  try {
    url = new URL(target.url);
  } catch {
    return finish({ kind: 'protocol', message: `invalid URL "${target.url}"` });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return finish({ kind: 'protocol', message: `unsupported scheme "${url.protocol}", expected http: or https:` });
  if (ctx.signal?.aborted) return finish({ kind: 'timeout', message: 'aborted before the check started' });

  const secure = url.protocol === 'https:';
  // URL keeps IPv6 literals bracketed; sockets want them bare.
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const port = Number(url.port) || (secure ? 443 : 80);
  const lookup = ctx.lookup ?? systemLookup;

  let stage: Stage = net.isIP(host) ? 'connect' : 'dns';
  let address = host;
  let bodyBytes = 0;
  let readyAt = 0;
  const sockets: net.Socket[] = [];
  let client: Client | undefined;
  /** Set once the check has its outcome; late steps (a slow DNS answer after the deadline) must not open sockets then. */
  let over = false;
  const ifStillRunning = () => {
    if (over) throw new Error('the check is already over');
  };

  const where = (): string => {
    switch (stage) {
      case 'dns':
        return `resolving ${host}`;
      case 'connect':
        return `connecting to ${hostPort(address, port)}`;
      case 'tls':
        return `in TLS handshake with ${host}`;
      case 'first byte':
        return 'waiting for first byte';
      case 'body':
        return `reading body (${bodyBytes} bytes received)`;
    }
  };

  /** Opens the check's only connection, timing each step; undici calls it once. */
  const openConnection = async (): Promise<net.Socket> => {
    if (stage === 'dns') {
      const t = performance.now();
      address = (await lookup(host)).address;
      phases.dnsMs = round(performance.now() - t);
      ifStillRunning();
      stage = 'connect';
    }
    let t = performance.now();
    const tcp = net.connect({ host: address, port });
    sockets.push(tcp);
    tcp.on('error', noop); // errors are reported through settle() or undici, never as an uncaught event
    await settle(tcp, 'connect');
    phases.connectMs = round(performance.now() - t);
    ifStillRunning();
    tcp.setNoDelay(true);
    if (!secure) {
      stage = 'first byte';
      readyAt = performance.now();
      return tcp;
    }
    stage = 'tls';
    t = performance.now();
    const tlsSocket = tls.connect({
      socket: tcp,
      host, // the name the certificate is checked against
      ...(net.isIP(host) ? {} : { servername: host }), // SNI must not carry an IP literal
      rejectUnauthorized: true,
      ALPNProtocols: ['http/1.1'],
    });
    sockets.push(tlsSocket);
    tlsSocket.on('error', noop);
    await settle(tlsSocket, 'secureConnect');
    phases.tlsMs = round(performance.now() - t);
    ifStillRunning();
    stage = 'first byte';
    readyAt = performance.now();
    return tlsSocket;
  };

  let connections = 0;
  const connect: buildConnector.connector = (_opts, callback) => {
    // One connection per check: if undici ever asks again (say, to retry after the
    // first socket closed), refuse rather than silently measure a second one.
    if (connections++ > 0) {
      callback(new ReconnectRefused(), null);
      return;
    }
    openConnection().then(
      (socket) => callback(null, socket),
      (err: unknown) => callback(new SetupError(err), null),
    );
  };

  const exchange = async (): Promise<Failure | undefined> => {
    client = new Client(url.origin, {
      connect,
      // Our own deadline covers the whole check; undici's would only cover pieces of it.
      headersTimeout: 0,
      bodyTimeout: 0,
      pipelining: 0, // no keep-alive: the connection dies with the check
    });
    const headers: Record<string, string> = { ...target.headers };
    if (!Object.keys(headers).some((k) => k.toLowerCase() === 'user-agent')) headers['user-agent'] = USER_AGENT;
    const res = await client.request({
      path: `${url.pathname}${url.search}`,
      method: target.method,
      headers,
      ...(target.body !== undefined ? { body: target.body } : {}),
    });
    // From the connection being ready (the request goes out then) to parsed headers.
    phases.firstByteMs = round(performance.now() - readyAt);
    statusCode = res.statusCode;
    // Destroying the body (below, or by the deadline) makes it emit 'error'; the loop
    // reports errors itself, so this listener only keeps a stray one from going uncaught.
    res.body.on('error', noop);

    if (!target.expectedStatus.includes(res.statusCode)) {
      // No need to drain: the connection is thrown away with the Client.
      res.body.destroy();
      const location = res.statusCode >= 300 && res.statusCode < 400 ? headerValue(res.headers['location']) : undefined;
      return {
        kind: 'http_status',
        message:
          `HTTP ${res.statusCode} ${STATUS_CODES[res.statusCode] ?? ''}`.trimEnd() +
          `, expected ${listOr(target.expectedStatus)}` +
          (location ? ` (redirect to ${location}, not followed)` : ''),
      };
    }

    stage = 'body';
    for await (const chunk of res.body) {
      bodyBytes += (chunk as Buffer).length;
      if (bodyBytes > MAX_BODY_BYTES) {
        // Leaving the loop destroys the body stream; the Client is destroyed right after,
        // taking the socket with it, so an endless body cannot keep us reading.
        return { kind: 'body_too_large', message: `response body exceeds ${MAX_BODY_BYTES} bytes; stopped reading` };
      }
    }
    return undefined;
  };

  // Hard deadline over everything, and the caller's abort signal.
  let timer: NodeJS.Timeout | undefined;
  let onAbort = noop;
  const deadline = new Promise<Failure>((resolve) => {
    const ms = Math.min(Math.max(0, ctx.timeoutMs), 2 ** 31 - 1);
    timer = setTimeout(() => resolve({ kind: 'timeout', message: `timed out after ${ctx.timeoutMs} ms ${where()}` }), ms);
    onAbort = () => resolve({ kind: 'timeout', message: `aborted after ${Math.round(elapsed())} ms ${where()}` });
    ctx.signal?.addEventListener('abort', onAbort, { once: true });
  });

  try {
    const failure = await Promise.race([
      exchange().catch((err: unknown) => classify(err, stage, { host, address, port, bodyBytes: () => bodyBytes })),
      deadline,
    ]);
    return finish(failure);
  } catch (err) {
    // Should be unreachable; a probe still never throws.
    return finish({ kind: 'protocol', message: `probe error: ${errorText(err)}` });
  } finally {
    over = true;
    clearTimeout(timer);
    ctx.signal?.removeEventListener('abort', onAbort);
    for (const s of sockets) s.destroy();
    await client?.destroy().catch(noop);
  }
};

/** Resolves on `event`; rejects on the socket's first error, or its close (say, destroyed at the deadline). */
function settle(socket: net.Socket, event: 'connect' | 'secureConnect'): Promise<void> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      socket.off('error', onError);
      socket.off('close', onClose);
      socket.off(event, onEvent);
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const onClose = () => {
      cleanup();
      reject(Object.assign(new Error('socket closed'), { code: 'ECONNRESET' }));
    };
    const onEvent = () => {
      cleanup();
      resolve();
    };
    socket.on('error', onError);
    socket.on('close', onClose);
    socket.on(event, onEvent);
  });
}

interface Where {
  host: string;
  address: string;
  port: number;
  bodyBytes: () => number;
}

const CONNECT_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  EPIPE: 'connection closed while sending the request',
  EADDRNOTAVAIL: 'address not available',
};

/** Sorts an error into an ErrorKind from the stage it happened in and what it says. */
function classify(caught: unknown, stage: Stage, at: Where): Failure {
  const err = caught instanceof SetupError ? caught.original : caught;
  const code = errorCode(err);
  const text = errorText(err);
  switch (stage) {
    case 'dns':
      return { kind: 'dns', message: `DNS lookup of ${at.host} failed${code ? ` (${code})` : `: ${text}`}` };
    case 'connect':
      return { kind: 'connect', message: `cannot connect to ${hostPort(at.address, at.port)}: ${reason(code, text)}` };
    case 'tls':
      // Certificate checks and handshake failures alike, including a peer that hangs up mid-handshake.
      return { kind: 'tls', message: `TLS handshake with ${at.host} failed: ${opensslReason(text)}${code ? ` (${code})` : ''}` };
    case 'first byte':
      if (isParserError(err, code)) return { kind: 'protocol', message: `malformed HTTP response: ${text}` };
      if (code === 'UND_ERR_SOCKET' || (code !== undefined && code in CONNECT_REASONS) || err instanceof ReconnectRefused)
        return { kind: 'connect', message: `connection to ${hostPort(at.address, at.port)} lost before a response: ${reason(code, text)}` };
      if (code === 'UND_ERR_INVALID_ARG') return { kind: 'protocol', message: `invalid request: ${text}` };
      return { kind: 'protocol', message: `no valid response: ${text}` };
    case 'body':
      return { kind: 'protocol', message: `response body cut short after ${at.bodyBytes()} bytes: ${text}` };
  }
}

function reason(code: string | undefined, text: string): string {
  const known = code === undefined ? undefined : CONNECT_REASONS[code];
  return known ? `${known} (${code})` : text;
}

/** OpenSSL's "…:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:file:line:" down to its reason. */
function opensslReason(text: string): string {
  const m = /SSL routines:[^:]*:([^:]+):/.exec(text);
  return m?.[1] ?? text.trim();
}

function isParserError(err: unknown, code: string | undefined): boolean {
  return (
    (err instanceof Error && err.name === 'HTTPParserError') ||
    (code !== undefined && (code.startsWith('HPE_') || code === 'UND_ERR_HEADERS_OVERFLOW'))
  );
}

function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function hostPort(address: string, port: number): string {
  return net.isIPv6(address) ? `[${address}]:${port}` : `${address}:${port}`;
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** [200] -> "200", [200, 204] -> "200 or 204", [200, 201, 204] -> "200, 201 or 204". */
function listOr(codes: number[]): string {
  if (codes.length <= 1) return codes.join('');
  return `${codes.slice(0, -1).join(', ')} or ${codes[codes.length - 1]}`;
}
