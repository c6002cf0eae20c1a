// Local servers that behave, and misbehave, for probe tests. All listen on
// 127.0.0.1 port 0 and give back a close() that also ends every open socket.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import dgram from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';

export interface Running {
  port: number;
  /** Origin, e.g. http://127.0.0.1:41234 */
  origin: string;
  close(): Promise<void>;
}

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

function closeServer(server: net.Server, sockets: Set<net.Socket>): Promise<void> {
  for (const s of sockets) s.destroy();
  return new Promise((resolve) => server.close(() => resolve()));
}

function track(server: net.Server): Set<net.Socket> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return sockets;
}

/** An HTTP server with the given handler. */
export async function startHttp(handler: http.RequestListener): Promise<Running> {
  const server = http.createServer(handler);
  const sockets = track(server);
  const port = await listen(server);
  return { port, origin: `http://127.0.0.1:${port}`, close: () => closeServer(server, sockets) };
}

/** An HTTPS server with the given key/cert; `sni` receives the servername each client sent. */
export async function startHttps(
  creds: { key: Buffer; cert: Buffer },
  handler: http.RequestListener,
  sni?: (servername: string) => void,
): Promise<Running> {
  const server = https.createServer(
    {
      ...creds,
      SNICallback: (servername, cb) => {
        sni?.(servername);
        cb(null, undefined); // keep the default context
      },
    },
    handler,
  );
  server.on('tlsClientError', () => {}); // a client rejecting our cert is the point of some tests
  const sockets = track(server);
  const port = await listen(server);
  return { port, origin: `https://127.0.0.1:${port}`, close: () => closeServer(server, sockets) };
}

/** A raw TCP server: `onConnection` decides what (if anything) to send. */
export async function startTcp(onConnection: (socket: net.Socket) => void): Promise<Running & { connections: () => number }> {
  const server = net.createServer();
  const sockets = track(server);
  let count = 0;
  server.on('connection', (s) => {
    count++;
    s.on('error', () => {});
    onConnection(s);
  });
  const port = await listen(server);
  return { port, origin: `http://127.0.0.1:${port}`, close: () => closeServer(server, sockets), connections: () => count };
}

