// Agents in the admin API (/api/admin/agents): register (the token is in the answer, once), list
// with each agent's health, revoke. Bearer admin tokens, as the rest of the admin API.
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { AgentHub } from '../../agent/hub.js';
import { FLAG_OFFSET_MS } from '../../agent/hub.js';
import { RegionNotConfigured, agentName, regionName, registerAgent } from '../../agent/registry.js';
import { AgentNameTaken, type AgentInfo, AgentStore } from '../../store/agents.js';
import type { Store } from '../../store/store.js';
import { type Authenticator, requireToken } from '../auth.js';
import { invalid, jsonSchema, parse, routeSchema, zodValidated } from './agent-common.js';

export interface AgentAdminOptions {
  store: Store;
  hub: AgentHub;
  auth: Authenticator;
  now: () => number;
}

const registerBody = z.strictObject({ name: agentName, region: regionName });
const nameParams = z.strictObject({ name: z.string().min(1).max(64) });
const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

/** An agent as the admin API shows it: the stored row, with the live figures when it is connected. */
export function agentJson(a: AgentInfo, hub: AgentHub, now: number) {
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

/** Register with `{ prefix: ADMIN_PREFIX }`. */
export const agentAdmin: FastifyPluginAsync<AgentAdminOptions> = async (app, opts) => {
  zodValidated(app, 'agent admin API');
  app.addHook('onRequest', requireToken(opts.auth, opts.now));
  const agents = new AgentStore(opts.store.db);

  app.get('/agents', { schema: routeSchema({ operationId: 'listAgents', summary: 'Registered agents with their health', tags: ['agents'] }) }, async (_req, reply) => {
    const now = opts.now();
    return reply.send({ regions: opts.hub.regions.map((r) => ({ name: r, silent: opts.hub.silentRegions().has(r) })), agents: (await agents.list()).map((a) => agentJson(a, opts.hub, now)) });
  });

  app.post(
    '/agents',
    { schema: routeSchema({ operationId: 'registerAgent', summary: 'Register an agent; the answer holds its token, shown only this once', tags: ['agents'], body: jsonSchema(registerBody) }) },
    async (req, reply) => {
      const b = parse(registerBody, req.body, 'body', reply);
      if (!b) return reply;
      try {
        const { agent, token } = await registerAgent(opts.store.db, { ...b, configured: opts.hub.regions, at: opts.now() });
        return reply.code(201).send({ ...agentJson(agent, opts.hub, opts.now()), token });
      } catch (err) {
        if (err instanceof RegionNotConfigured) return invalid(reply, [{ field: 'body.region', message: err.message }]);
        if (err instanceof AgentNameTaken) return invalid(reply, [{ field: 'body.name', message: err.message }], 409);
        throw err;
      }
    },
  );

  app.post(
    '/agents/:name/revoke',
    { schema: routeSchema({ operationId: 'revokeAgent', summary: 'Revoke an agent’s token (by name or id); the agent is refused from now on', tags: ['agents'], params: jsonSchema(nameParams) }) },
    async (req, reply) => {
      const p = parse(nameParams, req.params, 'params', reply);
      if (!p) return reply;
      const agent = await agents.revoke(p.name, opts.now());
      if (!agent) return reply.code(404).send({ error: 'not_found', message: `no live agent named "${p.name}"` });
      opts.hub.forget(agent.id);
      return reply.send(agentJson(agent, opts.hub, opts.now()));
    },
  );
};
