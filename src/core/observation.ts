// What one probe run yields. Probes build these; nothing here knows about storage.

export const ERROR_KINDS = [
  'timeout',
  'dns',
  'connect',
  'tls',
  'http_status',
  'assertion',
  'body_too_large',
  'protocol',
] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

/** Milliseconds spent in each phase of one check; a phase that did not happen is absent. */
export interface Phases {
  dnsMs?: number;
  connectMs?: number;
  tlsMs?: number;
  firstByteMs?: number;
  totalMs: number;
}

export interface ProbeFailure {
  kind: ErrorKind;
  message: string;
}

/** The outcome of one probe run, before the scheduler stamps who and when. */
export interface ProbeResult {
  ok: boolean;
  /** Succeeded, but slower than the monitor's degraded threshold. */
  degraded: boolean;
  phases: Phases;
  statusCode?: number;
  error?: ProbeFailure;
}

export interface Observation extends ProbeResult {
  monitorId: string;
  region: string;
  /** Planned start, epoch ms in the clock's time. */
  at: number;
}
