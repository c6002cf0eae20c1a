// Splitting a region's monitors between its live agents with rendezvous (highest random weight)
// hashing: each monitor goes to the agent with the highest hash of (agent, monitor). When an agent
// leaves, only its monitors move (spread over the others); when one joins, it takes about 1/n of
// each other agent's share and nothing else moves. Pure: no I/O.
import { createHash } from 'node:crypto';

function weight(agentId: string, monitorId: string): bigint {
  return createHash('sha1').update(agentId).update('\0').update(monitorId).digest().readBigUInt64BE(0);
}

/** The agent each monitor belongs to, among `agentIds`; empty when there are no agents. */
export function rendezvous(monitorIds: readonly string[], agentIds: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>(agentIds.map((a) => [a, []]));
  if (agentIds.length === 0) return out;
  for (const m of monitorIds) {
    let best = agentIds[0]!;
    let bestW = -1n;
    for (const a of agentIds) {
      const w = weight(a, m);
      if (w > bestW || (w === bestW && a < best)) {
        best = a;
        bestW = w;
      }
    }
    out.get(best)!.push(m);
  }
  return out;
}
