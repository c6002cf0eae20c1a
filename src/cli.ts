#!/usr/bin/env node
// The `vigie` command. Thin: each subcommand parses its flags and hands over to the code that does the work.
import { Command, InvalidArgumentError, Option } from 'commander';
import { checkCommand } from './cli/check.js';
import { UsageError, makeLogger } from './cli/logger.js';
import { onShutdown } from './cli/signals.js';
import { formatConfigError, loadConfigFile } from './config/load.js';

const program = new Command()
  .name('vigie')
  .description('Outage detection and status pages: probes, crowd reports, the vendor’s word beside ours.')
  .showHelpAfterError();

const logLevel = () => new Option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent').default('info');

program
  .command('start')
  .description('run Vigie against the services in a config file')
  .option('-c, --config <file>', 'config file', 'vigie.yaml')
  .option('-p, --port <port>', 'listen on this port instead of the config’s site.port', parsePort)
  .addOption(logLevel())
  .action(async (o: { config: string; port?: number; logLevel: string }) => {
    const log = makeLogger(o.logLevel);
    const loaded = await loadConfigFile(o.config);
    if (!loaded.ok) return configFailed(loaded.errors.map(formatConfigError));
    const { createVigie } = await import('./app.js');
    const vigie = await createVigie({
      config: loaded.config,
      logger: log,
      ...(process.env.DATABASE_URL ? { databaseUrl: process.env.DATABASE_URL } : {}),
      ...(o.port !== undefined ? { port: o.port } : {}),
    });
    onShutdown(() => vigie.stop());
    const url = await vigie.start();
    process.stdout.write(`Vigie is watching ${loaded.config.services.length} services. Status page: ${url}/\n`);
  });

program
  .command('check')
  .description('run one HTTP probe and print its result with per-phase timings (exit 0 when it passes, 1 when it fails)')
  .argument('<url>', 'http:// or https:// URL')
  .option('-t, --timeout <duration>', 'give up after this long', '10s')
  .option('-X, --method <method>', 'HTTP method', 'GET')
  .option('-e, --expect <codes>', 'expected status codes, comma-separated', '200')
  .option('--degraded-after <duration>', 'slower than this counts as degraded')
  .option('-H, --header <header...>', 'extra request header, "Name: value"', [])
  .option('--json', 'print the result as one JSON object')
  .action(async (url: string, o) => {
    process.exitCode = await checkCommand(url, o);
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
  .addOption(logLevel().default('warn'))
  .action(async (o: { scenario: string; speed: number; port: number; exitAtEnd?: boolean; logLevel: string }) => {
    const { runDemo } = await import('./demo/demo.js');
    await runDemo({ scenario: o.scenario, speed: o.speed, port: o.port, exitAtEnd: o.exitAtEnd ?? false, logger: makeLogger(o.logLevel) });
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

function configFailed(lines: string[]): void {
  process.stderr.write(lines.join('\n') + '\n');
  process.stderr.write(`${lines.length} error${lines.length === 1 ? '' : 's'}; nothing was started.\n`);
  process.exitCode = 1;
}

program.parseAsync().catch((err: unknown) => {
  if (err instanceof UsageError) {
    process.stderr.write(`vigie: ${err.message}\n`);
    process.exitCode = 2;
    return;
  }
  // Anything else is our bug: say so in one line, keep the detail for --log-level debug users.
  process.stderr.write(`vigie: unexpected error: ${err instanceof Error ? err.message : String(err)}\n`);
  if (process.env.VIGIE_DEBUG) console.error(err);
  process.exitCode = 1;
});
