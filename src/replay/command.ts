// `vigie replay NAME|PATH [--json]`: exit 0 when every expectation of the scenario holds, 1 when one
// does not, 2 when the scenario cannot be read.
import { ScenarioError, loadScenario } from '../demo/scenario.js';
import { formatReplay } from './format.js';
import { runReplay } from './replay.js';

export interface ReplayCommandOptions {
  json?: boolean;
  interval?: number;
  out?: (text: string) => void;
  err?: (text: string) => void;
}

export async function replayCommand(nameOrPath: string, o: ReplayCommandOptions = {}): Promise<number> {
  const out = o.out ?? ((t: string) => process.stdout.write(t));
  const err = o.err ?? ((t: string) => process.stderr.write(t));
  let scenario;
  try {
    scenario = loadScenario(nameOrPath);
  } catch (e) {
    if (e instanceof ScenarioError) {
      err(`${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const r = await runReplay(scenario, o.interval !== undefined ? { intervalMs: o.interval } : {});
  out(o.json ? `${JSON.stringify(r)}\n` : `${formatReplay(r)}\n`);
  return r.passed ? 0 : 1;
}
