// Real `vigie start` cluster nodes for tests: a config on a test PostgreSQL database, nodes as child
// processes of the CLI, and an HTTP target on 127.0.0.1 that counts the checks it receives per path.
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { CLI } from './cli.js';

export interface Target {
  port: number;
  /** Arrival times (Date.now()) per path. */
  hits: Map<string, number[]>;
  /** Paths answering 500. */
  failing: Set<string>;
  /** Milliseconds every answer waits (checks stay in flight that long). */
  delayMs: number;
  count(path: string): number;
  /** Requests to this path received and not yet answered (checks in flight, while delayMs holds them). */
  pending(path: string): number;
  close(): Promise<void>;
}

export async function startTarget(): Promise<Target> {
  const hits = new Map<string, number[]>();
  const failing = new Set<string>();
  const waiting = new Map<string, number>();
  const opts = { delayMs: 0 };
  const server = http.createServer((req, res) => {
    const path = req.url ?? '/';
    const list = hits.get(path) ?? [];
    list.push(Date.now());
    hits.set(path, list);
    waiting.set(path, (waiting.get(path) ?? 0) + 1);
    const answer = () => {
      waiting.set(path, waiting.get(path)! - 1);
      res.writeHead(failing.has(path) ? 500 : 200, { 'content-type': 'text/plain', connection: 'close' }).end('ok');
    };
    if (opts.delayMs > 0) setTimeout(answer, opts.delayMs);
    else answer();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const t: Target = {
    port: (server.address() as AddressInfo).port,
    hits,
    failing,
    get delayMs() {
      return opts.delayMs;
    },
    set delayMs(ms: number) {
      opts.delayMs = ms;
    },
    count: (p) => hits.get(p)?.length ?? 0,
    pending: (p) => waiting.get(p) ?? 0,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
  return t;
}

export interface ClusterConfig {
  dir: string;
  url: string;
  target: Target;
  services: number;
  componentsPerService: number;
  interval: string;
  shards: number;
  ttl: string;
  extra?: string;
}

/** Monitor ids (service s<i>, component c<j>, monitor "m"), paths /s<i>/c<j> on the target. */
export function monitorIds(c: Pick<ClusterConfig, 'services' | 'componentsPerService'>): string[] {
  const out: string[] = [];
  for (let s = 0; s < c.services; s++) for (let k = 0; k < c.componentsPerService; k++) out.push(`s${s}/c${k}/m`);
  return out;
}

export const pathOf = (monitorId: string) => '/' + monitorId.split('/').slice(0, 2).join('/');

export async function writeClusterConfig(c: ClusterConfig): Promise<string> {
  let y = `site: { title: Cluster test, host: 127.0.0.1, port: 0 }
store: { url: "${c.url}" }
defaults: { interval: ${c.interval}, timeout: 1s, failures_to_down: 1, successes_to_up: 1 }
cluster: { shards: ${c.shards}, lease_ttl: ${c.ttl} }
${c.extra ?? ''}
services:
`;
  for (let s = 0; s < c.services; s++) {
    y += `  - id: s${s}\n    name: Service ${s}\n    components:\n`;
    for (let k = 0; k < c.componentsPerService; k++)
      y += `      - id: c${k}\n        name: Part ${k}\n        monitors:\n          - name: m\n            url: http://127.0.0.1:${c.target.port}/s${s}/c${k}\n`;
  }
  const file = join(c.dir, 'vigie.yaml');
  await writeFile(file, y);
  return file;
}

export interface NodeProc {
  name: string;
  child: ChildProcess;
  /** The node's status page address, once it printed it. */
  url: Promise<string>;
  log: () => string;
  ended: Promise<void>;
}

export const ADMIN_TOKEN = 'cluster-test-admin-token-0123456789';

export function startNode(config: string, name: string, opts: { boundMs?: number } = {}): NodeProc {
  const child = spawn(process.execPath, [CLI, 'start', '-c', config, '--node', name, '-p', '0', '--log-format', 'json', '--log-level', 'info'], {
    env: { ...process.env, VIGIE_ADMIN_TOKEN: ADMIN_TOKEN, VIGIE_DEBUG: '1', DATABASE_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let resolveUrl: (u: string) => void;
  let rejectUrl: (e: Error) => void;
  const url = new Promise<string>((res, rej) => ((resolveUrl = res), (rejectUrl = rej)));
  url.catch(() => {});
  const onData = (d: Buffer) => {
    out += d;
    const m = /Status page: (http:\/\/[^\s]+?)\/?\n/.exec(out);
    if (m) resolveUrl(m[1]!);
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  // Never outlives the test file, whatever happens to it.
  const killer = setTimeout(() => child.kill('SIGKILL'), opts.boundMs ?? 240_000);
  const ended = new Promise<void>((r) =>
    child.once('exit', () => {
      clearTimeout(killer);
      rejectUrl(new Error(`node ${name} exited before serving:\n${out.slice(-2000)}`));
      r();
    }),
  );
  return { name, child, url, log: () => out, ended };
}

/** SIGCONT then SIGKILL every node still running, and waits for them. */
export async function killAll(nodes: NodeProc[]): Promise<void> {
  for (const n of nodes)
    if (n.child.exitCode === null && n.child.signalCode === null) {
      n.child.kill('SIGCONT');
      n.child.kill('SIGKILL');
    }
  await Promise.all(nodes.map((n) => n.ended));
}
