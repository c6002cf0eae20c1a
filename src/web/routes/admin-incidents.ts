// Admin API: incidents. Every write by a person takes the incident over from Vigie's automation.
import { z } from 'zod';
import { CAUSES, IMPACTS, INCIDENT_STATUSES } from '../../core/incident.js';
import type { IncidentEngine } from '../../incidents/engine.js';
import { IncidentError } from '../../core/incident.js';
import { componentMap, incidentJson, route, time } from './admin-common.js';

const name = z.string().trim().min(1).max(200);
const body = z.string().trim().min(1).max(20_000).meta({ description: 'Markdown; raw HTML is shown as text' });
const impact = z.enum(IMPACTS);
const cause = z.enum(CAUSES);

export const createIncidentBody = z.strictObject({
  name,
  status: z.enum(['investigating', 'identified', 'monitoring', 'resolved']).default('investigating'),
  body,
  impact: impact.optional(),
  cause: cause.optional(),
  components: componentMap.optional(),
  at: time.optional(),
  faultStart: time.optional(),
});

export const incidentUpdateBody = z.strictObject({
  status: z.enum(INCIDENT_STATUSES).exclude(['postmortem']).optional(),
  body,
  components: componentMap.optional(),
  impact: impact.optional(),
  cause: cause.optional(),
  name: name.optional(),
  at: time.optional(),
});

export const incidentPatchBody = z.strictObject({
  name: name.optional(),
  impact: impact.optional(),
  cause: cause.optional(),
  components: componentMap.optional(),
  removeComponents: z.array(z.string().min(1)).optional(),
  faultStart: time.nullable().optional(),
});

export const resolveBody = z.strictObject({ body: body.optional(), at: time.optional() });
export const postmortemBody = z.strictObject({ body });
export const vendorAckBody = z.strictObject({ at: time, text: z.string().max(2000).optional() });

export const listQuery = z.strictObject({
  status: z.enum(['open', 'all']).default('all'),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

const strip = <T extends Record<string, unknown>>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> };

export function incidentRoutes(engine: IncidentEngine) {
  const get = async (id: string) => {
    const v = await engine.get(id);
    if (!v || v.kind !== 'incident') throw new IncidentError('not_found', `no incident with id "${id}"`);
    return incidentJson(v);
  };
  return [
    route({
      method: 'GET',
      url: '/incidents',
      summary: 'List incidents, most recent first, with their updates and figures',
      tag: 'incidents',
      query: listQuery,
      handler: async ({ query }) => ({ incidents: (await engine.incidents({ open: query.status === 'open', limit: query.limit })).map(incidentJson) }),
    }),
    route({
      method: 'POST',
      url: '/incidents',
      summary: 'Open an incident by hand with its first update',
      tag: 'incidents',
      body: createIncidentBody,
      okStatus: 201,
      handler: async ({ body: b, author }) => incidentJson(await engine.createIncident({ ...strip(b), author })),
    }),
    route({ method: 'GET', url: '/incidents/:id', summary: 'One incident', tag: 'incidents', handler: async ({ params }) => get(params.id!) }),
    route({
      method: 'POST',
      url: '/incidents/:id/updates',
      summary: 'Post an update: body, and optionally a new status, components, impact, cause',
      tag: 'incidents',
      body: incidentUpdateBody,
      okStatus: 201,
      handler: async ({ params, body: b, author }) => incidentJson(await engine.postUpdate(params.id!, { ...strip(b), author })),
    }),
    route({
      method: 'PATCH',
      url: '/incidents/:id',
      summary: 'Change name, impact, cause or affected components (a component change is recorded as an update)',
      tag: 'incidents',
      body: incidentPatchBody,
      handler: async ({ params, body: b, author }) =>
        incidentJson(await engine.patchIncident(params.id!, { ...strip(b), ...(b.faultStart === null ? { faultStart: null } : {}), author })),
    }),
    route({
      method: 'POST',
      url: '/incidents/:id/resolve',
      summary: 'Resolve an incident',
      tag: 'incidents',
      body: resolveBody,
      handler: async ({ params, body: b, author }) => incidentJson(await engine.resolve(params.id!, { ...strip(b), author })),
    }),
    route({
      method: 'POST',
      url: '/incidents/:id/postmortem',
      summary: 'Publish the postmortem of a resolved incident',
      tag: 'incidents',
      body: postmortemBody,
      handler: async ({ params, body: b, author }) => incidentJson(await engine.postmortem(params.id!, { body: b.body, author })),
    }),
    route({
      method: 'POST',
      url: '/incidents/:id/vendor-acknowledgement',
      summary: "Enter by hand when the vendor first acknowledged the problem (for the acknowledgement lag)",
      tag: 'incidents',
      body: vendorAckBody,
      handler: async ({ params, body: b, author }) => incidentJson(await engine.setVendorAcknowledgement(params.id!, { ...strip(b), author })),
    }),
  ];
}
