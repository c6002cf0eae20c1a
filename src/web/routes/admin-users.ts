// People: owners list, add, change and remove users (never the last owner); everyone signed in
// changes their own password and TOTP second factor under /me. A password change, a role change and
// a removal end the user's other sessions.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { normalizeName, userNameProblem } from '../../auth/names.js';
import { hashPassword, passwordProblem, verifyPassword } from '../../auth/password.js';
import { ROLES } from '../../auth/roles.js';
import type { Auth } from '../../auth/service.js';
import { authOf } from '../../auth/service.js';
import { newTotpSecret, totpStep, totpUri } from '../../auth/totp.js';
import { type User, UserNameTakenError } from '../../store/users.js';
import { AdminError, iso, isoTime, route } from './admin-common.js';
import { userJson, userShape } from './admin-session.js';

const userName = z
  .string()
  .transform(normalizeName)
  .superRefine((v, ctx) => {
    const p = userNameProblem(v);
    if (p) ctx.addIssue({ code: 'custom', message: p });
  })
  .meta({ description: 'a login name or an e-mail address (kept in lower case)' });
const password = z
  .string()
  .superRefine((v, ctx) => {
    const p = passwordProblem(v);
    if (p) ctx.addIssue({ code: 'custom', message: p });
  })
  .meta({ description: 'at least 10 characters' });
const role = z.enum(ROLES);
const userListed = z.strictObject({ id: z.string(), name: z.string(), role, totp_enabled: z.boolean(), has_password: z.boolean(), oidc_linked: z.boolean(), created_at: isoTime.nullable() });
const listed = (u: User) => ({ ...userJson(u), has_password: u.passwordHash !== null, oidc_linked: u.oidcSubject !== null, created_at: iso(u.createdAt) });
/** What the audit log keeps of a user (no hash, no secret). */
const audited = (u: User | undefined) => (u ? { name: u.name, role: u.role, totp_enabled: u.totpEnabled, has_password: u.passwordHash !== null } : null);

