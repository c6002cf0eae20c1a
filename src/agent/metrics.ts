// Agent health in /metrics, read from the hub at scrape time (one series per live agent).
import { Gauge, type Registry } from 'prom-client';
import type { Clock } from '../core/time.js';
import type { AgentHub } from './hub.js';

export function registerAgentMetrics(registry: Registry, hub: AgentHub, clock: Clock): void {
  const registers = [registry];
  const perAgent = (name: string, help: string, value: (a: ReturnType<AgentHub['liveAgents']>[number]) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['agent', 'region'],
      registers,
      collect() {
        this.reset();
        for (const a of hub.liveAgents()) this.set({ agent: a.name, region: a.region }, value(a));
      },
    });
  perAgent('vigie_agent_last_seen_seconds', 'Seconds since the agent’s last request', (a) => Math.max(0, (clock.now() - a.seenAt) / 1000));
  perAgent('vigie_agent_clock_offset_seconds', 'Server clock minus agent clock, as last measured', (a) => a.clockOffsetMs / 1000);
  perAgent('vigie_agent_backlog', 'Observations waiting in the agent’s disk buffer', (a) => a.backlog);
  perAgent('vigie_agent_dropped', 'Observations the agent dropped because its buffer was full (since its data directory was made)', (a) => a.dropped);
  perAgent('vigie_agent_checks_per_second', 'Checks per second the agent runs', (a) => a.checksPerS);
  perAgent('vigie_agent_monitors', 'Monitors assigned to the agent', (a) => a.monitors);
  new Gauge({
    name: 'vigie_region_live_agents',
    help: 'Live agents per agent region (0: no data from that region; it does not count in the quorum)',
    labelNames: ['region'],
    registers,
    collect() {
      this.reset();
      const live = hub.liveAgents();
      for (const r of hub.regions) this.set({ region: r }, live.filter((a) => a.region === r).length);
    },
  });
}
