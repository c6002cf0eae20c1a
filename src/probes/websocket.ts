// WebSocket probe: the opening handshake of RFC 6455 over a connection of its own (ws:// or
// wss://, timed like http), written by hand since only the upgrade is checked: the server must
// answer 101 with the Sec-WebSocket-Accept that matches our key (and the subprotocol asked for,
// if any). Then we send a close frame and hang up. No dependency needed for that much.
//   not 101 -> 'http_status'; wrong or missing accept/upgrade -> 'protocol';
//   no answer -> 'timeout' waiting for the handshake; TLS problems -> 'tls'.
import { createHash, randomBytes } from 'node:crypto';
import type tls from 'node:tls';
import type { WebSocketTarget } from '../config/schema.js';
import { checkCertDays, recordCert } from './cert.js';
import { bareHost, connectTo } from './connect.js';
import { readUntil } from './read.js';
import { type Run, fail, runProbe } from './run.js';
import type { Probe, ProbeContext } from './types.js';
import { USER_AGENT } from './http-request.js';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const HEAD_END = Buffer.from('\r\n\r\n');

export const websocketProbe: Probe<WebSocketTarget> = (target, ctx) => runProbe(ctx, (run) => check(run, target, ctx));

async function check(run: Run, t: WebSocketTarget, ctx: ProbeContext) {
  let url: URL;
  try {
    url = new URL(t.url);
  } catch {
    return fail('protocol', `invalid URL "${t.url}"`);
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') return fail('protocol', `unsupported scheme "${url.protocol}", expected ws: or wss:`);
  const secure = url.protocol === 'wss:';
  const host = bareHost(url.hostname);
  const port = Number(url.port) || (secure ? 443 : 80);
  const socket = await connectTo(run, { host, port, lookup: ctx.lookup, tls: secure ? { host, alpn: ['http/1.1'], insecure: t.insecure } : undefined });
  if (secure) {
    recordCert(run, socket as tls.TLSSocket);
    checkCertDays(run, host, t.minCertDays);
  }

  const key = randomBytes(16).toString('base64');
  const headers: Record<string, string> = {
    Host: url.host,
    'User-Agent': USER_AGENT,
    ...t.headers,
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': key,
    'Sec-WebSocket-Version': '13',
    ...(t.subprotocol ? { 'Sec-WebSocket-Protocol': t.subprotocol } : {}),
  };
  const request = `GET ${url.pathname}${url.search} HTTP/1.1\r\n` + Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('') + '\r\n';
  const sentAt = run.elapsed();
  socket.write(request);
  run.where = 'waiting for the handshake response';
  const read = await readUntil(run, socket, (buf) => buf.includes(HEAD_END), 16 * 1024);
  if (!read.matched) return fail(read.reason === 'ran out of time' ? 'timeout' : 'protocol', `no handshake response: the server ${read.reason}`);
  run.phases.firstByteMs = Math.round((run.elapsed() - sentAt) * 100) / 100;

  const head = read.data.subarray(0, read.data.indexOf(HEAD_END)).toString('latin1').split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(head[0] ?? '');
  if (!status) return fail('protocol', `not an HTTP response: ${JSON.stringify((head[0] ?? '').slice(0, 80))}`);
  run.statusCode = Number(status[1]);
  if (run.statusCode !== 101) return fail('http_status', `HTTP ${run.statusCode}, expected 101 Switching Protocols (${head[0]})`);
  const got = new Map(head.slice(1).map((l) => [l.slice(0, l.indexOf(':')).trim().toLowerCase(), l.slice(l.indexOf(':') + 1).trim()] as const));
  const accept = createHash('sha1').update(key + GUID).digest('base64');
  if ((got.get('upgrade') ?? '').toLowerCase() !== 'websocket') return fail('protocol', `101 without "Upgrade: websocket" (got ${JSON.stringify(got.get('upgrade') ?? null)})`);
  if (got.get('sec-websocket-accept') !== accept) return fail('protocol', `Sec-WebSocket-Accept is ${JSON.stringify(got.get('sec-websocket-accept') ?? null)}, expected ${accept}`);
  if (t.subprotocol && got.get('sec-websocket-protocol') !== t.subprotocol)
    return fail('protocol', `server chose subprotocol ${JSON.stringify(got.get('sec-websocket-protocol') ?? null)}, asked for ${JSON.stringify(t.subprotocol)}`);
  socket.end(closeFrame()); // a polite goodbye (1000, normal closure); the run destroys the socket anyway
  return undefined;
}

/** A masked close frame with status 1000, as a client must send it. */
function closeFrame(): Buffer {
  const mask = randomBytes(4);
  const payload = Buffer.from([0x03, 0xe8]);
  const masked = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!));
  return Buffer.concat([Buffer.from([0x88, 0x80 | payload.length]), mask, masked]);
}
