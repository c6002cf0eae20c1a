// Where monitors run. A monitor names one region (`region: eu-west`, the old single label) or
// several (`regions: [local, eu-west]`). Each (monitor, region) pair is its own scheduled unit with
// its own id and detection state, so quorum across regions counts real per-region observations.
//
// Ids: a monitor with `region:` (or neither) keeps its plain id "service/component/name", as before;
// one with `regions:` gets "service/component/name@region" for each region, so adding a region
// never renames the others.
//
// Who runs a unit: "local" is the server itself; a region in the top-level `regions:` list, or named
// in any monitor's `regions:` list, is an agent region (run by `vigie agent` processes of that
// region). An old single `region:` label that is not an agent region still runs on the server, as
// it always did. Heartbeat monitors are read from pushes the server receives, so they stay local.

export const LOCAL_REGION = 'local';

interface RegionFields {
  type?: string;
  region?: string | undefined;
  regions?: string[] | undefined;
}

/** The scheduled units of one configured monitor: their ids and regions. */
export function monitorUnits(baseId: string, m: RegionFields): { id: string; region: string }[] {
  if (m.regions) return [...new Set(m.regions)].map((region) => ({ id: `${baseId}@${region}`, region }));
  return [{ id: baseId, region: m.region ?? LOCAL_REGION }];
}

/** Problems with a monitor's region fields, for the config's line-numbered errors. */
export function monitorRegionIssues(m: RegionFields): string[] {
  const out: string[] = [];
  if (m.regions && m.region !== undefined) out.push('use either "region" or "regions", not both');
  if (m.regions && new Set(m.regions).size !== m.regions.length) out.push('lists a region twice');
  if (m.type === 'heartbeat' && m.regions?.some((r) => r !== LOCAL_REGION))
    out.push('a heartbeat monitor reads pushes the server receives: its only region can be "local"');
  return out;
}

interface RegionConfig {
  regions: string[];
  services: { components: { monitors: RegionFields[] }[] }[];
}

/** The regions agents serve: the top-level list plus every non-local region of a `regions:` list, sorted. */
export function agentRegions(cfg: RegionConfig): string[] {
  const out = new Set(cfg.regions);
  for (const s of cfg.services) for (const c of s.components) for (const m of c.monitors) for (const r of m.regions ?? []) if (r !== LOCAL_REGION) out.add(r);
  return [...out].sort();
}

/** Splits units between the server's own scheduler and the agents. */
export function splitByRunner<M extends { region: string; kind: string }>(monitors: M[], regions: ReadonlySet<string>): { local: M[]; remote: M[] } {
  const local: M[] = [];
  const remote: M[] = [];
  for (const m of monitors) (m.kind !== 'heartbeat' && regions.has(m.region) ? remote : local).push(m);
  return { local, remote };
}
