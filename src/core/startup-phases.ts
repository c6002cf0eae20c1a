// Start-up phases: how long each step of `createVigie` + `start()` took, in wall ms and in this
// process's CPU ms (all threads: the thread pool's compression counts), for the "vigie started" log
// line and for bench/startup.ts. A mark closes the phase that began at the previous mark.
export interface StartupPhase {
  phase: string;
  ms: number;
  cpuMs: number;
}

const r1 = (v: number) => Math.round(v * 10) / 10;

export class StartupPhases {
  private last = performance.now();
  private lastCpu = process.cpuUsage();
  readonly list: StartupPhase[] = [];

  constructor(private report?: (p: StartupPhase) => void) {}

  mark(phase: string): void {
    const now = performance.now();
    const cpu = process.cpuUsage(this.lastCpu);
    const p = { phase, ms: r1(now - this.last), cpuMs: r1((cpu.user + cpu.system) / 1000) };
    this.last = now;
    this.lastCpu = process.cpuUsage();
    this.list.push(p);
    this.report?.(p);
  }

  /** { phase: wall ms } for a log line (a phase marked twice adds up). */
  summary(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const { phase, ms } of this.list) out[phase] = r1((out[phase] ?? 0) + ms);
    return out;
  }
}
