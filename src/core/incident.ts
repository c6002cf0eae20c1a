// The incident vocabulary, in Statuspage's words so its clients read us unchanged. Pure: no I/O.
// An incident and a scheduled maintenance are the same record (as in Statuspage) with different
// lifecycles: investigating → identified → monitoring → resolved → postmortem for incidents,
// scheduled → in_progress → verifying → completed for maintenance.
import { type ComponentStatus, isOutage } from './status.js';

export const INCIDENT_STATUSES = ['investigating', 'identified', 'monitoring', 'resolved', 'postmortem'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

export const MAINTENANCE_STATUSES = ['scheduled', 'in_progress', 'verifying', 'completed'] as const;
export type MaintenanceStatus = (typeof MAINTENANCE_STATUSES)[number];

export type AnyIncidentStatus = IncidentStatus | MaintenanceStatus;
export const ALL_INCIDENT_STATUSES: readonly AnyIncidentStatus[] = [...INCIDENT_STATUSES, ...MAINTENANCE_STATUSES];

export const IMPACTS = ['none', 'minor', 'major', 'critical'] as const;
export type Impact = (typeof IMPACTS)[number];

export const CAUSES = [
  'software_bug',
  'hardware',
  'network',
  'human_error',
  'traffic_surge',
  'cyberattack',
  'natural_disaster',
  'power',
  'third_party',
  'unknown',
] as const;
export type Cause = (typeof CAUSES)[number];

export type IncidentKind = 'incident' | 'maintenance';

const IMPACT_RANK: Record<Impact, number> = { none: 0, minor: 1, major: 2, critical: 3 };

export function isIncidentStatus(s: unknown): s is IncidentStatus {
  return typeof s === 'string' && (INCIDENT_STATUSES as readonly string[]).includes(s);
}
export function isMaintenanceStatus(s: unknown): s is MaintenanceStatus {
  return typeof s === 'string' && (MAINTENANCE_STATUSES as readonly string[]).includes(s);
}

/** An incident is open until resolved; a maintenance until completed. */
export function isOpenStatus(s: AnyIncidentStatus): boolean {
  return s !== 'resolved' && s !== 'postmortem' && s !== 'completed';
}

export function worseImpact(a: Impact, b: Impact): Impact {
  return IMPACT_RANK[b] > IMPACT_RANK[a] ? b : a;
}

/**
 * The impact the observed statuses justify: major outage everywhere in the service is critical,
 * a major outage somewhere is major, a partial outage minor, anything milder none.
 */
export function impactOf(statuses: ComponentStatus[]): Impact {
  if (statuses.length > 0 && statuses.every((s) => s === 'major_outage')) return statuses.length > 1 ? 'critical' : 'major';
  if (statuses.includes('major_outage')) return 'major';
  if (statuses.some(isOutage)) return 'minor';
  if (statuses.includes('degraded_performance')) return 'minor';
  return 'none';
}

/** Whether a status may follow another. Postmortem only after resolved; reopening a resolved incident is allowed. */
export function canMove(kind: IncidentKind, from: AnyIncidentStatus, to: AnyIncidentStatus): boolean {
  if (kind === 'maintenance') {
    if (!isMaintenanceStatus(to) || !isMaintenanceStatus(from)) return false;
    return from !== 'completed' || to === 'completed';
  }
  if (!isIncidentStatus(to) || !isIncidentStatus(from)) return false;
  if (to === 'postmortem') return from === 'resolved' || from === 'postmortem';
  if (from === 'postmortem') return false; // (to is not postmortem here)
  return true;
}

/** A refused incident or maintenance operation: unknown id, invalid input, or not allowed in its status. */
export class IncidentError extends Error {
  constructor(
    readonly code: 'not_found' | 'invalid' | 'conflict',
    message: string,
    /** The request field at fault, e.g. "components.chatgpt/web". */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'IncidentError';
  }
}
