// The parent's side of a simulator running in a child process (sim-process.ts): fork it,
// wait for its ports, move its clock, stop it. Same shape as the in-process Simulator.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { simulatorUrl, type Simulator } from './sim-server.js';

export type SimRequest = { type: 'start'; scenario: string; t?: number } | { type: 'time'; t: number } | { type: 'stop' };
export type SimReply =
  | { type: 'ready'; host: string; ports: Record<string, number>; scenario: string }
  | { type: 'error'; message: string }
  | { type: 'stopped' };

export interface ForkedSimulator extends Simulator {
  readonly child: ChildProcess;
}

export interface ForkOptions {
  /** Scenario time to start at (epoch ms); the scenario's start when left out. */
  t?: number;
  /** How long to wait for the child to report its ports. */
  readyTimeoutMs?: number;
}

export const SIM_PROCESS_PATH = fileURLToPath(new URL('./sim-process.js', import.meta.url));

/** Forks sim-process.js, starts `scenario` (a name or a path) in it and resolves once it listens. */
export function forkSimulator(scenario: string, opts: ForkOptions = {}): Promise<ForkedSimulator> {
  // Inherit Node's flags (source maps, …) but not those that make no sense twice or for a file entry point.
  const execArgv = process.execArgv.filter((a) => !/^--(input-type|inspect|debug-port|test)/.test(a));
  const child = fork(SIM_PROCESS_PATH, [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'json' });
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });

  return new Promise<ForkedSimulator>((resolve, reject) => {
    const fail = (why: string) => {
      cleanup();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      reject(new Error(`simulator process: ${why}`));
    };
    const timer = setTimeout(() => fail(`not ready after ${opts.readyTimeoutMs ?? 10_000} ms`), opts.readyTimeoutMs ?? 10_000);
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => fail(`exited early (${signal ?? `code ${code}`})`);
    const onError = (err: Error) => fail(err.message);
    const onMessage = (raw: unknown) => {
      const msg = raw as SimReply;
      if (msg.type === 'error') return fail(msg.message);
      if (msg.type !== 'ready') return;
      cleanup();
      let closing: Promise<void> | null = null;
      resolve({
        child,
        ports: msg.ports,
        url(service, component, region) {
          const port = msg.ports[service];
          if (port === undefined) throw new Error(`no simulated service "${service}" in scenario ${msg.scenario}`);
          return simulatorUrl(msg.host, port, component, region);
        },
        setTime(t) {
          if (child.connected) child.send({ type: 'time', t } satisfies SimRequest);
        },
        close() {
          closing ??= (async () => {
            if (child.connected) child.send({ type: 'stop' } satisfies SimRequest);
            const killer = setTimeout(() => child.kill('SIGKILL'), 3000);
            await exited;
            clearTimeout(killer);
          })();
          return closing;
        },
      });
    };
    const cleanup = () => {
      clearTimeout(timer);
      child.off('exit', onExit);
      child.off('error', onError);
      child.off('message', onMessage);
    };
    child.on('exit', onExit);
    child.on('error', onError);
    child.on('message', onMessage);
    child.send({ type: 'start', scenario, ...(opts.t !== undefined ? { t: opts.t } : {}) } satisfies SimRequest);
  });
}
