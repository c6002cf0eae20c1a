// incident.io-hosted status pages, through their public widget API (enabled per page; its URL is shown in
// the page's "Widget API" settings, e.g. https://status.example.com/proxy/status.example.com/widget/api):
// { ongoing_incidents: [{id, name, status, url, last_update_at, last_update_message, current_worst_impact,
//     affected_components: [{id, name, group_name, current_status}]}],
//   in_progress_maintenances: [...], scheduled_maintenances: [...] }
// The widget lists what is going on, not every component: a page with no ongoing incident is all well.
// incident.io says full_outage where Statuspage says major_outage.
import { z } from 'zod';
import { type ComponentStatus, worst } from '../../core/status.js';
import { incidentStatus, malformed, readJson, textId } from './common.js';
import { isOpenIncidentStatus, type ParseResult, type VendorComponent, type VendorIncident, type VendorParser, parseTime } from './types.js';

const IMPACT_STATUS = { operational: 'operational', degraded_performance: 'degraded_performance', partial_outage: 'partial_outage', full_outage: 'major_outage' } as const;
const impactStatus = z.enum(Object.keys(IMPACT_STATUS) as [keyof typeof IMPACT_STATUS, ...(keyof typeof IMPACT_STATUS)[]]);

const affected = z.looseObject({
  id: z.string(),
  name: z.string(),
  group_name: z.string().nullish(),
  current_status: impactStatus,
});

const event = z.looseObject({
  id: z.string(),
  name: z.string(),
  status: z.string(),
  url: z.string().nullish(),
  last_update_at: z.string().nullish(),
  last_update_message: z.string().nullish(),
  current_worst_impact: impactStatus.nullish(),
  affected_components: z.array(affected).default([]),
  started_at: z.string().nullish(),
  starts_at: z.string().nullish(),
});

export const incidentioWidget = z.looseObject({
  ongoing_incidents: z.array(event),
  in_progress_maintenances: z.array(event).default([]),
  scheduled_maintenances: z.array(event).default([]),
});
export type IncidentioWidget = z.input<typeof incidentioWidget>;

const IMPACT_INDICATOR = { operational: 'none', degraded_performance: 'minor', partial_outage: 'major', full_outage: 'critical' } as const;

export const parseIncidentio: VendorParser = (body): ParseResult => {
  const json = readJson(body);
  if (!json.ok) return json;
  const r = incidentioWidget.safeParse(json.value);
  if (!r.success) return { ok: false, error: malformed(r.error) };
  const w = r.data;
  const components = new Map<string, VendorComponent>();
  const incidents: VendorIncident[] = [];
  const take = (e: z.output<typeof event>, maintenance: boolean, upcoming = false) => {
    // A maintenance that has not started leaves its components as they are.
    for (const c of upcoming ? [] : e.affected_components) {
      const status: ComponentStatus = maintenance ? 'under_maintenance' : IMPACT_STATUS[c.current_status];
      const prev = components.get(c.id);
      components.set(c.id, { name: c.name, status: prev ? worst([prev.status, status]) : status, ...(c.group_name ? { group: c.group_name } : {}) });
    }
    const at = parseTime(e.last_update_at);
    const status = incidentStatus(e.status);
    incidents.push({
      id: e.id,
      name: e.name,
      status,
      impact: maintenance ? 'maintenance' : e.current_worst_impact ? IMPACT_INDICATOR[e.current_worst_impact] : null,
      createdAt: parseTime(e.started_at) ?? parseTime(e.starts_at),
      updatedAt: at,
      url: e.url ?? null,
      // The widget carries only the latest update; earlier ones are kept from earlier polls.
      updates: e.last_update_message ? [{ id: textId(e.id, e.last_update_at, e.last_update_message), status, body: e.last_update_message, at }] : [],
      maintenance,
      open: isOpenIncidentStatus(status),
    });
  };
  for (const e of w.ongoing_incidents) take(e, false);
  for (const e of w.in_progress_maintenances) take(e, true);
  for (const e of w.scheduled_maintenances) take({ ...e, status: 'scheduled' }, true, true);
  const open = w.ongoing_incidents.map((e) => e.current_worst_impact ?? 'degraded_performance');
  const indicator = open.length > 0 ? IMPACT_INDICATOR[open.reduce((a, b) => (IMPACT_ORDER[b] > IMPACT_ORDER[a] ? b : a))] : w.in_progress_maintenances.length > 0 ? 'maintenance' : 'none';
  return {
    ok: true,
    page: {
      indicator,
      description: open.length > 0 ? `${open.length} ongoing incident${open.length === 1 ? '' : 's'}` : indicator === 'maintenance' ? 'Maintenance in progress' : 'No ongoing incidents',
      components: [...components.values()],
      incidents,
    },
  };
};

const IMPACT_ORDER = { operational: 0, degraded_performance: 1, partial_outage: 2, full_outage: 3 } as const;
