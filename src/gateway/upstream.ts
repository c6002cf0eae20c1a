// Where and how a request goes to one upstream: URL shape and headers (OpenAI-compatible or Azure OpenAI).
import type { GatewayUpstreamConfig } from './config.js';

export type Endpoint = 'chat/completions' | 'completions' | 'embeddings';

export function upstreamUrl(u: GatewayUpstreamConfig, endpoint: Endpoint, model: string): string {
  const base = u.base_url.replace(/\/+$/, '');
  if (u.kind === 'azure') return `${base}/openai/deployments/${encodeURIComponent(model)}/${endpoint}?api-version=${encodeURIComponent(u.api_version)}`;
  return `${base}/${endpoint}`;
}

export function upstreamHeaders(u: GatewayUpstreamConfig, stream: boolean, bodyBytes: number): Record<string, string> {
  const h: Record<string, string> = {
    'content-type': 'application/json',
    'content-length': String(bodyBytes),
    accept: stream ? 'text/event-stream' : 'application/json',
  };
  if (u.api_key) {
    if (u.kind === 'azure') h['api-key'] = u.api_key;
    else h.authorization = `Bearer ${u.api_key}`;
  }
  return h;
}

/** upstreamUrl as undici's dispatch takes it (origin and path), computed once per upstream, endpoint and model. */
const targets = new WeakMap<GatewayUpstreamConfig, Map<string, { origin: string; path: string }>>();
export function upstreamTarget(u: GatewayUpstreamConfig, endpoint: Endpoint, model: string): { origin: string; path: string } {
  let byKey = targets.get(u);
  if (!byKey) targets.set(u, (byKey = new Map()));
  const key = u.kind === 'azure' ? `${endpoint} ${model}` : endpoint;
  let t = byKey.get(key);
  if (!t) {
    const url = new URL(upstreamUrl(u, endpoint, model));
    t = { origin: url.origin, path: `${url.pathname}${url.search}` };
    // Bounded: Azure's are per model (deployment), and a client may send any model name.
    if (byKey.size > 1000) byKey.clear();
    byKey.set(key, t);
  }
  return t;
}
