// The push URL of heartbeat monitors: a job calls GET or POST /api/push/<token> when it ran
// (Uptime Kuma's convention: ?status=down&msg=... reports a failure). Only tokens of configured
// heartbeat monitors are accepted (404 otherwise), so nobody can fill memory with made-up ones.
import type { FastifyPluginAsync } from 'fastify';
import type { BeatBook } from '../../probes/heartbeat.js';

export interface PushRouteOptions {
  beats: BeatBook;
  /** Whether a heartbeat monitor uses this token (read on every call, so config reloads apply). */
  knows: (token: string) => boolean;
}

export const pushRoutes: FastifyPluginAsync<PushRouteOptions> = async (app, o) => {
  app.route<{ Params: { token: string }; Querystring: { status?: 'up' | 'down'; msg?: string } }>({
    method: ['GET', 'POST'],
    url: '/api/push/:token',
    schema: {
      params: { type: 'object', properties: { token: { type: 'string', pattern: '^[A-Za-z0-9_-]{8,128}$' } }, required: ['token'] },
      querystring: {
        type: 'object',
        properties: { status: { type: 'string', enum: ['up', 'down'] }, msg: { type: 'string', maxLength: 500 } },
      },
    },
    handler: async (req, reply) => {
      const { token } = req.params;
      if (!o.knows(token)) return reply.code(404).send({ ok: false, error: 'unknown push token' });
      const down = req.query.status === 'down' ? req.query.msg?.trim() || 'reported down' : undefined;
      const beat = await o.beats.beat(token, down);
      return { ok: true, at: new Date(beat.at).toISOString(), status: down === undefined ? 'up' : 'down' };
    },
  });
};
