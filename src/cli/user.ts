// `vigie user add|list|passwd|remove`: people who sign in, in the store named by the config (or
// DATABASE_URL). A password is never taken from the command line (it would sit in the shell history
// and in `ps`): it is asked for on the terminal without echo, or read from stdin.
import { randomBytes } from 'node:crypto';
import { normalizeName, userNameProblem } from '../auth/names.js';
import { hashPassword, passwordProblem } from '../auth/password.js';
import { ROLES, isRole } from '../auth/roles.js';
import { SessionStore } from '../store/sessions.js';
import { UserNameTakenError, UserStore } from '../store/users.js';
import { UsageError } from './logger.js';
import { withStore } from './token.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of process.stdin as AsyncIterable<Buffer>) {
    chunks.push(c);
    size += c.length;
    if (size > 8192) throw new UsageError('stdin: a password is at most 1024 characters');
  }
  // One line: what `echo pw |` or a secrets file gives.
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** Reads a line from the terminal without echoing it. */
function askHidden(prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const input = process.stdin;
    process.stderr.write(prompt);
    input.setRawMode(true);
    input.resume();
    let value = '';
    const done = (err?: Error) => {
      input.setRawMode(false);
      input.pause();
      input.off('data', onData);
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (buf: Buffer) => {
      for (const ch of buf.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new UsageError('cancelled'));
        if (ch === '\u007f' || ch === '\b') value = [...value].slice(0, -1).join('');
        else value += ch;
      }
    };
    input.on('data', onData);
  });
}

async function newPassword(fromStdin: boolean | undefined): Promise<string> {
  let pw: string;
  if (fromStdin) pw = await readStdin();
  else if (process.stdin.isTTY) {
    pw = await askHidden('Password: ');
    const problem = passwordProblem(pw);
    if (problem) throw new UsageError(`the password ${problem}`);
    if ((await askHidden('Again: ')) !== pw) throw new UsageError('the two passwords differ');
  } else throw new UsageError('no terminal to ask for the password: pass --password-stdin and write it on stdin');
  const problem = passwordProblem(pw);
  if (problem) throw new UsageError(`the password ${problem}`);
  return pw;
}

function checkName(name: string): string {
  const problem = userNameProblem(name);
  if (problem) throw new UsageError(`the user name ${problem} (got "${name}")`);
  return normalizeName(name);
}

export async function userAdd(o: { name: string; role: string; passwordStdin?: boolean; password: boolean; config: string }): Promise<number> {
  const name = checkName(o.name);
  if (!isRole(o.role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')} (got "${o.role}")`);
  const role = o.role;
  const hash = o.password ? await hashPassword(await newPassword(o.passwordStdin)) : null;
  await withStore(o.config, (s) =>
    new UserStore(s.db).create({ id: randomBytes(8).toString('hex'), name, role, passwordHash: hash, at: Date.now() }).catch((err: unknown) => {
      if (err instanceof UserNameTakenError) throw new UsageError(err.message);
      throw err;
    }),
  );
  process.stderr.write(`User "${name}" (${role}) added.${hash ? ' Sign in at /admin.' : ' They sign in with OpenID Connect.'}\n`);
  return 0;
}

export async function userList(o: { config: string }): Promise<number> {
  const list = await withStore(o.config, (s) => new UserStore(s.db).list());
  for (const u of list)
    process.stdout.write(`${u.name}\t${u.role}\t${u.passwordHash ? 'password' : 'no password'}${u.totpEnabled ? '\ttotp' : ''}${u.oidcSubject ? '\toidc' : ''}\tcreated ${new Date(u.createdAt).toISOString()}\n`);
  if (list.length === 0) process.stderr.write('No users. Add the first owner: vigie user add NAME --role owner\n');
  return 0;
}

export async function userPasswd(o: { name: string; passwordStdin?: boolean; config: string }): Promise<number> {
  const name = checkName(o.name);
  const hash = await hashPassword(await newPassword(o.passwordStdin));
  const ok = await withStore(o.config, async (s) => {
    const users = new UserStore(s.db);
    const u = await users.byName(name);
    if (!u) return false;
    await users.update(u.id, Date.now(), { password_hash: hash });
    await new SessionStore(s.db).removeUser(u.id);
    return true;
  });
  process.stderr.write(ok ? `Password of "${name}" set; their sessions have ended.\n` : `No user named "${name}".\n`);
  return ok ? 0 : 1;
}

export async function userRemove(o: { name: string; config: string }): Promise<number> {
  const name = checkName(o.name);
  const result = await withStore(o.config, async (s) => {
    const users = new UserStore(s.db);
    const u = await users.byName(name);
    if (!u) return 'missing';
    if (u.role === 'owner' && (await users.owners()) <= 1) return 'last';
    await users.remove(u.id);
    return 'removed';
  });
  if (result === 'last') throw new UsageError(`"${name}" is the last owner: add another owner first`);
  process.stderr.write(result === 'removed' ? `User "${name}" removed.\n` : `No user named "${name}".\n`);
  return result === 'removed' ? 0 : 1;
}

/** For someone who lost their authenticator: the second factor is turned off and their sessions end. */
export async function userResetTotp(o: { name: string; config: string }): Promise<number> {
  const name = checkName(o.name);
  const ok = await withStore(o.config, async (s) => {
    const users = new UserStore(s.db);
    const u = await users.byName(name);
    if (!u) return false;
    await users.update(u.id, Date.now(), { totp_secret: null, totp_enabled: 0 });
    await new SessionStore(s.db).removeUser(u.id);
    return true;
  });
  process.stderr.write(ok ? `Second factor of "${name}" turned off; their sessions have ended.\n` : `No user named "${name}".\n`);
  return ok ? 0 : 1;
}
