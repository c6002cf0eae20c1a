// The gateway's Prometheus metrics, on its own registry (served at the gateway's /metrics).
// Labels are bounded by the config: routes, upstreams, clients and a fixed set of kinds.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { EVENT_LOOP_SAMPLE_MS } from '../metrics/metrics.js';
import type { HealthState } from './health.js';

const STATE_VALUE: Record<HealthState, number> = { up: 0, recovering: 1, down: 2 };
const TTFT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'route' | 'upstream' | 'outcome'>;
  readonly errors: Counter<'route' | 'upstream' | 'kind'>;
  readonly ttft: Histogram<'route' | 'upstream'>;
  readonly failovers: Counter<'route' | 'from' | 'to' | 'kind'>;
  readonly clientResponses: Counter<'route' | 'client' | 'code'>;
  readonly state: Gauge<'upstream'>;

  constructor(opts: { processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.requests = new Counter({ name: 'vigie_gateway_upstream_requests_total', help: 'Attempts sent to an upstream, by outcome (ok, caller_error, rate_limited, failed, stream_broken).', labelNames: ['route', 'upstream', 'outcome'], registers });
    this.errors = new Counter({ name: 'vigie_gateway_upstream_errors_total', help: 'Failed attempts by kind (connect, timeout, http_5xx, empty, rate_limited, stream_broken).', labelNames: ['route', 'upstream', 'kind'], registers });
    this.ttft = new Histogram({ name: 'vigie_gateway_time_to_first_token_seconds', help: 'From sending the request to the first data from the upstream.', labelNames: ['route', 'upstream'], buckets: TTFT_BUCKETS, registers });
    this.failovers = new Counter({ name: 'vigie_gateway_traffic_moves_total', help: 'Times a route’s traffic moved to another upstream (kind: failover or failback).', labelNames: ['route', 'from', 'to', 'kind'], registers });
    this.clientResponses = new Counter({ name: 'vigie_gateway_responses_total', help: 'Responses to clients by status code.', labelNames: ['route', 'client', 'code'], registers });
    this.state = new Gauge({ name: 'vigie_gateway_upstream_state', help: 'Upstream health: 0 up, 1 recovering, 2 down (avoided).', labelNames: ['upstream'], registers });
    // As Vigie's own (src/metrics/metrics.ts): prom-client's 10 ms loop sampler wakes an idle gateway 100 times a second.
    if (opts.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
  }

  setState(upstream: string, s: HealthState): void {
    this.state.set({ upstream }, STATE_VALUE[s]);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
