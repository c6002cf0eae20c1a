// Outages as the history counts them: incidents (not maintenances) whose worst status is a partial or
// major outage. The figures of each come from src/incidents/figures.ts, the one place they are defined.
import type { Cause, Impact } from '../core/incident.js';
import { type ComponentStatus, isOutage, worst } from '../core/status.js';
import { type IncidentFigures, incidentFigures } from '../incidents/figures.js';
import type { IncidentRecord } from '../store/incidents.js';

export interface Outage {
  id: string;
  name: string;
  serviceId: string | null;
  /** Worst status each affected component reached in this incident. */
  components: Map<string, ComponentStatus>;
  /** Observed start (or opening, when nothing was observed). */
  start: number;
  /** Resolution; null while ongoing. */
  end: number | null;
  worst: ComponentStatus;
  /** A major outage somewhere, or an impact of major or critical. */
  major: boolean;
  impact: Impact;
  cause: Cause;
  figures: IncidentFigures;
}

const IMPACT_STATUS: Record<Impact, ComponentStatus> = { none: 'degraded_performance', minor: 'partial_outage', major: 'major_outage', critical: 'major_outage' };

/** Worst status per component over the incident's life: its current one and every update's. */
export function componentWorst(i: IncidentRecord): Map<string, ComponentStatus> {
  const out = new Map<string, ComponentStatus>();
  const see = (id: string, s: ComponentStatus) => out.set(id, worst([out.get(id) ?? 'operational', s]));
  for (const c of i.components) see(c.componentId, c.status);
  for (const u of i.updates) for (const a of u.affected) if (out.has(a.componentId) || i.components.length === 0) see(a.componentId, a.newStatus);
  return out;
}

export function toOutage(i: IncidentRecord): Outage | null {
  if (i.kind !== 'incident') return null;
  const components = componentWorst(i);
  // An incident declared without component statuses still says how bad it was through its impact.
  const w = worst([...components.values(), components.size === 0 || [...components.values()].every((s) => s === 'operational') ? IMPACT_STATUS[i.impact] : 'operational']);
  if (!isOutage(w)) return null;
  const figures = incidentFigures(i);
  return {
    id: i.id,
    name: i.name,
    serviceId: i.serviceId,
    components,
    start: figures.observedStart ?? i.createdAt,
    end: i.resolvedAt,
    worst: w,
    major: w === 'major_outage' || i.impact === 'major' || i.impact === 'critical',
    impact: i.impact,
    cause: i.cause,
    figures,
  };
}

/** Every outage among the records, oldest first. */
export function outagesOf(incidents: readonly IncidentRecord[]): Outage[] {
  return incidents
    .map(toOutage)
    .filter((o): o is Outage => o !== null)
    .sort((a, b) => a.start - b.start || a.id.localeCompare(b.id));
}

/** The service an outage belongs to: its own, or that of its first component. */
export function serviceOf(o: Outage): string | null {
  if (o.serviceId) return o.serviceId;
  const first = o.components.keys().next();
  return first.done ? null : first.value.split('/')[0]!;
}
