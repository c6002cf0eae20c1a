// Sign-in and authorization for the admin API: who a request comes from (an API token, or a session
// cookie), whether it may do what it asks (CSRF for cookies, the route's role), password sign-in with
// its brute-force brake, and the audit log's writer. One hook (guard) runs for every route under
// /api/admin, however it was registered.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { clientAddress } from '../signals/reports/identity.js';
import { AuditStore, type AuditEntry } from '../store/audit.js';
import type { Store } from '../store/store.js';
import { type User, UserStore } from '../store/users.js';
import type { Authenticator } from '../web/auth.js';
import { pathOf, targetOf } from './audit.js';
import { normalizeName } from './names.js';
import { HashingBusyError, decoyHash, hashPassword, needsRehash, verifyPassword } from './password.js';
import { type Actor, type Role, atLeast, defaultRole } from './roles.js';
import { type Session, Sessions, sameSecret } from './sessions.js';
import { Throttle } from './throttle.js';
import { totpStep } from './totp.js';

/** What a route under /api/admin says about its access (Fastify route config). */
export interface RouteAccess {
  /** 'none': reachable without signing in (the sign-in routes themselves). */
  vigieAuth?: 'none';
  vigieRole?: Role;
  /** The operationId, for the audit log. */
  vigieOperation?: string;
}

/** What the guard learned about a request. */
export interface RequestAuth {
  actor: Actor | undefined;
  session: Session | undefined;
  /** The session cookie's value (to end it at sign-out). */
  cookie: string | undefined;
}

const AUTH = Symbol('vigieAuth');
type WithAuth = FastifyRequest & { [AUTH]?: RequestAuth; adminAuthor?: string };

export const authOf = (req: FastifyRequest): RequestAuth => (req as WithAuth)[AUTH] ?? { actor: undefined, session: undefined, cookie: undefined };

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

export type SignInResult =
  | { ok: true; user: User; cookie: string; session: Session }
  | { ok: false; status: 401 | 429; error: 'unauthorized' | 'totp_required' | 'totp_invalid' | 'throttled'; message: string; retryAfter?: number };

export interface AuthOptions {
  store: Store;
  now: () => number;
  log: Logger;
  tokens: Authenticator;
  /** site.base_url: an https one makes cookies Secure, and its origin is accepted for CSRF. */
  baseUrl: () => string | undefined;
  trustProxy: () => boolean;
  onAuditError?: (err: unknown) => void;
}

export class Auth {
  readonly users: UserStore;
  readonly sessions: Sessions;
  readonly audit: AuditStore;
  readonly throttle = new Throttle();
  private prunedAt = -Infinity;

  constructor(private readonly o: AuthOptions) {
    this.users = new UserStore(o.store.db);
    this.sessions = new Sessions(o.store, o.now);
    this.audit = new AuditStore(o.store.db);
  }

  now(): number {
    return Math.round(this.o.now());
  }

