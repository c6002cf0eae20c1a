// The one signature every probe kind shares, as in blackbox_exporter's prober map:
// a target in, a ProbeResult out. A probe never throws and knows nothing about storage.
import type { ProbeResult } from '../core/observation.js';
import type { Clock } from '../core/time.js';

/** Resolves one host name to one address; node:dns `promises.lookup` has this shape. */
export type LookupFn = (hostname: string) => Promise<{ address: string; family: number }>;

/** Where heartbeat (push) monitors read the time of the last beat a job sent. */
export interface BeatSource {
  /** The last beat for the token, or undefined when none arrived since `since`. */
  last(token: string): { at: number; down?: string } | undefined;
  /** When this source started listening, in clock time: a token with no beat yet counts from here. */
  readonly since: number;
}

export interface ProbeContext {
  /** Aborting it ends the check at once, reported as a 'timeout' in the phase it was in. */
  signal?: AbortSignal;
  /** Hard limit over the whole check, DNS to last byte. */
  timeoutMs: number;
  /** A successful check slower than this (total) is reported as degraded. */
  degradedAfterMs?: number | null;
  /** Replaces the system resolver; tests use it so nothing leaves loopback. */
  lookup?: LookupFn;
  /** Scenario/clock time, for probes that compare against wall time (heartbeat); the system clock by default. */
  clock?: Clock;
  /** Beats received by the push route; only the heartbeat probe reads it. */
  beats?: BeatSource;
}

/** What a probe learnt beyond pass/fail, for `vigie check` and conditions; not stored as columns. */
export interface ProbeDetails {
  /** The URL that gave the final answer, after redirects, and how many redirects were followed. */
  finalUrl?: string;
  redirects?: number;
  /** The peer certificate: days until it expires (fractional; negative once expired), its notAfter, subject and issuer. */
  certDaysLeft?: number;
  certExpiresAt?: string;
  certSubject?: string;
  certIssuer?: string;
  /** The address connected to. */
  ip?: string;
  /** DNS: the answers as text, and the response code (NOERROR, NXDOMAIN, SERVFAIL, ...). */
  answers?: string[];
  rcode?: string;
  /** LLM: milliseconds from the request being sent to the first content token (streaming), and the answer's start. */
  firstTokenMs?: number;
  answer?: string;
  /** Heartbeat: milliseconds since the last beat. */
  sinceLastBeatMs?: number;
  /** ICMP: round-trip time reported by ping. */
  rttMs?: number;
}

export interface ProbeReport extends ProbeResult {
  details?: ProbeDetails;
}

/**
 * Runs one check. Never rejects: every failure is a ProbeResult with ok false
 * and a classified error.
 */
export type Probe<T> = (target: T, ctx: ProbeContext) => Promise<ProbeReport>;
