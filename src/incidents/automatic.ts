// The incident engine's automatic part: it follows each component's status, opens an incident when a
// service's components stay in outage past the grace period (one incident for those failing together),
// keeps the incident's updates, title and impact in step with them, moves it to monitoring and back,
// resolves it after the resolve hold, and says where things stand when nothing new has been said for a
// while. Never on an incident a person has written to (beyond keeping its record straight).
import { type IncidentStatus, impactOf, worseImpact } from '../core/incident.js';
import { isOutage } from '../core/status.js';
import type { StatusChange } from '../detect/detector.js';
import { type IncidentComponent, type IncidentRecord, newPublicId } from '../store/incidents.js';
import { blankFields } from './blank.js';
import { type StillMember, drafted, draftedName, memberBody, openBody, plainReason, resolvedBody, stillBody, title } from './drafts.js';
import type { EngineMemory } from './memory.js';
import { VIGIE, lastSaid, setByPerson } from './records.js';
import type { ComponentInfo } from './types.js';

/** How long a vendor's word before the incident still counts as its acknowledgement. */
const ACK_MEMORY_MS = 6 * 3_600_000;

/** A component's status changed: remember it, and tell its service's open incident. */
export async function followChange(mem: EngineMemory, c: StatusChange): Promise<void> {
  const s = mem.componentState(c.componentId);
  s.status = c.to;
  s.reason = c.reason;
  s.text = c.reasonText ?? plainReason(c.reason);
  if (c.affected) s.affected = c.affected;
  if (c.to === 'operational' || c.to === 'under_maintenance') {
    s.nonOpSince = null;
    s.detectedAt = null;
    s.outageSince = null;
    s.operationalSince ??= c.at;
  } else {
    // The outage was observed from its first failed check, not from when hysteresis confirmed it.
    s.nonOpSince ??= Math.min(c.at, c.observedSince ?? c.at);
    s.detectedAt ??= c.at;
    s.operationalSince = null;
    s.outageSince = isOutage(c.to) ? (s.outageSince ?? c.at) : null;
  }
  const info = mem.components.get(c.componentId);
  if (info) {
    const open = await mem.openIncidentFor(info.serviceId);
    if (open) await followIncident(mem, open, c, info);
  }
}

/** An open incident of the component's service sees one of its components change. */
async function followIncident(mem: EngineMemory, i: IncidentRecord, c: StatusChange, info: ComponentInfo): Promise<void> {
  const member = i.components.find((x) => x.componentId === c.componentId);
  if (!member && !isOutage(c.to)) return;
  const peak = mem.peak(i, c);
  const components: IncidentComponent[] = [{ componentId: c.componentId, status: c.to, addedAt: c.at }];
  if (i.human) {
    // A status a person declared stands until a person changes it (it shows as declared beside the observed one).
    await mem.db.write({ id: i.id, patch: { ...peak }, components: member && setByPerson(i, c.componentId) ? [] : components });
    return;
  }
  const statuses = new Map(i.components.map((x) => [x.componentId, x.status]));
  statuses.set(c.componentId, c.to);
  const anyOutage = [...statuses.values()].some(isOutage);
  let status = i.status as IncidentStatus;
  const label = `${info.serviceName} ${info.name}`;
  let move: 'again' | 'recovering' | null = null;
  if (anyOutage && status === 'monitoring') {
    status = 'investigating';
    move = 'again';
  } else if (!anyOutage && (status === 'investigating' || status === 'identified')) {
    status = 'monitoring';
    move = 'recovering';
  } else if (status === 'resolved') {
    // Resolved already (a reopened outage gets its own incident): keep the record straight, say nothing.
    await mem.db.write({ id: i.id, patch: { ...peak }, components: member ? components : [] });
    return;
  }
  const body = memberBody(label, member !== undefined, c.to, c.reasonText ?? plainReason(c.reason), c.at, move);
  // The title follows its components while Vigie wrote it: a component joining, or all of them down now.
  const ids = [...i.components.map((x) => x.componentId), ...(member ? [] : [c.componentId])];
  const allMajor = ids.every((id) => statuses.get(id) === 'major_outage');
  const retitle = i.nameText !== null && i.serviceId !== null && (!member || (allMajor && c.to === 'major_outage'));
  const named = retitle ? draftedName(title(mem.serviceName(i.serviceId!), ids.map((id) => mem.components.get(id)?.name ?? id), allMajor)) : undefined;
  const impact = worseImpact(i.impact, mem.serviceImpact(i, statuses));
  await mem.db.write({
    id: i.id,
    patch: { status, impact, updatedAt: c.at, ...peak, ...(named && named.nameText !== i.nameText ? named : {}), ...(status === 'monitoring' && i.status !== 'monitoring' ? { monitoringAt: c.at } : {}) },
    components,
    update: { status, ...drafted(body), affected: [{ componentId: c.componentId, oldStatus: c.from, newStatus: c.to }], at: c.at, author: VIGIE },
  });
}

/** Opens one incident per service whose components have been in outage past the grace period. */
export async function openDue(mem: EngineMemory, now: number): Promise<void> {
  const due = new Map<string, string[]>();
  for (const [id, s] of mem.state) {
    if (s.outageSince === null || now - s.outageSince < mem.settings.graceMs) continue;
    const info = mem.components.get(id);
    if (!info) continue;
    due.set(info.serviceId, [...(due.get(info.serviceId) ?? []), id]);
  }
  for (const serviceId of due.keys()) {
    if (await mem.openIncidentFor(serviceId)) continue; // followIncident keeps that one up to date
    // Every component of the service in outage now joins, past its grace period or not: they fail together.
    const ids = [...mem.state].filter(([id, s]) => s.outageSince !== null && mem.components.get(id)?.serviceId === serviceId).map(([id]) => id);
    await open(mem, serviceId, ids, now);
  }
}

