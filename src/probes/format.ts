// A short human report of one probe run, for `vigie check URL`.
import { STATUS_CODES } from 'node:http';
import type { Phases, ProbeResult } from '../core/observation.js';

const PHASE_LINES: [label: string, key: keyof Phases][] = [
  ['dns', 'dnsMs'],
  ['connect', 'connectMs'],
  ['tls', 'tlsMs'],
  ['first byte', 'firstByteMs'],
  ['total', 'totalMs'],
];

/**
 * Verdict line (OK, DEGRADED, or FAIL <kind>: message), then the URL, the status,
 * and one line per phase that happened, in milliseconds, aligned:
 *
 *   FAIL timeout: timed out after 3000 ms waiting for first byte
 *     url         https://example.com/
 *     status      none
 *     dns            12.3 ms
 *     connect        20.1 ms
 *     tls            35.0 ms
 *     total        3000.4 ms
 */
export function formatProbeResult(url: string, r: ProbeResult): string {
  const verdict = r.error ? `FAIL ${r.error.kind}: ${r.error.message}` : r.degraded ? 'DEGRADED' : 'OK';
  const rows: [string, string][] = [
    ['url', url],
    ['status', r.statusCode === undefined ? 'none' : `${r.statusCode} ${STATUS_CODES[r.statusCode] ?? ''}`.trimEnd()],
  ];
  const timed = PHASE_LINES.filter(([, key]) => r.phases[key] !== undefined).map(([label, key]) => [label, r.phases[key]!.toFixed(1)] as const);
  const numberWidth = Math.max(0, ...timed.map(([, v]) => v.length));
  for (const [label, v] of timed) rows.push([label, `${v.padStart(numberWidth)} ms`]);
  const labelWidth = 'first byte'.length + 2; // the same column in every report
  return [verdict, ...rows.map(([label, value]) => `  ${label.padEnd(labelWidth)}${value}`)].join('\n');
}
