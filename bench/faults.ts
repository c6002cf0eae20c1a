// Faults under load: for each fault, a real Vigie serves its page and takes crowd reports (solved
// hashcash, many client addresses) while the fault is injected; the monitored target goes down during
// the fault and comes back after it. Per fault it prints requests sent, 5xx (503 + Retry-After refusals
// of reports counted apart: the graceful answer while nothing can be recorded), acknowledged reports
// lost (acknowledged minus found in the store afterwards), how long the page took to show the outage
// during the fault, how long writes took to resume after it, and how long the page took to show the
// recovery.
//
//   node dist/bench/faults.js [--quick] [--seconds 20] [--concurrency 16] [--only disk-full,postgres-cut,…]
//
// Faults: disk-full (SQLite on a small tmpfs filled to the last byte), postgres-cut (PostgreSQL behind a
// TCP proxy that drops every connection and refuses new ones), stream-flood (one client opening
// thousands of /events streams). disk-full needs root (mount); postgres-cut needs PostgreSQL on
// 127.0.0.1:5432. (A file made read-only under a running Vigie cannot be staged: Linux refuses to
// remount a file system read-only while files on it are open for writing; a read-only file at start
// is refused, see test/faults-store.test.ts.)
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { type Socket, connect } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { Pool } from 'undici';
import { createVigie, type Vigie } from '../src/app.js';
import { configSchema, type VigieConfig } from '../src/config/schema.js';
import { solvePow } from '../src/signals/reports/pow.js';
import { arg, flag, runMain } from './lib/proc.js';
import { IS_ROOT, cuttableProxy, smallTmpfs, startTarget, type Target } from '../test/faults-helpers.js';

const QUICK = flag('quick');
const SECONDS = Number(arg('seconds') ?? (QUICK ? 3 : 20));
const CONCURRENCY = Number(arg('concurrency') ?? (QUICK ? 4 : 16));
const STREAMS = QUICK ? 400 : 4000;
const ONLY = arg('only')?.split(',');
const PG_ADMIN = process.env.VIGIE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

