// Sign-in for the console: POST/GET/DELETE /api/admin/session (a cookie session with its CSRF token),
// and GET /api/admin/auth/methods (what the sign-in page offers). The cookie is HttpOnly and
// SameSite=Strict; the CSRF token travels in the answer and comes back in the x-csrf-token header.
import { z } from 'zod';
import type { Auth } from '../../auth/service.js';
import { authOf } from '../../auth/service.js';
import type { User } from '../../store/users.js';
import { AdminError, route } from './admin-common.js';

export const userJson = (u: User) => ({ id: u.id, name: u.name, role: u.role, totp_enabled: u.totpEnabled });
export const userShape = z.strictObject({ id: z.string(), name: z.string(), role: z.enum(['viewer', 'editor', 'owner']), totp_enabled: z.boolean() });
const sessionShape = z.strictObject({ user: userShape, csrf_token: z.string() });

export function sessionAdminRoutes(o: { auth: Auth; oidcName: () => string | undefined }) {
  const { auth } = o;
  return [
    route({
      method: 'POST',
      url: '/session',
      operationId: 'signIn',
      summary: 'Sign in with a name and password (and the TOTP code when the account has one); sets the session cookie',
      description:
        'Answers the user and the CSRF token to send as `x-csrf-token` with every change. 401 `unauthorized` for a wrong name or password (the same for both), 401 `totp_required` when the account needs a code, 429 with Retry-After after repeated failures.',
      tag: 'session',
      auth: 'none',
      body: z.strictObject({
        name: z.string().min(1).max(256),
        password: z.string().min(1).max(1024),
        totp: z.string().max(16).optional().meta({ description: 'the 6-digit code from the authenticator app' }),
      }),
      response: sessionShape,
      handler: async ({ body, http }) => {
        const r = await auth.signIn(http.req, body);
        if (!r.ok) {
          if (r.retryAfter !== undefined) http.reply.header('retry-after', String(r.retryAfter));
          throw new AdminError(r.status, r.error, r.message);
        }
        http.reply.header('set-cookie', auth.sessions.setCookie(r.cookie, auth.secure(http.req)));
        return { user: userJson(r.user), csrf_token: r.session.csrf };
      },
    }),
    route({
      method: 'GET',
      url: '/session',
      operationId: 'getSession',
      summary: 'The signed-in user and the session’s CSRF token (401 without a session)',
      tag: 'session',
      response: sessionShape,
      handler: async ({ http }) => {
        const a = authOf(http.req);
        const user = a.session ? await auth.users.byId(a.session.userId) : undefined;
        if (!a.session || !user) throw new AdminError(401, 'unauthorized', 'no session: this request was made with an API token');
        return { user: userJson(user), csrf_token: a.session.csrf };
      },
    }),
    route({
      method: 'DELETE',
      url: '/session',
      operationId: 'signOut',
      summary: 'Sign out: ends the session on the server and clears the cookie',
      tag: 'session',
      role: 'viewer',
      okStatus: 204,
      handler: async ({ http, audit }) => {
        const a = authOf(http.req);
        if (a.cookie === undefined) throw new AdminError(400, 'invalid_request', 'no session to end: this request was made with an API token', 'cookie');
        await auth.sessions.end(a.cookie);
        audit({ target: a.actor?.name ?? null, after: null });
        http.reply.header('set-cookie', auth.sessions.clearCookie(auth.secure(http.req)));
      },
    }),
    route({
      method: 'GET',
      url: '/auth/methods',
      operationId: 'authMethods',
      summary: 'How one can sign in: password, and OpenID Connect when configured (its display name)',
      tag: 'session',
      auth: 'none',
      response: z.strictObject({ password: z.literal(true), oidc: z.strictObject({ name: z.string(), start_url: z.string() }).nullable() }),
      handler: async () => {
        const name = o.oidcName();
        return { password: true as const, oidc: name === undefined ? null : { name, start_url: '/admin/oidc/start' } };
      },
    }),
  ];
}
