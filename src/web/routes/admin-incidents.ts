// Admin API: incidents. Every write by a person takes the incident over from Vigie's automation.
import { z } from 'zod';
import { CAUSES, IMPACTS, INCIDENT_STATUSES } from '../../core/incident.js';
import type { IncidentEngine, IncidentView } from '../../incidents/engine.js';
import { IncidentError } from '../../core/incident.js';
import { type AdminContext, componentMap, route, strip, time } from './admin-common.js';
import { incidentJson, incidentResponse } from './admin-incident-json.js';

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
  fault_start: time.optional().meta({ description: 'when the fault really began, where known' }),
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
  remove_components: z.array(z.string().min(1)).optional(),
  fault_start: time.nullable().optional(),
});

export const resolveBody = z.strictObject({ body: body.optional(), at: time.optional() });
export const postmortemBody = z.strictObject({ body });
export const vendorAckBody = z.strictObject({ at: time, text: z.string().max(2000).optional() });

export const listQuery = z.strictObject({
  status: z.enum(['open', 'all']).default('all'),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

export const idParams = z.strictObject({ id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'is not an id (letters, digits, "_" and "-")' }) });
const listResponse = z.strictObject({ incidents: z.array(incidentResponse), unreadable: z.array(z.string()).meta({ description: 'stored rows that could not be read, left out of the list (each names its table, row and fault)' }) });

export function incidentRoutes(engine: IncidentEngine) {
  const get = async (id: string) => {
    const v = await engine.get(id);
    if (!v || v.kind !== 'incident') throw new IncidentError('not_found', `no incident with id "${id}"`);
    return incidentJson(v);
  };
  /** For the audit log: the incident before and after, without its (growing) list of updates but with the newest. */
  const snap = (j: ReturnType<typeof incidentJson> | undefined) => {
    if (!j) return null;
    const { updates, ...rest } = j;
    return { ...rest, last_update: updates.at(-1) ?? null };
  };
  const change = async (id: string, audit: AdminContext<unknown, unknown, unknown>['audit'], run: () => Promise<IncidentView>) => {
    const prior = await engine.get(id);
    const out = incidentJson(await run());
    audit({ target: id, before: snap(prior ? incidentJson(prior) : undefined), after: snap(out) });
    return out;
  };
  return [
    route({
      method: 'GET',
      url: '/incidents',
      operationId: 'listIncidents',
      summary: 'List incidents, most recent first, with their updates and figures',
      tag: 'incidents',
      query: listQuery,
      response: listResponse,
      handler: async ({ query }) => {
        const unreadable: string[] = [];
        const list = await engine.incidents({ open: query.status === 'open', limit: query.limit, onCorrupt: (err) => void unreadable.push(err.message) });
        return { incidents: list.map(incidentJson), unreadable };
      },
    }),
    route({
      method: 'POST',
      url: '/incidents',
      operationId: 'createIncident',
      summary: 'Open an incident by hand with its first update',
      tag: 'incidents',
      body: createIncidentBody,
      response: incidentResponse,
      okStatus: 201,
      handler: async ({ body: { fault_start, ...b }, author, audit }) => {
        const out = incidentJson(await engine.createIncident({ ...strip({ ...b, faultStart: fault_start }), author }));
        audit({ target: out.id, after: snap(out) });
        return out;
      },
    }),
    route({ method: 'GET', url: '/incidents/:id', operationId: 'getIncident', summary: 'One incident', tag: 'incidents', params: idParams, response: incidentResponse, handler: async ({ params }) => get(params.id) }),
    route({
      method: 'POST',
      url: '/incidents/:id/updates',
      operationId: 'postIncidentUpdate',
      params: idParams,
      response: incidentResponse,
      summary: 'Post an update: body, and optionally a new status, components, impact, cause',
      tag: 'incidents',
      body: incidentUpdateBody,
      okStatus: 201,
      handler: async ({ params, body: b, author, audit }) => change(params.id, audit, () => engine.postUpdate(params.id, { ...strip(b), author })),
    }),
    route({
      method: 'PATCH',
      url: '/incidents/:id',
      operationId: 'patchIncident',
      params: idParams,
      response: incidentResponse,
      summary: 'Change name, impact, cause or affected components (a component change is recorded as an update)',
      tag: 'incidents',
      body: incidentPatchBody,
      handler: async ({ params, body: { fault_start, remove_components, ...b }, author, audit }) =>
        change(params.id, audit, () => engine.patchIncident(params.id, { ...strip({ ...b, removeComponents: remove_components, faultStart: fault_start }), ...(fault_start === null ? { faultStart: null } : {}), author })),
    }),
    route({
      method: 'POST',
      url: '/incidents/:id/resolve',
      operationId: 'resolveIncident',
      params: idParams,
      response: incidentResponse,
      summary: 'Resolve an incident',
      tag: 'incidents',
      body: resolveBody,
      handler: async ({ params, body: b, author, audit }) => change(params.id, audit, () => engine.resolve(params.id, { ...strip(b), author })),
    }),
    route({
      method: 'POST',
      url: '/incidents/:id/postmortem',
      operationId: 'publishPostmortem',
      params: idParams,
      response: incidentResponse,
      summary: 'Publish the postmortem of a resolved incident',
      tag: 'incidents',
      body: postmortemBody,
      handler: async ({ params, body: b, author, audit }) => change(params.id, audit, () => engine.postmortem(params.id, { body: b.body, author })),
    }),
    route({
      method: 'POST',
      url: '/incidents/:id/vendor-acknowledgement',
      operationId: 'setVendorAcknowledgement',
      params: idParams,
      response: incidentResponse,
      summary: "Enter by hand when the vendor first acknowledged the problem (for the acknowledgement lag)",
      tag: 'incidents',
      body: vendorAckBody,
      handler: async ({ params, body: b, author, audit }) => change(params.id, audit, () => engine.setVendorAcknowledgement(params.id, { ...strip(b), author })),
    }),
  ];
}
