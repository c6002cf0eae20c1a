// OpenAI-style error bodies, and what an upstream's answer means for the request and for health. Pure.

export interface ApiErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export function apiError(message: string, type: string, code: string | null = null, param: string | null = null): ApiErrorBody {
  return { error: { message, type, param, code } };
}

/** Why an attempt on an upstream failed before anything reached the client, or a stream broke after. */
export type FailureKind =
  | 'connect' // refused, reset, DNS: no answer at all
  | 'timeout' // no response, or no first token, before the deadline
  | 'http_5xx'
  | 'empty' // a 2xx that ended before any data
  | 'rate_limited' // 429, only a failure when on_429 is failover; never a health outcome
  | 'stream_broken'; // after bytes were sent: the stream stalled or the connection dropped

/** What the gateway does with an upstream's status code. */
export type StatusAction = 'relay' | 'retry' | 'caller' | 'rate_limited';

export function statusAction(status: number): StatusAction {
  if (status >= 200 && status < 300) return 'relay';
  if (status === 429) return 'rate_limited';
  // 408 and 5xx are the provider's trouble; every other 4xx is about the request or the account.
  if (status >= 500 || status === 408) return 'retry';
  return 'caller';
}

/** A short, key-free description of a transport error (undici messages carry no headers, but stay brief anyway). */
export function describeError(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown; cause?: { code?: unknown } } | null;
  const code = typeof e?.code === 'string' ? e.code : typeof e?.cause?.code === 'string' ? e.cause.code : undefined;
  return code ?? (typeof e?.message === 'string' ? e.message.slice(0, 120) : 'error');
}