async function open(mem: EngineMemory, serviceId: string, ids: string[], at: number): Promise<void> {
  const infos = ids.map((id) => mem.components.get(id)!);
  const states = ids.map((id) => mem.state.get(id)!);
  const serviceName = infos[0]!.serviceName;
  const statuses = states.map((s) => s.status);
  const allMajor = statuses.every((s) => s === 'major_outage');
  const names = infos.map((c) => c.name);
  const name = draftedName(title(serviceName, names, allMajor));
  const since = Math.min(...states.map((s) => s.outageSince!));
  const body = drafted(openBody(serviceName, infos.map((c, n) => ({ name: c.name, status: statuses[n]!, reason: states[n]!.text, since: states[n]!.outageSince! })), since));
  const id = newPublicId();
  let peakShare: number | null = null;
  let peakDetail: string | null = null;
  for (const s of states)
    if (s.affected && s.affected.regionsTotal > 0) {
      const share = s.affected.regionsDown / s.affected.regionsTotal;
      if (peakShare === null || share > peakShare) [peakShare, peakDetail] = [share, `${s.affected.regionsDown} of ${s.affected.regionsTotal} regions`];
    }
  const ack = mem.pendingAck.get(serviceId);
  const useAck = ack !== undefined && at - ack.at <= ACK_MEMORY_MS;
  mem.pendingAck.delete(serviceId);
  const fault = mem.pendingFault.get(serviceId);
  mem.pendingFault.delete(serviceId);
  const serviceStatuses = [...mem.components.values()].filter((c) => c.serviceId === serviceId).map((c) => mem.observed(c.id));
  await mem.db.write({
    id,
    create: {
      ...blankFields(at),
      kind: 'incident',
      serviceId,
      ...name,
      status: 'investigating',
      impact: impactOf(serviceStatuses.length > 0 ? serviceStatuses : statuses),
      origin: 'auto',
      observedStart: Math.min(...states.map((s) => s.nonOpSince ?? s.outageSince!)),
      detectedAt: Math.min(...states.map((s) => s.detectedAt ?? s.outageSince!)),
      faultStart: fault ?? null,
      peakShare,
      peakDetail,
      ...(useAck ? { vendorAckAt: ack.at, vendorAckSource: ack.source, vendorAckText: ack.text ?? null } : {}),
    },
    components: ids.map((cid, n) => ({ componentId: cid, status: statuses[n]!, addedAt: at })),
    update: { status: 'investigating', ...body, affected: ids.map((cid, n) => ({ componentId: cid, oldStatus: 'operational', newStatus: statuses[n]! })), at, author: VIGIE },
  });
}

/** Resolves automatic incidents whose components have all been operational for the resolve hold. */
export async function resolveDue(mem: EngineMemory, now: number): Promise<void> {
  for (const i of await mem.db.list({ kind: 'incident', open: true, limit: 1000 })) {
    if (i.human || i.status !== 'monitoring' || i.monitoringAt === null) continue;
    const states = i.components.map((c) => mem.state.get(c.componentId));
    if (!states.every((s) => s !== undefined && s.operationalSince !== null)) continue;
    const since = Math.max(i.monitoringAt, ...states.map((s) => s!.operationalSince!));
    if (now - since < mem.settings.resolveHoldMs) continue;
    await mem.db.write({
      id: i.id,
      patch: { status: 'resolved', resolvedAt: now, updatedAt: now },
      components: i.components.map((c) => ({ ...c, status: 'operational' })),
      update: {
        status: 'resolved',
        ...drafted(resolvedBody(since)),
        affected: i.components.filter((c) => c.status !== 'operational').map((c) => ({ componentId: c.componentId, oldStatus: c.status, newStatus: 'operational' })),
        at: now,
        author: VIGIE,
      },
    });
  }
}

/** Automatic incidents still under way with nothing new for stillEveryMs get an update saying where things stand. */
export async function draftStill(mem: EngineMemory, now: number): Promise<void> {
  for (const i of await mem.db.list({ kind: 'incident', open: true, limit: 1000 })) {
    if (!stillDue(mem, i, now)) continue;
    const members: StillMember[] = [];
    for (const c of i.components) {
      const st = mem.state.get(c.componentId);
      const info = mem.components.get(c.componentId);
      if (!st || !info || !isOutage(st.status)) continue;
      const ref = st.text?.key === 'dependsOn' ? st.text.params?.ref : undefined;
      const up = typeof ref === 'string' ? mem.components.get(ref) : undefined;
      members.push({
        label: `${info.serviceName} ${info.name}`,
        status: st.status,
        reason: st.text,
        since: st.outageSince ?? st.nonOpSince ?? now,
        ...(up ? { upstream: { name: `${up.serviceName} ${up.name}`, status: mem.observed(up.id) } } : {}),
      });
    }
    if (members.length === 0) continue;
    const body = drafted(stillBody(members, now - (i.observedStart ?? i.createdAt)));
    await mem.db.write({ id: i.id, patch: { updatedAt: now }, update: { status: i.status, ...body, affected: [], at: now, author: VIGIE } });
  }
}

function stillDue(mem: EngineMemory, i: IncidentRecord, now: number): boolean {
  return i.kind === 'incident' && !i.human && (i.status === 'investigating' || i.status === 'identified') && now - lastSaid(i) >= mem.settings.stillEveryMs;
}
