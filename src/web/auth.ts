// Admin API tokens. A token is 32 random bytes (base64url, prefixed "vigie_" so it is recognisable in
// a leak scan); the store keeps only its sha256. `vigie token create --name NAME` makes one and prints
// it once. VIGIE_ADMIN_TOKEN, when set, is accepted too (bootstrap: before any token exists, or for
// automation that injects a secret); it is never written anywhere.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Role } from '../auth/roles.js';
import { ApiTokenStore } from '../store/api-tokens.js';
import type { Store } from '../store/store.js';

export const TOKEN_PREFIX = 'vigie_';

/** A token's name: who or what uses it. */
export const TOKEN_NAME = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/;
export const TOKEN_NAME_TEXT = '1 to 64 letters, digits, "_", ".", "@" or "-", starting with a letter or digit';

/** Thrown by createApiToken when the name is taken (names stay taken after a revoke). */
export class TokenNameTakenError extends Error {}

export function generateToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * Creates a token named `name`; returns the token itself, which is not kept anywhere. A token's role
 * defaults to owner: tokens had full power before roles existed, and scripts that create one expect it.
 */
export async function createApiToken(store: Store, name: string, at: number, role: Role = 'owner'): Promise<string> {
  const token = generateToken();
  try {
    await new ApiTokenStore(store).create({ id: randomBytes(8).toString('hex'), name, hash: hashToken(token), at, role });
  } catch (err) {
    if (err instanceof Error && /already exists/.test(err.message)) throw new TokenNameTakenError(err.message);
    throw err;
  }
  return token;
}

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

export interface Authenticator {
  /** The token's name when the Authorization header carries a valid token, else undefined. */
  check(authorization: string | undefined, at: number): Promise<string | undefined>;
  /** The token's name and role (VIGIE_ADMIN_TOKEN: "bootstrap", owner). */
  identify(authorization: string | undefined, at: number): Promise<{ name: string; role: Role } | undefined>;
}

export function authenticator(store: Store, opts: { bootstrapToken?: string | undefined } = {}): Authenticator {
  const tokens = new ApiTokenStore(store);
  const bootstrapHash = opts.bootstrapToken ? hashToken(opts.bootstrapToken) : undefined;
  const identify: Authenticator['identify'] = async (authorization, at) => {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!m) return undefined;
    const hash = hashToken(m[1]!);
    if (bootstrapHash !== undefined && sameHash(hash, bootstrapHash)) return { name: 'bootstrap', role: 'owner' };
    const found = await tokens.findByHash(hash);
    if (!found || !sameHash(hash, found.hash)) return undefined;
    await tokens.touch(found.id, at).catch(() => {});
    return { name: found.name, role: found.role };
  };
  return {
    identify,
    async check(authorization, at) {
      return (await identify(authorization, at))?.name;
    },
  };
}

/** A Fastify onRequest hook answering 401 without a valid token; sets request.adminAuthor. */
export function requireToken(auth: Pick<Authenticator, 'check'>, now: () => number) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const name = await auth.check(req.headers.authorization, now());
    if (name === undefined) {
      const given = req.headers.authorization !== undefined;
      return reply
        .code(401)
        .header('www-authenticate', `Bearer realm="vigie-admin"${given ? ', error="invalid_token"' : ''}`)
        .send({ error: 'unauthorized', message: given ? 'the API token is not valid (or was revoked)' : 'an API token is required: Authorization: Bearer <token>' });
    }
    (req as FastifyRequest & { adminAuthor?: string }).adminAuthor = name;
  };
}
