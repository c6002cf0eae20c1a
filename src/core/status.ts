// The status algebra, in Statuspage's vocabulary so its clients read us unchanged.
// Everything that compares, combines or summarises statuses goes through here.

export const COMPONENT_STATUSES = [
  'operational',
  'degraded_performance',
  'partial_outage',
  'major_outage',
  'under_maintenance',
] as const;
export type ComponentStatus = (typeof COMPONENT_STATUSES)[number];

export const INDICATORS = ['none', 'minor', 'major', 'critical', 'maintenance'] as const;
export type Indicator = (typeof INDICATORS)[number];

const SEVERITY: Record<ComponentStatus, number> = {
  operational: 0,
  // Maintenance is announced, so it ranks below any unannounced degradation.
  under_maintenance: 0.5,
  degraded_performance: 1,
  partial_outage: 2,
  major_outage: 3,
};

export function severity(s: ComponentStatus): number {
  return SEVERITY[s];
}

export function isComponentStatus(s: unknown): s is ComponentStatus {
  return typeof s === 'string' && (COMPONENT_STATUSES as readonly string[]).includes(s);
}

/** The worse of the statuses; operational for none. */
export function worst(statuses: Iterable<ComponentStatus>): ComponentStatus {
  let out: ComponentStatus = 'operational';
  for (const s of statuses) if (SEVERITY[s] > SEVERITY[out]) out = s;
  return out;
}

export function isOutage(s: ComponentStatus): boolean {
  return s === 'partial_outage' || s === 'major_outage';
}

export interface PageStatus {
  indicator: Indicator;
  description: string;
}

/** The page-level indicator and sentence, as Statuspage derives them from its components. */
export function pageStatus(statuses: Iterable<ComponentStatus>): PageStatus {
  const list = [...statuses];
  const w = worst(list);
  switch (w) {
    case 'major_outage':
      return list.every((s) => s === 'major_outage')
        ? { indicator: 'critical', description: 'Major System Outage' }
        : { indicator: 'major', description: 'Partial System Outage' };
    case 'partial_outage':
      return { indicator: 'major', description: 'Partial System Outage' };
    case 'degraded_performance':
      return { indicator: 'minor', description: 'Partially Degraded Service' };
    case 'under_maintenance':
      return { indicator: 'maintenance', description: 'Service Under Maintenance' };
    default:
      return { indicator: 'none', description: 'All Systems Operational' };
  }
}

export const STATUS_LABEL: Record<ComponentStatus, string> = {
  operational: 'Operational',
  degraded_performance: 'Degraded Performance',
  partial_outage: 'Partial Outage',
  major_outage: 'Major Outage',
  under_maintenance: 'Under Maintenance',
};
