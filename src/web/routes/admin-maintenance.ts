// Admin API: scheduled maintenance. It moves scheduled → in_progress → verifying → completed on the
// clock by itself (auto_transitions, default on), or by hand with a status in an update.
import { z } from 'zod';
import { IMPACTS, MAINTENANCE_STATUSES } from '../../core/incident.js';
import type { IncidentEngine } from '../../incidents/engine.js';
import { IncidentError } from '../../core/incident.js';
import { route, strip, time } from './admin-common.js';
import { incidentJson, incidentResponse } from './admin-incident-json.js';
import { idParams, listQuery } from './admin-incidents.js';

const components = z.array(z.string().min(1)).min(1).meta({ description: 'component ids ("service/component") under maintenance' });

export const createMaintenanceBody = z.strictObject({
  name: z.string().trim().min(1).max(200),
  body: z.string().trim().min(1).max(20_000).optional(),
  components,
  scheduled_for: time,
  scheduled_until: time,
  impact: z.enum(IMPACTS).optional(),
  auto_transitions: z.boolean().optional(),
});

export const updateMaintenanceBody = z.strictObject({
  status: z.enum(MAINTENANCE_STATUSES).optional(),
  body: z.string().trim().min(1).max(20_000).optional(),
  name: z.string().trim().min(1).max(200).optional(),
  components: components.optional(),
  scheduled_for: time.optional(),
  scheduled_until: time.optional(),
  auto_transitions: z.boolean().optional(),
});

const listResponse = z.strictObject({ maintenances: z.array(incidentResponse), unreadable: z.array(z.string()).meta({ description: 'stored rows that could not be read, left out of the list (each names its table, row and fault)' }) });
/** The engine's names for the API's snake_case fields. */
const engineFields = <T extends { scheduled_for?: number; scheduled_until?: number; auto_transitions?: boolean }>({ scheduled_for, scheduled_until, auto_transitions, ...rest }: T) =>
  strip({ ...rest, scheduledFor: scheduled_for, scheduledUntil: scheduled_until, autoTransitions: auto_transitions });

export function maintenanceRoutes(engine: IncidentEngine) {
  return [
    route({
      method: 'GET',
      url: '/maintenances',
      operationId: 'listMaintenances',
      summary: 'List scheduled maintenances, most recent first',
      tag: 'maintenance',
      query: listQuery,
      response: listResponse,
      handler: async ({ query }) => {
        const unreadable: string[] = [];
        const list = await engine.maintenances({ open: query.status === 'open', limit: query.limit, onCorrupt: (err) => void unreadable.push(err.message) });
        return { maintenances: list.map(incidentJson), unreadable };
      },
    }),
    route({
      method: 'POST',
      url: '/maintenances',
      operationId: 'createMaintenance',
      summary: 'Schedule a maintenance',
      tag: 'maintenance',
      body: createMaintenanceBody,
      response: incidentResponse,
      okStatus: 201,
      handler: async ({ body: b, author }) => incidentJson(await engine.createMaintenance({ ...engineFields(b), author })),
    }),
    route({
      method: 'GET',
      url: '/maintenances/:id',
      operationId: 'getMaintenance',
      summary: 'One maintenance',
      tag: 'maintenance',
      params: idParams,
      response: incidentResponse,
      handler: async ({ params }) => {
        const v = await engine.get(params.id);
        if (!v || v.kind !== 'maintenance') throw new IncidentError('not_found', `no maintenance with id "${params.id}"`);
        return incidentJson(v);
      },
    }),
    route({
      method: 'PATCH',
      url: '/maintenances/:id',
      operationId: 'patchMaintenance',
      params: idParams,
      response: incidentResponse,
      summary: 'Change a maintenance (times, components, name) or move its status, with an optional update body',
      tag: 'maintenance',
      body: updateMaintenanceBody,
      handler: async ({ params, body: b, author }) => incidentJson(await engine.updateMaintenance(params.id, { ...engineFields(b), author })),
    }),
  ];
}
