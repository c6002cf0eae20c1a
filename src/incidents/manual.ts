// People's writes to incidents (admin API, CLI): writing one, posting an update (a person's update
// takes the incident over: the automatic part never writes to it again), changing its fields and
// components, publishing a postmortem, entering the vendor's acknowledgement by hand.
import { IncidentError, type IncidentStatus, canMove, impactOf } from '../core/incident.js';
import { newPublicId } from '../store/incidents.js';
import { blankFields } from './blank.js';
import type { EngineMemory } from './memory.js';
import { commonService, statusTimes } from './records.js';
import type { CreateIncidentInput, IncidentPatchInput, IncidentUpdateInput } from './types.js';

/** A new incident; returns its id. */
export async function createIncident(mem: EngineMemory, input: CreateIncidentInput): Promise<string> {
  const at = input.at ?? mem.clock.now();
  const comps = mem.checkComponents(input.components ?? {});
  const id = newPublicId();
  const status = input.status ?? 'investigating';
  if (status === 'postmortem') throw new IncidentError('invalid', 'a new incident cannot start in postmortem', 'status');
  const serviceId = input.serviceId ?? commonService(comps.map((c) => mem.components.get(c.componentId)!.serviceId));
  const observed = comps.map((c) => mem.state.get(c.componentId)?.nonOpSince).filter((t): t is number => t != null);
  const detected = comps.map((c) => mem.state.get(c.componentId)?.detectedAt).filter((t): t is number => t != null);
  await mem.db.write({
    id,
    create: {
      ...blankFields(at),
      kind: 'incident',
      serviceId,
      name: input.name,
      status,
      impact: input.impact ?? impactOf(comps.map((c) => c.status)),
      cause: input.cause ?? 'unknown',
      origin: 'manual',
      human: true,
      observedStart: observed.length > 0 ? Math.min(...observed) : null,
      detectedAt: detected.length > 0 ? Math.min(...detected) : null,
      faultStart: input.faultStart ?? null,
      monitoringAt: status === 'monitoring' ? at : null,
      resolvedAt: status === 'resolved' ? at : null,
    },
    components: comps.map((c) => ({ ...c, addedAt: at })),
    update: { status, body: input.body, affected: comps.map((c) => ({ componentId: c.componentId, oldStatus: mem.observed(c.componentId), newStatus: c.status })), at, author: input.author },
  });
  return id;
}

/** A human's update: takes the incident over (auto never writes to it again). */
export async function postUpdate(mem: EngineMemory, id: string, input: IncidentUpdateInput): Promise<string> {
  const i = await mem.mustGet(id, 'incident');
  const at = input.at ?? mem.clock.now();
  const status = input.status ?? (i.status as IncidentStatus);
  if (!canMove('incident', i.status, status)) throw new IncidentError('conflict', `an incident cannot go from ${i.status} to ${status}`, 'status');
  const comps = mem.checkComponents(input.components ?? {});
  await mem.db.write({
    id,
    patch: {
      human: true,
      status,
      updatedAt: at,
      ...(input.name !== undefined ? { name: input.name, nameText: null } : {}),
      ...(input.impact !== undefined ? { impact: input.impact } : {}),
      ...(input.cause !== undefined ? { cause: input.cause } : {}),
      ...statusTimes(i, status, at),
    },
    components: comps.map((c) => ({ ...c, addedAt: at })),
    update: { status, body: input.body, bodyText: input.bodyText ?? null, affected: mem.affectedFor(i, comps), at, author: input.author },
  });
  return id;
}

export async function patchIncident(mem: EngineMemory, id: string, input: IncidentPatchInput): Promise<string> {
  const i = await mem.mustGet(id, 'incident');
  const at = mem.clock.now();
  const comps = mem.checkComponents(input.components ?? {});
  for (const [n, c] of (input.removeComponents ?? []).entries())
    if (!i.components.some((x) => x.componentId === c)) throw new IncidentError('invalid', `component "${c}" is not on this incident`, `removeComponents.${n}`);
  const affected = mem.affectedFor(i, comps);
  await mem.db.write({
    id,
    patch: {
      human: true,
      updatedAt: at,
      ...(input.name !== undefined ? { name: input.name, nameText: null } : {}),
      ...(input.impact !== undefined ? { impact: input.impact } : {}),
      ...(input.cause !== undefined ? { cause: input.cause } : {}),
      ...(input.faultStart !== undefined ? { faultStart: input.faultStart } : {}),
    },
    components: comps.map((c) => ({ ...c, addedAt: at })),
    ...(input.removeComponents?.length ? { removeComponents: input.removeComponents } : {}),
    // Affected components only exist on updates (as in Statuspage): a change of them is one.
    ...(affected.length > 0 ? { update: { status: i.status, body: '', affected, at, author: input.author } } : {}),
  });
  return id;
}

export async function postmortem(mem: EngineMemory, id: string, input: { body: string; at?: number; author: string }): Promise<string> {
  const i = await mem.mustGet(id, 'incident');
  if (i.status !== 'resolved' && i.status !== 'postmortem') throw new IncidentError('conflict', `a postmortem needs a resolved incident (this one is ${i.status})`, 'status');
  const at = input.at ?? mem.clock.now();
  await mem.db.write({
    id,
    patch: { human: true, status: 'postmortem', postmortemBody: input.body, postmortemPublishedAt: at, updatedAt: at },
    update: { status: 'postmortem', body: input.body, affected: [], at, author: input.author },
  });
  return id;
}

/** The vendor's acknowledgement time entered by hand for this incident (replaces what the feed said). */
export async function setVendorAcknowledgement(mem: EngineMemory, id: string, input: { at: number; text?: string; author: string }): Promise<string> {
  await mem.mustGet(id, 'incident');
  await mem.db.write({ id, patch: { vendorAckAt: input.at, vendorAckSource: 'manual', vendorAckText: input.text ?? null, updatedAt: mem.clock.now() } });
  return id;
}
