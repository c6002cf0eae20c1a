// The `vigie` command's subcommands. Thin: each parses its flags and hands over to the code that does the work.
import { Command, InvalidArgumentError, Option } from 'commander';
import { checkCommand } from './check.js';
import { UsageError, makeLogger } from './logger.js';
import { onShutdown } from './signals.js';
import { formatConfigError, loadConfigFile } from '../config/load.js';
import { VIGIE_VERSION } from '../core/version.js';
import { missingConfigHint } from './init.js';

const program = new Command()
  .name('vigie')
  .description('Outage detection and status pages: probes, crowd reports, the vendor’s word beside ours.')
  .version(VIGIE_VERSION, '-V, --version', 'print Vigie’s version')
  .showHelpAfterError();

const logLevel = () => new Option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent').default('info');
const logFormat = () => new Option('--log-format <format>', 'auto (readable on a terminal, JSON lines otherwise), json or text').default(process.env.VIGIE_LOG_FORMAT || 'auto');

program
  .command('start')
  .description('run Vigie against the services in a config file')
  .option('-c, --config <file>', 'config file', 'vigie.yaml')
  .option('-p, --port <port>', 'listen on this port instead of the config’s site.port', parsePort)
  .option('--node <name>', 'this node’s name in a cluster (config "cluster:"); default host and process id')
  .addOption(logLevel())
  .addOption(logFormat())
  .action(async (o: { config: string; port?: number; node?: string; logLevel: string; logFormat: string }) => {
    const log = makeLogger(o.logLevel, o.logFormat);
    const hint = await missingConfigHint(o.config);
    if (hint) return configFailed([`vigie: ${hint}`], false);
    const loaded = await loadConfigFile(o.config);
    if (!loaded.ok) return configFailed(loaded.errors.map(formatConfigError));
    const { createVigie } = await import('../app.js');
    const vigie = await createVigie({
      config: loaded.config,
      logger: log,
      ...(process.env.DATABASE_URL ? { databaseUrl: process.env.DATABASE_URL } : {}),
      ...(process.env.VIGIE_ADMIN_TOKEN ? { adminToken: process.env.VIGIE_ADMIN_TOKEN } : {}),
      ...(o.port !== undefined ? { port: o.port } : {}),
      ...(o.node !== undefined ? { node: o.node } : {}),
      reloadConfig: async () => {
        const again = await loadConfigFile(o.config);
        if (!again.ok) throw new Error(`${o.config}: ${again.errors.map(formatConfigError).join('; ')}`);
        return again.config;
      },
    });
    onShutdown(() => vigie.stop());
    const url = await vigie.start();
    process.stdout.write(`Vigie is watching ${loaded.config.services.length} services. Status page: ${url}/\n`);
  });

program
  .command('check')
  .description('run one probe and print its result with per-phase timings (exit 0 when it passes, 1 when it fails, 2 for bad input)')
  .argument('<url>', 'http(s)://host/path, tcp://host:port, tls://host:port, dns://[resolver]/name?type=A, ws(s)://host/path, icmp://host or ping://host')
  .option('-t, --timeout <duration>', 'give up after this long', '10s')
  .option('-X, --method <method>', 'HTTP method', 'GET')
  .option('-e, --expect <codes>', 'expected status codes, comma-separated', '200')
  .option('--degraded-after <duration>', 'slower than this counts as degraded')
  .option('-H, --header <header...>', 'extra request header, "Name: value"', [])
  .option('--no-follow', 'do not follow HTTP redirects')
  .option('-k, --insecure', 'accept any TLS certificate (its expiry is still shown)')
  .option('--json', 'print the result as one JSON object')
  .action(async (url: string, o) => {
    process.exitCode = await checkCommand(url, o);
  });

