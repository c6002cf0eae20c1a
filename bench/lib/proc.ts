// CPU and memory of another process, read from /proc (Linux), so a bench measures the process
// under test alone.
import { readFileSync } from 'node:fs';

const TICKS = 100; // USER_HZ on Linux

/** User + system CPU seconds used so far by the process (its threads included). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields after the command: state(0) … utime(11) stime(12).
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

/** User and system CPU seconds used so far by the process (its threads included), apart. */
export function cpuSplit(pid: number): { user: number; system: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[11]) / TICKS, system: Number(fields[12]) / TICKS };
}

/** Resident memory in bytes. */
export function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

export function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
export const flag = (name: string) => process.argv.includes(`--${name}`);

/** Runs a bench's entry point; any failure prints and exits 1, so a broken run never looks finished. */
export function runMain(fn: () => Promise<unknown>): void {
  fn().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}

/** CPU seconds of a process and all its descendants alive now (a cluster's primary and workers). */
export function treeCpuSeconds(pid: number): number {
  let total = 0;
  try {
    total = cpuSeconds(pid);
  } catch {
    return 0;
  }
  let kids: string[] = [];
  try {
    kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  } catch {
    // no children file (older kernels): the process alone
  }
  for (const k of kids) total += treeCpuSeconds(Number(k));
  return total;
}
