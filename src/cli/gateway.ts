// `vigie gateway -c vigie.yaml [--vigie URL]`: the OpenAI-compatible failover proxy, standalone.
// `vigie gateway token`: a new client token on stdout, and the sha256 to put in gateway.clients.
// `vigie gateway client add|list|revoke`: client tokens kept in the database (hashed), per team, with limits.
import { formatConfigError, loadConfigFile } from '../config/load.js';
import { rateLimit } from '../config/schema.js';
import type { VigieConfig } from '../config/schema.js';
import { type Store, openStore } from '../store/index.js';
import { UsageError, makeLogger } from './logger.js';
import { onShutdown } from './signals.js';
import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';

const CLIENT_NAME = /^[a-z0-9][a-z0-9_.-]*$/;

function storeOf(c: VigieConfig): Promise<Store> {
  const url = process.env.DATABASE_URL || c.store.url;
  return openStore(url ? { url } : { path: c.store.path });
}

async function withStore<T>(configFile: string, fn: (s: Store) => Promise<T>): Promise<T> {
  const loaded = await loadConfigFile(configFile);
  if (!loaded.ok) throw new UsageError(`${configFile}: ${loaded.errors.map(formatConfigError).join('; ')}`);
  const store = await storeOf(loaded.config);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

export async function gatewayCommand(o: { config: string; vigie?: string; port?: number; logLevel: string; store?: boolean; workers?: number }): Promise<number> {
  const log = makeLogger(o.logLevel);
  const loaded = await loadConfigFile(o.config);
  if (!loaded.ok) {
    process.stderr.write(loaded.errors.map(formatConfigError).join('\n') + '\n');
    return 1;
  }
  const config = loaded.config.gateway;
  if (!config) throw new UsageError(`${o.config} has no "gateway:" section (upstreams, routes, clients): see the README's "Gateway" section`);
  if (o.vigie !== undefined && !/^https?:\/\/[^/]/.test(o.vigie)) throw new UsageError(`--vigie must be an http:// or https:// URL (got "${o.vigie}")`);
  const token = config.vigie_token ?? process.env.VIGIE_GATEWAY_TOKEN;
  const { createGateway } = await import('../gateway/gateway.js');
  const cfg = { ...config, ...(token ? { vigie_token: token } : {}) };
  const workers = o.workers ?? config.workers ?? (o.store === false ? 1 : availableParallelism());
  const vigie = o.vigie ?? config.vigie_url;
  const banner = (url: string) =>
    `Vigie gateway listening on ${url}/v1 (${config.routes.length} routes, ${Object.keys(config.upstreams).length} upstreams${vigie ? `; component status from ${vigie}` : '; no Vigie server: passive view only'}${workers > 1 ? `; ${workers} worker processes` : ''})\n`;

  if (workers > 1 && cluster.isPrimary) {
    // The primary: the one health view, the Vigie poll and the event reports; the workers serve (src/gateway/cluster.ts).
    const { GatewayPrimary } = await import('../gateway/cluster.js');
    // The database is opened (and migrated) once here, before the workers open it together.
    if (o.store !== false) await (await storeOf(loaded.config)).close();
    const gw = await createGateway({ config: cfg, logger: log, serve: false, ...(o.vigie ? { vigieUrl: o.vigie } : {}) });
    await gw.start();
    // Announced once every worker listens.
    let listening = 0;
    const primary = new GatewayPrimary({
      board: gw.board,
      routes: config.routes.map((r) => r.name),
      upstreams: Object.keys(config.upstreams),
      registry: gw.metrics.registry,
      log: gw.log,
      workers,
      onFatal: (message) => {
        process.stderr.write(`vigie gateway: ${message}; stopping\n`);
        void primary
          .stop()
          .then(() => gw.stop())
          .finally(() => process.exit(1));
      },
      onListening: (_w, address) => {
        if (++listening === workers) process.stdout.write(banner(address));
      },
    });
    onShutdown(async () => {
      await primary.stop();
      await gw.stop();
    });
    return 0;
  }

  // One process, or a worker of several: serves requests. Client counters and stored client tokens live in the
  // config's database (DATABASE_URL wins): replicas on one PostgreSQL, and workers, share them.
  const store = o.store === false ? undefined : await storeOf(loaded.config);
  let worker: { board: import('../gateway/cluster.js').WorkerBoard; off: () => void } | undefined;
  let view: import('../gateway/cluster.js').WorkerBoard | undefined;
  let metricsText: (() => Promise<string>) | undefined;
  if (cluster.isWorker) {
    const { WorkerBoard, clusterMetricsText } = await import('../gateway/cluster.js');
    view = new WorkerBoard(Object.keys(config.upstreams), Date.now());
    metricsText = clusterMetricsText;
  }
  const gw = await createGateway({
    config: cfg,
    logger: log,
    ...(store ? { store } : {}),
    ...(o.port !== undefined ? { port: o.port } : {}),
    // A worker neither polls Vigie nor reports events: the primary does, once for all.
    ...(view ? { view, vigieUrl: null, ...(metricsText ? { metricsText } : {}) } : o.vigie ? { vigieUrl: o.vigie } : {}),
  });
  if (view) {
    const { answerMetrics } = await import('../gateway/cluster.js');
    worker = { board: view, off: answerMetrics(gw.metrics.registry) };
  }
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await gw.stop();
      worker?.board.stop();
      worker?.off();
      await store?.close();
    })());
  onShutdown(stop);
  if (worker) {
    // The primary asks its workers to stop (rather than signalling them twice, which would cut their streams).
    process.on('message', (m: unknown) => {
      if ((m as { type?: unknown } | null)?.type === 'vigie-gw:stop') void stop().then(() => process.exit(0));
    });
  }
  let url: string;
  try {
    url = await gw.start();
  } catch (err) {
    if (!worker) throw err;
    // A worker that cannot listen ends (its IPC channel would keep it alive); the primary then stops the gateway.
    process.stderr.write(`vigie gateway worker: ${err instanceof Error ? err.message : String(err)}\n`);
    await stop().catch(() => {});
    process.exit(1);
  }
  if (worker) process.send?.({ type: 'vigie-gw:listening', address: url });
  else process.stdout.write(banner(url));
  return 0;
}