const notify = program.command('notify').description('notifications');
notify
  .command('test')
  .description('send a test message through one configured channel and print what the receiver answered')
  .argument('<channel>', 'a channel name from notify.channels')
  .option('-c, --config <file>', 'config file', 'vigie.yaml')
  .option('--to <address>', 'for an email channel: send to this address instead of its "to"')
  .action(async (channel: string, o: { config: string; to?: string }) => {
    const { notifyTestCommand } = await import('./notify.js');
    process.exitCode = await notifyTestCommand(channel, o);
  });

program
  .command('init')
  .description('write a commented starter config (never over an existing file)')
  .argument('[file]', 'where to write it', 'vigie.yaml')
  .action(async (file: string) => {
    const { initCommand } = await import('./init.js');
    process.exitCode = await initCommand(file);
  });

const config = program.command('config').description('work with config files');
config
  .command('check')
  .description('validate a config file; errors name the file, line, column and field')
  .argument('<file>', 'the config file')
  .action(async (file: string) => {
    const loaded = await loadConfigFile(file);
    if (!loaded.ok) return configFailed(loaded.errors.map(formatConfigError));
    const c = loaded.config;
    const { formatProblem, prepareChannels } = await import('../notify/registry.js');
    const channelProblems = prepareChannels(c.notify.channels).problems;
    if (channelProblems.length > 0) return configFailed(channelProblems.map((p) => `${file}: ${formatProblem(p)}`));
    const components = c.services.reduce((n, s) => n + s.components.length, 0);
    const monitors = c.services.reduce((n, s) => n + s.components.reduce((m, x) => m + x.monitors.length, 0), 0);
    process.stdout.write(`${file}: OK (${c.services.length} services, ${components} components, ${monitors} monitors)\n`);
  });

program
  .command('demo')
  .description('replay a real outage on loopback: simulated services, a fault script, and Vigie watching them')
  .option('-s, --scenario <name>', 'correlated-evening, unacknowledged-us, dependency-failure or silent-vendor', 'correlated-evening')
  .option('--speed <factor>', 'scenario seconds per real second (60 = one scenario minute per second)', parseSpeed, 60)
  .option('-p, --port <port>', 'status page port (0 picks a free one)', parsePort, 8080)
  .option('--exit-at-end', 'stop when the replay ends instead of keeping the page up')
  .option('--local-regions', 'probe every region from Vigie itself instead of one vigie agent process per region')
  .option('--no-gateway', 'without the failover gateway and its client (scenarios with a ChatGPT API)')
  .addOption(logLevel().default('warn'))
  .addOption(logFormat())
  .action(async (o: { scenario: string; speed: number; port: number; exitAtEnd?: boolean; localRegions?: boolean; gateway: boolean; logLevel: string; logFormat: string }) => {
    const { runDemo } = await import('../demo/demo.js');
    await runDemo({ scenario: o.scenario, speed: o.speed, port: o.port, exitAtEnd: o.exitAtEnd ?? false, gateway: o.gateway, logger: makeLogger(o.logLevel, o.logFormat), agents: !o.localRegions });
  });

program
  .command('replay')
  .description('run a scenario in simulated time through detection, incidents and vendor status; print its figures and check its expectations (exit 1 if one fails)')
  .argument('<scenario>', 'correlated-evening, unacknowledged-us, dependency-failure, silent-vendor, or a path to a scenario file')
  .option('--json', 'print one JSON object')
  .option('--interval <duration>', 'scenario time between checks of each monitor', '30s')
  .action(async (scenario: string, o: { json?: boolean; interval: string }) => {
    const { parseDuration } = await import('../core/duration.js');
    const interval = parseDuration(o.interval);
    if (interval === undefined || interval <= 0) throw new UsageError(`--interval: "${o.interval}" is not a duration (examples: 15s, 30s, 1m)`);
    const { replayCommand } = await import('../replay/command.js');
    process.exitCode = await replayCommand(scenario, { json: o.json ?? false, interval });
  });

