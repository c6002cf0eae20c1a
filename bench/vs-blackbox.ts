// Bench: checks per CPU-second, Vigie's HTTP probe beside Prometheus blackbox_exporter (Debian
// package prometheus-blackbox-exporter), against the same local target in the same run.
//
// blackbox_exporter: started here on 127.0.0.1 with an http_2xx module (fresh connection per probe,
// as blackbox always does), driven by this process with GET /probe?module=http_2xx&target=… at a
// fixed concurrency over keep-alive; its CPU is read from /proc. The driver's own CPU is not counted.
// Vigie: a child process that calls the HTTP probe (src/probes, the function the scheduler calls for
// each check: fresh connection, timed phases) in a loop at the same concurrency; its CPU is read
// from /proc. The loop's own overhead is counted against Vigie. Both run one after the other, for
// the same duration, against the same nginx (a Node server when nginx is missing).
//
//   node dist/bench/vs-blackbox.js [--quick] [--seconds S] [--concurrency C]
import { fork, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { probeFor } from '../src/probes/registry.js';
import { arg, cpuSeconds, flag, runMain } from './lib/proc.js';
import { freePort, startTarget } from './lib/target.js';

const BLACKBOX = ['/usr/bin/prometheus-blackbox-exporter', '/usr/local/bin/blackbox_exporter'].find((p) => existsSync(p));

interface Run {
  checks: number;
  ok: number;
  cpu_s: number;
  wall_s: number;
}

async function vigieChild(url: string, seconds: number, concurrency: number): Promise<void> {
  const probe = probeFor('http');
  const target = { url, method: 'GET', headers: {}, expectedStatus: [200] };
  let checks = 0;
  let ok = 0;
  await new Promise<void>((r) => process.once('message', () => r()));
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const res = await probe(target as never, { timeoutMs: 5000 });
        checks++;
        if (res.ok) ok++;
      }
    }),
  );
  process.send!({ checks, ok }, () => process.exit(0));
}

async function runVigie(url: string, seconds: number, concurrency: number): Promise<Run> {
  const child = fork(fileURLToPath(import.meta.url), ['--child', url, String(seconds), String(concurrency)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await new Promise((r) => setTimeout(r, 1500)); // let it load its modules before measuring
  const pid = child.pid!;
  const cpu0 = cpuSeconds(pid);
  const t0 = performance.now();
  let cpu1 = cpu0;
  const sampler = setInterval(() => {
    try {
      cpu1 = cpuSeconds(pid);
    } catch {}
  }, 200);
  child.send('go');
  const r = await new Promise<{ checks: number; ok: number }>((resolve) => child.once('message', (m) => resolve(m as { checks: number; ok: number })));
  clearInterval(sampler);
  try {
    cpu1 = cpuSeconds(pid);
  } catch {}
  const wall = (performance.now() - t0) / 1000;
  await new Promise((res) => (child.exitCode !== null ? res(null) : child.once('exit', res)));
  return { checks: r.checks, ok: r.ok, cpu_s: cpu1 - cpu0, wall_s: wall };
}

async function runBlackbox(url: string, seconds: number, concurrency: number): Promise<Run & { version: string }> {
  if (!BLACKBOX) throw new Error('prometheus-blackbox-exporter is not installed (apt-get install -y prometheus-blackbox-exporter)');
  const dir = await mkdtemp(join(tmpdir(), 'vigie-bench-bbe-'));
  const port = await freePort();
  await writeFile(join(dir, 'blackbox.yml'), 'modules:\n  http_2xx:\n    prober: http\n    timeout: 5s\n    http:\n      preferred_ip_protocol: ip4\n      valid_status_codes: [200]\n');
  const child = spawn(BLACKBOX, [`--config.file=${join(dir, 'blackbox.yml')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=error'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let version = '';
  try {
    const pool = new Pool(`http://127.0.0.1:${port}`, { connections: concurrency, pipelining: 1 });
    const path = `/probe?module=http_2xx&target=${encodeURIComponent(url)}`;
    for (let i = 0; ; i++) {
      try {
        const res = await pool.request({ path: '/metrics', method: 'GET' });
        const text = await res.body.text();
        version = /blackbox_exporter_build_info\{[^}]*version="([^"]+)"/.exec(text)?.[1] ?? '';
        break;
      } catch (err) {
        if (i > 100) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const pid = child.pid!;
    const cpu0 = cpuSeconds(pid);
    const t0 = performance.now();
    const end = t0 + seconds * 1000;
    let checks = 0;
    let ok = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < end) {
          const res = await pool.request({ path, method: 'GET' });
          const text = await res.body.text();
          checks++;
          if (/^probe_success 1$/m.test(text)) ok++;
        }
      }),
    );
    const cpu = cpuSeconds(pid) - cpu0;
    const wall = (performance.now() - t0) / 1000;
    await pool.close();
    return { checks, ok, cpu_s: cpu, wall_s: wall, version };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
    await rm(dir, { recursive: true, force: true });
  }
}

async function main() {
  const quick = flag('quick');
  const seconds = Number(arg('seconds') ?? (quick ? 8 : 60));
  const concurrency = Number(arg('concurrency') ?? 16);
  const target = await startTarget(1);
  const url = `http://127.0.0.1:${target.ports[0]}/`;
  try {
    const bb = await runBlackbox(url, seconds, concurrency);
    const vg = await runVigie(url, seconds, concurrency);
    const per = (r: Run) => Math.round(r.checks / r.cpu_s);
    const out = {
      bench: 'vs-blackbox',
      quick,
      target: `${target.kind} on 127.0.0.1`,
      seconds,
      concurrency,
      blackbox: { version: bb.version, checks: bb.checks, ok: bb.ok, cpu_s: round(bb.cpu_s), checks_per_s: Math.round(bb.checks / bb.wall_s), checks_per_cpu_s: per(bb), how: 'GET /probe?module=http_2xx over keep-alive from this process; exporter CPU only' },
      vigie: { checks: vg.checks, ok: vg.ok, cpu_s: round(vg.cpu_s), checks_per_s: Math.round(vg.checks / vg.wall_s), checks_per_cpu_s: per(vg), how: 'the HTTP probe called in a loop in its own process; loop overhead included' },
      ratio_vigie_over_blackbox: round(per(vg) / per(bb), 2),
      pass: per(vg) >= per(bb),
    };
    console.log(JSON.stringify(out));
    console.log(
      `\nSame target (${out.target}), ${seconds} s each, ${concurrency} at a time:\n` +
        `  blackbox_exporter ${bb.version}: ${bb.checks} probes (${bb.ok} ok), ${round(bb.cpu_s)} CPU-s -> ${per(bb)} checks per CPU-second\n` +
        `  Vigie HTTP probe: ${vg.checks} checks (${vg.ok} ok), ${round(vg.cpu_s)} CPU-s -> ${per(vg)} checks per CPU-second\n` +
        `  Vigie / blackbox = ${out.ratio_vigie_over_blackbox}   ${out.pass ? 'PASS' : 'FAIL'} (target: at least equal)`,
    );
  } finally {
    await target.stop();
  }
}

const round = (v: number, d = 2) => Math.round(v * 10 ** d) / 10 ** d;

if (flag('child')) {
  const [, , , url, seconds, concurrency] = process.argv;
  runMain(() => vigieChild(url!, Number(seconds), Number(concurrency)));
} else {
  runMain(() => main());
}
