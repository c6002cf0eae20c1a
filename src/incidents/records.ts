// Small facts read off an incident record, shared by the engine's parts.
import type { IncidentStatus, MaintenanceStatus } from '../core/incident.js';
import type { IncidentFields, IncidentRecord } from '../store/incidents.js';
import { incidentFigures } from './figures.js';
import type { IncidentView } from './types.js';

/** The author of Vigie's own updates. */
export const VIGIE = 'vigie';

/** Whether a person set this component's status on the incident (its latest change came from an update not written by Vigie). */
export function setByPerson(i: IncidentRecord, componentId: string): boolean {
  let latest: { at: number; author: string } | undefined;
  for (const u of i.updates) if (u.affected.some((a) => a.componentId === componentId) && (!latest || u.at >= latest.at)) latest = u;
  return latest !== undefined && latest.author !== VIGIE;
}

/** When the incident last said something (its newest update, or its opening). */
export function lastSaid(i: IncidentRecord): number {
  return Math.max(i.createdAt, ...i.updates.map((u) => u.at));
}

export function view(r: IncidentRecord): IncidentView {
  return { ...r, figures: incidentFigures(r) };
}

export function statusTimes(i: IncidentRecord, status: IncidentStatus, at: number): Partial<IncidentFields> {
  if (status === i.status) return {};
  if (status === 'monitoring') return { monitoringAt: at };
  if (status === 'resolved') return { resolvedAt: i.resolvedAt ?? at };
  if (status === 'investigating' || status === 'identified') return { resolvedAt: null };
  return {};
}

export function maintenanceTimes(m: IncidentRecord, status: MaintenanceStatus, at: number): Partial<IncidentFields> {
  if (status === m.status) return {};
  if (status === 'in_progress') return { startedAt: m.startedAt ?? at };
  if (status === 'verifying') return { startedAt: m.startedAt ?? at, monitoringAt: at };
  if (status === 'completed') return { resolvedAt: at };
  return {};
}

export function commonService(ids: string[]): string | null {
  const set = new Set(ids);
  return set.size === 1 ? [...set][0]! : null;
}

