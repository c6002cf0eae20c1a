// Instatus public pages. Two public JSON documents, either of which the config may point at:
//   https://status.example.com/summary.json
//     { page: {name, url, status: UP | HASISSUES | UNDERMAINTENANCE},
//       activeIncidents: [{id, name, started, status: INVESTIGATING…, impact: MAJOROUTAGE…, url, updatedAt}],
//       activeMaintenances: [{id, name, start, status: NOTSTARTEDYET | INPROGRESS | COMPLETED, duration, url, updatedAt}] }
//   https://status.example.com/v2/components.json
//     { components: [{id, name, status: OPERATIONAL…, group?, children?: [...]}] }
// Statuses are upper case without separators; MINOROUTAGE sits between degraded and partial.
import { z } from 'zod';
import type { ComponentStatus, Indicator } from '../../core/status.js';
import { incidentStatus, malformed, readJson } from './common.js';
import { isOpenIncidentStatus, type ParseResult, type VendorComponent, type VendorIncident, type VendorParser, parseTime } from './types.js';

const COMPONENT: Record<string, ComponentStatus> = {
  OPERATIONAL: 'operational',
  UNDERMAINTENANCE: 'under_maintenance',
  DEGRADEDPERFORMANCE: 'degraded_performance',
  MINOROUTAGE: 'partial_outage',
  PARTIALOUTAGE: 'partial_outage',
  MAJOROUTAGE: 'major_outage',
};
const IMPACT: Record<string, Indicator> = {
  OPERATIONAL: 'none',
  UNDERMAINTENANCE: 'maintenance',
  DEGRADEDPERFORMANCE: 'minor',
  MINOROUTAGE: 'minor',
  PARTIALOUTAGE: 'major',
  MAJOROUTAGE: 'critical',
};
const PAGE_STATUS = { UP: 'none', HASISSUES: 'major', UNDERMAINTENANCE: 'maintenance' } as const;

const componentStatus = z.string().refine((s) => Object.hasOwn(COMPONENT, s.toUpperCase()), { message: `must be one of ${Object.keys(COMPONENT).join(', ')}` });

interface InstatusComponent {
  id?: string | undefined;
  name: string;
  status: string;
  group?: { name?: string | undefined } | null | undefined;
  children?: InstatusComponent[] | undefined;
}
const component: z.ZodType<InstatusComponent> = z.lazy(() =>
  z.looseObject({
    id: z.string().optional(),
    name: z.string(),
    status: componentStatus,
    group: z.looseObject({ name: z.string().optional() }).nullish(),
    children: z.array(component).optional(),
  }),
);

const active = z.looseObject({
  id: z.string().optional(),
  name: z.string(),
  status: z.string(),
  impact: z.string().nullish(),
  started: z.string().nullish(),
  start: z.string().nullish(),
  url: z.string().nullish(),
  updatedAt: z.string().nullish(),
});

export const instatusDocument = z
  .looseObject({
    page: z.looseObject({ name: z.string(), url: z.string().optional(), status: z.enum(['UP', 'HASISSUES', 'UNDERMAINTENANCE']) }).optional(),
    activeIncidents: z.array(active).optional(),
    activeMaintenances: z.array(active).optional(),
    components: z.array(component).optional(),
  })
  .refine((d) => d.page !== undefined || d.components !== undefined, { message: 'neither a summary (page) nor a component list (components)' });
export type InstatusDocument = z.input<typeof instatusDocument>;

export const parseInstatus: VendorParser = (body): ParseResult => {
  const json = readJson(body);
  if (!json.ok) return json;
  const r = instatusDocument.safeParse(json.value);
  if (!r.success) return { ok: false, error: malformed(r.error) };
  const d = r.data;
  const components: VendorComponent[] = [];
  const walk = (list: InstatusComponent[], group?: string) => {
    for (const c of list) {
      if (c.children && c.children.length > 0) walk(c.children, c.name);
      else components.push({ name: c.name, status: COMPONENT[c.status.toUpperCase()]!, ...((group ?? c.group?.name) ? { group: (group ?? c.group?.name)! } : {}) });
    }
  };
  walk(d.components ?? []);
  const toIncident = (a: z.output<typeof active>, i: number, maintenance: boolean): VendorIncident => ({
    id: a.id ?? a.url ?? `${maintenance ? 'maintenance' : 'incident'}-${i}-${a.name}`,
    name: a.name,
    status: incidentStatus(a.status),
    impact: maintenance ? 'maintenance' : (IMPACT[(a.impact ?? '').toUpperCase()] ?? null),
    createdAt: parseTime(a.started) ?? parseTime(a.start),
    updatedAt: parseTime(a.updatedAt),
    url: a.url ?? null,
    updates: [],
    maintenance,
    open: isOpenIncidentStatus(incidentStatus(a.status)),
  });
  const incidents = [...(d.activeIncidents ?? []).map((a, i) => toIncident(a, i, false)), ...(d.activeMaintenances ?? []).map((a, i) => toIncident(a, i, true))];
  const indicator: Indicator | null = d.page ? PAGE_STATUS[d.page.status] : null;
  return {
    ok: true,
    page: {
      indicator,
      description: d.page ? { UP: 'All Systems Operational', HASISSUES: 'Has issues', UNDERMAINTENANCE: 'Under maintenance' }[d.page.status] : null,
      components,
      incidents,
    },
  };
};
