// The surge: everyone checks the status page at once, while Vigie works. wrk (a C load generator;
// autocannon when wrk is missing, which saturates first and flatters both servers) at 100 connections
// against Vigie's summary.json and HTML page, and against nginx (Debian's, started here on 127.0.0.1,
// as many workers as Vigie's site.workers, keep-alive, gzip_static) serving the very same bytes as
// static files with the same headers (add_header), in the same run; meanwhile the same Vigie
// process runs N HTTP monitors against a local target (nginx on other ports), and the checks' start
// lag during the surge is reported. Plus the page's compressed weight with 50 components and 90-day
// bars, and first contentful paint in headless Chromium.
//
//   npm run build && node dist/bench/web-surge.js [--quick] [--seconds S] [--connections N]
//        [--monitors N (default 10,000; 1,000 with --quick)] [--interval S (default 30)] [--workers N (site.workers, default 2)]
//        [--nginx-workers N (worker_processes, default: as many as site.workers)]
//        [--slices N (each server's seconds cut in N slices, nginx and Vigie alternating; default 3, 1 with --quick)]
//
// Vigie runs in its own process (this file with --serve), nginx in another, the load generator in a
// third. Prints one JSON line, then a human summary. Targets: ≥ half of nginx's rate with p99 < 20 ms,
// start lag p99 < 1 s during the surge; HTML+CSS compressed < 40 KB; FCP < 300 ms.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { request } from 'undici';
import { arg, cpuSeconds, flag, percentile, runMain } from './lib/proc.js';
import { freePort, NGINX, spawnNginx, startTarget } from './lib/target.js';

const CHROMIUM = '/usr/bin/chromium';
/** Headers nginx writes itself (from the file, gzip_static, gzip_vary, etag, keep-alive). */
const NGINX_OWN = new Set(['content-type', 'content-length', 'content-encoding', 'etag', 'vary', 'date', 'connection', 'keep-alive', 'last-modified', 'server', 'transfer-encoding']);
const DAY = 86_400_000;

// ---- the Vigie under test (child process) ----------------------------------------------------

interface ServeParams {
  dir: string;
  monitors: number;
  intervalS: number;
  ports: number[];
  workers: number;
}

