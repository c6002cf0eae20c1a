// A short human report of one probe run, for `vigie check URL`.
import { STATUS_CODES } from 'node:http';
import type { Phases, ProbeResult } from '../core/observation.js';
import type { ProbeDetails } from './types.js';

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
  rows.push(...detailRows((r as { details?: ProbeDetails }).details ?? {}));
  const labelWidth = 'first byte'.length + 2; // the same column in every report
  return [verdict, ...rows.map(([label, value]) => `  ${label.padEnd(labelWidth)}${value}`)].join('\n');
}

/** What a kind learnt beyond the phases: certificate, redirects, DNS answers, first token, round trip. */
function detailRows(d: ProbeDetails): [string, string][] {
  const rows: [string, string][] = [];
  if (d.redirects !== undefined) rows.push(['redirects', `${d.redirects}${d.finalUrl ? ` -> ${d.finalUrl}` : ''}`]);
  if (d.certDaysLeft !== undefined) rows.push(['cert', `${d.certDaysLeft.toFixed(1)} days left (until ${d.certExpiresAt ?? '?'}${d.certIssuer ? `, issuer ${d.certIssuer}` : ''})`]);
  if (d.rcode !== undefined) rows.push(['rcode', d.rcode]);
  for (const a of d.answers ?? []) rows.push(['answer', a]);
  if (d.firstTokenMs !== undefined) rows.push(['1st token', `${d.firstTokenMs.toFixed(1)} ms`]);
  if (d.answer !== undefined) rows.push(['answer', JSON.stringify(d.answer)]);
  if (d.rttMs !== undefined) rows.push(['rtt', `${d.rttMs} ms`]);
  if (d.sinceLastBeatMs !== undefined) rows.push(['last beat', `${Math.round(d.sinceLastBeatMs / 1000)} s ago`]);
  return rows;
}
