// Roles on every admin route, read from the served OpenAPI document (which test/admin-openapi.test.ts
// checks against Fastify's own route table): a viewer cannot change anything, an editor cannot touch
// owner routes, through a session cookie (with its CSRF token) and through an API token alike.
import assert from 'node:assert/strict';
import { ROLES, type Role, atLeast } from '../src/auth/roles.js';
import { createApiToken } from '../src/web/auth.js';
import { forEachEngine } from './helpers/engines.js';
import { ADMIN_TOKEN, Browser, type Method, addUser, bearer, startAuthVigie } from './helpers/auth.js';

interface Op {
  method: Method;
  path: string;
  operationId: string;
  role: Role | null;
}

const fill = (path: string) => path.replace(/^\/api\/admin/, '').replace(/\{(\w+)\}/g, 'no-such-$1');

forEachEngine('auth: the role of every admin route is enforced, by session and by token', async (engine) => {
  const { vigie, base } = await startAuthVigie(engine);
  try {
    const doc = (await bearer(base, ADMIN_TOKEN)('GET', '/openapi.json')).json;
    const ops: Op[] = [];
    for (const [path, item] of Object.entries<any>(doc.paths))
      for (const [method, op] of Object.entries<any>(item)) ops.push({ method: method.toUpperCase() as Method, path: fill(path), operationId: op.operationId, role: op['x-vigie-role'] });
    assert.ok(ops.length > 30, `only ${ops.length} operations`);
    // The defaults and the owner routes, as the document states them.
    for (const o of ops) if (o.role !== null && !['signOut', 'changeMyPassword', 'startTotp', 'confirmTotp', 'disableTotp'].includes(o.operationId)) assert.ok(atLeast(o.role, o.method === 'GET' ? 'viewer' : 'editor'), `${o.operationId} needs at least the method's default role`);
    for (const id of ['listUsers', 'createUser', 'updateUser', 'removeUser', 'listTokens', 'createToken', 'revokeToken', 'listAudit'])
      assert.equal(ops.find((o) => o.operationId === id)?.role, 'owner', `${id} is for owners`);
    assert.deepEqual(ops.filter((o) => o.role === null).map((o) => o.operationId).sort(), ['authMethods', 'signIn']);

    const callers: { label: string; role: Role; call: (o: Op) => Promise<{ status: number; json: any }> }[] = [];
    for (const role of ROLES) {
      const token = await createApiToken(vigie.store, `t-${role}`, Date.now(), role);
      const t = bearer(base, token);
      callers.push({ label: `${role} token`, role, call: (o) => t(o.method, o.path, o.method === 'GET' ? undefined : {}) });
      await addUser(vigie, `u-${role}`, role);
      const b = new Browser(base);
      assert.equal((await b.signIn(`u-${role}`)).status, 200);
      // Signing out would end the session the rest of the loop uses: it is tested in auth-session.
      callers.push({ label: `${role} session`, role, call: (o) => (o.operationId === 'signOut' ? Promise.resolve({ status: 0, json: null }) : b.call(o.method, o.path, o.method === 'GET' ? undefined : {})) });
    }
    const auditBefore = (await vigie.auth.audit.list({ limit: 10_000 })).filter((e) => e.outcome === 'forbidden').length;
    let refused = 0;
    for (const o of ops) {
      if (o.role === null) continue;
      // A Server-Sent Events stream never ends, so it cannot be read as a JSON answer; every role may
      // read it (the defaults check above), and test/catalog-*.test.ts reads it with a token.
      if (o.operationId.startsWith('stream')) continue;
      for (const c of callers) {
        const r = await c.call(o);
        const byRole = r.status === 403 && r.json?.error === 'forbidden' && /needs the/.test(r.json.message);
        if (atLeast(c.role, o.role)) assert.ok(!byRole, `${c.label} may call ${o.method} ${o.path} (${o.operationId}): ${JSON.stringify(r.json)}`);
        else {
          assert.equal(r.status, 403, `${c.label} must be refused ${o.method} ${o.path} (${o.operationId}), got ${r.status} ${JSON.stringify(r.json)}`);
          assert.equal(r.json.error, 'forbidden');
          assert.match(r.json.message, new RegExp(`needs the ${o.role} role; you are an? ${c.role}`));
          refused++;
        }
      }
    }
    // Every non-GET route refuses viewers, every owner route refuses editors: counted, not assumed.
    const expected = ops.filter((o) => o.role !== null && !o.operationId.startsWith('stream')).reduce((n, o) => n + 2 * ROLES.filter((r) => !atLeast(r, o.role!)).length, 0);
    assert.equal(refused, expected);
    assert.ok(ops.filter((o) => o.method !== 'GET' && o.role !== 'viewer').length > 15);
    const forbidden = (await vigie.auth.audit.list({ limit: 10_000 })).filter((e) => e.outcome === 'forbidden');
    assert.equal(forbidden.length - auditBefore, refused, 'each refusal is in the audit log');
  } finally {
    await vigie.stop();
  }
});
