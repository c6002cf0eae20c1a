// Admin API: scheduled maintenance. It moves scheduled → in_progress → verifying → completed on the
// clock by itself (autoTransitions, default on), or by hand with a status in an update.
import { z } from 'zod';
import { IMPACTS, MAINTENANCE_STATUSES } from '../../core/incident.js';
import type { IncidentEngine } from '../../incidents/engine.js';
import { IncidentError } from '../../core/incident.js';
import { incidentJson, route, time } from './admin-common.js';
import { listQuery } from './admin-incidents.js';

const components = z.array(z.string().min(1)).min(1).meta({ description: 'component ids ("service/component") under maintenance' });

export const createMaintenanceBody = z.strictObject({
  name: z.string().trim().min(1).max(200),
  body: z.string().trim().min(1).max(20_000).optional(),
  components,
  scheduledFor: time,
  scheduledUntil: time,
  impact: z.enum(IMPACTS).optional(),
  autoTransitions: z.boolean().optional(),
});

export const updateMaintenanceBody = z.strictObject({
  status: z.enum(MAINTENANCE_STATUSES).optional(),
  body: z.string().trim().min(1).max(20_000).optional(),
  name: z.string().trim().min(1).max(200).optional(),
  components: components.optional(),
  scheduledFor: time.optional(),
  scheduledUntil: time.optional(),
  autoTransitions: z.boolean().optional(),
});

const strip = <T extends Record<string, unknown>>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> };

export function maintenanceRoutes(engine: IncidentEngine) {
  return [
    route({
      method: 'GET',
      url: '/maintenances',
      summary: 'List scheduled maintenances, most recent first',
      tag: 'maintenance',
      query: listQuery,
      handler: async ({ query }) => ({ maintenances: (await engine.maintenances({ open: query.status === 'open', limit: query.limit })).map(incidentJson) }),
    }),
    route({
      method: 'POST',
      url: '/maintenances',
      summary: 'Schedule a maintenance',
      tag: 'maintenance',
      body: createMaintenanceBody,
      okStatus: 201,
      handler: async ({ body: b, author }) => incidentJson(await engine.createMaintenance({ ...strip(b), author })),
    }),
    route({
      method: 'GET',
      url: '/maintenances/:id',
      summary: 'One maintenance',
      tag: 'maintenance',
      handler: async ({ params }) => {
        const v = await engine.get(params.id!);
        if (!v || v.kind !== 'maintenance') throw new IncidentError('not_found', `no maintenance with id "${params.id}"`);
        return incidentJson(v);
      },
    }),
    route({
      method: 'PATCH',
      url: '/maintenances/:id',
      summary: 'Change a maintenance (times, components, name) or move its status, with an optional update body',
      tag: 'maintenance',
      body: updateMaintenanceBody,
      handler: async ({ params, body: b, author }) => incidentJson(await engine.updateMaintenance(params.id!, { ...strip(b), author })),
    }),
  ];
}
