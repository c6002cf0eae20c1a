// A scenario turned into the Vigie config that watches it: one HTTP monitor per component per region,
// pointed at the simulated services.
import type { z } from 'zod';
import { configSchema, type VigieConfig } from '../config/schema.js';
import type { Scenario } from './scenario.js';

export interface ScenarioConfigOptions {
  /** Port of Vigie's own web server (0 for any). */
  port: number;
  host?: string;
  /** Scenario-time interval between checks; 30 s by default. */
  intervalMs?: number;
  /** Timeout of a check in real (network) time, whatever the replay speed; 10 s by default. */
  timeoutMs?: number;
  /** A check slower than this (measured latency) counts as degraded; 1 s by default, null for none. */
  degradedAfterMs?: number | null;
  /** SQLite path; the config's default when left out. */
  storePath?: string;
}

const ms = (v: number) => `${v}ms`;

export function scenarioToConfig(
  scenario: Scenario,
  url: (service: string, component: string, region: string) => string,
  opts: ScenarioConfigOptions,
): VigieConfig {
  const degradedAfter = opts.degradedAfterMs === undefined ? 1000 : opts.degradedAfterMs;
  const input: z.input<typeof configSchema> = {
    site: { title: scenario.title, host: opts.host ?? '127.0.0.1', port: opts.port },
    ...(opts.storePath !== undefined ? { store: { path: opts.storePath } } : {}),
    defaults: { interval: ms(opts.intervalMs ?? 30_000), timeout: ms(opts.timeoutMs ?? 10_000) },
    services: scenario.services.map((s) => ({
      id: s.id,
      name: s.name,
      // The simulated vendor status page (sim-server.ts), for services the scenario quotes the vendor about.
      ...(scenario.vendor.some((v) => v.service === s.id)
        ? { vendor: { kind: 'statuspage' as const, url: `${new URL(url(s.id, s.components[0]!.id, scenario.regions[0]!)).origin}/api/v2/summary.json`, interval: '2m' } }
        : {}),
      ...(s.description !== undefined ? { description: s.description } : {}),
      components: s.components.map((c) => ({
        id: c.id,
        name: c.name,
        ...(c.description !== undefined ? { description: c.description } : {}),
        ...(c.group !== undefined ? { group: c.group } : {}),
        depends_on: c.depends_on,
        monitors: scenario.regions.map((region) => ({
          name: region,
          region,
          url: url(s.id, c.id, region),
          ...(degradedAfter !== null ? { degraded_after: ms(degradedAfter) } : {}),
        })),
      })),
    })),
  };
  return configSchema.parse(input);
}
