// Wiring agents into a running Vigie: the hub, its routes (/api/agent/v1 for agents, /api/admin/agents
// for operators) and its metrics. The composition root calls this once.
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Observation } from '../core/observation.js';
import type { Clock } from '../core/time.js';
import { AgentStore } from '../store/agents.js';
import type { Store } from '../store/store.js';
import type { AdminRoute } from '../web/routes/admin-common.js';
import { agentAdminRoutes } from '../web/routes/agent-admin.js';
import { agentApi } from '../web/routes/agent-api.js';
import { AgentHub, type RemoteMonitor } from './hub.js';
import { registerAgentMetrics } from './metrics.js';
import { AGENT_PREFIX } from './protocol.js';

export interface MountOptions {
  store: Store;
  clock: Clock;
  log: Logger;
  metrics: Registry;
  /** Where admin routes go (vigie.admin.add). */
  admin: (...routes: AdminRoute[]) => void;
  prepare: (m: RemoteMonitor, o: Observation) => void;
  observed: (o: Observation) => void;
  onSilence: (silent: ReadonlySet<string>, at: number) => void;
}

export function mountAgents(app: FastifyInstance, o: MountOptions): AgentHub {
  const agents = new AgentStore(o.store.db);
  const hub = new AgentHub({ store: agents, clock: o.clock, log: o.log, prepare: o.prepare, observed: o.observed, onSilence: o.onSilence });
  app.register(agentApi, { prefix: AGENT_PREFIX, hub, agents });
  o.admin(...agentAdminRoutes({ store: o.store, hub, now: () => o.clock.now() }));
  registerAgentMetrics(o.metrics, hub, o.clock);
  return hub;
}
