// `vigie export [--out FILE]`: the services, components and monitors made in the app, as YAML in
// vigie.yaml's format (src/catalog/export.ts), read from the store the config names.
import { writeFile } from 'node:fs/promises';
import { formatConfigError, loadConfigFile } from '../config/load.js';
import { exportCatalog } from '../catalog/export.js';
import { loadCatalog } from '../store/catalog.js';
import { openStore } from '../store/index.js';
import { missingConfigHint } from './init.js';
import { UsageError } from './logger.js';

export async function exportCommand(o: { config: string; out?: string }): Promise<number> {
  const hint = await missingConfigHint(o.config);
  if (hint) throw new UsageError(hint);
  const loaded = await loadConfigFile(o.config);
  if (!loaded.ok) throw new UsageError(`${o.config}: ${loaded.errors.map(formatConfigError).join('; ')}`);
  const url = process.env.DATABASE_URL || loaded.config.store.url;
  const store = await openStore(url ? { url } : { path: loaded.config.store.path });
  let r;
  try {
    r = exportCatalog(loaded.config, await loadCatalog(store.db), Date.now());
  } finally {
    await store.close();
  }
  if (o.out) await writeFile(o.out, r.yaml, { mode: 0o600 });
  else process.stdout.write(r.yaml);
  process.stderr.write(`Exported ${r.services} service(s), ${r.components} component(s) and ${r.monitors} monitor(s) made in the app${o.out ? ` to ${o.out}` : ''}.\n`);
  if (r.orphans.length > 0) process.stderr.write(`Left out, their service or component is no longer anywhere: ${r.orphans.join(', ')}.\n`);
  if (r.secrets.length > 0) process.stderr.write(`These monitors hold secrets, written as they are: ${r.secrets.join(', ')}. Replace them with \${VARIABLES} before committing the file.\n`);
  return 0;
}
