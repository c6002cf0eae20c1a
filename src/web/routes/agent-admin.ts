// Agents in the admin API (/api/admin/agents): register (the token is in the answer, once), list
// with each agent's health, revoke. Added with `vigie.admin.add` like every admin route.
import { z } from 'zod';
import type { AgentHub } from '../../agent/hub.js';
import { FLAG_OFFSET_MS } from '../../agent/hub.js';
import { RegionNotConfigured, agentName, regionName, registerAgent } from '../../agent/registry.js';
import { AgentNameTaken, type AgentInfo, AgentStore } from '../../store/agents.js';
import type { Store } from '../../store/store.js';
import { AdminError, iso, isoTime, route } from './admin-common.js';

const t = isoTime.nullable();
const num = z.number().nullable();
const agentShape = {
  id: z.string(),
  name: z.string(),
  region: z.string(),
  created_at: t,
  revoked_at: t,
  live: z.boolean().meta({ description: 'heard from within the last 10 s' }),
  last_seen_at: t,
  seconds_since_seen: num,
  version: z.string().nullable(),
  clock_offset_ms: num.meta({ description: 'server clock minus agent clock, as last measured' }),
  clock_flagged: z.boolean().meta({ description: 'the offset is past 2 s: check times are corrected, but the agent’s clock needs fixing' }),
  backlog: num.meta({ description: 'observations waiting in the agent’s disk buffer' }),
  dropped: num.meta({ description: 'observations dropped for room (oldest first) since its data directory was made' }),
  checks_per_s: num,
  monitors: z.number().meta({ description: 'monitors assigned to it now' }),
  last_seq: z.number(),
};
const agentResponse = z.strictObject(agentShape);

/** An agent as the admin API shows it: the stored row, with the live figures when it is connected. */
export function agentJson(a: AgentInfo, hub: AgentHub, now: number): z.output<typeof agentResponse> {
  const live = hub.liveAgents().find((l) => l.id === a.id);
  const offset = live?.clockOffsetMs ?? a.clockOffsetMs;
  const seen = live?.seenAt ?? a.lastSeenAt;
  return {
    id: a.id,
    name: a.name,
    region: a.region,
    created_at: iso(a.createdAt),
    revoked_at: iso(a.revokedAt),
    live: live !== undefined,
    last_seen_at: iso(seen),
    seconds_since_seen: seen === null ? null : Math.max(0, Math.round((now - seen) / 1000)),
    version: live?.version || a.version,
    clock_offset_ms: offset,
    clock_flagged: live ? hub.isClockFlagged(a.id) : offset !== null && Math.abs(offset) > FLAG_OFFSET_MS,
    backlog: live?.backlog ?? a.backlog,
    dropped: live?.dropped ?? a.dropped,
    checks_per_s: live?.checksPerS ?? a.checksPerS,
    monitors: live?.monitors ?? 0,
    last_seq: a.lastSeq,
  };
}

export function agentAdminRoutes(o: { store: Store; hub: AgentHub; now: () => number }) {
  const agents = new AgentStore(o.store.db);
  return [
    route({
      method: 'GET',
      url: '/agents',
      operationId: 'listAgents',
      summary: 'Agent regions (silent: no live agent, shown as "no data") and registered agents with their health',
      tag: 'agents',
      response: z.strictObject({ regions: z.array(z.strictObject({ name: z.string(), silent: z.boolean() })), agents: z.array(agentResponse) }),
      handler: async () => {
        const now = o.now();
        return {
          regions: o.hub.regions.map((r) => ({ name: r, silent: o.hub.silentRegions().has(r) })),
          agents: (await agents.list()).map((a) => agentJson(a, o.hub, now)),
        };
      },
    }),
    route({
      method: 'POST',
      url: '/agents',
      operationId: 'registerAgent',
      summary: 'Register an agent for a configured region; the answer is the only place its token appears',
      tag: 'agents',
      body: z.strictObject({ name: agentName, region: regionName.meta({ description: 'a region of the config’s top-level "regions:" or of a monitor’s "regions:"' }) }),
      response: z.strictObject({ ...agentShape, token: z.string() }),
      okStatus: 201,
      handler: async ({ body }) => {
        try {
          const { agent, token } = await registerAgent(o.store.db, { ...body, configured: o.hub.regions, at: Math.round(o.now()) });
          return { ...agentJson(agent, o.hub, o.now()), token };
        } catch (err) {
          if (err instanceof RegionNotConfigured) throw new AdminError(400, 'invalid_request', err.message, 'body.region');
          if (err instanceof AgentNameTaken) throw new AdminError(409, 'conflict', err.message);
          throw err;
        }
      },
    }),
    route({
      method: 'DELETE',
      url: '/agents/:name',
      operationId: 'revokeAgent',
      summary: 'Revoke an agent’s token (by name or id): its next request is refused and it stops',
      tag: 'agents',
      params: z.strictObject({ name: z.string().min(1).max(64) }),
      okStatus: 204,
      handler: async ({ params }) => {
        const agent = await agents.revoke(params.name, Math.round(o.now()));
        if (!agent) throw new AdminError(404, 'not_found', `no live agent named "${params.name}"`);
        o.hub.forget(agent.id);
      },
    }),
  ];
}
