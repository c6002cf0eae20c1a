// `vigie user` and `vigie token --role` through the real CLI process, on both engines: the password
// comes from stdin (never argv), a user added there signs in to the running app, the last owner stays.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createVigie } from '../src/app.js';
import { configSchema } from '../src/config/schema.js';
import { runCli } from './helpers/cli.js';
import { forEachEngine } from './helpers/engines.js';
import { Browser } from './helpers/auth.js';

forEachEngine('auth: vigie user add|list|passwd|remove and token --role, through the CLI', async (engine) => {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-auth-cli-'));
  try {
    const cfg = join(dir, 'vigie.yaml');
    const store = engine.options.url ? `  url: ${engine.options.url}` : `  path: ${engine.options.path}`;
    writeFileSync(cfg, `site:\n  title: Acme\n  port: 0\nstore:\n${store}\nservices: []\n`);

    let r = await runCli(['user', 'list', '-c', cfg]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /No users\. Add the first owner/);
    r = await runCli(['user', 'add', 'Ana@Example.org', '--role', 'owner', '--password-stdin', '-c', cfg], { stdin: 'first owner passphrase\n' });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /User "ana@example\.org" \(owner\) added/);
    assert.ok(!r.stdout.includes('passphrase') && !r.stderr.includes('passphrase'));
    // No password on the command line, and no silent default when there is no terminal to ask.
    r = await runCli(['user', 'add', 'bo', '--password', 'hunter2hunter2', '-c', cfg]);
    assert.notEqual(r.code, 0);
    r = await runCli(['user', 'add', 'bo', '-c', cfg]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--password-stdin/);
    r = await runCli(['user', 'add', 'bo', '--password-stdin', '-c', cfg], { stdin: 'short\n' });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /at least 10 characters/);
    r = await runCli(['user', 'add', 'bad name!', '--password-stdin', '-c', cfg], { stdin: 'long enough passphrase\n' });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /user name must be/);
    r = await runCli(['user', 'add', 'ana@example.org', '--role', 'viewer', '--password-stdin', '-c', cfg], { stdin: 'long enough passphrase\n' });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /already exists/);
    r = await runCli(['user', 'add', 'bo', '--role', 'chief', '--password-stdin', '-c', cfg], { stdin: 'long enough passphrase\n' });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--role must be one of viewer, editor, owner/);
    r = await runCli(['user', 'add', 'sso-person', '--role', 'viewer', '--no-password', '-c', cfg]);
    assert.equal(r.code, 0, r.stderr);

    // The last owner cannot be removed.
    r = await runCli(['user', 'remove', 'ana@example.org', '-c', cfg]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /last owner/);
    r = await runCli(['user', 'passwd', 'ana@example.org', '--password-stdin', '-c', cfg], { stdin: 'second owner passphrase' });
    assert.equal(r.code, 0, r.stderr);
    r = await runCli(['user', 'passwd', 'nobody', '--password-stdin', '-c', cfg], { stdin: 'second owner passphrase' });
    assert.equal(r.code, 1);
    r = await runCli(['token', 'create', '--name', 'grafana', '--role', 'viewer', '-c', cfg]);
    assert.equal(r.code, 0, r.stderr);
    const token = r.stdout.trim();
    assert.equal((await runCli(['token', 'create', '--name', 'x', '--role', 'root', '-c', cfg])).code, 2);
    r = await runCli(['token', 'list', '-c', cfg]);
    assert.match(r.stdout, /^grafana\tviewer\t/m);
    r = await runCli(['user', 'list', '-c', cfg]);
    assert.match(r.stdout, /^ana@example\.org\towner\tpassword\t/m);
    assert.match(r.stdout, /^sso-person\tviewer\tno password\t/m);

    // What the CLI wrote is what the app signs in with.
    const config = configSchema.parse({ site: { title: 'Acme', port: 0 }, store: engine.options.path ? { path: engine.options.path } : {} });
    const vigie = await createVigie({ config, ...(engine.options.url ? { databaseUrl: engine.options.url } : {}) });
    try {
      const base = await vigie.start();
      const b = new Browser(base);
      assert.equal((await b.signIn('ana@example.org', 'first owner passphrase')).status, 401);
      assert.equal((await b.signIn('ana@example.org', 'second owner passphrase')).status, 200);
      assert.equal((await b.signIn('sso-person', '')).status, 400, 'an empty password is not even tried');
      assert.equal((await b.signIn('sso-person', 'anything at all')).status, 401, 'no password: password sign-in is impossible');
      const { request } = await import('undici');
      const viaToken = await request(`${base}/api/admin/incidents`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
      assert.equal(viaToken.statusCode, 403, 'a viewer token cannot change anything');
      await viaToken.body.dump();
    } finally {
      await vigie.stop();
    }
    // A lost phone: the owner turns the second factor off from the machine.
    const { UserStore } = await import('../src/store/users.js');
    const { openStore } = await import('../src/store/index.js');
    const s = await openStore(engine.options.url ? { url: engine.options.url } : { path: engine.options.path! });
    try {
      const users = new UserStore(s.db);
      await users.update((await users.byName('ana@example.org'))!.id, Date.now(), { totp_secret: 'JBSWY3DPEHPK3PXP', totp_enabled: 1 });
      r = await runCli(['user', 'reset-totp', 'ana@example.org', '-c', cfg]);
      assert.equal(r.code, 0, r.stderr);
      const after = await users.byName('ana@example.org');
      assert.equal(after?.totpEnabled, false);
      assert.equal(after?.totpSecret, null);
    } finally {
      await s.close();
    }
    r = await runCli(['user', 'remove', 'sso-person', '-c', cfg]);
    assert.equal(r.code, 0, r.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
