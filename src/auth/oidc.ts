// Console sign-in with OpenID Connect (openid-client): authorization code with PKCE, state and nonce.
// GET /admin/oidc/start remembers the verifier, state and nonce under a random key, given to the
// browser in a short-lived cookie (SameSite=Lax: the provider's redirect back is a cross-site
// navigation, which a Strict cookie would miss); GET /admin/oidc/callback checks them, finds or
// creates the user, starts a session as a password sign-in does, and sends the browser to /admin.
// Failures go back to /admin/?oidc_error=<code> for the console to explain.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import * as client from 'openid-client';
import type { Logger } from 'pino';
import { parseCookies, serializeCookie } from './cookies.js';
import { normalizeName, userNameProblem } from './names.js';
import type { OidcSettings } from './oidc-config.js';
import { type Role, ROLES, atLeast, isRole } from './roles.js';
import type { Auth } from './service.js';

const FLOW_COOKIE = 'vigie_oidc';
const FLOW_PATH = '/admin/oidc';
/** How long someone has at the provider to sign in. */
const FLOW_MS = 10 * 60_000;
const MAX_FLOWS = 10_000;

interface Flow {
  verifier: string;
  state: string;
  nonce: string;
  startedAt: number;
}

/** An http issuer is accepted only on the loopback address (tests, a provider on the same host). */
function loopback(url: URL): boolean {
  return ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname);
}

