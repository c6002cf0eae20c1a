// The agent's HTTP calls to the server: JSON over undici, bearer token, a deadline per call.
// Refusals the agent must stop on (unknown or revoked token, region not configured or not its
// own) are told apart from failures it must ride out (server down, 5xx).
import { request } from 'undici';
import { AGENT_PREFIX, REFUSALS, REGION_HEADER } from './protocol.js';

export class Refused extends Error {
  constructor(
    readonly code: (typeof REFUSALS)[number],
    message: string,
  ) {
    super(message);
    this.name = 'Refused';
  }
}

/** A 4xx that is not a refusal: this request was wrong (the agent drops what it sent, and says so). */
export class Rejected extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'Rejected';
  }
}

export interface ClientOptions {
  server: string;
  token: string;
  region?: string | undefined;
}

export class AgentClient {
  private readonly base: string;

  constructor(private readonly opts: ClientOptions) {
    this.base = opts.server.replace(/\/+$/, '') + AGENT_PREFIX;
  }

  /** The answer's JSON on 2xx; throws Refused, Rejected, or an Error for anything to retry. */
  async call(method: 'GET' | 'POST', path: string, body: unknown, timeoutMs: number, signal?: AbortSignal): Promise<unknown> {
    const deadline = AbortSignal.timeout(timeoutMs);
    const res = await request(this.base + path, {
      method,
      headers: {
        authorization: `Bearer ${this.opts.token}`,
        ...(this.opts.region ? { [REGION_HEADER]: this.opts.region } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: signal ? AbortSignal.any([signal, deadline]) : deadline,
    });
    const text = await res.body.text();
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (res.statusCode >= 200 && res.statusCode < 300) return json;
    const err = json as { error?: string; message?: string } | undefined;
    const message = err?.message ?? `HTTP ${res.statusCode}`;
    if (err?.error && (REFUSALS as readonly string[]).includes(err.error)) throw new Refused(err.error as (typeof REFUSALS)[number], message);
    if (res.statusCode === 401) throw new Refused('unknown_token', message);
    if (res.statusCode >= 400 && res.statusCode < 500 && res.statusCode !== 408 && res.statusCode !== 429) throw new Rejected(res.statusCode, message);
    throw new Error(`server answered ${res.statusCode}: ${message}`);
  }
}
