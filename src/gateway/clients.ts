// The gateway's own callers: Bearer tokens checked against their sha256 (the token itself is never
// kept), a token-bucket rate limit and a monthly token budget per client. Kept in memory, per process.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../core/time.js';
import type { GatewayClientConfig } from './config.js';

export interface Client {
  name: string;
  config: GatewayClientConfig | null;
}

/** Anyone, when the config lists no clients. */
const OPEN: Client = { name: 'anonymous', config: null };

export type Admission = { ok: true; client: Client } | { ok: false; status: 401 | 429; message: string; code: string; type: string; retryAfterS?: number };

export function sha256Hex(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A new client token, for `vigie gateway token`. */
export function newClientToken(): string {
  return `vg-${randomBytes(24).toString('base64url')}`;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class Clients {
  private byHash = new Map<string, GatewayClientConfig>();
  private buckets = new Map<string, Bucket>();
  private used = new Map<string, { month: string; tokens: number }>();

  constructor(
    configs: readonly GatewayClientConfig[],
    private readonly clock: Clock,
  ) {
    for (const c of configs) this.byHash.set(c.token_sha256, c);
  }

  get open(): boolean {
    return this.byHash.size === 0;
  }

  /** Checks the Authorization header, the rate limit and the budget; takes one request from the bucket. */
  admit(authorization: string | undefined): Admission {
    if (this.open) return { ok: true, client: OPEN };
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!m) return { ok: false, status: 401, type: 'invalid_request_error', code: 'missing_api_key', message: 'You did not provide an API key: send "Authorization: Bearer <token>".' };
    const hash = sha256Hex(m[1]!);
    const cfg = this.lookup(hash);
    if (!cfg) return { ok: false, status: 401, type: 'invalid_request_error', code: 'invalid_api_key', message: 'Incorrect API key provided.' };
    const now = this.clock.now();
    if (cfg.rate_limit) {
      const { count, perMs } = cfg.rate_limit;
      const b = this.buckets.get(cfg.name) ?? { tokens: count, at: now };
      const tokens = Math.min(count, b.tokens + (Math.max(0, now - b.at) * count) / perMs);
      if (tokens < 1) {
        this.buckets.set(cfg.name, { tokens, at: now });
        return { ok: false, status: 429, type: 'requests', code: 'rate_limit_exceeded', message: `Rate limit reached for client "${cfg.name}" (${count} per ${perMs / 1000} s).`, retryAfterS: Math.max(1, Math.ceil(((1 - tokens) * perMs) / count / 1000)) };
      }
      this.buckets.set(cfg.name, { tokens: tokens - 1, at: now });
    }
    if (cfg.monthly_tokens !== undefined && this.usedThisMonth(cfg.name, now) >= cfg.monthly_tokens) {
      return { ok: false, status: 429, type: 'insufficient_quota', code: 'insufficient_quota', message: `Client "${cfg.name}" has used its monthly budget of ${cfg.monthly_tokens} tokens.`, retryAfterS: Math.max(1, Math.ceil((nextMonth(now) - now) / 1000)) };
    }
    return { ok: true, client: { name: cfg.name, config: cfg } };
  }

  /** Tokens a response used, counted against the client's month. */
  charge(client: Client, tokens: number): void {
    if (!client.config || tokens <= 0) return;
    const now = this.clock.now();
    const month = monthOf(now);
    const u = this.used.get(client.name);
    this.used.set(client.name, { month, tokens: (u && u.month === month ? u.tokens : 0) + tokens });
  }

  usedThisMonth(name: string, now = this.clock.now()): number {
    const u = this.used.get(name);
    return u && u.month === monthOf(now) ? u.tokens : 0;
  }

  private lookup(hash: string): GatewayClientConfig | undefined {
    // Constant-time compare against each hash, so timing says nothing about how close a guess was.
    const h = Buffer.from(hash, 'hex');
    let found: GatewayClientConfig | undefined;
    for (const [k, c] of this.byHash) if (timingSafeEqual(Buffer.from(k, 'hex'), h)) found = c;
    return found;
  }
}

function monthOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 7);
}

function nextMonth(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}
