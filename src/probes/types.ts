// The one signature every probe kind shares, as in blackbox_exporter's prober map:
// a target in, a ProbeResult out. A probe never throws and knows nothing about storage.
import type { ProbeResult } from '../core/observation.js';

/** Resolves one host name to one address; node:dns `promises.lookup` has this shape. */
export type LookupFn = (hostname: string) => Promise<{ address: string; family: number }>;

export interface ProbeContext {
  /** Aborting it ends the check at once, reported as a 'timeout' in the phase it was in. */
  signal?: AbortSignal;
  /** Hard limit over the whole check, DNS to last byte. */
  timeoutMs: number;
  /** A successful check slower than this (total) is reported as degraded. */
  degradedAfterMs?: number | null;
  /** Replaces the system resolver; tests use it so nothing leaves loopback. */
  lookup?: LookupFn;
}

/**
 * Runs one check. Never rejects: every failure is a ProbeResult with ok false
 * and a classified error.
 */
export type Probe<T> = (target: T, ctx: ProbeContext) => Promise<ProbeResult>;
