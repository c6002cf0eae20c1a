// Tokens a response used, for client budgets: the `usage` the API reports, else an estimate. Pure.
// Streams report usage only when asked (stream_options.include_usage); without it the estimate is
// one token per streamed data event plus a quarter of the request's bytes, which is close enough for
// a monthly budget and never zero.

const USAGE_KEY = '"usage"';

export function totalTokens(usage: unknown): number | undefined {
  const u = usage as { total_tokens?: unknown; prompt_tokens?: unknown; completion_tokens?: unknown } | null | undefined;
  if (!u || typeof u !== 'object') return undefined;
  if (typeof u.total_tokens === 'number' && Number.isFinite(u.total_tokens) && u.total_tokens >= 0) return u.total_tokens;
  const p = typeof u.prompt_tokens === 'number' ? u.prompt_tokens : 0;
  const c = typeof u.completion_tokens === 'number' ? u.completion_tokens : 0;
  return p + c > 0 ? p + c : undefined;
}

/** usage.total_tokens of a JSON response body, if there. */
export function usageFromJson(text: string): number | undefined {
  if (!text.includes(USAGE_KEY)) return undefined;
  try {
    return totalTokens((JSON.parse(text) as { usage?: unknown } | null)?.usage);
  } catch {
    return undefined;
  }
}

/** usageFromSseTail of the tail's bytes, decoded only when a usage is there (most streams have none). */
export function usageFromSseBytes(tail: Buffer): number | undefined {
  return tail.includes(USAGE_KEY) ? usageFromSseTail(tail.toString('utf8')) : undefined;
}

/** The last usage in the tail of an SSE stream (the final chunk carries it when include_usage is on). */
export function usageFromSseTail(tail: string): number | undefined {
  const lines = tail.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!;
    if (!line.startsWith('data:') || !line.includes(USAGE_KEY)) continue;
    try {
      const n = totalTokens((JSON.parse(line.slice(5).trim()) as { usage?: unknown } | null)?.usage);
      if (n !== undefined) return n;
    } catch {
      // a cut line at the start of the tail: look further back
    }
  }
  return undefined;
}

export function estimateTokens(requestBytes: number, responseBytes: number, dataEvents: number | undefined): number {
  return Math.ceil(requestBytes / 4) + (dataEvents !== undefined ? dataEvents : Math.ceil(responseBytes / 4));
}