export async function gatewayTokenCommand(): Promise<number> {
  const { newClientToken, sha256Hex } = await import('../gateway/clients.js');
  const token = newClientToken();
  process.stdout.write(`${token}\n`);
  process.stderr.write(`Give the token above to the client (shown only now); put its hash in gateway.clients:\n  token_sha256: ${sha256Hex(token)}\n`);
  return 0;
}

export async function gatewayClientAdd(o: { name: string; team?: string; rateLimit?: string; monthlyTokens?: string; config: string }): Promise<number> {
  if (!CLIENT_NAME.test(o.name)) throw new UsageError(`NAME must be lowercase letters, digits, ".", "-" or "_", starting with a letter or digit (got "${o.name}")`);
  if (o.team !== undefined && !CLIENT_NAME.test(o.team)) throw new UsageError(`--team must be lowercase letters, digits, ".", "-" or "_", starting with a letter or digit (got "${o.team}")`);
  const rate = o.rateLimit === undefined ? undefined : rateLimit.safeParse(o.rateLimit);
  if (rate && !rate.success) throw new UsageError(`--rate-limit: ${rate.error.issues[0]!.message}`);
  const monthly = o.monthlyTokens === undefined ? undefined : Number(o.monthlyTokens);
  if (monthly !== undefined && !(Number.isSafeInteger(monthly) && monthly >= 1)) throw new UsageError(`--monthly-tokens must be a whole number above 0 (got "${o.monthlyTokens}")`);
  const { newClientToken, sha256Hex } = await import('../gateway/clients.js');
  const { GatewayClientNameTaken, createGatewayClient } = await import('../store/gateway.js');
  const token = newClientToken();
  const c = await withStore(o.config, (s) =>
    createGatewayClient(s.db, { name: o.name, team: o.team ?? o.name, tokenHash: sha256Hex(token), rateLimit: rate?.success ? rate.data : null, monthlyTokens: monthly ?? null, createdAt: Date.now() }).catch((err: unknown) => {
      if (err instanceof GatewayClientNameTaken) throw new UsageError(err.message);
      throw err;
    }),
  );
  process.stdout.write(`${token}\n`);
  process.stderr.write(`Gateway client "${c.name}" (team ${c.team}) added. The token is shown only now; gateways on this database accept it within gateway.clients_refresh (5 s by default).\n`);
  return 0;
}

export async function gatewayClientList(o: { config: string }): Promise<number> {
  const { gatewayUsage, listGatewayClients } = await import('../store/gateway.js');
  const { rateText } = await import('../web/routes/admin-gateway.js');
  const { monthOf } = await import('../gateway/counters.js');
  const { list, used } = await withStore(o.config, async (s) => {
    const list = await listGatewayClients(s.db);
    return { list, used: await gatewayUsage(s.db, list.map((c) => c.name), monthOf(Date.now())) };
  });
  for (const c of list)
    process.stdout.write(
      [
        c.name,
        `team ${c.team}`,
        c.rateLimit ? `rate ${rateText(c.rateLimit)}` : 'no rate limit',
        c.monthlyTokens !== null ? `${used.get(c.name) ?? 0} of ${c.monthlyTokens} tokens this month` : `${used.get(c.name) ?? 0} tokens this month`,
        c.revokedAt !== null ? `revoked ${new Date(c.revokedAt).toISOString()}` : `created ${new Date(c.createdAt).toISOString()}`,
      ].join('\t') + '\n',
    );
  if (list.length === 0) process.stderr.write('No gateway clients in the database (clients in the config’s gateway.clients are not listed here).\n');
  return 0;
}

export async function gatewayClientRevoke(o: { name: string; config: string }): Promise<number> {
  const { revokeGatewayClient } = await import('../store/gateway.js');
  const ok = await withStore(o.config, (s) => revokeGatewayClient(s.db, o.name, Date.now()));
  process.stderr.write(ok ? `Gateway client "${o.name}" revoked: gateways refuse its token from their next refresh of the client list.\n` : `No live gateway client named "${o.name}".\n`);
  return ok ? 0 : 1;
}