async function serve(p: ServeParams): Promise<void> {
  const { dir } = p;
  const { createVigie } = await import('../src/app.js');
  const { configSchema } = await import('../src/config/schema.js');
  // The HTTP monitors that keep Vigie working during the surge, spread over the page's 50 components
  // (the page keeps its 50 components whatever their number).
  const perComponent = Math.ceil(p.monitors / 50);
  let n = 0;
  const services = Array.from({ length: 10 }, (_, s) => ({
    id: `svc${s}`,
    name: `Service ${s + 1}`,
    components: Array.from({ length: 5 }, (_, c) => ({
      id: `c${c}`,
      name: ['Web', 'App', 'API', 'Login', 'Search'][c]!,
      ...(c >= 3 ? { group: 'Accounts' } : {}),
      // A heartbeat with a long period to hang the seeded bars on, and the working monitors.
      monitors: [
        { name: 'hb', type: 'heartbeat', token: `bench-${s}-${c}`, period: '1d', grace: '1d' },
        ...Array.from({ length: perComponent }, (_, m) => (n < p.monitors ? { name: `m${m}`, url: `http://127.0.0.1:${p.ports[n++ % p.ports.length]}/s${s}/c${c}/m${m}` } : null)).filter((x) => x !== null),
      ],
    })),
  }));
  const config = configSchema.parse({ site: { title: 'Surge status', port: 0, host: '127.0.0.1', workers: p.workers }, store: { path: join(dir, 'vigie.db') }, defaults: { interval: `${p.intervalS}s`, timeout: '5s' }, services });
  const vigie = await createVigie({ config, adminToken: 'bench' });
  // Start lags of checks in the windows the parent names: before the surge (the machine as it is) and during it.
  let lags: number[] = [];
  let recording = false;
  const observeLag = vigie.metrics.observeLag.bind(vigie.metrics);
  vigie.metrics.observeLag = (ms: number) => {
    if (recording) lags.push(ms);
    observeLag(ms);
  };
  let checks = 0;
  const observeCheck = vigie.metrics.observeCheck.bind(vigie.metrics);
  vigie.metrics.observeCheck = (m, o) => {
    if (recording) checks++;
    observeCheck(m, o);
  };
  process.on('message', (m: { type: string; name?: string }) => {
    if (m.type === 'window-start') {
      lags = [];
      checks = 0;
      recording = true;
    } else if (m.type === 'window-end') {
      recording = false;
      const sorted = [...lags].sort((a, b) => a - b);
      process.send!({ type: 'lags', name: m.name, count: sorted.length, checks, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted.at(-1) ?? null });
    }
  });
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
  const monitorIds = new Set((await vigie.store.db.selectFrom('monitors').where('kind', '=', 'heartbeat').select('id').execute()).map((r) => r.id));
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
  // The headers Vigie sends besides the ones nginx makes itself: nginx is given them too (add_header).
  const extra: Record<string, Record<string, string>> = {};
  for (const path of ['/', '/api/v2/summary.json']) {
    const r = await request(`${url}${path}`, { headers: { 'accept-encoding': 'gzip' } });
    await r.body.dump();
    extra[path] = Object.fromEntries(Object.entries(r.headers).filter(([k]) => !NGINX_OWN.has(k)).map(([k, v]) => [k, String(v)]));
  }
  process.stdout.write(JSON.stringify({ url, pid: process.pid, sizes, extra }) + '\n');
  const stop = () => void vigie.stop().finally(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

// ---- the bench (parent) -----------------------------------------------------------------------

interface LoadResult {
  rps: number;
  p50_ms: number;
  p99_ms: number;
  errors: number;
  non2xx: number;
  bytes_per_response: number;
  /** CPU time (user + system) of the server's processes per request answered: robust to a loaded machine. */
  cpu_us_per_req?: number;
  /** The same, of the server's child processes alone (Vigie's public-page workers; nginx's workers). */
  cpu_us_per_req_children?: number;
  /** Rate of each slice, when the run was cut in several (--slices). */
  slices_rps?: number[];
}

/** The process and its descendants (nginx's workers, Vigie's public-page workers). */
function family(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const st = readFileSync(`/proc/${d}/stat`, 'utf8');
      parent.set(Number(d), Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      /* gone */
    }
  }
  const out = [pid];
  for (let i = 0; i < out.length; i++) for (const [c, p] of parent) if (p === out[i]) out.push(c);
  return out;
}

function cpuOf(pids: number[]): number {
  let s = 0;
  for (const p of pids) {
    try {
      s += cpuSeconds(p);
    } catch {
      /* gone */
    }
  }
  return s;
}

/** A load run with the CPU the server's processes spent on it. */
async function measured(url: string, connections: number, seconds: number, pid: number | undefined): Promise<LoadResult> {
  const pids = pid ? family(pid) : [];
  const kids = pids.slice(1);
  const [before, beforeKids] = [cpuOf(pids), cpuOf(kids)];
  const r = await run(url, connections, seconds);
  const per = (cpu: number) => Math.round(((cpu * 1e6) / (r.rps * seconds)) * 10) / 10;
  if (pids.length > 0 && r.rps > 0) r.cpu_us_per_req = per(cpuOf(pids) - before);
  if (kids.length > 0 && r.rps > 0) r.cpu_us_per_req_children = per(cpuOf(kids) - beforeKids);
  return r;
}

const WRK = ['/usr/bin/wrk', '/usr/local/bin/wrk'].find((p) => existsSync(p));

/** Browsers always ask for compression; both servers answer with the same gzip bytes. */
function run(url: string, connections: number, seconds: number): Promise<LoadResult> {
  return WRK ? runWrk(url, connections, seconds) : runAutocannon(url, connections, seconds);
}

function runAutocannon(url: string, connections: number, seconds: number): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    autocannon({ url, connections, duration: seconds, pipelining: 1, headers: { 'accept-encoding': 'gzip' } }, (err, r) =>
      err ? reject(err) : resolve({ rps: Math.round(r.requests.average), p50_ms: r.latency.p50, p99_ms: r.latency.p99, errors: r.errors, non2xx: r.non2xx, bytes_per_response: Math.round(r.throughput.total / Math.max(1, r.requests.total)) }),
    );
  });
}

