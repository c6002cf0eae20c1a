// The gateway's own callers: Bearer tokens checked against their sha256 (the token itself is never
// kept), a rate limit and a monthly token budget per client. Clients come from the config
// (gateway.clients) and, with a database, from the tokens made by `vigie gateway client add` or the
// admin API (re-read every `clients_refresh`: a new or revoked token takes effect within it).
// Counting is counters.ts's: in memory, or in the database shared by replicas.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Clock } from '../core/time.js';
import type { GatewayClientConfig } from './config.js';
import { type Counters, type Limits, MemoryCounters, nextMonth } from './counters.js';

export interface ClientEntry extends Limits {
  team: string;
  tokenSha256: string;
}

export interface Client {
  name: string;
  team: string;
  config: ClientEntry | null;
}

/** Anyone, when no client is listed. */
const OPEN: Client = { name: 'anonymous', team: 'anonymous', config: null };

export type Admission = { ok: true; client: Client } | { ok: false; status: 401 | 429; message: string; code: string; type: string; retryAfterS?: number };

export function sha256Hex(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A new client token, for `vigie gateway token` and `vigie gateway client add`. */
export function newClientToken(): string {
  return `vg-${randomBytes(24).toString('base64url')}`;
}

export function fromConfig(c: GatewayClientConfig): ClientEntry {
  return { name: c.name, team: c.team ?? c.name, tokenSha256: c.token_sha256, rateLimit: c.rate_limit ?? null, monthlyTokens: c.monthly_tokens ?? null };
}

/** How long a verified token is taken on trust before it is hashed and compared again, and how many are kept. */
export const VERIFIED_TTL_MS = 10_000;
const VERIFIED_MAX = 10_000;

export class Clients {
  private byHash = new Map<string, ClientEntry>();
  /**
   * Tokens already verified (the Bearer value -> its client), so a request costs a Map lookup instead of
   * a sha256 and a constant-time compare against every hash. Only tokens that matched are kept, for at
   * most VERIFIED_TTL_MS (real time), and the whole cache is dropped whenever the client list changes:
   * a revoked token stops working at the next refresh, as without the cache.
   */
  private verified = new Map<string, { entry: ClientEntry; until: number }>();
  private readonly configured: ClientEntry[];
  /** The database has (or had) clients: revoking the last one must not open the gateway to anyone. */
  private storeHasClients = false;

  constructor(
    configs: readonly GatewayClientConfig[],
    private readonly clock: Clock,
    readonly counters: Counters = new MemoryCounters(),
  ) {
    this.configured = configs.map(fromConfig);
    this.setStored([]);
  }

  /** The live clients kept in the database (the config's win on a name or hash both use); `any`: whether it holds any, revoked included. */
  setStored(stored: readonly ClientEntry[], any = stored.length > 0): void {
    this.storeHasClients = this.storeHasClients || any;
    const next = new Map<string, ClientEntry>();
    const names = new Set(this.configured.map((c) => c.name));
    for (const c of this.configured) next.set(c.tokenSha256, c);
    for (const c of stored) if (!names.has(c.name) && !next.has(c.tokenSha256)) next.set(c.tokenSha256, c);
    this.byHash = next;
    this.verified.clear();
  }

  get open(): boolean {
    return this.byHash.size === 0 && !this.storeHasClients;
  }

  /** Names of the clients with a monthly budget. */
  budgeted(): string[] {
    return [...this.byHash.values()].filter((c) => c.monthlyTokens != null).map((c) => c.name);
  }

  /** Checks the Authorization header, the rate limit and the budget; takes one request from the limit. Synchronous with in-memory counters. */
  admit(authorization: string | undefined): Admission | Promise<Admission> {
    if (this.open) return { ok: true, client: OPEN };
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!m) return { ok: false, status: 401, type: 'invalid_request_error', code: 'missing_api_key', message: 'You did not provide an API key: send "Authorization: Bearer <token>".' };
    const cfg = this.verify(m[1]!);
    if (!cfg) return { ok: false, status: 401, type: 'invalid_request_error', code: 'invalid_api_key', message: 'Incorrect API key provided.' };
    const now = this.clock.now();
    // The budget first: a client out of budget does not spend its rate limit on refused requests.
    if (cfg.monthlyTokens != null && this.counters.used(cfg.name, now) >= cfg.monthlyTokens) {
      return { ok: false, status: 429, type: 'insufficient_quota', code: 'insufficient_quota', message: `Client "${cfg.name}" has used its monthly budget of ${cfg.monthlyTokens} tokens.`, retryAfterS: Math.max(1, Math.ceil((nextMonth(now) - now) / 1000)) };
    }
    const wait = this.counters.take(cfg, now);
    return typeof wait === 'number' ? this.rated(cfg, wait) : wait.then((w) => this.rated(cfg, w));
  }

  private rated(cfg: ClientEntry, waitMs: number): Admission {
    if (waitMs <= 0) return { ok: true, client: { name: cfg.name, team: cfg.team, config: cfg } };
    const { count, perMs } = cfg.rateLimit!;
    return { ok: false, status: 429, type: 'requests', code: 'rate_limit_exceeded', message: `Rate limit reached for client "${cfg.name}" (${count} per ${perMs / 1000} s).`, retryAfterS: Math.max(1, Math.ceil(waitMs / 1000)) };
  }

  /** Tokens a response used, counted against the client's month. */
  charge(client: Client, tokens: number): void {
    if (!client.config || tokens <= 0) return;
    this.counters.charge(client.name, tokens, this.clock.now());
  }

  usedThisMonth(name: string, now = this.clock.now()): number {
    return this.counters.used(name, now);
  }

  private verify(token: string): ClientEntry | undefined {
    const now = performance.now();
    const hit = this.verified.get(token);
    if (hit && hit.until > now) return hit.entry;
    const entry = this.lookup(sha256Hex(token));
    if (!entry) {
      if (hit) this.verified.delete(token);
      return undefined;
    }
    if (this.verified.size >= VERIFIED_MAX) this.verified.clear();
    this.verified.set(token, { entry, until: now + VERIFIED_TTL_MS });
    return entry;
  }

  private lookup(hash: string): ClientEntry | undefined {
    // Constant-time compare against each hash, so timing says nothing about how close a guess was.
    const h = Buffer.from(hash, 'hex');
    let found: ClientEntry | undefined;
    for (const [k, c] of this.byHash) if (timingSafeEqual(Buffer.from(k, 'hex'), h)) found = c;
    return found;
  }
}
