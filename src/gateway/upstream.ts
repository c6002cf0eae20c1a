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