/** wrk's summary: "Requests/sec:", the --latency percentiles, "Non-2xx", socket errors, bytes read. */
function runWrk(url: string, connections: number, seconds: number): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(WRK!, ['-t', '2', '-c', String(connections), '-d', `${seconds}s`, '--latency', '-H', 'accept-encoding: gzip', url], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    p.once('error', reject);
    p.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`wrk exited with ${code}: ${out}`));
      const ms = (v: string | undefined) => {
        const m = /([\d.]+)(us|ms|s)/.exec(v ?? '');
        return m ? Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1) : NaN;
      };
      const total = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
      const bytes = /requests in [^,]+, ([\d.]+)(B|KB|MB|GB) read/.exec(out);
      const mult = { B: 1, KB: 1024, MB: 2 ** 20, GB: 2 ** 30 } as const;
      const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
      resolve({
        rps: Math.round(Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0)),
        p50_ms: ms(/\s50%\s+(\S+)/.exec(out)?.[1]),
        p99_ms: ms(/\s99%\s+(\S+)/.exec(out)?.[1]),
        errors: sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
        non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0),
        bytes_per_response: bytes ? Math.round((Number(bytes[1]) * mult[bytes[2] as keyof typeof mult]) / Math.max(1, total)) : 0,
      });
    });
  });
}

