// The surge: everyone checks the status page at once. autocannon at 100 connections against Vigie's
// summary.json and HTML page, and against nginx (Debian's, started here on 127.0.0.1, one worker)
// serving the very same bytes as static files, in the same run; plus the page's compressed weight with
// 50 components and 90-day bars, and first contentful paint in headless Chromium.
//
//   npm run build && node dist/bench/web-surge.js [--quick] [--seconds S] [--connections N]
//
// Vigie runs in its own process (this file with --serve), nginx in another, autocannon in this one.
// Prints one JSON line, then a human summary. Targets: ≥ half of nginx's rate with p99 < 20 ms;
// HTML+CSS compressed < 40 KB; FCP < 300 ms.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { request } from 'undici';
import { arg, flag, percentile, runMain } from './lib/proc.js';
import { freePort, NGINX, spawnNginx } from './lib/target.js';

const CHROMIUM = '/usr/bin/chromium';
const DAY = 86_400_000;

// ---- the Vigie under test (child process) ----------------------------------------------------

async function serve(dir: string): Promise<void> {
  const { createVigie } = await import('../src/app.js');
  const { configSchema } = await import('../src/config/schema.js');
  const services = Array.from({ length: 10 }, (_, s) => ({
    id: `svc${s}`,
    name: `Service ${s + 1}`,
    components: Array.from({ length: 5 }, (_, c) => ({
      id: `c${c}`,
      name: ['Web', 'App', 'API', 'Login', 'Search'][c]!,
      ...(c >= 3 ? { group: 'Accounts' } : {}),
      // Heartbeats with a long period: no probe traffic during the bench, but monitors to hang bars on.
      monitors: [{ name: 'hb', type: 'heartbeat', token: `bench-${s}-${c}`, period: '1d', grace: '1d' }],
    })),
  }));
  const config = configSchema.parse({ site: { title: 'Surge status', port: 0, host: '127.0.0.1' }, store: { path: join(dir, 'vigie.db') }, services });
  const vigie = await createVigie({ config, adminToken: 'bench' });
  // 90 days of day rollups: mostly clean, some bad days.
  const now = Date.now();
  const today = now - (now % DAY);
  const rows = [];
  for (const svc of services)
    for (const c of svc.components)
      for (let d = 0; d < 90; d++) {
        const count = 2880;
        const bad = (d * 7 + svc.id.length + c.id.charCodeAt(1)) % 23 === 0 ? 150 : (d + c.id.charCodeAt(1)) % 31 === 0 ? 3 : 0;
        rows.push({
          monitor_id: `${svc.id}/${c.id}/hb`, bucket: today - (89 - d) * DAY, count, ok_count: count - bad, degraded_count: 0, latency_sum_ms: count * 80, latency_min_ms: 20, latency_max_ms: 900,
          h0: 0, h1: 0, h2: count - bad, h3: 0, h4: 0, h5: 0, h6: 0, h7: 0, h8: 0, h9: 0, h10: 0, h11: 0,
        });
      }
  const monitorIds = new Set((await vigie.store.db.selectFrom('monitors').select('id').execute()).map((r) => r.id));
  const mine = rows.filter((r) => monitorIds.has(r.monitor_id));
  for (let i = 0; i < mine.length; i += 200) await vigie.store.db.insertInto('rollups_day').values(mine.slice(i, i + 200)).execute();
  const url = await vigie.start();
  // History: a dozen incidents over the 90 days, one still open.
  for (let k = 0; k < 12; k++) {
    const at = now - (k * 7 + 1) * DAY;
    const i = await vigie.incidents.createIncident({ name: `Errors on Service ${k % 10 + 1}`, body: 'Users see **Internal Server Error**.', impact: 'major', components: { [`svc${k % 10}/c2`]: 'major_outage' }, at, author: 'bench' });
    if (k > 0) await vigie.incidents.resolve(i.id, { body: 'Fixed.', at: at + 3 * 3_600_000, author: 'bench' });
  }
  await vigie.publish();
  const page = await request(`${url}/`);
  const summary = await request(`${url}/api/v2/summary.json`);
  await writeFile(join(dir, 'www', 'index.html'), Buffer.from(await page.body.arrayBuffer()));
  await writeFile(join(dir, 'www', 'summary.json'), Buffer.from(await summary.body.arrayBuffer()));
  // The same gzip bytes for nginx's gzip_static.
  for (const [path, file] of [['/', 'index.html'], ['/api/v2/summary.json', 'summary.json']] as const) {
    const r = await request(`${url}${path}`, { headers: { 'accept-encoding': 'gzip' } });
    await writeFile(join(dir, 'www', `${file}.gz`), Buffer.from(await r.body.arrayBuffer()));
  }
  await chmod(dir, 0o755);
  await chmod(join(dir, 'www'), 0o755);
  const sizes: Record<string, number> = {};
  for (const enc of ['br', 'gzip', 'identity']) {
    const r = await request(`${url}/`, { headers: { 'accept-encoding': enc } });
    sizes[enc] = (await r.body.arrayBuffer()).byteLength;
  }
  process.stdout.write(JSON.stringify({ url, pid: process.pid, sizes }) + '\n');
  const stop = () => void vigie.stop().finally(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

// ---- the bench (parent) -----------------------------------------------------------------------

/** Browsers always ask for compression; both servers answer with the same gzip bytes. */
function run(url: string, connections: number, seconds: number): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon({ url, connections, duration: seconds, pipelining: 1, headers: { 'accept-encoding': 'gzip' } }, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

async function stopChild(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  const gone = new Promise((r) => c.once('exit', r));
  c.kill('SIGTERM');
  await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
  if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}

async function fcp(url: string, runs: number): Promise<number[]> {
  if (!existsSync(CHROMIUM)) return [];
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-background-networking', '--disable-gpu', '--no-first-run'] });
  const out: number[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      const ctx = await browser.newContext();
      const page = await ctx.newPage();
      await page.goto(url, { waitUntil: 'load' });
      const t = await page.evaluate(
        () =>
          new Promise<number>((resolve) => {
            const e = performance.getEntriesByName('first-contentful-paint')[0];
            if (e) return resolve(e.startTime);
            new PerformanceObserver((l) => resolve(l.getEntries()[0]!.startTime)).observe({ type: 'paint', buffered: true });
          }),
      );
      out.push(t);
      await ctx.close();
    }
  } finally {
    await browser.close();
  }
  return out;
}

async function main(): Promise<void> {
  if (flag('serve')) return serve(arg('dir')!);
  const quick = flag('quick');
  const seconds = Number(arg('seconds') ?? (quick ? 3 : 15));
  const connections = Number(arg('connections') ?? 100);
  const dir = await mkdtemp(join(tmpdir(), 'vigie-web-surge-'));
  const { mkdir } = await import('node:fs/promises');
  await mkdir(join(dir, 'www'));
  const children: ChildProcess[] = [];
  try {
    const vigie = spawn(process.execPath, [fileURLToPath(import.meta.url), '--serve', '--dir', dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(vigie);
    const first = await new Promise<string>((resolve, reject) => {
      createInterface({ input: vigie.stdout! }).once('line', resolve);
      vigie.once('exit', (code) => reject(new Error(`vigie exited with ${code}`)));
    });
    const info = JSON.parse(first) as { url: string; pid: number; sizes: Record<string, number> };

    let nginxUrl: string | undefined;
    if (NGINX) {
      const port = await freePort();
      const nginx = await spawnNginx(
        dir,
        `  sendfile on; tcp_nopush on; keepalive_requests 1000000; keepalive_timeout 60; gzip_static on; gzip_vary on;
  open_file_cache max=100; etag on;
  types { text/html html; application/json json; }
  server {
    listen 127.0.0.1:${port} backlog=4096;
    root ${dir}/www;
    location = / { try_files /index.html =404; }
    location = /api/v2/summary.json { try_files /summary.json =404; }
  }`,
      );
      children.push(nginx);
      nginxUrl = `http://127.0.0.1:${port}`;
      for (let i = 0; i < 100; i++) {
        try {
          await (await request(`${nginxUrl}/api/v2/summary.json`)).body.dump();
          break;
        } catch {
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    }

    const results: Record<string, { rps: number; p50_ms: number; p99_ms: number; errors: number; non2xx: number; bytes_per_response: number }> = {};
    for (const [name, path] of [['summary', '/api/v2/summary.json'], ['page', '/']] as const) {
      for (const [who, base] of [['nginx', nginxUrl], ['vigie', info.url]] as const) {
        if (!base) continue;
        await run(base + path, connections, 1); // warm-up
        const r = await run(base + path, connections, seconds);
        results[`${who}_${name}`] = { rps: Math.round(r.requests.average), p50_ms: r.latency.p50, p99_ms: r.latency.p99, errors: r.errors, non2xx: r.non2xx, bytes_per_response: Math.round(r.throughput.total / Math.max(1, r.requests.total)) };
      }
    }
    const fcps = await fcp(`${info.url}/`, quick ? 3 : 9);
    const sorted = [...fcps].sort((a, b) => a - b);
    const ratio = (n: string) => (results[`nginx_${n}`] ? results[`vigie_${n}`]!.rps / results[`nginx_${n}`]!.rps : null);
    const out = {
      bench: 'web-surge',
      quick,
      seconds,
      connections,
      components: 50,
      results,
      ratio_vs_nginx: { summary: ratio('summary'), page: ratio('page') },
      page_weight_bytes: { br: info.sizes.br, gzip: info.sizes.gzip, identity: info.sizes.identity },
      fcp_ms: { median: sorted.length ? Math.round(percentile(sorted, 0.5)) : null, max: sorted.length ? Math.round(sorted.at(-1)!) : null, runs: sorted.map(Math.round) },
      targets: {
        half_of_nginx: ['summary', 'page'].every((n) => (ratio(n) ?? 1) >= 0.5),
        p99_under_20ms: ['summary', 'page'].every((n) => results[`vigie_${n}`]!.p99_ms < 20),
        weight_under_40kb: info.sizes.br! < 40 * 1024,
        fcp_under_300ms: sorted.length ? percentile(sorted, 0.5) < 300 : null,
      },
    };
    console.log(JSON.stringify(out));
    console.log(`web-surge (${quick ? 'quick, ' : ''}${seconds}s per run, ${connections} connections, 50 components)`);
    for (const n of ['summary', 'page']) {
      const v = results[`vigie_${n}`]!;
      const g = results[`nginx_${n}`];
      console.log(`  ${n.padEnd(8)} vigie ${v.rps} req/s p99 ${v.p99_ms} ms` + (g ? ` | nginx ${g.rps} req/s p99 ${g.p99_ms} ms | ratio ${(v.rps / g.rps).toFixed(2)}` : ' | nginx not installed'));
    }
    console.log(`  page weight: ${(info.sizes.br! / 1024).toFixed(1)} KB brotli, ${(info.sizes.gzip! / 1024).toFixed(1)} KB gzip, ${(info.sizes.identity! / 1024).toFixed(1)} KB raw (HTML with inline CSS)`);
    console.log(`  first contentful paint: median ${out.fcp_ms.median} ms over ${sorted.length} loads`);
    console.log(`  targets: ${JSON.stringify(out.targets)}`);
  } finally {
    for (const c of children.reverse()) await stopChild(c);
    await rm(dir, { recursive: true, force: true });
  }
}

runMain(() => main());
