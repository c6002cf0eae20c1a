// The agent API under /api/agent/v1 (src/agent/protocol.ts): agents connect out to it with their
// own bearer token, long-poll their assignment, send heartbeats and upload result batches.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { AgentHub } from '../../agent/hub.js';
import { ResultError } from '../../agent/hub.js';
import { REGION_HEADER, assignmentQuery, heartbeatBody, resultsBody } from '../../agent/protocol.js';
import type { AgentInfo, AgentStore } from '../../store/agents.js';
import { hashToken } from '../auth.js';
import { invalid, jsonSchema, parse, routeSchema, zodValidated } from './agent-common.js';

export interface AgentApiOptions {
  hub: AgentHub;
  agents: AgentStore;
}

type WithAgent = FastifyRequest & { agent?: AgentInfo };

function refuse(reply: FastifyReply, code: number, error: string, message: string) {
  return reply.code(code).send({ error, message });
}

/** Register with `{ prefix: AGENT_PREFIX }`. */
export const agentApi: FastifyPluginAsync<AgentApiOptions> = async (app, opts) => {
  zodValidated(app, 'agent API');
  const { hub, agents } = opts;

  app.addHook('onRequest', async (req: WithAgent, reply) => {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    if (!m) return refuse(reply.header('www-authenticate', 'Bearer realm="vigie-agent"'), 401, 'unknown_token', 'an agent token is required: Authorization: Bearer <token> (vigie agent register NAME --region REGION)');
    const agent = await agents.byHash(hashToken(m[1]!));
    if (!agent) return refuse(reply, 401, 'unknown_token', 'this agent token is not known to the server (register one with: vigie agent register NAME --region REGION)');
    if (agent.revokedAt !== null || hub.isRevoked(agent.id)) return refuse(reply, 401, 'revoked_token', `the token of agent "${agent.name}" was revoked`);
    if (!hub.isConfigured(agent.region))
      return refuse(
        reply,
        403,
        'region_not_configured',
        `region "${agent.region}" is not configured on the server (configured: ${hub.regions.join(', ') || 'none'}); add it to the top-level "regions:" of the config or to a monitor's "regions:"`,
      );
    const claimed = req.headers[REGION_HEADER];
    if (typeof claimed === 'string' && claimed !== '' && claimed !== agent.region)
      return refuse(reply, 409, 'region_mismatch', `agent "${agent.name}" is registered for region "${agent.region}", not "${claimed}"`);
    req.agent = agent;
  });

  app.get(
    '/assignment',
    { schema: routeSchema({ operationId: 'getAgentAssignment', summary: 'The monitors this agent runs; waits while the given version is current', tags: ['agent'], querystring: jsonSchema(assignmentQuery) }) },
    async (req: WithAgent, reply) => {
      const q = parse(assignmentQuery, req.query, 'query', reply);
      if (!q) return reply;
      const agent = req.agent!;
      hub.seen(agent);
      if (q.version !== undefined) {
        const gone = new AbortController();
        req.raw.once('close', () => gone.abort());
        await hub.waitForChange(agent.id, q.version, q.wait_s * 1000, gone.signal);
        if (hub.isRevoked(agent.id)) return refuse(reply, 401, 'revoked_token', `the token of agent "${agent.name}" was revoked`);
        hub.seen(agent);
      }
      return reply.send(hub.assignment(agent.id));
    },
  );

  app.post(
    '/heartbeat',
    { schema: routeSchema({ operationId: 'postAgentHeartbeat', summary: 'Agent health and clock; the answer carries the current assignment version', tags: ['agent'], body: jsonSchema(heartbeatBody) }) },
    async (req: WithAgent, reply) => {
      const b = parse(heartbeatBody, req.body, 'body', reply);
      if (!b) return reply;
      const h = await hub.heartbeat(req.agent!, b);
      return reply.send({ server_time: h.serverTime, clock_offset_ms: h.clockOffsetMs, clock_flagged: h.flagged, assignment: h.assignment });
    },
  );

  app.post(
    '/results',
    {
      bodyLimit: 8 * 1024 * 1024,
      schema: routeSchema({ operationId: 'postAgentResults', summary: 'A batch of check results; stored once per (stream, seq) whatever the retries', tags: ['agent'], body: jsonSchema(resultsBody) }),
    },
    async (req: WithAgent, reply) => {
      const b = parse(resultsBody, req.body, 'body', reply);
      if (!b) return reply;
      if (b.agent_id !== undefined && b.agent_id !== req.agent!.id)
        return invalid(reply, [{ field: 'body.agent_id', message: `is not the id of the agent this token belongs to (${req.agent!.id})` }], 409);
      try {
        return reply.send(await hub.results(req.agent!, b));
      } catch (err) {
        if (err instanceof ResultError) return invalid(reply, [{ field: `body.${err.field}`, message: err.message.slice(err.field.length + 2) }]);
        throw err;
      }
    },
  );
};
