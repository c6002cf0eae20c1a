// The connection steps every socket-based probe shares (http, tcp, tls, websocket): resolve the
// name, open TCP, run the TLS handshake. Each step is timed into its phase, says where the run
// is (for timeout messages), is closed when the run ends, and fails as a classified ProbeFailure:
// 'dns', 'connect' or 'tls'.
import { promises as dns } from 'node:dns';
import net from 'node:net';
import tls from 'node:tls';
import { type Run, errorCode, errorText, fail } from './run.js';
import type { LookupFn } from './types.js';

const systemLookup: LookupFn = (hostname) => dns.lookup(hostname);

const noop = () => {};

export const CONNECT_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  EPIPE: 'connection closed while sending',
  EADDRNOTAVAIL: 'address not available',
};

export function reason(code: string | undefined, text: string): string {
  const known = code === undefined ? undefined : CONNECT_REASONS[code];
  return known ? `${known} (${code})` : text;
}

/** URL hosts keep IPv6 literals bracketed; sockets want them bare. */
export function bareHost(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

export function hostPort(address: string, port: number): string {
  return net.isIPv6(address) ? `[${address}]:${port}` : `${address}:${port}`;
}

/** The address for `host`: itself when it is an IP literal (no dns phase), else one lookup, timed. */
export async function resolveHost(run: Run, host: string, lookup: LookupFn = systemLookup): Promise<string> {
  if (net.isIP(host)) return host;
  run.where = `resolving ${host}`;
  try {
    return await run.time('dnsMs', async () => (await lookup(host)).address);
  } catch (err) {
    if (run.over) throw err;
    const code = errorCode(err);
    return fail('dns', `DNS lookup of ${host} failed${code ? ` (${code})` : `: ${errorText(err)}`}`);
  }
}

/** Opens TCP to address:port, timed as connectMs; the socket is destroyed when the run ends. */
export async function openTcp(run: Run, address: string, port: number): Promise<net.Socket> {
  run.where = `connecting to ${hostPort(address, port)}`;
  const tcp = net.connect({ host: address, port });
  run.defer(() => tcp.destroy());
  tcp.on('error', noop); // errors are reported through settle(), never as an uncaught event
  try {
    await run.time('connectMs', () => settle(tcp, 'connect'));
  } catch (err) {
    if (run.over) throw err;
    const code = errorCode(err);
    return fail('connect', `cannot connect to ${hostPort(address, port)}: ${reason(code, errorText(err))}`);
  }
  tcp.setNoDelay(true);
  run.details.ip = address;
  return tcp;
}

export interface TlsOptions {
  /** The name the certificate is checked against, and sent as SNI unless it is an IP literal. */
  host: string;
  alpn?: string[];
  /** Accept any certificate (still reading its dates): for self-signed internal services. */
  insecure?: boolean;
}

/** Runs the TLS handshake over `tcp`, timed as tlsMs; certificate problems fail as 'tls'. */
export async function startTls(run: Run, tcp: net.Socket, o: TlsOptions): Promise<tls.TLSSocket> {
  run.where = `in TLS handshake with ${o.host}`;
  const socket = tls.connect({
    socket: tcp,
    host: o.host,
    ...(net.isIP(o.host) ? {} : { servername: o.host }), // SNI must not carry an IP literal
    rejectUnauthorized: !o.insecure,
    ...(o.alpn ? { ALPNProtocols: o.alpn } : {}),
  });
  run.defer(() => socket.destroy());
  socket.on('error', noop);
  try {
    await run.time('tlsMs', () => settle(socket, 'secureConnect'));
  } catch (err) {
    if (run.over) throw err;
    const code = errorCode(err);
    // Certificate checks and handshake failures alike, including a peer that hangs up mid-handshake.
    return fail('tls', `TLS handshake with ${o.host} failed: ${opensslReason(errorText(err))}${code ? ` (${code})` : ''}`);
  }
  return socket;
}

export interface Endpoint {
  host: string;
  port: number;
  tls?: TlsOptions | undefined;
  lookup?: LookupFn | undefined;
}

/** DNS, TCP and (optionally) TLS in order: a ready socket or a classified failure. */
export async function connectTo(run: Run, e: Endpoint): Promise<net.Socket> {
  const host = bareHost(e.host);
  const address = await resolveHost(run, host, e.lookup);
  const tcp = await openTcp(run, address, e.port);
  return e.tls ? startTls(run, tcp, { ...e.tls, host: bareHost(e.tls.host) }) : tcp;
}

/** Resolves on `event`; rejects on the socket's first error, or its close (say, destroyed at the deadline). */
export function settle(socket: net.Socket, event: 'connect' | 'secureConnect'): Promise<void> {
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

/** OpenSSL's "…:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:file:line:" down to its reason. */
export function opensslReason(text: string): string {
  const m = /SSL routines:[^:]*:([^:]+):/.exec(text);
  return m?.[1] ?? text.trim();
}
