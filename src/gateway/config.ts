// The `gateway:` section of vigie.yaml (src/config/schema.ts refers to it in one line).
// Built from the config's own primitives (duration, rate, URL) passed in, as monitors.ts is, so this
// file imports nothing of the config module and the two never form an import cycle.
import { z } from 'zod';

type Primitives = {
  duration: z.ZodType<number, unknown>;
  rateLimit: z.ZodType<{ count: number; perMs: number }, unknown>;
};

const NAME = /^[a-z0-9][a-z0-9_.-]*$/;
const name = z.string().regex(NAME, 'must be lowercase letters, digits, ".", "-" or "_", starting with a letter or digit');
const baseUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });
const SHA256 = /^[0-9a-f]{64}$/;

export function gatewaySchema({ duration, rateLimit }: Primitives) {
  const upstream = z.strictObject({
    /** openai: any OpenAI-compatible API (base_url ends where /chat/completions is appended, e.g. https://api.openai.com/v1).
     *  azure: Azure OpenAI (base_url https://RESOURCE.openai.azure.com; the mapped model is the deployment name). */
    kind: z.enum(['openai', 'azure']).default('openai'),
    base_url: baseUrl,
    /** Write it as ${OPENAI_API_KEY}: never logged, never served. */
    api_key: z.string().min(1).optional(),
    api_version: z.string().min(1).default('2024-06-01'),
    /** The Vigie component whose detected status this upstream follows, "service/component" (or a Statuspage v2 component id). */
    component: z.string().min(1).optional(),
    /** Display name in events ("API traffic moved from OpenAI to Mistral"). */
    display_name: z.string().min(1).optional(),
  });

  const routeUpstream = z.union([
    name,
    z.strictObject({
      upstream: name,
      /** Client model name -> this upstream's model name; unmapped names pass unchanged. */
      model_map: z.record(z.string().min(1), z.string().min(1)).default({}),
    }),
  ]);

  const route = z.strictObject({
    name,
    /** Client model names this route serves; "*" serves any model no other route names. */
    models: z.array(z.string().min(1)).min(1),
    upstreams: z.array(routeUpstream).min(1),
  });

  const client = z.strictObject({
    /** The team or application; appears in logs and metrics. */
    name,
    /** sha256 (hex) of the client's token: `vigie gateway token` prints a token and its hash. */
    token_sha256: z.string().toLowerCase().regex(SHA256, 'must be 64 hexadecimal characters (the sha256 of the token)'),
    /** The team it belongs to (default: its name). */
    team: name.optional(),
    rate_limit: rateLimit.optional(),
    /** Tokens per calendar month (UTC), counted from the responses' usage. */
    monthly_tokens: z.number().int().min(1).optional(),
  });

  return z
    .strictObject({
      /** This gateway's name in the events it reports (several gateways may report to one Vigie). */
      name: name.default('gateway'),
      host: z.string().default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(8787),
      /** A Vigie server whose /api/v2/components.json gives the components' status (standalone mode; --vigie on the CLI wins). */
      vigie_url: baseUrl.optional(),
      vigie_poll: duration.default(5000),
      /** An admin API token of that server (write it as ${VIGIE_GATEWAY_TOKEN}): failovers and failbacks are reported with it, for its page and notifications. */
      vigie_token: z.string().min(1).optional(),
      /** While a failover lasts, how often its figures (requests served and failed since traffic left) are reported for the page. */
      progress_every: duration.default(30_000).refine((ms) => ms >= 1000 && ms <= 86_400_000, 'must be between 1s and 1d'),
      /** With a database: how often the client tokens made by `vigie gateway client add` are re-read. */
      clients_refresh: duration.default(5000),
      /** With a database: how often each replica adds its clients' token usage to the shared count and reads the others'. */
      usage_flush: duration.default(1000),
      /** With a database: a client's usage is added at once when this many of its tokens are pending (bounds a replica's over-spend of a budget). */
      usage_slice: z.number().int().min(1).default(10_000),
      upstreams: z.record(name, upstream),
      routes: z.array(route).min(1),
      /** No clients: any caller is served (a warning is logged); else a Bearer token from this list is required. */
      clients: z.array(client).default([]),
      health: z
        .strictObject({
          /** Avoid an upstream whose component is at least this bad. */
          avoid_status: z.enum(['degraded_performance', 'partial_outage', 'major_outage']).default('degraded_performance'),
          /** The component must stay operational this long before traffic comes back. */
          recover_after: duration.default(30_000),
          /** Passive view: window and thresholds over live traffic. */
          window: duration.default(30_000),
          min_requests: z.number().int().min(1).default(5),
          error_rate: z.number().gt(0).max(1).default(0.5),
          /** Mean time to first token of the streams in the window at or above this (with min_requests of them): avoided. */
          slow_first_token: duration.default(10_000),
          /** After a passive trip, wait this long before trying the upstream again with a trickle. */
          cooldown: duration.default(30_000),
          /** Share of requests sent to a recovering upstream, and the successes in a row that bring it back. */
          trickle: z.number().gt(0).max(1).default(0.05),
          success_streak: z.number().int().min(1).default(5),
          /** Component status older than this is unknown (Vigie unreachable): only the passive view counts. */
          stale_after: duration.default(20_000),
        })
        .prefault({}),
      retry: z
        .strictObject({
          /** Upstreams tried per request (the next one after a failure before any byte reached the client). */
          max_attempts: z.number().int().min(1).max(10).default(3),
          /** Whole request, all attempts. */
          deadline: duration.default(120_000),
          connect_timeout: duration.default(5000),
          /** Streams: until the first data event. */
          first_token_timeout: duration.default(15_000),
          /** Non-streaming requests: until the response starts. */
          response_timeout: duration.default(90_000),
          /** Streams: silence between chunks once started. */
          idle_timeout: duration.default(30_000),
          /** 429 from an upstream: return it to the caller (with Retry-After), or try the next upstream. */
          on_429: z.enum(['return', 'failover']).default('return'),
        })
        .prefault({}),
      /** Standalone `vigie gateway`: processes sharing the port (node:cluster; src/gateway/cluster.ts). Unset: one per core with a
       *  database, one without (`--no-store`: rate limits and budgets would be counted per process). Inside `vigie start`: always one. */
      workers: z.number().int().min(1).max(64).optional(),
      /** Largest request body accepted. */
      max_body_bytes: z.number().int().min(1024).default(8 * 1024 * 1024),
    })
    .superRefine((g, ctx) => {
      g.routes.forEach((r, ri) => {
        if (g.routes.findIndex((o) => o.name === r.name) !== ri) ctx.addIssue({ code: 'custom', path: ['routes', ri, 'name'], message: `duplicate route name "${r.name}"` });
        r.models.forEach((m, mi) => {
          const first = g.routes.findIndex((o) => o.models.includes(m));
          if (first !== ri) ctx.addIssue({ code: 'custom', path: ['routes', ri, 'models', mi], message: `model "${m}" is already served by route "${g.routes[first]!.name}"` });
        });
        r.upstreams.forEach((u, ui) => {
          const id = typeof u === 'string' ? u : u.upstream;
          if (!(id in g.upstreams))
            ctx.addIssue({ code: 'custom', path: ['routes', ri, 'upstreams', ui], message: `unknown upstream "${id}" (upstreams: ${Object.keys(g.upstreams).join(', ') || 'none'})` });
          if (r.upstreams.findIndex((o) => (typeof o === 'string' ? o : o.upstream) === id) !== ui)
            ctx.addIssue({ code: 'custom', path: ['routes', ri, 'upstreams', ui], message: `upstream "${id}" is listed twice` });
        });
      });
      g.clients.forEach((c, ci) => {
        if (g.clients.findIndex((o) => o.name === c.name) !== ci) ctx.addIssue({ code: 'custom', path: ['clients', ci, 'name'], message: `duplicate client name "${c.name}"` });
        if (g.clients.findIndex((o) => o.token_sha256 === c.token_sha256) !== ci)
          ctx.addIssue({ code: 'custom', path: ['clients', ci, 'token_sha256'], message: 'the same token hash is given to two clients' });
      });
    });
}

export type GatewayConfig = z.output<ReturnType<typeof gatewaySchema>>;
export type GatewayHealthConfig = GatewayConfig['health'];
export type GatewayRetryConfig = GatewayConfig['retry'];
export type GatewayUpstreamConfig = GatewayConfig['upstreams'][string];
export type GatewayClientConfig = GatewayConfig['clients'][number];
