// Local HTTP targets for the benches: nginx from Debian when it is installed (started here on
// 127.0.0.1 with a temp config, stopped at the end), else a small Node server in its own process.
// Either way the target runs outside the measured process.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Target {
  kind: 'nginx' | 'node';
  ports: number[];
  pid: number;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));

export async function waitListening(port: number, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((r) => {
      const c = net.connect(port, '127.0.0.1', () => (c.destroy(), r(true)));
      c.once('error', () => r(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`target did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function stopper(child: ChildProcess, dir: string) {
  return async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    await rm(dir, { recursive: true, force: true });
  };
}

/** Starts a target answering 200 "ok" on `count` ports of 127.0.0.1. */
/** Starts an unprivileged nginx in `dir` (pid, logs and temp paths there) with `http` inside its http block. */
export async function spawnNginx(dir: string, http: string, workers = 1): Promise<ChildProcess> {
  if (!NGINX) throw new Error('nginx is not installed');
  const conf = `worker_processes ${workers};
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
${http}
}
`;
  await writeFile(join(dir, 'nginx.conf'), conf);
  return spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], { stdio: 'ignore' });
}

export async function startTarget(count: number, prefer: 'nginx' | 'node' = 'nginx'): Promise<Target> {
  const dir = await mkdtemp(join(tmpdir(), 'vigie-bench-target-'));
  const ports: number[] = [];
  while (ports.length < count) {
    const p = await freePort();
    if (!ports.includes(p)) ports.push(p);
  }
  let child: ChildProcess;
  let kind: Target['kind'];
  if (prefer === 'nginx' && NGINX) {
    kind = 'nginx';
    child = await spawnNginx(
      dir,
      `  keepalive_timeout 5;
  server {
${ports.map((p) => `    listen 127.0.0.1:${p} backlog=4096;`).join('\n')}
    location / { default_type text/plain; return 200 "ok\\n"; }
  }`,
    );
  } else {
    kind = 'node';
    const src = `const http = require('node:http');
for (const p of ${JSON.stringify(ports)}) http.createServer((q, s) => { s.writeHead(200, { 'content-type': 'text/plain' }); s.end('ok\\n'); }).listen(p, '127.0.0.1', 4096);`;
    child = spawn(process.execPath, ['-e', src], { stdio: 'ignore' });
  }
  await Promise.all(ports.map((p) => waitListening(p)));
  return { kind, ports, pid: child.pid!, stop: stopper(child, dir) };
}
