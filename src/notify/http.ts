// Outgoing HTTP for channels: undici with keep-alive, a time limit per request, and only the start
// of the answer kept (enough to show the operator what the receiver said).
import { Agent, request } from 'undici';
import { safeTimeout } from '../core/time.js';
import { isPrivateHost, publicOnlyLookup, type Lookup } from './addresses.js';
import type { SendResult } from './types.js';

export interface HttpClient {
  post(url: string, body: string | Buffer, headers: Record<string, string>, timeoutMs: number, signal?: AbortSignal): Promise<SendResult>;
  close(): Promise<void>;
}

const KEEP = 2048;

export function parseRetryAfter(v: string | string[] | undefined, now: number): number | undefined {
  const s = Array.isArray(v) ? v[0] : v;
  if (!s) return undefined;
  if (/^\d+$/.test(s.trim())) return Number(s.trim()) * 1000;
  const t = Date.parse(s);
  return Number.isFinite(t) ? Math.max(0, t - now) : undefined;
}

export interface HttpClientOptions {
  connections?: number;
  /** Refuse private addresses, named or resolved (public webhook subscriptions: see addresses.ts). */
  publicOnly?: boolean;
  /** The resolver behind publicOnly (tests give their own; default: the system's). */
  lookup?: Lookup;
}

export function createHttpClient(opts: HttpClientOptions = {}): HttpClient {
  const agent = new Agent({
    connections: opts.connections ?? 64,
    keepAliveTimeout: 10_000,
    pipelining: 1,
    ...(opts.publicOnly ? { connect: { lookup: publicOnlyLookup(opts.lookup) } } : {}),
  });
  return {
    async post(url, body, headers, timeoutMs, signal) {
      // An address written in the URL is never looked up: it is checked here instead.
      if (opts.publicOnly) {
        const host = new URL(url).hostname;
        if (isPrivateHost(host)) return { ok: false, permanent: true, error: `${host} is a private address: public subscriptions may not reach it` };
      }
      const ac = new AbortController();
      const timer = safeTimeout(() => ac.abort(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      const onAbort = () => ac.abort(signal?.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        const res = await request(url, {
          method: 'POST',
          headers: { 'user-agent': 'Vigie-Notify/1', ...headers },
          body,
          dispatcher: agent,
          signal: ac.signal,
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
        });
        let text = '';
        for await (const chunk of res.body) {
          if (text.length < KEEP) text += Buffer.from(chunk as Uint8Array).toString('utf8');
        }
        if (text.length > KEEP) text = text.slice(0, KEEP);
        const ok = res.statusCode >= 200 && res.statusCode < 300;
        const retryAfterMs = parseRetryAfter(res.headers['retry-after'], Date.now());
        const permanent = res.statusCode >= 400 && res.statusCode < 500 && ![408, 425, 429].includes(res.statusCode);
        return {
          ok,
          ...(permanent ? { permanent } : {}),
          status: res.statusCode,
          response: text,
          ...(ok ? {} : { error: `HTTP ${res.statusCode}${text ? `: ${text.slice(0, 200)}` : ''}` }),
          ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
        };
      } catch (err) {
        const reason = ac.signal.aborted && ac.signal.reason instanceof Error ? ac.signal.reason.message : err instanceof Error ? err.message : String(err);
        const code = (err as { code?: string }).code;
        return { ok: false, error: `${code ? `${code}: ` : ''}${reason}`, ...(code === 'EPRIVATE' ? { permanent: true } : {}) };
      } finally {
        timer.cancel();
        signal?.removeEventListener('abort', onAbort);
      }
    },
    close: () => agent.close(),
  };
}

/** JSON POST with the headers every delivery carries. */
export function postJson(http: HttpClient, url: string, payload: unknown, ctx: { idempotencyKey: string; timeoutMs: number; signal?: AbortSignal }, headers: Record<string, string> = {}): Promise<SendResult> {
  return http.post(url, JSON.stringify(payload), { 'content-type': 'application/json; charset=utf-8', 'idempotency-key': ctx.idempotencyKey, ...headers }, ctx.timeoutMs, ctx.signal);
}
