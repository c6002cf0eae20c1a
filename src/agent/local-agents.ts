// Real `vigie agent` child processes on loopback, one per region, for the demo: the page's regions
// are then real agents (their own processes, tokens, disk buffers and uploads), not labels. They are
// tied to this process over IPC, so they end with it however it ends.
import { type ChildProcess, fork } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../store/schema.js';
import { registerAgent } from './registry.js';

const CLI = fileURLToPath(new URL('../cli.js', import.meta.url));

export interface LocalAgents {
  readonly pids: number[];
  stop(): Promise<void>;
}

/** Registers an agent per region in the store and starts it against `server`. */
export async function startLocalAgents(o: { db: Kysely<Database>; regions: readonly string[]; server: string; dataDir: string; log: Logger }): Promise<LocalAgents> {
  const children: ChildProcess[] = [];
  for (const region of o.regions) {
    const { token } = await registerAgent(o.db, { name: `demo-${region}-${Date.now().toString(36)}`, region, configured: o.regions, at: Date.now() });
    const data = join(o.dataDir, `agent-${region}`);
    // A previous run's buffer belongs to an agent of a database the demo has since recreated.
    await rm(data, { recursive: true, force: true });
    await mkdir(data, { recursive: true });
    const child = fork(CLI, ['agent', '--server', o.server, '--region', region, '--data', data, '--log-level', 'warn'], {
      env: { ...process.env, VIGIE_AGENT_TOKEN: token },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    child.stderr?.on('data', (d: Buffer) => o.log.warn({ region, agent: String(d).trim().slice(0, 500) }, 'demo agent'));
    children.push(child);
  }
  return {
    pids: children.map((c) => c.pid!).filter(Boolean),
    async stop() {
      await Promise.all(
        children.map(
          (c) =>
            new Promise<void>((resolve) => {
              if (c.exitCode !== null || c.signalCode !== null) return resolve();
              const t = setTimeout(() => c.kill('SIGKILL'), 6000);
              c.once('exit', () => {
                clearTimeout(t);
                resolve();
              });
              c.kill('SIGTERM');
            }),
        ),
      );
    },
  };
}