interface FaultResult {
  fault: string;
  /** The fault makes writes fail (so writesBackMs means something). */
  storeFault: boolean;
  skipped?: string;
  requests: number;
  page5xx: number;
  reports5xx: number;
  reportsRefused503: number;
  acknowledged: number;
  lost: number;
  /** Target down during the fault → page shows major outage (ms). */
  truthDuringFaultMs: number | null;
  /** Fault removed → store writable again (ms). */
  writesBackMs: number | null;
  /** Target back up after the fault → page shows operational (ms). */
  truthAfterMs: number | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(fn: () => Promise<boolean> | boolean, timeoutMs = 60_000): Promise<number | null> {
  const t0 = performance.now();
  while (performance.now() - t0 < timeoutMs) {
    try {
      if (await fn()) return Math.round(performance.now() - t0);
    } catch {
      /* not yet */
    }
    await sleep(25);
  }
  return null;
}

function config(targetUrl: string, store: { path?: string }): VigieConfig {
  return configSchema.parse({
    site: { title: 'Faults bench', port: 0 },
    store,
    defaults: { interval: '250ms', timeout: '1s', failures_to_down: 2, successes_to_up: 2 },
    reports: { salt: 'bench-faults-salt-0123456789', pow_difficulty: 1, trust_proxy: true, per_reporter_per_minute: 1000, per_prefix_per_minute: 1_000_000, prefix_cap: 1_000_000 },
    services: [{ id: 'acme', name: 'Acme', components: [{ id: 'api', name: 'API', monitors: [{ name: 'm', url: targetUrl }] }] }],
  });
}

/** Page reads and crowd reports at `concurrency` in flight until stopped. */
function load(base: string, concurrency: number) {
  const pool = new Pool(base, { connections: concurrency });
  const r = { requests: 0, page5xx: 0, reports5xx: 0, refused: 0, acked: 0 };
  let running = true;
  let n = 0;
  const worker = async () => {
    while (running) {
      const i = n++;
      try {
        if (i % 2 === 0) {
          const res = await pool.request({ method: 'GET', path: '/api/v2/summary.json' });
          await res.body.dump();
          r.requests++;
          if (res.statusCode >= 500) r.page5xx++;
        } else {
          const ch = (await (await pool.request({ method: 'GET', path: '/api/reports/challenge' })).body.json()) as { challenge: string; difficulty: number };
          const res = await pool.request({
            method: 'POST',
            path: '/api/services/acme/reports',
            headers: { 'content-type': 'application/json', 'x-forwarded-for': `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, 'user-agent': `bench-${i}` },
            body: JSON.stringify({ category: 'website', pow: { challenge: ch.challenge, nonce: solvePow(ch.challenge, 'acme', ch.difficulty, i * 1000) } }),
          });
          const body = (await res.body.json().catch(() => ({}))) as { accepted?: boolean };
          r.requests += 2;
          if (res.statusCode === 503 && res.headers['retry-after']) r.refused++;
          else if (res.statusCode >= 500) r.reports5xx++;
          else if (body.accepted) r.acked++;
          else if (process.env.VIGIE_BENCH_DEBUG) console.error(res.statusCode, JSON.stringify(body));
        }
      } catch {
        r.page5xx++; // a request that failed outright counts against the page
      }
    }
  };
  const workers = Array.from({ length: concurrency }, worker);
  return {
    r,
    stop: async () => {
      running = false;
      await Promise.all(workers);
      await pool.close();
    },
  };
}

async function apiStatus(base: string): Promise<string | undefined> {
  const res = await fetch(`${base}/api/v2/summary.json`);
  const s = (await res.json()) as { components: { name: string; status: string }[] };
  return s.components.find((c) => c.name === 'API')?.status;
}

async function storedReports(v: Vigie): Promise<number> {
  const row = await v.store.db.selectFrom('reports').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

interface Injection {
  /** Starts the fault; resolves once it is in place. */
  inject(v: Vigie): Promise<void>;
  remove(v: Vigie): Promise<void>;
  /** The fault makes writes fail (so "writes back" is measured). */
  storeFault: boolean;
}

async function runFault(name: string, opts: { store: { path?: string }; databaseUrl?: string }, target: Target, injection: Injection): Promise<FaultResult> {
  target.failing.on = false;
  const v = await createVigie({ config: config(target.url, opts.store), ...(opts.databaseUrl ? { databaseUrl: opts.databaseUrl } : {}) });
  try {
    const base = (await v.start()).replace(/\/$/, '');
    await until(async () => (await apiStatus(base)) === 'operational');
    const before = await storedReports(v);
    const l = load(base, CONCURRENCY);
    await sleep(300);
    await injection.inject(v);
    if (injection.storeFault) await until(() => !v.guard.health.writable, 30_000);
    target.failing.on = true;
    const truthDuringFaultMs = await until(async () => (await apiStatus(base)) === 'major_outage');
    await sleep(SECONDS * 1000);
    await injection.remove(v);
    const writesBackMs = injection.storeFault ? await until(() => v.guard.health.writable) : null;
    target.failing.on = false;
    const truthAfterMs = await until(async () => (await apiStatus(base)) === 'operational');
    await l.stop();
    const lost = Math.max(0, l.r.acked - ((await storedReports(v)) - before));
    return { fault: name, storeFault: injection.storeFault, requests: l.r.requests, page5xx: l.r.page5xx, reports5xx: l.r.reports5xx, reportsRefused503: l.r.refused, acknowledged: l.r.acked, lost, truthDuringFaultMs, writesBackMs, truthAfterMs };
  } finally {
    await v.stop().catch(() => {});
  }
}

function fill(dir: string): string {
  const file = join(dir, 'filler');
  const fd = openSync(file, 'a');
  try {
    for (const size of [1 << 16, 4096, 512, 1]) {
      const chunk = Buffer.alloc(size, 1);
      try {
        for (;;) writeSync(fd, chunk);
      } catch {
        /* full at this size */
      }
    }
  } finally {
    closeSync(fd);
  }
  return file;
}

const skipped = (fault: string, why: string): FaultResult => ({ fault, storeFault: true, skipped: why, requests: 0, page5xx: 0, reports5xx: 0, reportsRefused503: 0, acknowledged: 0, lost: 0, truthDuringFaultMs: null, writesBackMs: null, truthAfterMs: null });

async function main(): Promise<void> {
  const target = await startTarget();
  const results: FaultResult[] = [];
  const want = (f: string) => !ONLY || ONLY.includes(f);
  try {
    if (want('disk-full')) {
      if (!IS_ROOT) results.push(skipped('disk-full', 'needs root to mount a tmpfs'));
      else {
        const fs = smallTmpfs('24m');
        let filler = '';
        let keepFull: NodeJS.Timeout | undefined;
        try {
          results.push(
            await runFault('disk-full', { store: { path: join(fs.dir, 'vigie.db') } }, target, {
              storeFault: true,
              inject: async () => {
                filler = fill(fs.dir);
                keepFull = setInterval(() => fill(fs.dir), 100); // SQLite frees WAL pages as it checkpoints
              },
              remove: async () => {
                clearInterval(keepFull);
                rmSync(filler, { force: true });
              },
            }),
          );
        } finally {
          clearInterval(keepFull);
          fs.close();
        }
      }
    }
    if (want('postgres-cut')) {
      const name = `vigie_bench_faults_${process.pid}`;
      const admin = new pg.Client({ connectionString: PG_ADMIN, connectionTimeoutMillis: 3000 });
      let reachable = true;
      await admin.connect().catch(() => (reachable = false));
      if (!reachable) results.push(skipped('postgres-cut', `PostgreSQL unreachable at ${PG_ADMIN}`));
      else {
        await admin.query(`CREATE DATABASE "${name}"`);
        const u = new URL(PG_ADMIN);
        const proxy = await cuttableProxy(u.hostname, Number(u.port || 5432));
        u.pathname = `/${name}`;
        u.port = String(proxy.port);
        try {
          results.push(
            await runFault('postgres-cut', { store: {}, databaseUrl: u.toString() }, target, {
              storeFault: true,
              inject: () => proxy.cut(),
              remove: () => proxy.restore(),
            }),
          );
        } finally {
          await proxy.close();
          await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => {});
        }
      }
      await admin.end().catch(() => {});
    }
    if (want('stream-flood')) {
      const fs = { dir: join(process.cwd(), 'data', `bench-faults-${process.pid}`) };
      const sockets: Socket[] = [];
      let opened = 0;
      let refused = 0;
      try {
        const r = await runFault('stream-flood', { store: { path: join(fs.dir, 'vigie.db') } }, target, {
          storeFault: false,
          inject: async (v) => {
            const port = Number(new URL(v.baseUrl!).port);
            for (let i = 0; i < STREAMS; i++) {
              const s = connect(port, '127.0.0.1');
              sockets.push(s);
              s.on('error', () => {});
              s.once('data', (d) => (d.toString().startsWith('HTTP/1.1 200') ? opened++ : refused++));
              s.write('GET /events HTTP/1.1\r\nHost: x\r\n\r\n');
              if (i % 100 === 99) await sleep(5);
            }
          },
          remove: async () => {
            for (const s of sockets) s.destroy();
          },
        });
        results.push({ ...r, fault: `stream-flood (${STREAMS} streams from one client: ${opened} served, ${refused} refused)` });
      } finally {
        for (const s of sockets) s.destroy();
        rmSync(fs.dir, { recursive: true, force: true });
      }
    }
  } finally {
    await target.close();
  }
  console.log(JSON.stringify({ bench: 'faults', quick: QUICK, seconds: SECONDS, concurrency: CONCURRENCY, faults: results }));
  for (const f of results) {
    if (f.skipped) {
      console.log(`${f.fault}: skipped (${f.skipped})`);
      continue;
    }
    const ms = (x: number | null) => (x === null ? 'never' : `${(x / 1000).toFixed(1)} s`);
    console.log(
      `${f.fault}: ${f.requests} requests, ${f.page5xx} page 5xx, ${f.reports5xx} report 5xx (${f.reportsRefused503} refused 503 + Retry-After), ` +
        `${f.acknowledged} reports acknowledged, ${f.lost} lost; page showed the outage after ${ms(f.truthDuringFaultMs)}, ${f.storeFault ? `writes back ${ms(f.writesBackMs)} after the fault, ` : ''}recovery shown after ${ms(f.truthAfterMs)}`,
    );
  }
}

runMain(main);
