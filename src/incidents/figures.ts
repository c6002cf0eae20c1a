// The figures of one incident, derived from its record: pure, so the page, the API and the replays
// compute them the same way.
import type { IncidentRecord } from '../store/incidents.js';

export interface IncidentFigures {
  /** First failed check of any of its components (null for a manual incident with none observed). */
  observedStart: number | null;
  /** When the incident was opened. */
  openedAt: number;
  /** When the fault really began, where known (replays, or set by hand). */
  faultStart: number | null;
  /** Vigie's first non-operational status of any of its components (after hysteresis). */
  detectedAt: number | null;
  /** Time to detect (the one definition, see timeToDetect): start of the problem → detectedAt. */
  timeToDetectMs: number | null;
  /** Start of the problem → the incident opened (detection plus the grace period, or a person's delay). */
  timeToOpenMs: number | null;
  vendorAcknowledgedAt: number | null;
  vendorAcknowledgementSource: 'feed' | 'manual' | null;
  vendorAcknowledgementText: string | null;
  /** observedStart → vendor's first word (negative when the vendor spoke first). */
  acknowledgementLagMs: number | null;
  resolvedAt: number | null;
  /** observedStart (or openedAt) → resolvedAt. */
  timeToResolveMs: number | null;
  /** Share (0..1) of regions failing at the worst, and its wording. */
  peakAffectedShare: number | null;
  peakAffectedDetail: string | null;
  /** When Vigie flagged the vendor as silent (observed down, official status green past the threshold). */
  silentVendorAt: number | null;
  silentVendor: boolean;
}

const diff = (a: number | null, b: number | null) => (a === null || b === null ? null : b - a);

/**
 * Time to detect, defined once for the page, the APIs and the replays: from the start of the problem (the
 * fault's start where it is known, otherwise the first failed check) to the moment Vigie's status for the
 * component left operational. Opening an incident comes after (the grace period) and is its own figure.
 */
export function timeToDetect(faultStart: number | null, observedStart: number | null, detectedAt: number | null): number | null {
  const start = faultStart ?? observedStart;
  if (start === null || detectedAt === null) return null;
  return Math.max(0, detectedAt - start);
}

export function incidentFigures(i: IncidentRecord): IncidentFigures {
  const start = i.observedStart ?? (i.kind === 'incident' ? i.createdAt : i.startedAt);
  return {
    observedStart: i.observedStart,
    openedAt: i.createdAt,
    faultStart: i.faultStart,
    detectedAt: i.detectedAt,
    timeToDetectMs: timeToDetect(i.faultStart, i.observedStart, i.detectedAt),
    timeToOpenMs: diff(i.faultStart ?? i.observedStart, i.createdAt),
    vendorAcknowledgedAt: i.vendorAckAt,
    vendorAcknowledgementSource: i.vendorAckSource,
    vendorAcknowledgementText: i.vendorAckText,
    acknowledgementLagMs: diff(i.observedStart ?? i.createdAt, i.vendorAckAt),
    resolvedAt: i.resolvedAt,
    timeToResolveMs: diff(start, i.resolvedAt),
    peakAffectedShare: i.peakShare,
    peakAffectedDetail: i.peakDetail,
    silentVendorAt: i.silentVendorAt,
    silentVendor: i.silentVendorAt !== null,
  };
}
