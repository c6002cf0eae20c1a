// `vigie gateway -c vigie.yaml [--vigie URL]`: the OpenAI-compatible failover proxy, standalone.
// `vigie gateway token`: a new client token on stdout, and the sha256 to put in gateway.clients.
import { formatConfigError, loadConfigFile } from '../config/load.js';
import { UsageError, makeLogger } from './logger.js';
import { onShutdown } from './signals.js';

export async function gatewayCommand(o: { config: string; vigie?: string; port?: number; logLevel: string }): Promise<number> {
  const log = makeLogger(o.logLevel);
  const loaded = await loadConfigFile(o.config);
  if (!loaded.ok) {
    process.stderr.write(loaded.errors.map(formatConfigError).join('\n') + '\n');
    return 1;
  }
  const config = loaded.config.gateway;
  if (!config) throw new UsageError(`${o.config} has no "gateway:" section (upstreams, routes, clients): see the README's "Gateway" section`);
  if (o.vigie !== undefined && !/^https?:\/\/[^/]/.test(o.vigie)) throw new UsageError(`--vigie must be an http:// or https:// URL (got "${o.vigie}")`);
  const { createGateway } = await import('../gateway/gateway.js');
  const gw = await createGateway({ config, logger: log, ...(o.vigie ? { vigieUrl: o.vigie } : {}), ...(o.port !== undefined ? { port: o.port } : {}) });
  onShutdown(() => gw.stop());
  const url = await gw.start();
  const vigie = o.vigie ?? config.vigie_url;
  process.stdout.write(`Vigie gateway listening on ${url}/v1 (${config.routes.length} routes, ${Object.keys(config.upstreams).length} upstreams${vigie ? `; component status from ${vigie}` : '; no Vigie server: passive view only'})\n`);
  return 0;
}

export async function gatewayTokenCommand(): Promise<number> {
  const { newClientToken, sha256Hex } = await import('../gateway/clients.js');
  const token = newClientToken();
  process.stdout.write(`${token}\n`);
  process.stderr.write(`Give the token above to the client (shown only now); put its hash in gateway.clients:\n  token_sha256: ${sha256Hex(token)}\n`);
  return 0;
}