program
  .command('detect')
  .description('score a "timestamp,value" CSV series with the streaming anomaly detector; writes timestamp,value,anomaly_score (0..1, log scale) to stdout')
  .requiredOption('-i, --input <file>', 'CSV file, or - for standard input')
  .option('--direction <side>', 'which side is unusual: up, down or both', 'both')
  .option('--explain <file>', 'write one JSON line per flagged stretch: expected, seen, why')
  .option('--false-alarms <rate>', 'flagged stretches (--explain) allow about this many false alarms, e.g. 1/30d', '1/30d')
  .option('--weeks <n>', 'refused: the detector learns its own season (hour of day) and keeps no weekly history', () => {
    throw new InvalidArgumentError('is no longer read: the detector learns the daily rhythm itself; drop the option');
  })
  .action(async (o: { input: string; direction: string; explain?: string; falseAlarms: string }) => {
    const { detectCommand } = await import('./detect.js');
    process.exitCode = await detectCommand(o);
  });

const token = program.command('token').description('admin API tokens: stored hashed, the token itself printed once (VIGIE_ADMIN_TOKEN is accepted too)');
token
  .command('create')
  .description('create a token and print it once on stdout')
  .requiredOption('-n, --name <name>', 'who or what uses it (unique)')
  .option('-r, --role <role>', 'viewer, editor or owner (what it may do)', 'owner')
  .option('-c, --config <file>', 'config file whose store keeps the token', 'vigie.yaml')
  .action(async (o: { name: string; config: string; role: string }) => {
    const { tokenCreate } = await import('./token.js');
    process.exitCode = await tokenCreate(o);
  });
token
  .command('list')
  .description('list tokens (names and dates, never the tokens)')
  .option('-c, --config <file>', 'config file', 'vigie.yaml')
  .action(async (o: { config: string }) => {
    const { tokenList } = await import('./token.js');
    process.exitCode = await tokenList(o);
  });
token
  .command('revoke')
  .description('revoke a token by name')
  .argument('<name>', 'the token’s name')
  .option('-c, --config <file>', 'config file', 'vigie.yaml')
  .action(async (name: string, o: { config: string }) => {
    const { tokenRevoke } = await import('./token.js');
    process.exitCode = await tokenRevoke({ name, config: o.config });
  });

program
  .command('export')
  .description('write the services, components and monitors made in the app as YAML in vigie.yaml’s format (config as code)')
  .option('-c, --config <file>', 'config file whose store holds them', 'vigie.yaml')
  .option('-o, --out <file>', 'write to this file (mode 600) instead of stdout')
  .action(async (o: { config: string; out?: string }) => {
    const { exportCommand } = await import('./export.js');
    process.exitCode = await exportCommand(o);
  });

const user = program.command('user').description('people who sign in to the console: roles viewer, editor, owner (passwords never on the command line)');
user
  .command('add')
  .description('add a user; the password is asked for, or read from stdin with --password-stdin')
  .argument('<name>', 'a login name or an e-mail address')
  .option('-r, --role <role>', 'viewer, editor or owner', 'viewer')
  .option('--password-stdin', 'read the password from stdin (one line) instead of asking')
  .option('--no-password', 'no password: the user signs in with OpenID Connect only')
  .option('-c, --config <file>', 'config file whose store keeps users', 'vigie.yaml')
  .action(async (name: string, o: { role: string; passwordStdin?: boolean; password: boolean; config: string }) => {
    const { userAdd } = await import('./user.js');
    process.exitCode = await userAdd({ name, ...o });
  });
user
  .command('list')
  .description('list users and their roles')
  .option('-c, --config <file>', 'config file', 'vigie.yaml')
  .action(async (o: { config: string }) => {
    const { userList } = await import('./user.js');
    process.exitCode = await userList(o);
  });
