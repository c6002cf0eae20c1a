// `vigie token create|list|revoke`: admin API tokens in the store named by the config (or DATABASE_URL).
// The token is printed once, on stdout; only its sha256 is stored.
import { formatConfigError, loadConfigFile } from '../config/load.js';
import { ApiTokenStore } from '../store/api-tokens.js';
import { openStore, type Store } from '../store/index.js';
import { TOKEN_NAME, TOKEN_NAME_TEXT, TokenNameTakenError, createApiToken } from '../web/auth.js';
import { ROLES, isRole } from '../auth/roles.js';
import { missingConfigHint } from './init.js';
import { UsageError } from './logger.js';

export async function withStore<T>(configFile: string, fn: (s: Store) => Promise<T>): Promise<T> {
  const hint = await missingConfigHint(configFile);
  if (hint) throw new UsageError(hint);
  const loaded = await loadConfigFile(configFile);
  if (!loaded.ok) throw new UsageError(`${configFile}: ${loaded.errors.map(formatConfigError).join('; ')}`);
  const url = process.env.DATABASE_URL || loaded.config.store.url;
  const store = await openStore(url ? { url } : { path: loaded.config.store.path });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

export async function tokenCreate(o: { name: string; config: string; role?: string }): Promise<number> {
  if (!TOKEN_NAME.test(o.name)) throw new UsageError(`--name must be ${TOKEN_NAME_TEXT} (got "${o.name}")`);
  const role = o.role ?? 'owner';
  if (!isRole(role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')} (got "${role}")`);
  const token = await withStore(o.config, (s) =>
    createApiToken(s, o.name, Date.now(), role).catch((err: unknown) => {
      if (err instanceof TokenNameTakenError) throw new UsageError(`${err.message} (names stay taken after a revoke; pick another)`);
      throw err;
    }),
  );
  process.stdout.write(`${token}\n`);
  process.stderr.write(`Token "${o.name}" (${role}) created. It is shown only now: keep it somewhere safe. Use it as "Authorization: Bearer <token>".\n`);
  return 0;
}

export async function tokenList(o: { config: string }): Promise<number> {
  const list = await withStore(o.config, (s) => new ApiTokenStore(s).list());
  for (const t of list)
    process.stdout.write(
      `${t.name}\t${t.role}\tcreated ${new Date(t.createdAt).toISOString()}\t${t.lastUsedAt ? `last used ${new Date(t.lastUsedAt).toISOString()}` : 'never used'}${t.revokedAt ? `\trevoked ${new Date(t.revokedAt).toISOString()}` : ''}\n`,
    );
  if (list.length === 0) process.stderr.write('No tokens.\n');
  return 0;
}

export async function tokenRevoke(o: { name: string; config: string }): Promise<number> {
  const ok = await withStore(o.config, (s) => new ApiTokenStore(s).revoke(o.name, Date.now()));
  process.stderr.write(ok ? `Token "${o.name}" revoked.\n` : `No live token named "${o.name}".\n`);
  return ok ? 0 : 1;
}
