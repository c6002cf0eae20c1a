// Scheduled maintenance: people schedule and change it; on the clock it moves scheduled → in_progress
// → verifying → completed (when its auto transitions are on), and the engine is told which components
// are under maintenance now.
import { IncidentError, type MaintenanceStatus, canMove } from '../core/incident.js';
import { type IncidentFields, newPublicId } from '../store/incidents.js';
import { blankFields } from './blank.js';
import { drafted, maintenanceBody, maintenanceScheduled } from './drafts.js';
import type { EngineMemory } from './memory.js';
import { VIGIE, commonService, maintenanceTimes } from './records.js';
import type { CreateMaintenanceInput, MaintenanceUpdateInput } from './types.js';

/** A new maintenance window; returns its id. */
export async function createMaintenance(mem: EngineMemory, input: CreateMaintenanceInput, at: number): Promise<string> {
  if (!(input.scheduledUntil > input.scheduledFor)) throw new IncidentError('invalid', 'scheduledUntil must be after scheduledFor', 'scheduledUntil');
  const ids = mem.checkComponentIds(input.components, 'components');
  const id = newPublicId();
  await mem.db.write({
    id,
    create: {
      ...blankFields(at),
      kind: 'maintenance',
      serviceId: commonService(ids.map((c) => mem.components.get(c)!.serviceId)),
      name: input.name,
      status: 'scheduled',
      impact: input.impact ?? 'none',
      origin: 'manual',
      human: true,
      scheduledFor: input.scheduledFor,
      scheduledUntil: input.scheduledUntil,
      autoTransitions: input.autoTransitions ?? true,
    },
    components: ids.map((c) => ({ componentId: c, status: 'under_maintenance', addedAt: at })),
    update: { status: 'scheduled', ...(input.body !== undefined ? { body: input.body } : drafted(maintenanceScheduled(input.scheduledFor, input.scheduledUntil))), affected: [], at, author: input.author },
  });
  return id;
}

export async function updateMaintenance(mem: EngineMemory, id: string, input: MaintenanceUpdateInput, at: number): Promise<string> {
  const m = await mem.mustGet(id, 'maintenance');
  const status = input.status ?? (m.status as MaintenanceStatus);
  if (!canMove('maintenance', m.status, status)) throw new IncidentError('conflict', `a maintenance cannot go from ${m.status} to ${status}`, 'status');
  const from = input.scheduledFor ?? m.scheduledFor!;
  const until = input.scheduledUntil ?? m.scheduledUntil!;
  if (!(until > from)) throw new IncidentError('invalid', 'scheduledUntil must be after scheduledFor', 'scheduledUntil');
  const ids = input.components ? mem.checkComponentIds(input.components, 'components') : undefined;
  const patch: Partial<IncidentFields> = {
    status,
    updatedAt: at,
    scheduledFor: from,
    scheduledUntil: until,
    ...(input.name !== undefined ? { name: input.name, nameText: null } : {}),
    ...(input.autoTransitions !== undefined ? { autoTransitions: input.autoTransitions } : {}),
    ...maintenanceTimes(m, status, at),
  };
  await mem.db.write({
    id,
    patch,
    ...(ids ? { components: ids.map((c) => ({ componentId: c, status: 'under_maintenance' as const, addedAt: at })), removeComponents: m.components.map((c) => c.componentId).filter((c) => !ids.includes(c)) } : {}),
    ...(input.body !== undefined || status !== m.status ? { update: { status, ...(input.body !== undefined ? { body: input.body } : drafted(maintenanceBody(status))), affected: [], at, author: input.author } } : {}),
  });
  return id;
}

/** Moves maintenance windows along on the clock, and tells which components are under maintenance when that changes. */
export async function moveMaintenance(mem: EngineMemory, now: number): Promise<void> {
  const open = await mem.db.list({ kind: 'maintenance', open: true, limit: 1000 });
  for (const m of open) {
    if (!m.autoTransitions || m.scheduledFor === null || m.scheduledUntil === null) continue;
    let next: MaintenanceStatus | undefined;
    if (m.status === 'scheduled' && now >= m.scheduledUntil) next = 'verifying';
    else if (m.status === 'scheduled' && now >= m.scheduledFor) next = 'in_progress';
    else if (m.status === 'in_progress' && now >= m.scheduledUntil) next = 'verifying';
    else if (m.status === 'verifying' && now >= Math.max(m.scheduledUntil, m.updatedAt) + mem.settings.maintenanceVerifyMs) next = 'completed';
    if (!next) continue;
    await mem.db.write({ id: m.id, patch: { status: next, updatedAt: now, ...maintenanceTimes(m, next, now) }, update: { status: next, ...drafted(maintenanceBody(next)), affected: [], at: now, author: VIGIE } });
    m.status = next;
  }
  const set = new Set(open.filter((m) => m.status === 'in_progress').flatMap((m) => m.components.map((c) => c.componentId)));
  if (set.size !== mem.maintenanceSet.size || [...set].some((id) => !mem.maintenanceSet.has(id))) {
    mem.maintenanceSet = set;
    mem.opts.onMaintenanceChange?.(new Set(set), now);
  }
}
