// The figures of one incident, derived from its record: pure, so the page, the API and the replays
// compute them the same way.
import type { IncidentRecord } from '../store/incidents.js';

export interface IncidentFigures {
  /** First non-operational status of any of its components (null for a manual incident with none observed). */
  observedStart: number | null;
  /** When the incident was opened. */
  openedAt: number;
  /** observedStart → openedAt. */
  timeToDetectMs: number | null;
  /** When the fault really began, where known (replays). */
  faultStart: number | null;
  /** faultStart → first non-operational status. */
  detectionDelayMs: number | null;
  /** faultStart → openedAt. */
  timeToDetectFromFaultMs: number | null;
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

export function incidentFigures(i: IncidentRecord): IncidentFigures {
  const start = i.observedStart ?? (i.kind === 'incident' ? i.createdAt : i.startedAt);
  return {
    observedStart: i.observedStart,
    openedAt: i.createdAt,
    timeToDetectMs: diff(i.observedStart, i.createdAt),
    faultStart: i.faultStart,
    detectionDelayMs: diff(i.faultStart, i.observedStart),
    timeToDetectFromFaultMs: diff(i.faultStart, i.createdAt),
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
