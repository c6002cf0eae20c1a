// Builders of incident records and history inputs for the analytics tests: plain data, written by hand.
import type { HistoryInput, HistoryService, StatusChangeRecord } from '../../src/analytics/types.js';
import type { ComponentStatus } from '../../src/core/status.js';
import type { IncidentRecord } from '../../src/store/incidents.js';

export const MIN = 60_000;
export const H = 3_600_000;
export const DAY = 86_400_000;
export const at = (iso: string) => Date.parse(iso);

let seq = 0;
export interface IncidentSpec {
  id?: string;
  service: string;
  components: Record<string, ComponentStatus>;
  start: string;
  /** Opening; start + 3 min by default. */
  opened?: string;
  /** Vigie's first non-operational status; the opening by default. */
  detected?: string;
  end?: string | null;
  ack?: string | null;
  cause?: IncidentRecord['cause'];
  impact?: IncidentRecord['impact'];
  kind?: 'incident' | 'maintenance';
}

export function incident(s: IncidentSpec): IncidentRecord {
  const start = at(s.start);
  const opened = s.opened ? at(s.opened) : start + 3 * MIN;
  const end = s.end ? at(s.end) : null;
  return {
    id: s.id ?? `inc${++seq}`,
    kind: s.kind ?? 'incident',
    serviceId: s.service,
    name: `${s.service} outage`,
    nameText: null,
    status: end === null ? 'investigating' : 'resolved',
    impact: s.impact ?? (Object.values(s.components).includes('major_outage') ? 'major' : 'minor'),
    cause: s.cause ?? 'unknown',
    origin: 'auto',
    human: false,
    observedStart: start,
    faultStart: null,
    detectedAt: s.detected ? at(s.detected) : opened,
    createdAt: opened,
    updatedAt: end ?? opened,
    monitoringAt: null,
    resolvedAt: end,
    postmortemBody: null,
    postmortemPublishedAt: null,
    scheduledFor: null,
    scheduledUntil: null,
    autoTransitions: true,
    startedAt: s.kind === 'maintenance' ? start : null,
    vendorAckAt: s.ack ? at(s.ack) : null,
    vendorAckSource: s.ack ? 'feed' : null,
    vendorAckText: null,
    silentVendorAt: null,
    peakShare: null,
    peakDetail: null,
    // As the engine leaves them: components back to operational once resolved, the worst in the first update.
    components: Object.keys(s.components).map((componentId) => ({ componentId, status: end === null ? s.components[componentId]! : 'operational', addedAt: opened })),
    updates: [
      {
        id: `u${seq}`,
        incidentId: s.id ?? `inc${seq}`,
        status: 'investigating',
        body: '',
        bodyText: null,
        affected: Object.entries(s.components).map(([componentId, newStatus]) => ({ componentId, oldStatus: 'operational' as const, newStatus })),
        at: opened,
        createdAt: opened,
        author: 'vigie',
      },
    ],
  };
}

export function change(componentId: string, from: ComponentStatus, to: ComponentStatus, iso: string): StatusChangeRecord {
  return { componentId, from, to, at: at(iso) };
}

export function service(id: string, components: string[], extra: Partial<HistoryService> = {}): HistoryService {
  return { id, name: id === 'chatgpt' ? 'ChatGPT' : id[0]!.toUpperCase() + id.slice(1), components: components.map((c) => ({ id: `${id}/${c}`, name: c, dependsOn: [] })), dependsOn: [], slo: null, vendor: null, trackedSince: at('2024-01-01T00:00:00Z'), ...extra };
}

export function input(now: string, services: HistoryService[], incidents: IncidentRecord[], changes: StatusChangeRecord[] = [], extra: Partial<HistoryInput> = {}): HistoryInput {
  return { now: at(now), timeZone: 'UTC', services, incidents, changes, vendorSpans: [], signals: new Map(), ...extra };
}
