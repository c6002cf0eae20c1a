// The history's answers assembled from one input: per service (report, sentence, dependencies,
// vendor honesty, correlated outages), and the notes incident pages carry.
import { type CorrelatedGroup, correlatedOutages } from './correlation.js';
import { type Downstream, type Upstream, downstreamOf, needsOf, upstreamOutages } from './dependencies.js';
import { type VendorHonesty, vendorHonesty } from './honesty.js';
import { type Outage, outagesOf, serviceOf } from './outages.js';
import { type ServiceReliability, serviceOutages, serviceReliability } from './reliability.js';
import { type IncidentSentenceFacts, type ServiceSentenceFacts, incidentSentence, serviceSentence } from './sentences.js';
import type { HistoryInput, HistoryService } from './types.js';

export interface ServiceHistory {
  service: HistoryService;
  report: ServiceReliability;
  sentence: ServiceSentenceFacts;
  /** What it needs, with names. */
  dependsOn: { id: string; serviceId: string; name: string }[];
  /** Who is hit when it fails. */
  dependents: Downstream[];
  /** Outages of what it needs going on now. */
  upstreamNow: Upstream[];
  honesty: VendorHonesty | null;
  correlated: CorrelatedGroup[];
}

export function serviceHistory(input: HistoryInput, serviceId: string, outages: Outage[] = outagesOf(input.incidents)): ServiceHistory | undefined {
  const service = input.services.find((s) => s.id === serviceId);
  if (!service) return undefined;
  const mine = serviceOutages(service, outages);
  const names = new Map(input.services.map((s) => [s.id, s.name]));
  return {
    service,
    report: serviceReliability(service, outages, input),
    sentence: serviceSentence(service.name, mine, input.now),
    dependsOn: needsOf(service).map((id) => ({ id, serviceId: id.split('/')[0]!, name: names.get(id.split('/')[0]!) ?? id })),
    dependents: downstreamOf(input.services, service.id),
    upstreamNow: upstreamOutages(input.services, service, outages.filter((o) => o.end === null), input.now, input.now),
    honesty: service.vendor ? (vendorHonesty(input, outages, service.vendor.key)[0] ?? null) : null,
    correlated: correlatedOutages(input, outages).filter((g) => g.services.some((s) => s.serviceId === service.id)),
  };
}

/** What an incident page says beside the incident: its place in the service's history, and who else it touches. */
export interface IncidentNote {
  sentence: IncidentSentenceFacts | null;
  /** Services that need this one and are hit downstream. */
  downstream: Downstream[];
  /** Outages of what this service needs during this incident: the likely reason. */
  upstream: Upstream[];
}

export function incidentNotes(services: readonly HistoryService[], outages: readonly Outage[], timeZone: string, now: number): Map<string, IncidentNote> {
  const out = new Map<string, IncidentNote>();
  for (const o of outages) {
    const sid = serviceOf(o);
    const service = services.find((s) => s.id === sid);
    if (!service) continue;
    const mine = serviceOutages(service, outages);
    out.set(o.id, {
      sentence: incidentSentence(service.name, o, mine, timeZone),
      downstream: downstreamOf(services, service.id, o.components.keys()),
      upstream: upstreamOutages(services, service, outages, o.start, o.end ?? now),
    });
  }
  return out;
}

/** Per service, what it needs that is in an open outage now (only services with some). */
export function upstreamNow(services: readonly HistoryService[], outages: readonly Outage[], now: number): Map<string, { serviceId: string; name: string }[]> {
  const open = outages.filter((o) => o.end === null);
  const out = new Map<string, { serviceId: string; name: string }[]>();
  if (open.length === 0) return out;
  for (const s of services) {
    const up = upstreamOutages(services, s, open, now, now);
    const seen = new Set<string>();
    const list = up.filter((u) => !seen.has(u.serviceId) && seen.add(u.serviceId)).map((u) => ({ serviceId: u.serviceId, name: u.name }));
    if (list.length > 0) out.set(s.id, list);
  }
  return out;
}
