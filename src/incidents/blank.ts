// An incident row with nothing said yet: the one starting point for the engine's incidents and
// maintenance and for history brought in from elsewhere (the demo's past outages).
import type { IncidentFields } from '../store/incidents.js';

export function blankFields(at: number): IncidentFields {
  return {
    kind: 'incident',
    serviceId: null,
    name: '',
    status: 'investigating',
    impact: 'none',
    cause: 'unknown',
    origin: 'manual',
    human: false,
    observedStart: null,
    faultStart: null,
    createdAt: at,
    updatedAt: at,
    monitoringAt: null,
    resolvedAt: null,
    postmortemBody: null,
    postmortemPublishedAt: null,
    scheduledFor: null,
    scheduledUntil: null,
    autoTransitions: false,
    startedAt: null,
    vendorAckAt: null,
    vendorAckSource: null,
    vendorAckText: null,
    silentVendorAt: null,
    peakShare: null,
    peakDetail: null,
    nameText: null,
    detectedAt: null,
  };
}
