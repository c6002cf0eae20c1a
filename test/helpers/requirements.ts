// What some tests need from the machine (a PostgreSQL server, Chromium, the system ping) and what
// happens without it. Each has a variable: unset ("auto") tries, and skips with a plain reason when
// the thing is absent; "require" (CI: .ci/run) never skips, so an absent server or browser fails;
// "skip" skips without trying. Skips show in the test runner's summary ("skipped N") with the
// reason on each skipped test; `node dist/test/helpers/requirements.js` prints one line for each.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import pg from 'pg';

export type Need = 'auto' | 'require' | 'skip';

function need(variable: string): Need {
  const v = (process.env[variable] ?? '').trim().toLowerCase();
  if (v === '' || v === 'auto') return 'auto';
  if (v === 'require' || v === 'required' || v === '1' || v === 'true') return 'require';
  if (v === 'skip' || v === '0' || v === 'false') return 'skip';
  throw new Error(`${variable}="${process.env[variable]}": use require, skip or auto`);
}

export const PG_ADMIN_URL = process.env.VIGIE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const CHROMIUM = process.env.VIGIE_CHROMIUM ?? '/usr/bin/chromium';

/** Connection errors that mean "no server answers here" (not a server that refused us). */
const ABSENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EAI_AGAIN', 'ENOENT', 'EADDRNOTAVAIL']);

async function postgresAbsent(): Promise<string | undefined> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
  c.on('error', () => {});
  try {
    await c.connect();
    return undefined;
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { errors?: NodeJS.ErrnoException[] };
    const codes = [e.code, ...(e.errors ?? []).map((x) => x.code)];
    const timedOut = /timeout/i.test(e.message);
    // A server that answers and refuses (authentication, no such database) is a setup to fix, not to skip.
    if (!timedOut && !codes.some((c) => c !== undefined && ABSENT.has(c))) return undefined;
    return `${e.code ?? (timedOut ? 'timeout' : e.message)}`;
  } finally {
    await c.end().catch(() => {});
  }
}

const pgNeed = need('VIGIE_TEST_PG');
/** Why the PostgreSQL runs are skipped, or false when they run. */
export const PG_SKIP: string | false =
  pgNeed === 'skip'
    ? 'PostgreSQL runs skipped: VIGIE_TEST_PG=skip'
    : pgNeed === 'require'
      ? false
      : await postgresAbsent().then((why) =>
          why === undefined ? false : `PostgreSQL runs skipped: no server answers at ${PG_ADMIN_URL} (${why}); start one, or set VIGIE_TEST_PG=require to make this a failure`,
        );

const browserNeed = need('VIGIE_TEST_BROWSER');
/** Why the browser tests are skipped, or false when they run (they fail if Chromium is required and missing). */
export const CHROMIUM_SKIP: string | false =
  browserNeed === 'skip'
    ? 'browser tests skipped: VIGIE_TEST_BROWSER=skip'
    : browserNeed === 'require' || existsSync(CHROMIUM)
      ? false
      : `browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set VIGIE_CHROMIUM); VIGIE_TEST_BROWSER=require makes this a failure`;

function hasPing(): boolean {
  try {
    execFileSync('sh', ['-c', 'command -v ping'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const pingNeed = need('VIGIE_TEST_PING');
/** Why the real ICMP test is skipped, or false when it runs. */
export const PING_SKIP: string | false =
  pingNeed === 'skip'
    ? 'ping test skipped: VIGIE_TEST_PING=skip'
    : pingNeed === 'require' || hasPing()
      ? false
      : 'ping test skipped: the system `ping` command is not installed (apt-get install iputils-ping); VIGIE_TEST_PING=require makes this a failure';

// Run directly (npm test does, before the tests): one plain line per requirement.
if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const line = (what: string, skip: string | false, mode: Need) => `${what}: ${skip ? `NOT AVAILABLE, ${skip}` : mode === 'require' ? 'required' : 'available'}`;
  process.stdout.write(
    [
      line(`PostgreSQL (${PG_ADMIN_URL})`, PG_SKIP, pgNeed),
      line(`Chromium (${CHROMIUM})`, CHROMIUM_SKIP, browserNeed),
      line('ping', PING_SKIP, pingNeed),
    ].join('\n') + '\n',
  );
}
