// `vigie init [file]`: writes a short, commented starter config (never over an existing file), and the
// hint `vigie start` gives when there is no config to read.
import { access, mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

export const STARTER_CONFIG = `# vigie.yaml — what Vigie watches and how it shows it. Written by \`vigie init\`; edit freely.
# Check it with \`npx vigie config check vigie.yaml\`, then run \`npx vigie start\`.
# A fuller example with every section: examples/vigie.yaml in Vigie's repository.
#
# Durations: 500ms, 30s, 5m, 1h. \${NAME} reads an environment variable (\${NAME:-default}),
# so secrets stay out of this file.

site:
  title: My Status              # shown in the page header, feeds and badges
  host: 127.0.0.1               # 0.0.0.0 to accept connections from other machines
  port: 8080
  # base_url: https://status.example.org   # public address, for links in feeds and messages

store:
  path: ./data/vigie.db         # SQLite; or url: postgres://… (or DATABASE_URL in the environment)

defaults:
  interval: 1m                  # how often each check runs
  timeout: 10s                  # slower than this is a failure
  failures_to_down: 2           # failed checks in a row before a monitor is down

# Services are made of components, each checked by monitors. Ids (lowercase, digits, "-", "_")
# appear in URLs and in the admin API as "service/component": keep them once published.
services:
  - id: example
    name: Example
    components:
      - id: web
        name: Website
        monitors:
          - name: home
            url: https://example.com/
            expected_status: [200]
            degraded_after: 2s          # slower than this counts as degraded, not down
      # - id: api
      #   name: API
      #   monitors:
      #     - { name: health, url: https://api.example.com/health, body_contains: ok }
      #     - { name: db, type: tcp, host: db.internal, port: 5432 }
`;

/** Writes the starter config; false (and nothing written) when the file already exists. */
export async function writeStarterConfig(file: string): Promise<boolean> {
  await mkdir(dirname(resolve(file)), { recursive: true });
  try {
    // 'wx': created only if absent, in one step (no window between a check and the write).
    await writeFile(file, STARTER_CONFIG, { flag: 'wx' });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

export async function initCommand(file: string): Promise<number> {
  if (!(await writeStarterConfig(file))) {
    process.stderr.write(`vigie: ${file} already exists; nothing was written (remove it, or give another name: vigie init other.yaml).\n`);
    return 1;
  }
  process.stdout.write(`Wrote ${file}. Edit it, check it with "npx vigie config check ${file}", then run "npx vigie start${file === 'vigie.yaml' ? '' : ` --config ${file}`}".\n`);
  return 0;
}

/** When the config file is missing: what to do instead (undefined when it exists). */
export async function missingConfigHint(file: string): Promise<string | undefined> {
  try {
    await access(file);
    return undefined;
  } catch {
    return (
      `no config file at ${file}.\n` +
      `  Try the example:      npx vigie start --config examples/vigie.yaml\n` +
      `  Or write a starter:   npx vigie init${file === 'vigie.yaml' ? '' : ` ${file}`}     (then: npx vigie start${file === 'vigie.yaml' ? '' : ` --config ${file}`})`
    );
  }
}