/** Slices of equal length as one run: mean rate, worst p99, CPU per request weighted by requests. */
function combine(list: LoadResult[]): LoadResult {
  const n = list.length;
  const sum = (f: (r: LoadResult) => number) => list.reduce((a, r) => a + f(r), 0);
  const reqs = sum((r) => r.rps);
  const weighted = (f: (r: LoadResult) => number | undefined) => (list.every((r) => f(r) !== undefined) && reqs > 0 ? Math.round((sum((r) => f(r)! * r.rps) / reqs) * 10) / 10 : undefined);
  const out: LoadResult = {
    rps: Math.round(reqs / n),
    p50_ms: Math.round((sum((r) => r.p50_ms) / n) * 100) / 100,
    p99_ms: Math.max(...list.map((r) => r.p99_ms)),
    errors: sum((r) => r.errors),
    non2xx: sum((r) => r.non2xx),
    bytes_per_response: Math.round(sum((r) => r.bytes_per_response) / n),
  };
  const cpu = weighted((r) => r.cpu_us_per_req);
  const kids = weighted((r) => r.cpu_us_per_req_children);
  if (cpu !== undefined) out.cpu_us_per_req = cpu;
  if (kids !== undefined) out.cpu_us_per_req_children = kids;
  if (n > 1) out.slices_rps = list.map((r) => r.rps);
  return out;
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
  if (flag('serve')) return serve(JSON.parse(process.env.VIGIE_BENCH_PARAMS!) as ServeParams);
  const quick = flag('quick');
  const seconds = Number(arg('seconds') ?? (quick ? 3 : 15));
  const connections = Number(arg('connections') ?? 100);
  const monitors = Number(arg('monitors') ?? (quick ? 1000 : 10_000));
  const intervalS = Number(arg('interval') ?? 30);
  const workers = Number(arg('workers') ?? 2);
  const slices = Number(arg('slices') ?? (quick ? 1 : 3));
  // As many nginx workers as Vigie has processes answering the page (at least one).
  const nginxWorkers = Number(arg('nginx-workers') ?? Math.max(1, workers));
  const dir = await mkdtemp(join(tmpdir(), 'vigie-web-surge-'));
  const { mkdir } = await import('node:fs/promises');
  await mkdir(join(dir, 'www'));
  const children: ChildProcess[] = [];
  const target = monitors > 0 ? await startTarget(50) : undefined;
  try {
    const params: ServeParams = { dir, monitors, intervalS, ports: target?.ports ?? [], workers };
    const vigie = spawn(process.execPath, [fileURLToPath(import.meta.url), '--serve'], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'], env: { ...process.env, VIGIE_BENCH_PARAMS: JSON.stringify(params) } });
    children.push(vigie);
    const first = await new Promise<string>((resolve, reject) => {
      createInterface({ input: vigie.stdout! }).once('line', resolve);
      vigie.once('exit', (code) => reject(new Error(`vigie exited with ${code}`)));
    });
    const info = JSON.parse(first) as { url: string; pid: number; sizes: Record<string, number>; extra: Record<string, Record<string, string>> };
    const addHeaders = (path: string) => Object.entries(info.extra[path] ?? {}).map(([k, v]) => `add_header ${k} "${v.replace(/["\\$]/g, '')}" always;`).join(' ');

    let nginxUrl: string | undefined;
    let nginxPid: number | undefined;
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
    location = / { try_files /index.html =404; ${addHeaders('/')} }
    location = /api/v2/summary.json { try_files /summary.json =404; ${addHeaders('/api/v2/summary.json')} }
  }`,
        nginxWorkers,
      );
      nginxPid = nginx.pid;
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

    // The monitors' first round (spread over one interval) is start-up, not the steady state a surge meets.
    if (monitors > 0) await new Promise((r) => setTimeout(r, (quick ? Math.min(intervalS, 10) : intervalS) * 1000));
    const results: Record<string, LoadResult> = {};
    type Lags = { count: number; checks: number; p50: number; p99: number; max: number | null };
    const windowLags = (name: string) => new Promise<Lags>((resolve) => vigie.on('message', (m: { type: string; name?: string }) => m.type === 'lags' && m.name === name && resolve(m as never)));
    // The same checks before the surge, as long as one server's run: what the machine's own load does to their schedule.
    const calmS = quick ? 5 : seconds;
    const calmP = windowLags('calm');
    vigie.send({ type: 'window-start', name: 'calm' });
    await new Promise((r) => setTimeout(r, calmS * 1000));
    vigie.send({ type: 'window-end', name: 'calm' });
    const calm = await calmP;
    const lagsP = windowLags('surge');
    vigie.send({ type: 'window-start', name: 'surge' });
    // Each server's time is cut in slices, nginx and Vigie taking turns: a machine whose load drifts
    // during the run (other work on it) weighs on both alike.
    const sliceS = Math.max(1, Math.round(seconds / slices));
    for (const [name, path] of [['summary', '/api/v2/summary.json'], ['page', '/']] as const) {
      const servers = ([['nginx', nginxUrl, nginxPid], ['vigie', info.url, info.pid]] as const).filter(([, base]) => base !== undefined);
      for (const [, base] of servers) await run(base + path, connections, 1); // warm-up
      const parts: Record<string, LoadResult[]> = {};
      for (let i = 0; i < slices; i++) for (const [who, base, pid] of servers) (parts[who] ??= []).push(await measured(base + path, connections, sliceS, pid));
      for (const [who, list] of Object.entries(parts)) results[`${who}_${name}`] = combine(list);
    }
    vigie.send({ type: 'window-end', name: 'surge' });
    const lags = await lagsP;
    const fcps = await fcp(`${info.url}/`, quick ? 3 : 9);
    const sorted = [...fcps].sort((a, b) => a - b);
    const ratio = (n: string) => (results[`nginx_${n}`] ? results[`vigie_${n}`]!.rps / results[`nginx_${n}`]!.rps : null);
    const out = {
      bench: 'web-surge',
      quick,
      load_generator: WRK ? 'wrk -t2' : 'autocannon',
      seconds,
      slices,
      connections,
      components: 50,
      monitors,
      interval_s: intervalS,
      workers,
      nginx_workers: nginxWorkers,
      load_average: loadavg().map((x) => Math.round(x * 100) / 100),
      checks_during_surge: lags.checks,
      start_lag_during_surge_ms: { p50: lags.p50, p99: lags.p99, max: lags.max, count: lags.count },
      checks_before_surge: calm.checks,
      calm_window_s: calmS,
      start_lag_before_surge_ms: { p50: calm.p50, p99: calm.p99, max: calm.max, count: calm.count },
      results,
      ratio_vs_nginx: { summary: ratio('summary'), page: ratio('page') },
      page_weight_bytes: { br: info.sizes.br, gzip: info.sizes.gzip, identity: info.sizes.identity },
      fcp_ms: { median: sorted.length ? Math.round(percentile(sorted, 0.5)) : null, max: sorted.length ? Math.round(sorted.at(-1)!) : null, runs: sorted.map(Math.round) },
      targets: {
        half_of_nginx: ['summary', 'page'].every((n) => (ratio(n) ?? 1) >= 0.5),
        p99_under_20ms: ['summary', 'page'].every((n) => results[`vigie_${n}`]!.p99_ms < 20),
        lag_p99_under_1s: monitors === 0 || lags.p99 < 1000,
        weight_under_40kb: info.sizes.br! < 40 * 1024,
        fcp_under_300ms: sorted.length ? percentile(sorted, 0.5) < 300 : null,
      },
    };
    console.log(JSON.stringify(out));
    console.log(`web-surge (${quick ? 'quick, ' : ''}${out.load_generator}, ${seconds}s per server and resource in ${slices} alternating slice(s), ${connections} connections, 50 components; ${monitors} HTTP monitors every ${intervalS} s in the same Vigie, site.workers ${workers}; nginx worker_processes ${nginxWorkers}, same bytes and headers; load average ${out.load_average.join(' ')})`);
    for (const n of ['summary', 'page']) {
      const v = results[`vigie_${n}`]!;
      const g = results[`nginx_${n}`];
      const cpu = (r: LoadResult) => (r.cpu_us_per_req === undefined ? '' : `, ${r.cpu_us_per_req} µs CPU/req (workers ${r.cpu_us_per_req_children ?? '-'})`);
      console.log(`  ${n.padEnd(8)} vigie ${v.rps} req/s p99 ${v.p99_ms} ms${cpu(v)}` + (g ? ` | nginx ${g.rps} req/s p99 ${g.p99_ms} ms${cpu(g)} | ratio ${(v.rps / g.rps).toFixed(2)}` : ' | nginx not installed'));
    }
    console.log(`  page weight: ${(info.sizes.br! / 1024).toFixed(1)} KB brotli, ${(info.sizes.gzip! / 1024).toFixed(1)} KB gzip, ${(info.sizes.identity! / 1024).toFixed(1)} KB raw (HTML with inline CSS)`);
    console.log(`  first contentful paint: median ${out.fcp_ms.median} ms over ${sorted.length} loads`);
    console.log(`  checks during the surge: ${lags.checks}, start lag p50 ${lags.p50} ms, p99 ${lags.p99} ms, max ${lags.max} ms   [target p99 < 1000 ms]`);
    console.log(`  checks in the ${calmS} s before it: ${calm.checks}, start lag p50 ${calm.p50} ms, p99 ${calm.p99} ms, max ${calm.max} ms (the machine's own load)`);
    console.log(`  targets: ${JSON.stringify(out.targets)}`);
  } finally {
    for (const c of children.reverse()) await stopChild(c);
    await target?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

runMain(() => main());