export function userAdminRoutes(o: { auth: Auth; issuer: () => string }) {
  const { auth } = o;
  const users = auth.users;
  const find = async (name: string) => {
    const u = await users.byName(name);
    if (!u) throw new AdminError(404, 'not_found', `no user named "${name}"`);
    return u;
  };
  /** The signed-in user making this request (the /me routes are not for API tokens). */
  const me = async (req: Parameters<typeof authOf>[0]) => {
    const a = authOf(req);
    const u = a.session ? await users.byId(a.session.userId) : undefined;
    if (!u) throw new AdminError(403, 'forbidden', 'this is for a signed-in user (an API token has no password or second factor)');
    return { user: u, session: a.session! };
  };
  return [
    route({
      method: 'GET',
      url: '/users',
      operationId: 'listUsers',
      summary: 'List users and their roles',
      tag: 'users',
      role: 'owner',
      response: z.strictObject({ users: z.array(userListed) }),
      handler: async () => ({ users: (await users.list()).map(listed) }),
    }),
    route({
      method: 'POST',
      url: '/users',
      operationId: 'createUser',
      summary: 'Add a user with a role (and a password, unless they sign in only with OpenID Connect)',
      tag: 'users',
      role: 'owner',
      body: z.strictObject({ name: userName, role, password: password.optional() }),
      response: userListed,
      okStatus: 201,
      handler: async ({ body, audit }) => {
        const at = auth.now();
        try {
          const u = await users.create({ id: randomBytes(8).toString('hex'), name: body.name, role: body.role, passwordHash: body.password === undefined ? null : await hashPassword(body.password), at });
          audit({ target: u.name, after: audited(u) });
          return listed(u);
        } catch (err) {
          if (err instanceof UserNameTakenError) throw new AdminError(409, 'conflict', err.message);
          throw err;
        }
      },
    }),
    route({
      method: 'PATCH',
      url: '/users/:name',
      operationId: 'updateUser',
      summary: 'Change a user’s role or set a new password (ends their other sessions); the last owner stays an owner',
      tag: 'users',
      role: 'owner',
      params: z.strictObject({ name: z.string() }),
      body: z.strictObject({ role: role.optional(), password: password.optional() }),
      response: userListed,
      handler: async ({ params, body, audit, http }) => {
        const u = await find(normalizeName(params.name));
        if (body.role !== undefined && u.role === 'owner' && body.role !== 'owner' && (await users.owners()) <= 1)
          throw new AdminError(409, 'conflict', `"${u.name}" is the last owner: make someone else an owner first`);
        const at = auth.now();
        await users.update(u.id, at, { ...(body.role !== undefined ? { role: body.role } : {}), ...(body.password !== undefined ? { password_hash: await hashPassword(body.password) } : {}) });
        const changed = (body.role !== undefined && body.role !== u.role) || body.password !== undefined;
        if (changed) await auth.sessions.revokeUser(u.id, authOf(http.req).session?.idHash);
        const after = (await users.byId(u.id))!;
        audit({ target: u.name, before: audited(u), after: { ...audited(after), ...(body.password !== undefined ? { change: 'new password' } : {}) } });
        return listed(after);
      },
    }),
    route({
      method: 'DELETE',
      url: '/users/:name',
      operationId: 'removeUser',
      summary: 'Remove a user and end their sessions (never the last owner)',
      tag: 'users',
      role: 'owner',
      params: z.strictObject({ name: z.string() }),
      okStatus: 204,
      handler: async ({ params, audit }) => {
        const u = await find(normalizeName(params.name));
        if (u.role === 'owner' && (await users.owners()) <= 1) throw new AdminError(409, 'conflict', `"${u.name}" is the last owner and cannot be removed`);
        await users.remove(u.id);
        audit({ target: u.name, before: audited(u), after: null });
      },
    }),
    route({
      method: 'POST',
      url: '/me/password',
      operationId: 'changeMyPassword',
      summary: 'Change your own password (the current one is required); ends your other sessions',
      tag: 'me',
      role: 'viewer',
      body: z.strictObject({ current_password: z.string().max(1024), new_password: password }),
      okStatus: 204,
      handler: async ({ body, http, audit }) => {
        const { user, session } = await me(http.req);
        if (user.passwordHash === null || !(await verifyPassword(body.current_password, user.passwordHash)))
          throw new AdminError(400, 'invalid_request', 'is not your current password', 'body.current_password');
        await users.update(user.id, auth.now(), { password_hash: await hashPassword(body.new_password) });
        await auth.sessions.revokeUser(user.id, session.idHash);
        audit({ target: user.name, after: { change: 'new password' } });
      },
    }),
    route({
      method: 'POST',
      url: '/me/totp',
      operationId: 'startTotp',
      summary: 'Start enrolling a TOTP second factor: a new secret and its otpauth:// URI (active once confirmed)',
      tag: 'me',
      role: 'viewer',
      response: z.strictObject({ secret: z.string(), uri: z.string() }),
      handler: async ({ http, audit }) => {
        const { user } = await me(http.req);
        if (user.totpEnabled) throw new AdminError(409, 'conflict', 'a second factor is already active: disable it first');
        const secret = newTotpSecret();
        await users.update(user.id, auth.now(), { totp_secret: secret, totp_enabled: 0, totp_last_step: null });
        audit({ target: user.name, after: { totp: 'enrolling' } });
        return { secret, uri: totpUri(secret, user.name, o.issuer()) };
      },
    }),
    route({
      method: 'POST',
      url: '/me/totp/confirm',
      operationId: 'confirmTotp',
      summary: 'Confirm the second factor with a code from the app; from then on sign-in asks for a code',
      tag: 'me',
      role: 'viewer',
      body: z.strictObject({ code: z.string().regex(/^\d{6}$/, { error: 'must be the 6 digits shown by the app' }) }),
      response: userShape,
      handler: async ({ body, http, audit }) => {
        const { user } = await me(http.req);
        if (user.totpEnabled) throw new AdminError(409, 'conflict', 'the second factor is already active');
        if (!user.totpSecret) throw new AdminError(409, 'conflict', 'start with POST /api/admin/me/totp');
        const step = totpStep(user.totpSecret, body.code, auth.now());
        if (step === undefined || !(await users.useTotpStep(user.id, step))) throw new AdminError(400, 'invalid_request', 'is not the current code (check the device’s clock)', 'body.code');
        await users.update(user.id, auth.now(), { totp_enabled: 1 });
        audit({ target: user.name, before: { totp_enabled: false }, after: { totp_enabled: true } });
        return userJson((await users.byId(user.id))!);
      },
    }),
    route({
      method: 'DELETE',
      url: '/me/totp',
      operationId: 'disableTotp',
      summary: 'Turn the second factor off; needs your password, or a current code when you have no password',
      tag: 'me',
      role: 'viewer',
      body: z.strictObject({ password: z.string().max(1024).optional(), code: z.string().max(16).optional() }),
      okStatus: 204,
      handler: async ({ body, http, audit }) => {
        const { user } = await me(http.req);
        const byPassword = body.password !== undefined && user.passwordHash !== null && (await verifyPassword(body.password, user.passwordHash));
        const step = body.code !== undefined && user.totpSecret ? totpStep(user.totpSecret, body.code, auth.now()) : undefined;
        const byCode = step !== undefined && (await users.useTotpStep(user.id, step));
        if (!byPassword && !byCode) throw new AdminError(400, 'invalid_request', 'give your current password (or, without one, a current code)', body.password !== undefined ? 'body.password' : 'body.code');
        await users.update(user.id, auth.now(), { totp_secret: null, totp_enabled: 0 });
        audit({ target: user.name, before: { totp_enabled: user.totpEnabled }, after: { totp_enabled: false } });
      },
    }),
  ];
}
