// Atlassian Statuspage, API v2: GET https://status.example.com/api/v2/summary.json
// { page: {id, name, url, updated_at}, status: {indicator, description},
//   components: [{id, name, status, group, group_id, …}],
//   incidents: [{id, name, status, impact, created_at, updated_at, shortlink, incident_updates: [{id, status, body, created_at, display_at}]}],
//   scheduled_maintenances: [same as incidents, with scheduled_for/scheduled_until] }
// Component groups come as components with group: true; their children name them in group_id.
// `incidents` holds only unresolved incidents; fields we do not read are let through untouched.
import { z } from 'zod';
import { COMPONENT_STATUSES, INDICATORS } from '../../core/status.js';
import { incidentStatus, malformed, readJson, textId } from './common.js';
import { isOpenIncidentStatus, type ParseResult, type VendorIncident, type VendorParser, parseTime } from './types.js';

const time = z.string().nullish();

const update = z.looseObject({
  id: z.string().optional(),
  status: z.string(),
  body: z.string().nullish(),
  created_at: time,
  display_at: time,
});

const incident = z.looseObject({
  id: z.string(),
  name: z.string(),
  status: z.string(),
  impact: z.enum(INDICATORS).nullish(),
  created_at: time,
  updated_at: time,
  shortlink: z.string().nullish(),
  incident_updates: z.array(update).default([]),
});

const component = z.looseObject({
  id: z.string(),
  name: z.string(),
  status: z.enum(COMPONENT_STATUSES),
  group: z.boolean().optional(),
  group_id: z.string().nullish(),
});

export const statuspageSummary = z.looseObject({
  page: z.looseObject({ id: z.string().optional(), name: z.string(), url: z.string().optional(), updated_at: time }),
  status: z.looseObject({ indicator: z.enum(INDICATORS), description: z.string() }),
  components: z.array(component),
  incidents: z.array(incident),
  scheduled_maintenances: z.array(incident).default([]),
});
export type StatuspageSummary = z.input<typeof statuspageSummary>;

function toIncident(i: z.output<typeof incident>, maintenance: boolean): VendorIncident {
  const updates = i.incident_updates
    .map((u) => {
      const at = parseTime(u.display_at) ?? parseTime(u.created_at);
      return { id: u.id ?? textId(i.id, u.status, u.created_at, u.body), status: incidentStatus(u.status), body: u.body ?? '', at };
    })
    .sort((a, b) => (a.at ?? 0) - (b.at ?? 0));
  return {
    id: i.id,
    name: i.name,
    status: incidentStatus(i.status),
    impact: i.impact ?? null,
    createdAt: parseTime(i.created_at),
    updatedAt: parseTime(i.updated_at),
    url: i.shortlink ?? null,
    updates,
    maintenance,
    open: isOpenIncidentStatus(incidentStatus(i.status)),
  };
}

export const parseStatuspage: VendorParser = (body): ParseResult => {
  const json = readJson(body);
  if (!json.ok) return json;
  const r = statuspageSummary.safeParse(json.value);
  if (!r.success) return { ok: false, error: malformed(r.error) };
  const s = r.data;
  const groups = new Map(s.components.filter((c) => c.group === true).map((c) => [c.id, c.name]));
  return {
    ok: true,
    page: {
      indicator: s.status.indicator,
      description: s.status.description,
      components: s.components
        .filter((c) => c.group !== true)
        .map((c) => {
          const group = c.group_id ? groups.get(c.group_id) : undefined;
          return { name: c.name, status: c.status, ...(group !== undefined ? { group } : {}) };
        }),
      incidents: [...s.incidents.map((i) => toIncident(i, false)), ...s.scheduled_maintenances.map((i) => toIncident(i, true))],
    },
  };
};
