// `vigie demo`: a real outage replayed on loopback. Simulated services run in a child process,
// the player moves their scenario time forward, and Vigie watches them through its normal wiring.
import { randomBytes } from 'node:crypto';
import { hashPassword } from '../auth/password.js';
import { UserStore } from '../store/users.js';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { type Vigie, createVigie } from '../app.js';
import { formatDuration } from '../core/duration.js';
import { STATUS_LABEL } from '../core/status.js';
import { type Clock, acceleratedClock } from '../core/time.js';
import type { StatusChange } from '../detect/detector.js';
import { type TimelineEvent, changesBetween } from './faults.js';
import { CrowdPlayer } from './crowd.js';
import { type Scenario, loadScenario } from './scenario.js';
import { type ForkedSimulator, forkSimulator } from './sim-client.js';
import { scenarioToConfig } from './vigie-config.js';
import { type LocalAgents, startLocalAgents } from '../agent/local-agents.js';
import { seedPastOutages } from './past-outages.js';
import { seedCrowdHistory } from './crowd-history.js';

export interface DemoOptions {
  scenario: string;
  /** Scenario milliseconds per real millisecond. */
  speed: number;
  port: number;
  logger: Logger;
  /** Scenario time between checks of each monitor; 30 s by default. */
  intervalMs?: number;
  exitAtEnd?: boolean;
  /** Where the demo's SQLite file goes; it is recreated at each run since its times are the scenario's. */
  dataDir?: string;
  out?: (line: string) => void;
  /** Run each region as a real `vigie agent` child process on loopback (the CLI's default) instead of probing from Vigie itself. */
  agents?: boolean;
  /** Scenarios with a ChatGPT API: a gateway and a client calling it through the outage (src/gateway/demo.ts). */
  gateway?: boolean;
  /** Real milliseconds before a check times out (2 s by default). */
  timeoutMs?: number;
  /** Real milliseconds after which an answer counts as slow (1 s by default); null: never (a scenario without slow faults on a loaded machine). */
  degradedAfterMs?: number | null;
}

export interface RunningDemo {
  scenario: Scenario;
  url: string;
  vigie: Vigie;
  sim: ForkedSimulator;
  clock: Clock;
  /** The regions' agent processes, when the demo runs them. */
  agents?: LocalAgents | undefined;
  /** The scenario's crowd reports, sent through Vigie's report intake. */
  crowd: CrowdPlayer;
  /** Resolves when scenario time passes the end of the replay window. */
  ended: Promise<void>;
  stop(): Promise<void>;
}

/** Real milliseconds between two moves of the simulated services' clock. */
const PLAYER_STEP_MS = 100;
/** Network time, not scenario time: a hung endpoint costs this long whatever the speed. */
const DEMO_TIMEOUT_MS = 2000;
const DEMO_DEGRADED_AFTER_MS = 1000;

const hhmm = (t: number) => new Date(t).toISOString().slice(11, 16);

