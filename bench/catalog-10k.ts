// The console's monitor list at scale: a real Vigie (SQLite) with 10,000 monitors from its config,
// each with a live status on the board, answering GET /api/admin/monitors over HTTP: latency of the
// whole list, of a 1,000-monitor page and of a search, and the payload size; then what one edit
// through the API costs (it re-applies the whole catalog through the reload path).
//
//   node dist/bench/catalog-10k.js [--quick] [--monitors N] [--runs N]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { request } from 'undici';
import { createVigie } from '../src/app.js';
import { configSchema } from '../src/config/schema.js';
import { arg, flag, percentile, runMain } from './lib/proc.js';

const quick = flag('quick');
const MONITORS = Number(arg('monitors') ?? (quick ? 2000 : 10_000));
const RUNS = Number(arg('runs') ?? (quick ? 10 : 30));
const TOKEN = 'bench-catalog-token';

async function timed(url: string): Promise<{ ms: number; bytes: number; count: number }> {
  const t = performance.now();
  const r = await request(url, { headers: { authorization: `Bearer ${TOKEN}` } });
  const text = await r.body.text();
  const ms = performance.now() - t;
  if (r.statusCode !== 200) throw new Error(`${url}: ${r.statusCode} ${text.slice(0, 200)}`);
  return { ms, bytes: Buffer.byteLength(text), count: (JSON.parse(text) as { monitors: unknown[] }).monitors.length };
}

async function main() {
  const dir = await mkdtemp(join(tmpdir(), 'vigie-bench-catalog-'));
  const perComponent = 10;
  const components = Math.ceil(MONITORS / perComponent);
  const services = Array.from({ length: Math.ceil(components / 10) }, (_, s) => ({
    id: `svc${s}`,
    name: `Service ${s}`,
    components: Array.from({ length: 10 }, (_, c) => ({
      id: `c${c}`,
      name: `Component ${c}`,
      // Port 9 (discard) on loopback with an hour's interval: the list is measured, not the checks.
      monitors: Array.from({ length: perComponent }, (_, m) => ({ name: `m${m}`, url: `http://127.0.0.1:9/s${s}/c${c}/m${m}`, interval: '1h' })),
    })),
  }));
  const config = configSchema.parse({ site: { port: 0 }, store: { path: join(dir, 'v.db') }, services });
  let t = performance.now();
  const vigie = await createVigie({ config, adminToken: TOKEN });
  const startMs = performance.now() - t;
  try {
    const base = await vigie.start();
    // Every unit gets a live state, as after its first check.
    const now = Date.now();
    vigie.catalog.units.forEach((u, i) =>
      vigie.board.observe({ monitorId: u.id, region: u.region, at: now - (i % 60) * 1000, ok: i % 50 !== 0, degraded: false, phases: { totalMs: 20 + (i % 300) }, ...(i % 50 === 0 ? { error: { kind: 'connect' as const, message: 'connect ECONNREFUSED' } } : {}) }, i % 50 === 0 ? 'down' : 'up'),
    );
    const units = vigie.catalog.units.length;
    const all: number[] = [];
    const page: number[] = [];
    const search: number[] = [];
    let bytes = 0;
    let pageBytes = 0;
    for (let r = 0; r < RUNS; r++) {
      const a = await timed(`${base}/api/admin/monitors?limit=20000`);
      if (a.count !== units) throw new Error(`listed ${a.count} of ${units}`);
      all.push(a.ms);
      bytes = a.bytes;
      const p = await timed(`${base}/api/admin/monitors?limit=1000`);
      page.push(p.ms);
      pageBytes = p.bytes;
      search.push((await timed(`${base}/api/admin/monitors?q=svc7/c3&status=down,up`)).ms);
    }
    [all, page, search].forEach((l) => l.sort((x, y) => x - y));
    t = performance.now();
    const created = await request(`${base}/api/admin/monitors`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ service: 'svc0', component: 'c0', monitor: { name: 'added', url: 'http://127.0.0.1:9/added', interval: '1h' } }),
    });
    await created.body.text();
    const editMs = performance.now() - t;
    if (created.statusCode !== 201) throw new Error(`create: ${created.statusCode}`);
    const rss = process.memoryUsage().rss;
    const round = (x: number) => Math.round(x * 10) / 10;
    const out = {
      bench: 'catalog-10k',
      quick,
      monitors: units,
      runs: RUNS,
      start_ms: Math.round(startMs),
      list_all_p50_ms: round(percentile(all, 0.5)),
      list_all_p95_ms: round(percentile(all, 0.95)),
      list_all_bytes: bytes,
      page_1000_p50_ms: round(percentile(page, 0.5)),
      page_1000_bytes: pageBytes,
      search_p50_ms: round(percentile(search, 0.5)),
      create_monitor_ms: Math.round(editMs),
      rss_mb: Math.round(rss / 1048576),
    };
    console.log(JSON.stringify(out));
    console.log(
      `GET /monitors at ${units} monitors: all of them in ${out.list_all_p50_ms} ms (p95 ${out.list_all_p95_ms} ms, ${(bytes / 1048576).toFixed(1)} MiB uncompressed), a 1,000 page in ${out.page_1000_p50_ms} ms (${Math.round(pageBytes / 1024)} KiB), a search in ${out.search_p50_ms} ms; one monitor created through the API (re-applying the catalog) in ${out.create_monitor_ms} ms; process RSS ${out.rss_mb} MB.`,
    );
  } finally {
    await vigie.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

runMain(() => main());