  address(req: FastifyRequest): string {
    return clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], this.o.trustProxy());
  }

  /** Whether cookies must be Secure: an https site, or a request that came over TLS. */
  secure(req: FastifyRequest): boolean {
    const base = this.o.baseUrl();
    return (base !== undefined && base.startsWith('https:')) || req.protocol === 'https';
  }

  /**
   * False when a browser says the request comes from another site: a cross-site Origin header, or
   * Sec-Fetch-Site: cross-site. Requests without either (curl, old browsers) pass; the CSRF token is
   * the defence for those.
   */
  sameOrigin(req: FastifyRequest): boolean {
    if (req.headers['sec-fetch-site'] === 'cross-site') return false;
    const origin = req.headers.origin;
    if (origin === undefined) return true;
    const allowed = new Set<string>();
    const host = req.headers.host;
    if (host) allowed.add(`${req.protocol}://${host}`.toLowerCase());
    const base = this.o.baseUrl();
    if (base) {
      try {
        allowed.add(new URL(base).origin.toLowerCase());
      } catch {
        // a base_url the config accepted is a URL; nothing to add otherwise
      }
    }
    return allowed.has(String(origin).toLowerCase());
  }

  /** Writes an audit entry; a failing write is reported, never turned into the request's failure. */
  async record(req: FastifyRequest, e: Partial<AuditEntry> & { action: string; outcome: string; status: number }): Promise<void> {
    const actor = authOf(req).actor;
    const entry: AuditEntry = {
      at: this.now(),
      actorKind: actor?.kind ?? 'anonymous',
      actorName: actor?.name ?? 'anonymous',
      method: req.method,
      path: pathOf(req),
      target: targetOf(req.params),
      before: null,
      after: null,
      address: this.address(req),
      ...e,
    };
    try {
      await this.audit.add(entry);
    } catch (err) {
      this.o.log.error({ err, action: entry.action }, 'could not write the audit entry');
      this.o.onAuditError?.(err);
    }
  }

  private attach(req: FastifyRequest, a: RequestAuth): void {
    (req as WithAuth)[AUTH] = a;
    if (a.actor) (req as WithAuth).adminAuthor = a.actor.name;
  }

  /** Who sent the request: undefined with a reason when it carries credentials that do not hold. */
  async identify(req: FastifyRequest): Promise<RequestAuth | { refused: string }> {
    const authorization = req.headers.authorization;
    if (authorization !== undefined) {
      const t = await this.o.tokens.identify(authorization, this.now());
      if (!t) return { refused: 'the API token is not valid (or was revoked)' };
      return { actor: { kind: 'token', name: t.name, role: t.role }, session: undefined, cookie: undefined };
    }
    const cookie = Sessions.cookieValue(req.headers.cookie);
    if (cookie === undefined) return { actor: undefined, session: undefined, cookie: undefined };
    const session = await this.sessions.resolve(cookie);
    const user = session ? await this.users.byId(session.userId) : undefined;
    if (!session || !user) return { refused: 'the session has ended (signed out, expired or revoked): sign in again' };
    return { actor: { kind: 'user', name: user.name, role: user.role, userId: user.id }, session, cookie };
  }

  /** The onRequest hook for everything under /api/admin. */
  guard = async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const access = (req.routeOptions.config ?? {}) as RouteAccess;
    const open = access.vigieAuth === 'none';
    const documented = (req.routeOptions.schema as { operationId?: unknown } | undefined)?.operationId;
    const action = access.vigieOperation ?? (typeof documented === 'string' ? documented : `${req.method} ${req.routeOptions.url ?? pathOf(req)}`);
    const unsafe = !SAFE.has(req.method);
    const who = await this.identify(req);
    if ('refused' in who) {
      if (open) {
        this.attach(req, { actor: undefined, session: undefined, cookie: undefined });
        return this.checkOpen(req, reply, unsafe, action);
      }
      const token = req.headers.authorization !== undefined;
      return reply
        .code(401)
        .header('www-authenticate', `Bearer realm="vigie-admin"${token ? ', error="invalid_token"' : ''}`)
        .send({ error: 'unauthorized', message: who.refused });
    }
    this.attach(req, who);
    if (open) return this.checkOpen(req, reply, unsafe, action);
    if (!who.actor)
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="vigie-admin"')
        .send({ error: 'unauthorized', message: 'sign in (POST /api/admin/session), or send an API token: Authorization: Bearer <token>' });
    if (who.session && unsafe) {
      const problem = !this.sameOrigin(req)
        ? 'the request comes from another site (Origin or Sec-Fetch-Site)'
        : typeof req.headers['x-csrf-token'] !== 'string'
          ? 'the x-csrf-token header is missing (its value is csrf_token from /api/admin/session)'
          : !sameSecret(req.headers['x-csrf-token'], who.session.csrf)
            ? 'the x-csrf-token header does not match this session'
            : undefined;
      if (problem) {
        this.o.log.warn({ user: who.actor.name, action, address: this.address(req) }, 'admin request refused: CSRF check failed');
        await this.record(req, { action, outcome: 'csrf', status: 403 });
        return reply.code(403).send({ error: 'csrf', message: problem });
      }
    }
    const needs = access.vigieRole ?? defaultRole(req.method);
    if (!atLeast(who.actor.role, needs)) {
      if (unsafe || needs !== 'viewer') await this.record(req, { action, outcome: 'forbidden', status: 403 });
      return reply.code(403).send({ error: 'forbidden', message: `${action} needs the ${needs} role; you are ${who.actor.role === 'owner' ? 'an' : 'a'} ${who.actor.role}` });
    }
    return undefined;
  };

  /** Routes open to anyone: a change there (signing in) must still come from our own site. */
  private async checkOpen(req: FastifyRequest, reply: FastifyReply, unsafe: boolean, action: string): Promise<unknown> {
    if (unsafe && !this.sameOrigin(req)) {
      await this.record(req, { action, outcome: 'csrf', status: 403 });
      return reply.code(403).send({ error: 'csrf', message: 'the request comes from another site (Origin or Sec-Fetch-Site)' });
    }
    return undefined;
  }

  /**
   * Password sign-in. An unknown name and a wrong password get the same answer and take as long.
   * After a few failures for the name or from the address, attempts wait (429 + Retry-After).
   */
  async signIn(req: FastifyRequest, input: { name: string; password: string; totp?: string | undefined }): Promise<SignInResult> {
    const at = this.now();
    const name = normalizeName(input.name);
    const address = this.address(req);
    const keys = [`user:${name}`, `address:${address}`];
    const fail = async (outcome: string, log: string, status: 401 | 429 = 401) => {
      this.o.log.warn({ user: name, address, failures: this.throttle.failures(keys[0]!, at) }, log);
      await this.record(req, { action: 'signIn', actorKind: 'user', actorName: name.slice(0, 128), outcome, status });
    };
    const wait = this.throttle.wait(keys, at);
    if (wait > 0) {
      await fail('throttled', 'sign-in refused: too many failures, waiting', 429);
      const retryAfter = Math.ceil(wait / 1000);
      return { ok: false, status: 429, error: 'throttled', message: `too many failed sign-ins: try again in ${retryAfter} s`, retryAfter };
    }
    const user = await this.users.byName(name);
    let good: boolean;
    try {
      const hash = user?.passwordHash ?? (await decoyHash());
      good = (await verifyPassword(input.password, hash)) && user !== undefined && user.passwordHash !== null;
    } catch (err) {
      if (!(err instanceof HashingBusyError)) throw err;
      this.o.log.warn({ user: name, address }, 'sign-in refused: too many password checks at once');
      return { ok: false, status: 429, error: 'throttled', message: 'too many sign-ins at once: try again in a moment', retryAfter: 2 };
    }
    if (!good || !user) {
      this.throttle.fail(keys, at);
      await fail('failed', 'sign-in failed: wrong name or password');
      return { ok: false, status: 401, error: 'unauthorized', message: 'wrong name or password' };
    }
    if (user.totpEnabled && user.totpSecret) {
      if (input.totp === undefined || input.totp === '') {
        await this.record(req, { action: 'signIn', actorKind: 'user', actorName: user.name, outcome: 'totp_required', status: 401 });
        return { ok: false, status: 401, error: 'totp_required', message: 'this account needs the code from its authenticator app (field totp)' };
      }
      const step = totpStep(user.totpSecret, input.totp, at);
      if (step === undefined || !(await this.users.useTotpStep(user.id, step))) {
        this.throttle.fail(keys, at);
        await fail('failed', 'sign-in failed: wrong or reused TOTP code');
        return { ok: false, status: 401, error: 'totp_invalid', message: 'the code is wrong, expired, or was already used: wait for the next one' };
      }
    }
    this.throttle.succeed(keys);
    if (user.passwordHash && needsRehash(user.passwordHash)) await this.users.update(user.id, at, { password_hash: await hashPassword(input.password) });
    const started = await this.startSession(req, user);
    this.signedIn(req, user, started);
    await this.record(req, { action: 'signIn', outcome: 'ok', status: 200 });
    return { ok: true, user, ...started };
  }

  /** From now on the request counts as the user's (for the audit entry of the sign-in). */
  signedIn(req: FastifyRequest, user: User, started: { cookie: string; session: Session }): void {
    this.attach(req, { actor: { kind: 'user', name: user.name, role: user.role, userId: user.id }, session: started.session, cookie: started.cookie });
  }

  /** A new session for the user; a session cookie the request already had is ended first (no fixation). */
  async startSession(req: FastifyRequest, user: User): Promise<{ cookie: string; session: Session }> {
    const previous = Sessions.cookieValue(req.headers.cookie);
    if (previous !== undefined) await this.sessions.end(previous);
    // Ended sessions are dropped here, at most once an hour: sign-ins are what make them pile up.
    const at = this.now();
    if (at - this.prunedAt >= 3_600_000) {
      this.prunedAt = at;
      await this.sessions.prune();
    }
    return this.sessions.start(user.id, this.address(req));
  }
}
