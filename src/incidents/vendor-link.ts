// The vendor's word on the incidents: its acknowledgement (from its status feed or entered by hand;
// kept for the service's next incident when none is open), and the silent-vendor flag when its page
// stays green while Vigie observes an outage.
import { isOpenStatus } from '../core/incident.js';
import { drafted, silentVendorBody, vendorAckBody } from './drafts.js';
import type { EngineMemory } from './memory.js';
import { VIGIE } from './records.js';

/** What the vendor's status page says now; a reachable page that says not operational is an acknowledgement. */
export async function vendorPage(mem: EngineMemory, serviceId: string, at: number, saysOperational: boolean, reachable: boolean): Promise<void> {
  const prev = mem.vendor.get(serviceId);
  const green = reachable && saysOperational;
  mem.vendor.set(serviceId, { green, reachable, at, greenSince: green ? (prev?.green ? prev.greenSince : at) : null });
  if (reachable && !saysOperational) await vendorAck(mem, serviceId, at, 'feed', undefined);
}

/** The vendor said something about a problem: the first word counts (on the open or just-resolved incident, else kept). */
export async function vendorAck(mem: EngineMemory, serviceId: string, at: number, source: 'feed' | 'manual', text: string | undefined): Promise<void> {
  const open = await mem.openIncidentFor(serviceId);
  const recent = open ?? (await mem.db.list({ kind: 'incident', serviceId, limit: 1 })).find((i) => i.resolvedAt !== null && at - i.resolvedAt <= 3_600_000);
  if (!recent) {
    if (!mem.pendingAck.has(serviceId)) mem.pendingAck.set(serviceId, { at, source, ...(text !== undefined ? { text } : {}) });
    return;
  }
  if (recent.vendorAckAt !== null) return;
  const say = !recent.human && isOpenStatus(recent.status);
  await mem.db.write({
    id: recent.id,
    patch: { vendorAckAt: at, vendorAckSource: source, vendorAckText: text ?? null, ...(say ? { updatedAt: at } : {}) },
    ...(say
      ? { update: { status: recent.status, ...drafted(vendorAckBody(mem.serviceName(serviceId), at, text)), affected: [], at, author: VIGIE } }
      : {}),
  });
}

/** Flags open incidents whose vendor page has stayed green past the threshold while the outage is observed. */
export async function flagSilentVendors(mem: EngineMemory, now: number): Promise<void> {
  for (const i of await mem.db.list({ kind: 'incident', open: true, limit: 1000 })) {
    if (i.serviceId === null || i.silentVendorAt !== null || i.vendorAckAt !== null) continue;
    if (i.status !== 'investigating' && i.status !== 'identified') continue;
    const v = mem.vendor.get(i.serviceId);
    if (!v?.green || v.greenSince === null) continue;
    const from = Math.max(i.observedStart ?? i.createdAt, v.greenSince);
    if (now - from < mem.settings.silentVendorAfterMs) continue;
    const serviceName = mem.serviceName(i.serviceId);
    const body = drafted(silentVendorBody(serviceName, now - (i.observedStart ?? i.createdAt)));
    await mem.db.write({
      id: i.id,
      patch: { silentVendorAt: now, ...(i.human ? {} : { updatedAt: now }) },
      ...(i.human ? {} : { update: { status: i.status, ...body, affected: [], at: now, author: VIGIE } }),
    });
  }
}
