// Admin API: the API tokens themselves (the same as `vigie token create|list|revoke`). A new token is
// in the answer once; only its sha256 is stored.
import { z } from 'zod';
import { ROLES } from '../../auth/roles.js';
import { ApiTokenStore } from '../../store/api-tokens.js';
import type { Store } from '../../store/store.js';
import { TOKEN_NAME, TOKEN_NAME_TEXT, TokenNameTakenError, createApiToken } from '../auth.js';
import { AdminError, iso, isoTime, route } from './admin-common.js';

const name = z.string().regex(TOKEN_NAME, { error: `must be ${TOKEN_NAME_TEXT}` });
const t = isoTime.nullable();
const role = z.enum(ROLES);
const tokenInfo = z.strictObject({ name: z.string(), role, created_at: t, last_used_at: t, revoked_at: t });

export function tokenAdminRoutes(o: { store: Store; now: () => number }) {
  const tokens = new ApiTokenStore(o.store);
  return [
    route({
      method: 'GET',
      url: '/tokens',
      operationId: 'listTokens',
      summary: 'List API tokens (names and dates, never the tokens)',
      tag: 'tokens',
      role: 'owner',
      response: z.strictObject({ tokens: z.array(tokenInfo) }),
      handler: async () => ({
        tokens: (await tokens.list()).map((x) => ({ name: x.name, role: x.role, created_at: iso(x.createdAt), last_used_at: iso(x.lastUsedAt), revoked_at: iso(x.revokedAt) })),
      }),
    }),
    route({
      method: 'POST',
      url: '/tokens',
      operationId: 'createToken',
      summary: 'Create an API token; the answer is the only place the token appears',
      tag: 'tokens',
      role: 'owner',
      body: z.strictObject({
        name: name.meta({ description: 'who or what uses it; unique, and stays taken after a revoke' }),
        role: role.default('owner').meta({ description: 'what it may do (default owner, as tokens made before roles)' }),
      }),
      response: z.strictObject({ name: z.string(), role, token: z.string(), created_at: isoTime }),
      okStatus: 201,
      handler: async ({ body, audit }) => {
        const at = Math.round(o.now());
        try {
          const token = await createApiToken(o.store, body.name, at, body.role);
          audit({ target: body.name, after: { name: body.name, role: body.role } });
          return { name: body.name, role: body.role, token, created_at: iso(at) };
        } catch (err) {
          if (err instanceof TokenNameTakenError) throw new AdminError(409, 'conflict', `${err.message} (names stay taken after a revoke; pick another)`);
          throw err;
        }
      },
    }),
    route({
      method: 'DELETE',
      url: '/tokens/:name',
      operationId: 'revokeToken',
      summary: 'Revoke a token by name (requests with it are refused from now on)',
      tag: 'tokens',
      role: 'owner',
      params: z.strictObject({ name }),
      okStatus: 204,
      handler: async ({ params }) => {
        if (!(await tokens.revoke(params.name, Math.round(o.now())))) throw new AdminError(404, 'not_found', `no live token named "${params.name}"`);
      },
    }),
  ];
}
