// Shared pieces of the fault suite: a target that fails on demand, a Vigie config around it, a small
// tmpfs (root only), a TCP proxy to PostgreSQL that can be cut, and a pino logger that keeps its lines.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, type Socket, createServer as createTcpServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { configSchema, type VigieConfig } from '../src/config/schema.js';

export interface Target {
  url: string;
  failing: { on: boolean };
  close(): Promise<void>;
}

export async function startTarget(): Promise<Target> {
  const failing = { on: false };
  const server: Server = createServer((_req, res) => {
    if (failing.on) res.writeHead(500).end('down');
    else res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    failing,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

export function faultConfig(targetUrl: string, store: { path?: string } = {}): VigieConfig {
  return configSchema.parse({
    site: { title: 'Faults', port: 0 },
    store,
    defaults: { interval: '100ms', timeout: '1s', failures_to_down: 2, successes_to_up: 2 },
    services: [{ id: 'acme', name: 'Acme', components: [{ id: 'api', name: 'API', monitors: [{ name: 'm', url: targetUrl }] }] }],
  });
}

/** A pino logger whose lines (parsed) stay in `lines`. */
export function capturingLogger(): { log: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level: 'info' }, sink), lines };
}

export const IS_ROOT = process.getuid?.() === 0;

/** A tmpfs of `size` (e.g. "3m") mounted on a fresh folder; unmounted and removed by `close`. */
export function smallTmpfs(size: string): { dir: string; close(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-tmpfs-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
  return {
    dir,
    close() {
      try {
        execFileSync('umount', ['-l', dir]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** A TCP proxy to host:port that can be cut (connections dropped, new ones refused) and restored on the same port. */
export async function cuttableProxy(
  host: string,
  port: number,
): Promise<{ port: number; cut(): Promise<void>; restore(): Promise<void>; blackhole(): void; unblock(): void; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const pairs = new Set<[Socket, Socket]>();
  let holed = false;
  let server = createTcpServer();
  const handler = (client: Socket) => {
    const upstream = connect(port, host);
    sockets.add(client).add(upstream);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    client.once('close', () => pairs.delete(pair));
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    if (!holed) client.pipe(upstream).pipe(client);
  };
  const listen = (p: number) =>
    new Promise<number>((resolve, reject) => {
      server = createTcpServer(handler);
      server.once('error', reject);
      server.listen(p, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
    });
  const myPort = await listen(0);
  let up = true;
  const cut = async () => {
    if (!up) return;
    up = false;
    await new Promise<void>((r) => {
      server.close(() => r());
      for (const s of sockets) s.destroy();
    });
  };
  return {
    port: myPort,
    cut,
    // Nothing goes through any more, and nothing is closed: a link that went silent.
    blackhole: () => {
      holed = true;
      for (const [c, u] of pairs) {
        c.unpipe(u);
        u.unpipe(c);
      }
    },
    unblock: () => {
      holed = false;
      for (const [c, u] of pairs) c.pipe(u).pipe(c);
    },
    restore: async () => {
      if (up) return;
      await listen(myPort);
      up = true;
    },
    close: cut,
  };
}