export async function startDemo(o: DemoOptions): Promise<RunningDemo> {
  const out = o.out ?? ((l: string) => process.stdout.write(l + '\n'));
  const scenario = loadScenario(o.scenario);
  const dataDir = o.dataDir ?? join(process.cwd(), 'data');
  await mkdir(dataDir, { recursive: true });
  const dbPath = join(dataDir, `demo-${scenario.name}.db`);
  await Promise.all(['', '-wal', '-shm'].map((suffix) => rm(dbPath + suffix, { force: true })));

  const sim = await forkSimulator(o.scenario, { t: scenario.start });
  const probed = scenarioToConfig(scenario, (s, c, r) => sim.url(s, c, r), {
    port: o.port,
    storePath: dbPath,
    ...(o.intervalMs !== undefined ? { intervalMs: o.intervalMs } : {}),
    timeoutMs: o.timeoutMs ?? DEMO_TIMEOUT_MS,
    degradedAfterMs: o.degradedAfterMs !== undefined ? o.degradedAfterMs : DEMO_DEGRADED_AFTER_MS,
  });
  const config = o.agents ? { ...probed, regions: [...scenario.regions] } : probed;
  const names = new Map<string, string>(config.services.flatMap((s) => s.components.map((c) => [`${s.id}/${c.id}`, `${s.name} › ${c.name}`] as const)));
  const clock = acceleratedClock(scenario.start, o.speed);
  let vigie: Vigie;
  try {
    vigie = await createVigie({
      config,
      clock,
      logger: o.logger,
      refreshSeconds: 2,
      onStatusChange: (c: StatusChange) =>
        out(`[${hhmm(c.at)} UTC] Vigie:    ${names.get(c.componentId) ?? c.componentId}: ${STATUS_LABEL[c.from]} → ${STATUS_LABEL[c.to]} (${c.reason})`),
    });
  } catch (err) {
    await sim.close();
    throw err;
  }

  // Earlier outages of 2024 from the articles, so the history pages have something to say; and two
  // weeks of the usual crowd volume, reloaded into the crowd signal, so a surge is judged against a week.
  const seedHistory = async () => {
    await seedPastOutages(vigie.store, (id) => names.has(id), scenario.start);
    await seedCrowdHistory(vigie.store, scenario, (id) => vigie.reports.service(id)?.categories ?? []);
    await vigie.reports.load();
  };
  await seedHistory().catch(async (err) => {
    await vigie.stop().catch(() => {});
    await sim.close();
    throw err;
  });

  // A console owner for this run (the demo's store is new each run, so is the password).
  const consolePassword = randomBytes(12).toString('base64url');
  await new UserStore(vigie.store.db).create({ id: randomBytes(8).toString('hex'), name: 'demo', role: 'owner', passwordHash: await hashPassword(consolePassword), at: clock.now() });

  // Opening the store, loading history and syncing take real time; at 1000× a second of it would be a
  // quarter of an hour of the scenario gone unwatched, so scenario time starts when Vigie is ready.
  clock.rebase();
  const url = await vigie.start();
  let agents: LocalAgents | undefined;
  try {
    agents = o.agents ? await startLocalAgents({ db: vigie.store.db, regions: scenario.regions, server: url, dataDir, log: o.logger }) : undefined;
  } catch (err) {
    await vigie.stop();
    await sim.close();
    throw err;
  }
  const gateway =
    o.gateway && scenario.services.some((s) => s.id === 'chatgpt' && s.components.some((c) => c.id === 'api'))
      ? await (await import('../gateway/demo.js')).startDemoGateway({
          vigieUrl: url,
          simApiUrl: sim.url('chatgpt', 'api', scenario.regions.includes('us') ? 'us' : scenario.regions[0]!),
          clock,
          logger: o.logger,
          out,
          // Its failovers reach the page through the admin API, as a standalone gateway's do.
          vigieToken: await (await import('../web/auth.js')).createApiToken(vigie.store, `demo-gateway-${randomBytes(4).toString('hex')}`, clock.now(), 'editor'),
        })
      : undefined;
  const realLength = (scenario.end - scenario.start) / o.speed;
  out(`Replaying "${scenario.title}" (sources: seeds ${scenario.sources.join(', ')}), ${scenario.regions.length} regions, at ${o.speed}× speed: ${formatDuration(realLength)} of real time.`);
  out(`Status page: ${url}/    Statuspage API: ${url}/api/v2/summary.json`);
  out(`Operator console: ${url}/admin    user demo, password ${consolePassword} (this run only)`);
  if (agents) out(`Regions ${scenario.regions.join(', ')}: one vigie agent process each (pids ${agents.pids.join(', ')}).`);

  const crowd = new CrowdPlayer(scenario, (id, input, who) => vigie.reports.submit(id, input, 'demo', who), (id) => vigie.reports.service(id)?.categories ?? [], o.speed);
  let played = scenario.start;
  let endedResolve!: () => void;
  const ended = new Promise<void>((r) => (endedResolve = r));
  const step = () => {
    const now = Math.min(clock.now(), scenario.end);
    for (const e of changesBetween(scenario, played, now === scenario.end ? Infinity : now)) out(describe(e));
    if (now > played) {
      const before = crowd.totals.thinned;
      void crowd.play(played, now);
      if (before === 0 && crowd.totals.thinned > 0)
        out(`[${hhmm(now)} UTC] Crowd:    more reports than this machine takes at ${o.speed}× speed; sending a thinned sample (the page shows fewer reports than the scenario; a lower --speed shows them all)`);
    }
    played = now;
    sim.setTime(now);
    if (now >= scenario.end) {
      clearInterval(player);
      out(`[${hhmm(scenario.end)} UTC] Replay finished. ${o.exitAtEnd ? 'Stopping.' : 'The page stays up; Ctrl-C to stop.'}`);
      endedResolve();
    }
  };
  const player = setInterval(step, PLAYER_STEP_MS);
  step();
  if (gateway) void ended.then(() => out(gateway.summary()));

  let stopping: Promise<void> | undefined;
  return {
    scenario,
    url,
    vigie,
    sim,
    clock,
    agents,
    crowd,
    ended,
    stop: () =>
      (stopping ??= (async () => {
        clearInterval(player);
        await crowd.idle();
        await agents?.stop();
        await gateway?.stop();
        await vigie.stop();
        await sim.close();
      })()),
  };
}

function describe(e: TimelineEvent): string {
  const at = `[${hhmm(e.at)} UTC]`;
  if (e.kind === 'vendor') {
    const who = e.statement.component ? `${e.statement.service}/${e.statement.component}` : e.statement.service;
    return `${at} Vendor:   ${who} says "${e.statement.status}"${e.statement.body ? `: ${e.statement.body}` : ''}`;
  }
  if (e.kind === 'reports') {
    return `${at} Crowd:    ${e.level.service} reports ${e.edge === 'start' ? `rise to ${e.level.per_minute}/min` : 'back to normal'}`;
  }
  const targets = e.fault.targets.map((t) => (t.component ? `${t.service}/${t.component}` : t.service)).join(', ');
  const where = e.fault.regions.join(', ');
  return e.edge === 'start'
    ? `${at} Scenario: ${targets} in ${where}: ${e.fault.mode}${e.fault.note ? ` (${e.fault.note})` : ''}`
    : `${at} Scenario: ${targets} in ${where}: fault over`;
}

/** The CLI's entry: runs until Ctrl-C (or the end of the replay with exitAtEnd). */
export async function runDemo(o: DemoOptions): Promise<void> {
  const { onShutdown } = await import('../cli/signals.js');
  const demo = await startDemo(o);
  onShutdown(() => demo.stop());
  if (o.exitAtEnd) {
    await demo.ended;
    await demo.stop();
  }
}
