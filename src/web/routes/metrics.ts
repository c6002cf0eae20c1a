// GET /metrics: the Prometheus text exposition of this process's metrics.
import type { FastifyPluginAsync } from 'fastify';
import type { VigieMetrics } from '../../metrics/metrics.js';

export interface MetricsRouteOptions {
  metrics: VigieMetrics;
}

export const metricsRoute: FastifyPluginAsync<MetricsRouteOptions> = async (app, opts) => {
  app.get('/metrics', async (_req, reply) => {
    const text = await opts.metrics.metrics();
    return reply.header('cache-control', 'no-store').type(opts.metrics.contentType).send(text);
  });
};