user
  .command('passwd')
  .description('set a user’s password (ends their sessions)')
  .argument('<name>', 'the user')
  .option('--password-stdin', 'read the password from stdin (one line) instead of asking')
  .option('-c, --config <file>', 'config file', 'vigie.yaml')
  .action(async (name: string, o: { passwordStdin?: boolean; config: string }) => {
    const { userPasswd } = await import('./user.js');
    process.exitCode = await userPasswd({ name, ...o });
  });
user
  .command('reset-totp')
  .description('turn off a user’s TOTP second factor (a lost phone) and end their sessions')
  .argument('<name>', 'the user')
  .option('-c, --config <file>', 'config file', 'vigie.yaml')
  .action(async (name: string, o: { config: string }) => {
    const { userResetTotp } = await import('./user.js');
    process.exitCode = await userResetTotp({ name, ...o });
  });
user
  .command('remove')
  .description('remove a user and end their sessions (not the last owner)')
  .argument('<name>', 'the user')
  .option('-c, --config <file>', 'config file', 'vigie.yaml')
  .action(async (name: string, o: { config: string }) => {
    const { userRemove } = await import('./user.js');
    process.exitCode = await userRemove({ name, ...o });
  });

// `vigie agent --region` and `vigie agent register --region` are two commands' options: each command
// reads only the options before its subcommand (nothing else at the top level has options of its own).
program.enablePositionalOptions();
const agent = program
  .command('agent')
  .enablePositionalOptions()
  .description('run a probe agent for one region: it connects out to the server, runs its share of the region’s monitors and uploads results (exit 2: token refused, 3: region refused)')
  .option('--server <url>', 'the Vigie server, http(s)://host:port')
  .option('--token <token>', 'the token printed by "vigie agent register" (or VIGIE_AGENT_TOKEN)')
  .option('--region <name>', 'the region this agent is for; refused if its token is for another')
  .option('--data <dir>', 'where results wait while the server is unreachable', './vigie-agent')
  .option('--max-buffer <n>', 'observations kept on disk at most (the oldest go first past it)', (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`must be a whole number above 0 (got "${v}")`);
    return n;
  }, 100_000)
  .addOption(logLevel())
  .action(async (o: { server?: string; token?: string; region?: string; data: string; maxBuffer: number; logLevel: string }) => {
    if (!o.server) throw new UsageError('--server is required (or a subcommand: register, list, revoke)');
    const { agentRun } = await import('./agent.js');
    process.exitCode = await agentRun({ ...o, server: o.server });
  });
agent
  .command('register')
  .description('register an agent for a configured region and print its token once on stdout')
  .argument('<name>', 'the agent’s name (unique)')
  .requiredOption('--region <name>', 'its region: in the config’s top-level "regions:" or a monitor’s "regions:"')
  .option('-c, --config <file>', 'config file whose store keeps the agent', 'vigie.yaml')
  .action(async (name: string, o: { region: string; config: string }) => {
    const { agentRegister } = await import('./agent.js');
    process.exitCode = await agentRegister({ name, region: o.region, config: o.config });
  });
agent
  .command('list')
  .description('list agents with their region and last reported health (never the tokens)')
  .option('-c, --config <file>', 'config file', 'vigie.yaml')
  .action(async (o: { config: string }) => {
    const { agentList } = await import('./agent.js');
    process.exitCode = await agentList(o);
  });
agent
  .command('revoke')
  .description('revoke an agent’s token by name; the server refuses it from its next request')
  .argument('<name>', 'the agent’s name')
  .option('-c, --config <file>', 'config file', 'vigie.yaml')
  .action(async (name: string, o: { config: string }) => {
    const { agentRevoke } = await import('./agent.js');
    process.exitCode = await agentRevoke({ name, config: o.config });
  });
