// Correlated outages: outages of different services at the same time (or one soon after another)
// grouped, with what they have in common. Many services failing from one region with connection
// errors points to the network near that region, not to the services.
import { type Downstream, downstreamOf, needsOf } from './dependencies.js';
import type { Outage } from './outages.js';
import { serviceOf } from './outages.js';
import type { HistoryInput } from './types.js';

/** Outages closer than this (end of one to start of the next) are grouped: "the same evening". */
export const GROUP_GAP_MS = 60 * 60_000;
const NETWORK_KINDS = new Set(['connect', 'timeout', 'dns', 'tls']);

export type Pattern =
  | { kind: 'dependency'; upstream: string; downstream: string[] }
  | { kind: 'shared_dependency'; on: string; services: string[] }
  | { kind: 'region'; region: string }
  | { kind: 'error_kind'; errorKind: string }
  | { kind: 'network'; region: string; errorKind: string };

export interface CorrelatedGroup {
  id: string;
  start: number;
  /** null while one of them is ongoing. */
  end: number | null;
  services: { serviceId: string; name: string; outageIds: string[]; start: number; end: number | null }[];
  /** Some of them were down at the same instant (otherwise one followed the other within the gap). */
  overlapping: boolean;
  patterns: Pattern[];
}

export function correlatedOutages(input: HistoryInput, outages: readonly Outage[], opts: { gapMs?: number; from?: number; to?: number } = {}): CorrelatedGroup[] {
  const gap = opts.gapMs ?? GROUP_GAP_MS;
  const now = input.now;
  const list = outages
    .filter((o) => serviceOf(o) !== null && (opts.from === undefined || (o.end ?? now) >= opts.from) && (opts.to === undefined || o.start <= opts.to))
    .sort((a, b) => a.start - b.start);
  const clusters: Outage[][] = [];
  let end = -Infinity;
  for (const o of list) {
    const last = clusters[clusters.length - 1];
    if (last && o.start <= end + gap) {
      last.push(o);
      end = Math.max(end, o.end ?? now);
    } else {
      clusters.push([o]);
      end = o.end ?? now;
    }
  }
  const names = new Map(input.services.map((s) => [s.id, s.name]));
  return clusters
    .filter((c) => new Set(c.map(serviceOf)).size > 1)
    .map((c) => {
      const bySvc = new Map<string, Outage[]>();
      for (const o of c) bySvc.set(serviceOf(o)!, [...(bySvc.get(serviceOf(o)!) ?? []), o]);
      const services = [...bySvc].map(([serviceId, os]) => ({
        serviceId,
        name: names.get(serviceId) ?? serviceId,
        outageIds: os.map((o) => o.id),
        start: Math.min(...os.map((o) => o.start)),
        end: os.some((o) => o.end === null) ? null : Math.max(...os.map((o) => o.end!)),
      }));
      const overlapping = c.some((a) => c.some((b) => serviceOf(a) !== serviceOf(b) && a.start < (b.end ?? now) && b.start < (a.end ?? now)));
      return {
        id: c[0]!.id,
        start: c[0]!.start,
        end: c.some((o) => o.end === null) ? null : Math.max(...c.map((o) => o.end!)),
        services,
        overlapping,
        patterns: patternsOf(input, c, services.map((s) => s.serviceId)),
      };
    });
}

function patternsOf(input: HistoryInput, group: readonly Outage[], serviceIds: string[]): Pattern[] {
  const out: Pattern[] = [];
  const inGroup = new Set(serviceIds);
  // One of them needs another: the upstream one is the likely cause of the downstream ones.
  for (const sid of serviceIds) {
    const comps = group.filter((o) => serviceOf(o) === sid).flatMap((o) => [...o.components.keys()]);
    const down = downstreamOf(input.services, sid, comps).filter((d: Downstream) => inGroup.has(d.serviceId));
    if (down.length > 0) out.push({ kind: 'dependency', upstream: sid, downstream: down.map((d) => d.serviceId) });
  }
  // Several of them need the same thing outside the group.
  const needers = new Map<string, string[]>();
  for (const s of input.services.filter((x) => inGroup.has(x.id)))
    for (const n of new Set(needsOf(s).map((d) => d.split('/')[0]!))) if (!inGroup.has(n)) needers.set(n, [...(needers.get(n) ?? []), s.id]);
  for (const [on, services] of needers) if (services.length > 1) out.push({ kind: 'shared_dependency', on, services });
  // What the failing checks had in common, when they were read for every service of the group.
  const sig = serviceIds.map((sid) => group.filter((o) => serviceOf(o) === sid).map((o) => input.signals.get(o.id)).find((s) => s !== undefined));
  if (sig.every((s) => s !== undefined)) {
    const regions = new Set(sig.flatMap((s) => s!.regions));
    const regional = regions.size === 1 && sig.every((s) => s!.probedRegions.length > 1);
    const kinds = new Set(sig.map((s) => s!.errorKinds[0]));
    const kind = kinds.size === 1 ? [...kinds][0] : undefined;
    const region = regional ? [...regions][0]! : undefined;
    if (region !== undefined && kind !== undefined && NETWORK_KINDS.has(kind)) out.push({ kind: 'network', region, errorKind: kind });
    else {
      if (region !== undefined) out.push({ kind: 'region', region });
      if (kind !== undefined) out.push({ kind: 'error_kind', errorKind: kind });
    }
  }
  return out;
}
