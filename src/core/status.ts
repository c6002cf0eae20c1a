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

/** Statuspage's words for each indicator (the page's own languages are in src/i18n). */
export const INDICATOR_DESCRIPTION: Record<Indicator, string> = {
  none: 'All Systems Operational',
  maintenance: 'Service Under Maintenance',
  minor: 'Partially Degraded Service',
  major: 'Partial System Outage',
  critical: 'Major System Outage',
};

// Maintenance is announced, so it ranks just above all-clear and below any unannounced trouble.
const INDICATOR_RANK: Record<Indicator, number> = { none: 0, maintenance: 1, minor: 2, major: 3, critical: 4 };

export function indicatorRank(i: Indicator): number {
  return INDICATOR_RANK[i];
}

/** The impact of an incident, in Statuspage's words (the same values as core/incident.ts's Impact). */
export type IncidentImpact = 'none' | 'minor' | 'major' | 'critical';

export interface PageInput {
  /** Each service's components' statuses (as shown: observed, or declared by an open incident when worse). */
  services: Iterable<ComponentStatus>[];
  /** The impact of every unresolved incident (not maintenance). */
  openIncidentImpacts?: Iterable<IncidentImpact>;
}

/** The indicator the components alone justify: a service whose every component is in major outage is critical. */
function componentIndicator(services: ComponentStatus[][]): Indicator {
  const all = services.flat();
  if (services.some((s) => s.length > 0 && s.every((x) => x === 'major_outage'))) return 'critical';
  switch (worst(all)) {
    case 'major_outage':
    case 'partial_outage':
      return 'major';
    case 'degraded_performance':
      return 'minor';
    case 'under_maintenance':
      return 'maintenance';
    default:
      return 'none';
  }
}

/** An unresolved incident keeps the page from all-clear until it is resolved, whatever its impact (as Statuspage does). */
function incidentIndicator(impact: IncidentImpact): Indicator {
  return impact === 'none' ? 'minor' : impact;
}

/**
 * The page-level indicator and sentence, the one rule behind the banner, status.json, the badges and the
 * feeds: the worse of what the components show and what unresolved incidents declare (Statuspage raises
 * the indicator to an unresolved incident's impact). A flat list counts as one service.
 */
export function pageStatus(input: Iterable<ComponentStatus> | PageInput): PageStatus {
  const p: PageInput = isPageInput(input) ? input : { services: [input] };
  let indicator = componentIndicator(p.services.map((s) => [...s]));
  for (const impact of p.openIncidentImpacts ?? []) {
    const i = incidentIndicator(impact);
    if (INDICATOR_RANK[i] > INDICATOR_RANK[indicator]) indicator = i;
  }
  return { indicator, description: INDICATOR_DESCRIPTION[indicator] };
}

function isPageInput(x: Iterable<ComponentStatus> | PageInput): x is PageInput {
  return typeof x === 'object' && x !== null && 'services' in x && !(Symbol.iterator in x);
}

export const STATUS_LABEL: Record<ComponentStatus, string> = {
  operational: 'Operational',
  degraded_performance: 'Degraded Performance',
  partial_outage: 'Partial Outage',
  major_outage: 'Major Outage',
  under_maintenance: 'Under Maintenance',
};
