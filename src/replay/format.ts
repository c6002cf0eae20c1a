// The replay's figures as a person reads them.
import { formatDuration } from '../core/duration.js';
import type { ReplayResult } from './replay.js';

const hhmm = (iso: string | null) => (iso === null ? '—' : `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`);
const dur = (s: number | null) => (s === null ? '—' : s === 0 ? '0s' : formatDuration(s * 1000));

export function formatReplay(r: ReplayResult): string {
  const out: string[] = [];
  out.push(`Replay "${r.scenario}": ${r.checks} synthetic checks, ${r.statusChanges} status changes, ${r.incidents.length} incident${r.incidents.length === 1 ? '' : 's'}.`);
  out.push('');
  out.push(`Time to detect (fault start to first non-operational status): ${dur(r.timeToDetectSeconds)}`);
  for (const d of r.detections) out.push(`  fault ${d.fault} ${d.targets.join(', ')} (${d.mode}) from ${hhmm(d.from)}: ${d.detectedAt === null ? 'NOT DETECTED' : `detected ${hhmm(d.detectedAt)}, ${dur(d.seconds)}`}`);
  out.push('');
  out.push('Incidents:');
  if (r.incidents.length === 0) out.push('  none');
  for (const i of r.incidents) {
    out.push(`  ${i.name}${i.false ? '  [FALSE: no outage fault explains it]' : ''}`);
    out.push(`    ${i.components.join(', ')}; impact ${i.impact}; opened ${hhmm(i.openedAt)}, resolved ${hhmm(i.resolvedAt)}`);
    out.push(`    time to detect ${dur(i.timeToDetectSeconds)}, opened after ${dur(i.timeToOpenSeconds)}`);
    out.push(`    observed from ${hhmm(i.observedStart)}; vendor acknowledged ${hhmm(i.acknowledgedAt)} (lag ${dur(i.acknowledgementLagSeconds)})${i.silentVendorAt ? `; silent vendor flagged ${hhmm(i.silentVendorAt)}` : ''}`);
  }
  out.push('');
  out.push(`False incidents: ${r.falseIncidents}`);
  out.push(`Acknowledgement lag: ${dur(r.acknowledgementLagSeconds)}${r.acknowledgementLagSeconds !== null ? ` (${r.acknowledgementLagSeconds} s)` : ''}`);
  out.push(`Silent vendor flagged: ${r.silentVendorFlagged ? 'yes' : 'no'}`);
  out.push('');
  const failed = r.expectations.filter((e) => !e.pass).length;
  out.push(`Expectations: ${r.expectations.length - failed} passed, ${failed} failed`);
  for (const e of r.expectations) out.push(`  ${e.pass ? 'pass' : 'FAIL'}  ${e.expectation} (${e.detail})`);
  return out.join('\n');
}
