// Who is affected: services that need another one (config `depends_on` on a service, or a component
// that depends on another service's component), followed downstream from an outage, and upstream
// from a dependent's own outage to the likely reason.
import type { Outage } from './outages.js';
import { serviceOf } from './outages.js';
import type { HistoryService } from './types.js';

/** What a service needs, as full ids: "service" for a whole service, "service/component" for one part of it. */
export function needsOf(s: HistoryService): string[] {
  const own = new Set(s.components.map((c) => c.id));
  const out = new Set(s.dependsOn);
  for (const c of s.components) for (const d of c.dependsOn) if (!own.has(d)) out.add(d);
  return [...out];
}

const hits = (need: string, serviceId: string, componentIds: ReadonlySet<string>) =>
  need.includes('/') ? componentIds.has(need) || (componentIds.size === 0 && need.startsWith(`${serviceId}/`)) : need === serviceId;

export interface Downstream {
  serviceId: string;
  name: string;
  /** From the failing service to this one: ["chatgpt", "siri"]. */
  via: string[];
}

/** Services hit downstream of a failure of `serviceId` (on `componentIds`, or all of it when empty), nearest first. */
export function downstreamOf(services: readonly HistoryService[], serviceId: string, componentIds: Iterable<string> = []): Downstream[] {
  const out: Downstream[] = [];
  const seen = new Set([serviceId]);
  let frontier: { id: string; comps: Set<string>; via: string[] }[] = [{ id: serviceId, comps: new Set(componentIds), via: [serviceId] }];
  while (frontier.length > 0) {
    const next: typeof frontier = [];
    for (const f of frontier)
      for (const s of services) {
        if (seen.has(s.id) || !needsOf(s).some((n) => hits(n, f.id, f.comps))) continue;
        seen.add(s.id);
        const d = { serviceId: s.id, name: s.name, via: [...f.via, s.id] };
        out.push(d);
        // A dependent fails as a whole, for what depends on it in turn.
        next.push({ id: s.id, comps: new Set(), via: d.via });
      }
    frontier = next;
  }
  return out;
}

export interface Upstream {
  serviceId: string;
  name: string;
  outageId: string;
  start: number;
  end: number | null;
}

/** The outages of what `service` needs that overlap [from, to]: the likely reasons it is down. */
export function upstreamOutages(services: readonly HistoryService[], service: HistoryService, outages: readonly Outage[], from: number, to: number): Upstream[] {
  const needs = needsOf(service);
  const names = new Map(services.map((s) => [s.id, s.name]));
  const out: Upstream[] = [];
  for (const o of outages) {
    const sid = serviceOf(o);
    if (sid === null || sid === service.id) continue;
    if (o.start > to || (o.end !== null && o.end < from)) continue;
    if (!needs.some((n) => hits(n, sid, new Set(o.components.keys())))) continue;
    out.push({ serviceId: sid, name: names.get(sid) ?? sid, outageId: o.id, start: o.start, end: o.end });
  }
  return out.sort((a, b) => a.start - b.start);
}