/** A port that was free a moment ago and has nothing listening on it now. */
export async function refusedPort(): Promise<number> {
  const server = net.createServer();
  const port = await listen(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface SelfSigned {
  key: Buffer;
  cert: Buffer;
  certPath: string;
  cleanup(): void;
}

/** A self-signed certificate for localhost and 127.0.0.1, made with the openssl CLI; undefined when openssl is missing. */
export function selfSignedCert(): SelfSigned | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-cert-'));
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyPath, '-out', certPath,
        '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'],
      { stdio: 'ignore' },
    );
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
  if (!existsSync(certPath) || !existsSync(keyPath)) {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
  return {
    key: readFileSync(keyPath),
    cert: readFileSync(certPath),
    certPath,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

// --- servers for the other probe kinds -------------------------------------------------------

/** A raw TLS server with the given key/cert; `onConnection` gets each secure socket. */
export async function startTlsServer(creds: { key: Buffer; cert: Buffer }, onConnection: (socket: tls.TLSSocket) => void = () => {}): Promise<Running> {
  const server = tls.createServer(creds, (s) => {
    s.on('error', () => {});
    onConnection(s);
  });
  server.on('tlsClientError', () => {});
  const sockets = track(server);
  const port = await listen(server);
  return { port, origin: `tls://127.0.0.1:${port}`, close: () => closeServer(server, sockets) };
}

type DnsRecords = Partial<Record<'A' | 'AAAA' | 'TXT' | 'CNAME' | 'MX', (string | [number, string])[]>>;

export interface DnsServer {
  port: number;
  /** "127.0.0.1:port", as a monitor's resolver field takes it. */
  address: string;
  queries(): number;
  close(): Promise<void>;
}

const DNS_TYPES: Record<number, keyof DnsRecords> = { 1: 'A', 28: 'AAAA', 16: 'TXT', 5: 'CNAME', 15: 'MX' };

/**
 * A tiny authoritative DNS server over UDP on 127.0.0.1, for the dns probe: answers A, AAAA, TXT,
 * CNAME and MX from `zone`, NXDOMAIN for names it does not hold, NOERROR with no answer for a
 * type it has none of. `silent: true` makes it read queries and never answer; `rcode` forces one.
 */
export async function startDns(zone: Record<string, DnsRecords>, opts: { silent?: boolean; rcode?: number } = {}): Promise<DnsServer> {
  const socket = dgram.createSocket('udp4');
  let count = 0;
  socket.on('message', (msg, from) => {
    count++;
    if (opts.silent || msg.length < 12) return;
    let i = 12;
    const labels: string[] = [];
    while (i < msg.length && msg[i]! > 0) {
      labels.push(msg.subarray(i + 1, i + 1 + msg[i]!).toString('latin1'));
      i += 1 + msg[i]!;
    }
    const qEnd = i + 5;
    const qtype = msg.readUInt16BE(i + 1);
    const name = labels.join('.').toLowerCase();
    const records = zone[name];
    const type = DNS_TYPES[qtype];
    const answers = records && type ? (records[type] ?? []) : [];
    const rcode = opts.rcode ?? (records ? 0 : 3);
    const header = Buffer.alloc(12);
    header.writeUInt16BE(msg.readUInt16BE(0), 0);
    header.writeUInt16BE(0x8000 | (msg.readUInt16BE(2) & 0x0100) | 0x0400 | 0x0080 | rcode, 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(rcode === 0 ? answers.length : 0, 6);
    const parts: Buffer[] = [header, msg.subarray(12, qEnd)];
    if (rcode === 0) for (const a of answers) parts.push(answerRecord(qtype, a));
    socket.send(Buffer.concat(parts), from.port, from.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const port = socket.address().port;
  return { port, address: `127.0.0.1:${port}`, queries: () => count, close: () => new Promise((resolve) => socket.close(() => resolve())) };
}

function encodeName(name: string): Buffer {
  return Buffer.concat([...name.split('.').filter(Boolean).map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'latin1')])), Buffer.from([0])]);
}

function answerRecord(qtype: number, value: string | [number, string]): Buffer {
  let rdata: Buffer;
  if (qtype === 1) rdata = Buffer.from(String(value).split('.').map(Number));
  else if (qtype === 28) rdata = ipv6Bytes(String(value));
  else if (qtype === 16) {
    const t = Buffer.from(String(value), 'utf8');
    rdata = Buffer.concat([Buffer.from([t.length]), t]);
  } else if (qtype === 15) {
    const [pref, host] = value as [number, string];
    const p = Buffer.alloc(2);
    p.writeUInt16BE(pref);
    rdata = Buffer.concat([p, encodeName(host)]);
  } else rdata = encodeName(String(value));
  const fixed = Buffer.alloc(10);
  fixed.writeUInt16BE(qtype, 0);
  fixed.writeUInt16BE(1, 2); // IN
  fixed.writeUInt32BE(60, 4); // TTL
  fixed.writeUInt16BE(rdata.length, 8);
  return Buffer.concat([Buffer.from([0xc0, 0x0c]), fixed, rdata]); // name: pointer to the question's
}

function ipv6Bytes(addr: string): Buffer {
  const [head, tail] = addr.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const b = Buffer.alloc(16);
  groups.forEach((g, i) => b.writeUInt16BE(parseInt(g || '0', 16), i * 2));
  return b;
}

export type UpgradeBehaviour = 'accept' | 'wrong-accept' | 'forbidden' | 'silent';

/** An HTTP server whose WebSocket upgrades behave as told; counts the close frames clients send. */
export async function startWebSocket(behaviour: UpgradeBehaviour, opts: { protocol?: string } = {}): Promise<Running & { closeFrames: () => number }> {
  const server = http.createServer((_req, res) => res.writeHead(426).end('upgrade required'));
  let closeFrames = 0;
  server.on('upgrade', (req, socket: net.Socket) => {
    socket.on('error', () => {});
    if (behaviour === 'silent') return;
    if (behaviour === 'forbidden') {
      socket.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    const key = String(req.headers['sec-websocket-key'] ?? '');
    const accept = createHash('sha1').update(key + (behaviour === 'accept' ? '258EAFA5-E914-47DA-95CA-C5AB0DC85B11' : 'nope')).digest('base64');
    socket.write(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        `Sec-WebSocket-Accept: ${accept}\r\n` +
        (opts.protocol ? `Sec-WebSocket-Protocol: ${opts.protocol}\r\n` : '') +
        '\r\n',
    );
    socket.on('data', (d: Buffer) => {
      if ((d[0]! & 0x0f) === 0x8) closeFrames++;
    });
  });
  const sockets = track(server);
  const port = await listen(server);
  return { port, origin: `ws://127.0.0.1:${port}`, close: () => closeServer(server, sockets), closeFrames: () => closeFrames };
}
