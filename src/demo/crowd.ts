// The scenario's crowd, replayed: the reports per minute of `reports:` become reports sent through
// Vigie's real intake (CrowdReports.submit, as `demo`), one simulated person each, so the reports page,
// the crowd level and detection see them as they would see people. Time is the Clock's: each step sends
// the reports of the scenario time that has just passed, and the intake stamps them with its clock.
import type { Scenario } from './scenario.js';
import { reportLevelAt } from './faults.js';

export interface CrowdSubmit {
  (serviceId: string, input: { category: string; region: string }, who: { address: string; userAgent: string }): Promise<{ ok: boolean; counted?: boolean }>;
}

export interface CrowdTotals {
  sent: number;
  accepted: number;
  counted: number;
  rejected: number;
  /** Reports the scenario asked for that were not sent because the replay runs too fast to send them all. */
  thinned: number;
}

/** Scenario time between two samples of a level (levels change on whole minutes in the files). */
const SAMPLE_MS = 1000;

export class CrowdPlayer {
  private carry = new Map<string, number>();
  private n = 0;
  private chain: Promise<void> = Promise.resolve();
  private busy = false;
  readonly totals: CrowdTotals = { sent: 0, accepted: 0, counted: 0, rejected: 0, thinned: 0 };

  /**
   * `speed`: scenario ms per real ms (the Clock's). `maxPerSecond`: the most reports sent per real second;
   * past it (a fast replay of a large surge) every service's reports are thinned by the same factor, and
   * counted in totals.thinned, so the shape of the surge is kept and the machine is not flooded. A step that
   * comes while the previous one is still being sent is thinned whole: the crowd never starves the probes.
   */
  constructor(
    private readonly scenario: Scenario,
    private readonly submit: CrowdSubmit,
    private readonly categories: (serviceId: string) => string[],
    private readonly speed: number = 1,
    private readonly maxPerSecond: number = 1000,
  ) {}

  /** How many reports each service and region sends over [t0, t1) of scenario time (fractions carried over). */
  due(t0: number, t1: number): { service: string; region: string; count: number }[] {
    const out: { service: string; region: string; count: number }[] = [];
    for (const svc of this.scenario.services)
      for (const region of this.scenario.regions) {
        let expected = 0;
        for (let t = t0; t < t1; t += SAMPLE_MS) {
          const dt = Math.min(SAMPLE_MS, t1 - t);
          expected += (reportLevelAt(this.scenario, svc.id, t + dt / 2, region) * dt) / 60_000;
        }
        const key = `${svc.id}\u0000${region}`;
        const total = (this.carry.get(key) ?? 0) + expected;
        const count = Math.floor(total);
        this.carry.set(key, total - count);
        if (count > 0) out.push({ service: svc.id, region, count });
      }
    return out;
  }

  /** Sends the reports of [t0, t1) in order after those of earlier steps; resolves when they are taken. */
  play(t0: number, t1: number): Promise<void> {
    let batch = this.due(t0, t1);
    const total = batch.reduce((a, b) => a + b.count, 0);
    if (this.busy && Number.isFinite(this.speed)) {
      this.totals.thinned += total;
      return this.chain;
    }
    const budget = Number.isFinite(this.speed) && this.speed > 0 ? Math.max(1, Math.floor((this.maxPerSecond * (t1 - t0)) / this.speed / 1000)) : Infinity;
    if (total > budget) {
      const f = budget / total;
      const kept = batch.map((b) => ({ ...b, count: Math.round(b.count * f) }));
      this.totals.thinned += total - kept.reduce((a, b) => a + b.count, 0);
      batch = kept;
    }
    this.busy = true;
    this.chain = this.chain
      .then(() => this.send(batch))
      .catch(() => {})
      .finally(() => void (this.busy = false));
    return this.chain;
  }

  /** Waits for everything sent so far. */
  idle(): Promise<void> {
    return this.chain;
  }

  private async send(batch: { service: string; region: string; count: number }[]): Promise<void> {
    const jobs: Promise<void>[] = [];
    for (const { service, region, count } of batch) {
      const cats = this.categories(service);
      if (cats.length === 0) continue;
      for (let k = 0; k < count; k++) {
        const n = this.n++;
        // Half report the obvious symptom (the first category); the rest spread evenly over the others.
        const category = cats[n % 2 === 0 || cats.length === 1 ? 0 : 1 + ((n >> 1) % (cats.length - 1))]!;
        this.totals.sent++;
        jobs.push(
          this.submit(service, { category, region }, { address: simulatedAddress(n), userAgent: 'vigie-demo-crowd' }).then(
            (r) => {
              if (r.ok) {
                this.totals.accepted++;
                if (r.counted) this.totals.counted++;
              } else this.totals.rejected++;
            },
            () => void this.totals.rejected++,
          ),
        );
      }
    }
    await Promise.all(jobs);
  }
}

/** A distinct documentation-free address per simulated person, each in its own /24 (prefix caps hold per /24). */
export function simulatedAddress(n: number): string {
  const m = n % 0xdfffff;
  return `${1 + (m >> 16)}.${(m >> 8) & 255}.${m & 255}.1`;
}
