// Entry point of the simulator as a child process; the demo starts it with child_process.fork
// (see forkSimulator in sim-client.ts). Over IPC it takes
//   {type:'start', scenario: name-or-path, t?}  {type:'time', t}  {type:'stop'}
// and answers {type:'ready', host, ports}, {type:'error', message} or {type:'stopped'}.
// It exits when its parent disconnects, so a killed or interrupted demo never leaves it behind.
import { loadScenario } from './scenario.js';
import { startSimulator, type Simulator } from './sim-server.js';
import type { SimReply, SimRequest } from './sim-client.js';

const HOST = '127.0.0.1';

if (typeof process.send !== 'function') {
  process.stderr.write('sim-process: start me with child_process.fork (I take my orders over IPC)\n');
  process.exit(2);
}

let sim: Simulator | undefined;
let starting = false;
let pendingTime: number | undefined;
let exiting = false;

function reply(msg: SimReply): void {
  if (process.connected) process.send!(msg);
}

async function shutdown(code: number, notify: boolean): Promise<void> {
  if (exiting) return;
  exiting = true;
  // Never hang on the way out.
  setTimeout(() => process.exit(code), 2000).unref();
  try {
    await sim?.close();
  } finally {
    if (notify) reply({ type: 'stopped' });
    process.exit(code);
  }
}

process.on('disconnect', () => void shutdown(0, false));

process.on('message', (raw: unknown) => {
  const msg = raw as SimRequest;
  if (exiting || typeof msg !== 'object' || msg === null) return;
  switch (msg.type) {
    case 'start': {
      if (sim || starting) return reply({ type: 'error', message: 'simulator already started' });
      starting = true;
      void (async () => {
        try {
          const scenario = loadScenario(msg.scenario);
          sim = await startSimulator(scenario, { host: HOST });
          const t = pendingTime ?? msg.t;
          if (t !== undefined) sim.setTime(t);
          reply({ type: 'ready', host: HOST, ports: sim.ports, scenario: scenario.name });
        } catch (err) {
          reply({ type: 'error', message: err instanceof Error ? err.message : String(err) });
          await shutdown(1, false);
        }
      })();
      return;
    }
    case 'time':
      if (typeof msg.t !== 'number' || !Number.isFinite(msg.t)) return reply({ type: 'error', message: `bad time ${String(msg.t)}` });
      if (sim) sim.setTime(msg.t);
      else pendingTime = msg.t;
      return;
    case 'stop':
      void shutdown(0, true);
      return;
    default:
      reply({ type: 'error', message: `unknown message ${JSON.stringify(msg)}` });
  }
});
