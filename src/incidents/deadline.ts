// When the incident engine next has something to do by itself (the timer's deadline).
import { isOutage } from '../core/status.js';
import type { EngineMemory } from './memory.js';
import { lastSaid } from './records.js';

/** The next time tick() has something to do, if any. */
export async function nextDeadline(mem: EngineMemory): Promise<number | undefined> {
  const open = await mem.db.list({ open: true, limit: 1000 });
  const servicesWithIncident = new Set(open.filter((i) => i.kind === 'incident').map((i) => i.serviceId));
  const times: number[] = [];
  for (const [id, s] of mem.state) {
    const info = mem.components.get(id);
    if (s.outageSince !== null && info && !servicesWithIncident.has(info.serviceId)) times.push(s.outageSince + mem.settings.graceMs);
  }
  for (const i of open) {
    if (i.kind === 'maintenance') {
      if (!i.autoTransitions || i.scheduledFor === null || i.scheduledUntil === null) continue;
      if (i.status === 'scheduled') times.push(i.scheduledFor);
      else if (i.status === 'in_progress') times.push(i.scheduledUntil);
      else if (i.status === 'verifying') times.push(Math.max(i.scheduledUntil, i.updatedAt) + mem.settings.maintenanceVerifyMs);
      continue;
    }
    if (!i.human && i.status === 'monitoring' && i.monitoringAt !== null) {
      const ops = i.components.map((c) => mem.state.get(c.componentId)?.operationalSince ?? null);
      if (ops.every((t) => t !== null)) times.push(Math.max(i.monitoringAt, ...(ops as number[])) + mem.settings.resolveHoldMs);
    }
    if (i.kind === 'incident' && !i.human && (i.status === 'investigating' || i.status === 'identified') && i.components.some((c) => isOutage(mem.observed(c.componentId))))
      times.push(lastSaid(i) + mem.settings.stillEveryMs);
    const v = i.serviceId !== null ? mem.vendor.get(i.serviceId) : undefined;
    if ((i.status === 'investigating' || i.status === 'identified') && i.silentVendorAt === null && i.vendorAckAt === null && v?.green && v.greenSince !== null)
      times.push(Math.max(i.observedStart ?? i.createdAt, v.greenSince) + mem.settings.silentVendorAfterMs);
  }
  // Whatever was due by the last tick has been handled by it: never loop on a stale deadline.
  const future = times.filter((t) => Number.isFinite(t) && t > mem.lastTickAt);
  return future.length > 0 ? Math.min(...future) : undefined;
}
