// What a probe would have seen, without the network: a scenario's fault mode turned into the result
// the HTTP probe gives for it against the simulated services (see demo/sim-server.ts).
import type { ProbeResult } from '../core/observation.js';
import type { FaultMode } from '../demo/scenario.js';

export interface SyntheticOptions {
  timeoutMs: number;
  degradedAfterMs: number | null;
  /** Real milliseconds of a `slow` answer. */
  delayMs: number;
}

/** Latency of a healthy loopback answer, in ms. */
const FAST_MS = 12;

/** The probe's result for one check under `mode`, and how long (clock ms) the check took. */
export function syntheticResult(mode: FaultMode, o: SyntheticOptions): { result: ProbeResult; latencyMs: number } {
  const phases = (total: number, firstByte?: number) => ({ connectMs: 1, ...(firstByte !== undefined ? { firstByteMs: firstByte } : {}), totalMs: total });
  switch (mode) {
    case 'ok':
      return { result: { ok: true, degraded: false, phases: phases(FAST_MS, FAST_MS - 2), statusCode: 200 }, latencyMs: FAST_MS };
    case 'wrong_content':
      // Status 200 and no body assertion on the scenario's monitors: the check passes, as the real probe's does.
      return { result: { ok: true, degraded: false, phases: phases(FAST_MS, FAST_MS - 2), statusCode: 200 }, latencyMs: FAST_MS };
    case 'error_500':
      return {
        result: { ok: false, degraded: false, phases: phases(FAST_MS, FAST_MS - 2), statusCode: 500, error: { kind: 'http_status', message: 'status 500 Internal Server Error, expected 200' } },
        latencyMs: FAST_MS,
      };
    case 'unavailable_503':
      return {
        result: { ok: false, degraded: false, phases: phases(FAST_MS, FAST_MS - 2), statusCode: 503, error: { kind: 'http_status', message: 'status 503 Service Unavailable, expected 200' } },
        latencyMs: FAST_MS,
      };
    case 'timeout':
      return {
        result: { ok: false, degraded: false, phases: { connectMs: 1, totalMs: o.timeoutMs }, error: { kind: 'timeout', message: `no response headers within ${o.timeoutMs} ms` } },
        latencyMs: o.timeoutMs,
      };
    case 'reset':
      return { result: { ok: false, degraded: false, phases: { connectMs: 1, totalMs: 2 }, error: { kind: 'connect', message: 'connection reset' } }, latencyMs: 2 };
    case 'slow': {
      if (o.delayMs >= o.timeoutMs) return syntheticResult('timeout', o);
      const total = o.delayMs + FAST_MS;
      return { result: { ok: true, degraded: o.degradedAfterMs !== null && total > o.degradedAfterMs, phases: phases(total, total - 2), statusCode: 200 }, latencyMs: total };
    }
  }
}