/** The highest role named by the claim's value(s), if any. */
export function roleFromClaim(value: unknown): Role | undefined {
  const values = (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string').map((v) => v.toLowerCase());
  return [...ROLES].reverse().find((r) => values.includes(r));
}

export class OidcSignIn {
  private discovered: { key: string; config: Promise<client.Configuration> } | undefined;
  private readonly flows = new Map<string, Flow>();

  constructor(
    private readonly o: {
      auth: Auth;
      settings: () => OidcSettings | undefined;
      /** The public origin (site.base_url, else the listening address), for the default redirect URL. */
      origin: () => string | undefined;
      log: Logger;
    },
  ) {}

  get enabled(): boolean {
    return this.o.settings() !== undefined;
  }

  private redirectUrl(s: OidcSettings): string {
    return s.redirect_url ?? `${(this.o.origin() ?? '').replace(/\/+$/, '')}${FLOW_PATH}/callback`;
  }

  /** Discovery, once per issuer and client (again after a config reload changes them, or after a failure). */
  private configuration(s: OidcSettings): Promise<client.Configuration> {
    const key = JSON.stringify([s.issuer, s.client_id, s.client_secret]);
    if (this.discovered?.key !== key) {
      const issuer = new URL(s.issuer);
      const config = client.discovery(issuer, s.client_id, s.client_secret, undefined, { timeout: 10, ...(issuer.protocol === 'http:' && loopback(issuer) ? { execute: [client.allowInsecureRequests] } : {}) });
      this.discovered = { key, config };
      config.catch(() => {
        if (this.discovered?.config === config) this.discovered = undefined;
      });
    }
    return this.discovered.config;
  }

  private back(reply: FastifyReply, req: FastifyRequest, error?: string) {
    reply.header('set-cookie', serializeCookie(FLOW_COOKIE, '', { secure: this.o.auth.secure(req), path: FLOW_PATH, maxAgeSeconds: 0, sameSite: 'Lax' }));
    return reply.redirect(error ? `/admin/?oidc_error=${error}` : '/admin/', 303);
  }

  async start(req: FastifyRequest, reply: FastifyReply) {
    const s = this.o.settings();
    if (!s) return reply.code(404).send({ error: 'not_found', message: 'OpenID Connect sign-in is not configured (auth.oidc)' });
    let config: client.Configuration;
    try {
      config = await this.configuration(s);
    } catch (err) {
      this.o.log.error({ err, issuer: s.issuer }, 'OpenID Connect discovery failed');
      return this.back(reply, req, 'provider_unreachable');
    }
    const now = this.o.auth.now();
    for (const [k, f] of this.flows) if (now - f.startedAt > FLOW_MS || this.flows.size > MAX_FLOWS) this.flows.delete(k);
    const flow: Flow = { verifier: client.randomPKCECodeVerifier(), state: client.randomState(), nonce: client.randomNonce(), startedAt: now };
    const key = randomBytes(32).toString('base64url');
    this.flows.set(key, flow);
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: this.redirectUrl(s),
      scope: 'openid email profile',
      code_challenge: await client.calculatePKCECodeChallenge(flow.verifier),
      code_challenge_method: 'S256',
      state: flow.state,
      nonce: flow.nonce,
    });
    reply.header('set-cookie', serializeCookie(FLOW_COOKIE, key, { secure: this.o.auth.secure(req), path: FLOW_PATH, maxAgeSeconds: FLOW_MS / 1000, sameSite: 'Lax' }));
    return reply.redirect(url.href, 303);
  }

  async callback(req: FastifyRequest, reply: FastifyReply) {
    const s = this.o.settings();
    if (!s) return reply.code(404).send({ error: 'not_found', message: 'OpenID Connect sign-in is not configured (auth.oidc)' });
    const key = parseCookies(req.headers.cookie).get(FLOW_COOKIE);
    const flow = key === undefined ? undefined : this.flows.get(key);
    if (key !== undefined) this.flows.delete(key);
    const fail = async (code: string, why: string, extra: Record<string, unknown> = {}) => {
      this.o.log.warn({ ...extra, address: this.o.auth.address(req), code }, `OpenID Connect sign-in failed: ${why}`);
      await this.o.auth.record(req, { action: 'signInOidc', actorKind: 'user', actorName: typeof extra.user === 'string' ? extra.user : 'unknown', outcome: 'failed', status: 303, after: { error: code } });
      return this.back(reply, req, code);
    };
    if (!flow || this.o.auth.now() - flow.startedAt > FLOW_MS) return fail('expired', 'no sign-in started from this browser, or it took over 10 minutes');
    const query = new URLSearchParams(req.url.split('?')[1] ?? '');
    if (query.has('error')) return fail('denied', `the provider answered ${query.get('error')}`, { error: query.get('error')?.slice(0, 100) });
    let claims: client.IDToken | undefined;
    try {
      const config = await this.configuration(s);
      const current = new URL(this.redirectUrl(s));
      current.search = query.toString();
      const tokens = await client.authorizationCodeGrant(config, current, { pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce, idTokenExpected: true });
      claims = tokens.claims();
    } catch (err) {
      return fail('exchange', 'the code exchange or the ID token check failed', { err });
    }
    if (!claims) return fail('exchange', 'no ID token');
    const subject = `${s.issuer}|${claims.sub}`;
    const email = typeof claims.email === 'string' && claims.email_verified !== false ? normalizeName(claims.email) : undefined;
    if (s.allowed_domains.length > 0 && (email === undefined || !s.allowed_domains.includes(email.split('@').pop()!)))
      return fail('domain', 'the e-mail address is not in auth.oidc.allowed_domains', { user: email ?? claims.sub });
    const claimed = s.roles_claim !== undefined ? roleFromClaim(claims[s.roles_claim]) : undefined;
    const users = this.o.auth.users;
    const at = this.o.auth.now();
    let user = await users.bySubject(subject);
    if (!user) {
      const name = email ?? (typeof claims.preferred_username === 'string' ? normalizeName(claims.preferred_username) : undefined);
      if (name === undefined || userNameProblem(name)) return fail('no_email', 'the provider gave no usable e-mail address or user name', { sub: claims.sub });
      const existing = await users.byName(name);
      if (existing && existing.oidcSubject !== null) return fail('conflict', 'the user is linked to another account of the provider', { user: name });
      if (existing) {
        // Linking by a verified e-mail address only: a bare preferred_username is the provider's word, not proof.
        if (email === undefined) return fail('conflict', 'a user of that name exists; link needs a verified e-mail address', { user: name });
        await users.update(existing.id, at, { oidc_subject: subject });
        user = (await users.byId(existing.id))!;
      } else {
        user = await users.create({ id: randomBytes(8).toString('hex'), name, role: claimed ?? s.default_role, passwordHash: null, oidcSubject: subject, at });
        await this.o.auth.record(req, { action: 'createUser', actorKind: 'user', actorName: name, outcome: 'ok', status: 201, target: name, after: { name, role: user.role, via: 'oidc' } });
      }
    }
    if (claimed !== undefined && claimed !== user.role && isRole(user.role)) {
      // The provider's roles win, but the last owner keeps the keys.
      if (!(user.role === 'owner' && !atLeast(claimed, 'owner') && (await users.owners()) <= 1)) {
        await users.update(user.id, at, { role: claimed });
        await this.o.auth.record(req, { action: 'updateUser', actorKind: 'user', actorName: user.name, outcome: 'ok', status: 200, target: user.name, before: { role: user.role }, after: { role: claimed, via: 'oidc' } });
        user = (await users.byId(user.id))!;
      }
    }
    const started = await this.o.auth.startSession(req, user);
    this.o.auth.signedIn(req, user, started);
    await this.o.auth.record(req, { action: 'signInOidc', outcome: 'ok', status: 303 });
    reply.header('set-cookie', [
      this.o.auth.sessions.setCookie(started.cookie, this.o.auth.secure(req)),
      serializeCookie(FLOW_COOKIE, '', { secure: this.o.auth.secure(req), path: FLOW_PATH, maxAgeSeconds: 0, sameSite: 'Lax' }),
    ]);
    return reply.redirect('/admin/', 303);
  }
}

/** GET /admin/oidc/start and /admin/oidc/callback (browser redirects, outside the JSON API). */
export function oidcRoutes(app: FastifyInstance, oidc: OidcSignIn): void {
  app.get(`${FLOW_PATH}/start`, (req, reply) => oidc.start(req, reply));
  app.get(`${FLOW_PATH}/callback`, (req, reply) => oidc.callback(req, reply));
}
