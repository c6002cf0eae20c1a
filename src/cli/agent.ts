// `vigie agent` (run one) and `vigie agent register|list|revoke` (in the store named by the config).
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Agent } from '../agent/agent.js';
import { RegionNotConfigured, agentName, registerAgent } from '../agent/registry.js';
import { agentRegions } from '../config/regions.js';
import { formatConfigError, loadConfigFile } from '../config/load.js';
import type { VigieConfig } from '../config/schema.js';
import { AgentNameTaken, AgentStore } from '../store/agents.js';
import { openStore, type Store } from '../store/index.js';
import { StoreLockedError, lockFile } from '../store/instance-lock.js';
import { UsageError, makeLogger } from './logger.js';
import { onShutdown } from './signals.js';

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

async function withStore<T>(configFile: string, fn: (s: Store, c: VigieConfig) => Promise<T>): Promise<T> {
  const loaded = await loadConfigFile(configFile);
  if (!loaded.ok) throw new UsageError(`${configFile}: ${loaded.errors.map(formatConfigError).join('; ')}`);
  const url = process.env.DATABASE_URL || loaded.config.store.url;
  const store = await openStore(url ? { url } : { path: loaded.config.store.path });
  try {
    return await fn(store, loaded.config);
  } finally {
    await store.close();
  }
}

export async function agentRegister(o: { name: string; region: string; config: string }): Promise<number> {
  const name = agentName.safeParse(o.name);
  if (!name.success) throw new UsageError(`NAME ${name.error.issues[0]!.message} (got "${o.name}")`);
  const { agent, token } = await withStore(o.config, (s, c) =>
    registerAgent(s.db, { name: o.name, region: o.region, configured: agentRegions(c), at: Date.now() }).catch((err: unknown) => {
      if (err instanceof RegionNotConfigured || err instanceof AgentNameTaken) throw new UsageError(err.message);
      throw err;
    }),
  );
  process.stdout.write(`${token}\n`);
  process.stderr.write(
    `Agent "${agent.name}" registered for region ${agent.region}. The token is shown only now: keep it somewhere safe.\nRun it with: vigie agent --server https://YOUR-VIGIE --token <token> --region ${agent.region}\n`,
  );
  return 0;
}

export async function agentList(o: { config: string }): Promise<number> {
  const list = await withStore(o.config, (s) => new AgentStore(s.db).list());
  for (const a of list)
    process.stdout.write(
      [
        a.name,
        a.region,
        a.revokedAt ? `revoked ${new Date(a.revokedAt).toISOString()}` : a.lastSeenAt ? `last seen ${new Date(a.lastSeenAt).toISOString()}` : 'never seen',
        a.version ? `version ${a.version}` : '',
        a.clockOffsetMs !== null ? `clock offset ${Math.round(a.clockOffsetMs)} ms` : '',
        a.backlog !== null ? `backlog ${a.backlog}` : '',
        a.dropped ? `dropped ${a.dropped}` : '',
      ]
        .filter(Boolean)
        .join('\t') + '\n',
    );
  if (list.length === 0) process.stderr.write('No agents.\n');
  return 0;
}

export async function agentRevoke(o: { name: string; config: string }): Promise<number> {
  const a = await withStore(o.config, (s) => new AgentStore(s.db).revoke(o.name, Date.now()));
  process.stderr.write(a ? `Agent "${a.name}" revoked: the server refuses its token from its next request.\n` : `No live agent named "${o.name}".\n`);
  return a ? 0 : 1;
}

/** One agent per data directory: two would reuse each other's sequence numbers. */
async function lockDataDir(dir: string): Promise<() => Promise<void>> {
  await mkdir(dir, { recursive: true });
  const lock = await lockFile(join(dir, 'agent.pid'), {
    held: (h) => `another agent (pid ${h.pid} on ${h.host}, since ${h.since}) uses the data directory ${dir}; give this one its own --data`,
    starting: () => `another agent is starting on the data directory ${dir}; give this one its own --data`,
  }).catch((err: unknown) => {
    throw err instanceof StoreLockedError ? new UsageError(err.message) : err;
  });
  return () => lock.release();
}

export async function agentRun(o: { server: string; token?: string; region?: string; data: string; logLevel: string; maxBuffer: number }): Promise<number> {
  const token = o.token ?? process.env.VIGIE_AGENT_TOKEN;
  if (!token) throw new UsageError('--token (or VIGIE_AGENT_TOKEN) is required: the token printed by "vigie agent register"');
  try {
    const u = new URL(o.server);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error();
  } catch {
    throw new UsageError(`--server must be an http:// or https:// URL (got "${o.server}")`);
  }
  const unlock = await lockDataDir(o.data);
  const agent = new Agent({ server: o.server, token, region: o.region, dataDir: o.data, log: makeLogger(o.logLevel), version: packageVersion(), maxBuffer: o.maxBuffer });
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      const s = await agent.stop();
      process.stdout.write(JSON.stringify({ event: 'stopped', ...s }) + '\n');
      await unlock();
    })());
  onShutdown(stop);
  // Started by a parent over IPC (the demo): when the parent goes, however it goes, so does the agent.
  if (process.send) process.once('disconnect', () => void stop().then(() => process.exit(0)));
  const code = await agent.run();
  await unlock();
  return code;
}
