// Local servers that behave, and misbehave, for probe tests. All listen on
// 127.0.0.1 port 0 and give back a close() that also ends every open socket.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