const gateway = program
  .command('gateway')
  .description('run the OpenAI-compatible failover proxy from the config’s gateway: section (vigie gateway token: a new client token)')
  .option('-c, --config <file>', 'config file', 'vigie.yaml')
  .option('--vigie <url>', 'a Vigie server whose /api/v2/components.json gives the upstreams’ component status')
  .option('-p, --port <port>', 'listen on this port instead of gateway.port', parsePort)
  .option('--no-store', 'keep client counters in memory and take clients from the config only (no database)')
  .option('--workers <n>', 'processes sharing the port (default: gateway.workers, else one per core with a database, one without)', (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1 || n > 64) throw new InvalidArgumentError('--workers must be a whole number from 1 to 64');
    return n;
  })
  .addOption(logLevel())
  .action(async (o: { config: string; vigie?: string; port?: number; logLevel: string; store: boolean; workers?: number }) => {
    const { gatewayCommand } = await import('./gateway.js');
    process.exitCode = await gatewayCommand(o);
  });
gateway
  .command('token')
  .description('print a new client token on stdout and its sha256 (for gateway.clients[].token_sha256) on stderr')
  .action(async () => {
    const { gatewayTokenCommand } = await import('./gateway.js');
    process.exitCode = await gatewayTokenCommand();
  });
const gatewayClient = gateway.command('client').description('client tokens kept in the database (hashed), per team, with a rate limit and a monthly token budget');
gatewayClient
  .command('add')
  .description('add a client and print its token once on stdout')
  .argument('<name>', 'the client (application); unique')
  .option('--team <team>', 'the team it belongs to (default: its name)')
  .option('--rate-limit <rate>', 'requests per time, e.g. 10/s or 600/m, shared by every gateway on the database')
  .option('--monthly-tokens <n>', 'tokens per calendar month (UTC)')
  .option('-c, --config <file>', 'config file whose store keeps the client', 'vigie.yaml')
  .action(async (name: string, o: { team?: string; rateLimit?: string; monthlyTokens?: string; config: string }) => {
    const { gatewayClientAdd } = await import('./gateway.js');
    process.exitCode = await gatewayClientAdd({ name, ...o });
  });
gatewayClient
  .command('list')
  .description('list clients with their team, limits and this month’s usage (never the tokens)')
  .option('-c, --config <file>', 'config file', 'vigie.yaml')
  .action(async (o: { config: string }) => {
    const { gatewayClientList } = await import('./gateway.js');
    process.exitCode = await gatewayClientList(o);
  });
gatewayClient
  .command('revoke')
  .description('revoke a client’s token by name')
  .argument('<name>', 'the client’s name')
  .option('-c, --config <file>', 'config file', 'vigie.yaml')
  .action(async (name: string, o: { config: string }) => {
    const { gatewayClientRevoke } = await import('./gateway.js');
    process.exitCode = await gatewayClientRevoke({ name, config: o.config });
  });

function parsePort(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`port must be a whole number from 0 to 65535 (got "${v}")`);
  return n;
}

function parseSpeed(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || n > 100_000) throw new InvalidArgumentError(`must be a number above 0 and at most 100000 (got "${v}")`);
  return n;
}

function configFailed(lines: string[], count = true): void {
  process.stderr.write(lines.join('\n') + '\n');
  if (count) process.stderr.write(`${lines.length} error${lines.length === 1 ? '' : 's'}; nothing was started.\n`);
  process.exitCode = 1;
}

program.parseAsync().catch((err: unknown) => {
  if (err instanceof UsageError) {
    process.stderr.write(`vigie: ${err.message}\n`);
    process.exitCode = 2;
    return;
  }
  if (err instanceof Error && ['StoreLockedError', 'DamagedDatabaseError', 'ReadOnlyDatabaseError'].includes(err.name)) {
    process.stderr.write(`vigie: ${err.message}\n`);
    process.exitCode = 1;
    return;
  }
  // Anything else is our bug: say so in one line, keep the detail for --log-level debug users.
  process.stderr.write(`vigie: unexpected error: ${err instanceof Error ? err.message : String(err)}\n`);
  if (process.env.VIGIE_DEBUG) console.error(err);
  process.exitCode = 1;
});
