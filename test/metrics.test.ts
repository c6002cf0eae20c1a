// /metrics: scrape a running Vigie after a few checks against a local target and read the exposition.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { request } from 'undici';
import { createVigie } from '../src/app.js';
import { configSchema } from '../src/config/schema.js';
import { VigieMetrics } from '../src/metrics/metrics.js';
import { waitFor } from './helpers/wait.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A small reader of the Prometheus text format (0.0.4): samples, and TYPE per family. */
function parseExposition(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) {
      types.set(type[1]!, type[2]!);
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_s, c: string) => (c === 'n' ? '\n' : c));
    const v = m[3]!;
    samples.push({ name: m[1]!, labels, value: v === '+Inf' ? Infinity : v === '-Inf' ? -Infinity : Number(v) });
  }
  return { samples, types };
}

const find = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));

test('GET /metrics exposes probe and scheduler metrics in the Prometheus text format', async () => {
  const server = createServer((req, res) => {
    if (req.url === '/bad') res.writeHead(503).end('down');
    else res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const dir = await mkdtemp(join(tmpdir(), 'vigie-metrics-'));
  // Raw input kept for the reload below: a parsed config is not input (bare numbers are seconds there).
  const raw = {
    site: { port: 0 },
    store: { path: join(dir, 'vigie.db') },
    defaults: { interval: '100ms', timeout: '2s' },
    services: [
      {
        id: 'acme',
        name: 'Acme',
        components: [
          {
            id: 'api',
            name: 'API',
            monitors: [
              { name: 'good', region: 'eu', url: `http://127.0.0.1:${port}/` },
              { name: 'bad', url: `http://127.0.0.1:${port}/bad` },
            ],
          },
        ],
      },
    ],
  };
  const config = configSchema.parse(raw);
  const vigie = await createVigie({ config });
  try {
    const base = await vigie.start();
    const scrape = async () => {
      const res = await request(`${base}/metrics`);
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
      return parseExposition(await res.body.text());
    };
    await waitFor('a few checks', async () => (find((await scrape()).samples, 'probe_failures_total', { monitor: 'acme/api/bad' })[0]?.value ?? 0) >= 3);
    const { samples, types } = await scrape();

    assert.equal(types.get('probe_success'), 'gauge');
    assert.equal(find(samples, 'probe_success', { monitor: 'acme/api/good', region: 'eu' })[0]?.value, 1);
    assert.equal(find(samples, 'probe_success', { monitor: 'acme/api/bad', region: 'local' })[0]?.value, 0);
    assert.equal(find(samples, 'probe_http_status_code', { monitor: 'acme/api/good' })[0]?.value, 200);
    assert.equal(find(samples, 'probe_http_status_code', { monitor: 'acme/api/bad' })[0]?.value, 503);

    const phases = find(samples, 'probe_duration_seconds', { monitor: 'acme/api/good' });
    assert.deepEqual(phases.map((s) => s.labels.phase).sort(), ['connect', 'dns', 'first_byte', 'tls', 'total']);
    const total = phases.find((s) => s.labels.phase === 'total')!.value;
    assert.ok(total > 0 && total < 2, `total ${total}`);
    assert.ok(phases.every((s) => s.value >= 0 && s.value <= total + 1e-9));

    assert.equal(types.get('probe_failures_total'), 'counter');
    assert.ok(find(samples, 'probe_failures_total', { monitor: 'acme/api/bad', kind: 'http_status' })[0]!.value >= 3);
    assert.equal(find(samples, 'probe_failures_total', { monitor: 'acme/api/good' }).length, 0);

    assert.equal(types.get('vigie_scheduler_start_lag_seconds'), 'histogram');
    const lagCount = find(samples, 'vigie_scheduler_start_lag_seconds_count')[0]!.value;
    assert.ok(lagCount >= 6, `lag count ${lagCount}`);
    const inf = find(samples, 'vigie_scheduler_start_lag_seconds_bucket', { le: '+Inf' })[0]!;
    assert.equal(inf.value, lagCount);
    assert.equal(Object.keys(inf.labels).join(), 'le', 'the lag histogram carries no per-monitor label');

    assert.equal(find(samples, 'vigie_monitors')[0]?.value, 2);
    const inFlight = find(samples, 'vigie_checks_in_flight')[0]?.value;
    assert.ok(inFlight !== undefined && inFlight >= 0 && inFlight <= 2);
    assert.ok(find(samples, 'vigie_check_duration_seconds_count', { kind: 'http' })[0]!.value >= 6);
    assert.ok(find(samples, 'process_cpu_seconds_total').length === 1, 'process metrics are there too');

    // A monitor that leaves the config leaves the exposition.
    await vigie.reload(configSchema.parse({ ...raw, services: [{ id: 'acme', name: 'Acme', components: [{ id: 'api', name: 'API', monitors: [{ name: 'good', region: 'eu', url: `http://127.0.0.1:${port}/` }] }] }] }));
    const after = (await scrape()).samples;
    assert.equal(find(after, 'probe_success', { monitor: 'acme/api/bad' }).length, 0);
    assert.equal(find(after, 'probe_failures_total', { monitor: 'acme/api/bad' }).length, 0);
    assert.equal(find(after, 'vigie_monitors')[0]?.value, 1);
  } finally {
    await vigie.stop();
    await new Promise((r) => server.close(r));
    await rm(dir, { recursive: true, force: true });
  }
});

test('metrics of two Vigies in one process stay apart', async () => {
  const a = new VigieMetrics({ inFlight: () => 1, monitors: () => 10 }, { processMetrics: false });
  const b = new VigieMetrics({ inFlight: () => 2, monitors: () => 20 }, { processMetrics: false });
  a.setMonitors([{ id: 'm', region: 'r', kind: 'http' }]);
  // A check for a monitor this Vigie does not know (one removed while its check was in flight) is ignored.
  a.observeCheck({ id: 'gone', region: 'r', kind: 'http' }, { monitorId: 'gone', region: 'r', at: 0, ok: false, degraded: false, phases: { totalMs: 5 }, statusCode: 500 });
  a.observeCheck({ id: 'm', region: 'r', kind: 'http' }, { monitorId: 'm', region: 'r', at: 0, ok: true, degraded: false, phases: { totalMs: 12 }, statusCode: 204 });
  const ta = parseExposition(await a.metrics()).samples;
  const tb = parseExposition(await b.metrics()).samples;
  assert.equal(find(ta, 'vigie_monitors')[0]?.value, 10);
  assert.equal(find(tb, 'vigie_monitors')[0]?.value, 20);
  assert.equal(find(ta, 'probe_http_status_code', { monitor: 'm' })[0]?.value, 204);
  assert.equal(find(tb, 'probe_http_status_code').length, 0);
  assert.equal(find(ta, 'probe_http_status_code', { monitor: 'gone' }).length, 0);
});

test('per-monitor series follow monitors that come, go, come back and move region, past the first 64', async () => {
  const metrics = new VigieMetrics({ inFlight: () => 0, monitors: () => 0 }, { processMetrics: false });
  const mon = (i: number, region = 'eu') => ({ id: `m${i}`, region, kind: 'http' });
  const check = (m: { id: string; region: string; kind: string }, statusCode: number, totalMs: number) =>
    metrics.observeCheck(m, { monitorId: m.id, region: m.region, at: 0, ok: statusCode < 400, degraded: false, phases: { connectMs: 1, totalMs }, statusCode, ...(statusCode < 400 ? {} : { error: { kind: 'http_status' as const, message: 'no' } }) });
  const all = Array.from({ length: 100 }, (_, i) => mon(i));
  metrics.setMonitors(all);
  for (const m of all) check(m, 200 + (Number(m.id.slice(1)) % 5), Number(m.id.slice(1)) + 1);
  let samples = parseExposition(await metrics.metrics()).samples;
  assert.equal(find(samples, 'probe_success').length, 100);
  assert.equal(find(samples, 'probe_http_status_code', { monitor: 'm99' })[0]?.value, 204);
  assert.equal(find(samples, 'probe_duration_seconds', { monitor: 'm99', phase: 'total' })[0]?.value, 0.1);

  // m1 leaves; m2 moves to another region; a new monitor takes m1's place and has no series before its first check.
  check(mon(1), 503, 3);
  metrics.setMonitors([mon(0), mon(2, 'us'), ...all.slice(3), mon(100)]);
  samples = parseExposition(await metrics.metrics()).samples;
  assert.equal(find(samples, 'probe_success', { monitor: 'm1' }).length, 0);
  assert.equal(find(samples, 'probe_failures_total', { monitor: 'm1' }).length, 0);
  assert.deepEqual(find(samples, 'probe_success', { monitor: 'm2' }), [], 'no series under the old region, none yet under the new');
  assert.equal(find(samples, 'probe_duration_seconds', { monitor: 'm2', phase: 'total' })[0]?.value, 0.003);
  assert.equal(find(samples, 'probe_success', { monitor: 'm100' }).length, 0);
  assert.equal(find(samples, 'probe_duration_seconds', { monitor: 'm100' }).length, 0);

  check(mon(100), 200, 7);
  check(mon(2, 'us'), 200, 4);
  // A check of a monitor already gone (it was in flight) brings nothing back.
  check(mon(1), 200, 2);
  samples = parseExposition(await metrics.metrics()).samples;
  assert.equal(find(samples, 'probe_success', { monitor: 'm100', region: 'eu' })[0]?.value, 1);
  assert.equal(find(samples, 'probe_duration_seconds', { monitor: 'm100', phase: 'total' })[0]?.value, 0.007);
  assert.equal(find(samples, 'probe_success', { monitor: 'm2', region: 'us' })[0]?.value, 1);
  assert.equal(find(samples, 'probe_success', { monitor: 'm1' }).length, 0);
  assert.equal(find(samples, 'probe_success', { monitor: 'm0' })[0]?.value, 1, 'the others keep their last check');
  assert.equal(find(samples, 'probe_success').length, 100);
  assert.equal(find(samples, 'probe_duration_seconds').length, 500);

  // A monitor that stops being http stops exposing a status code.
  metrics.setMonitors([{ id: 'm0', region: 'eu', kind: 'tcp' }]);
  samples = parseExposition(await metrics.metrics()).samples;
  assert.equal(find(samples, 'probe_http_status_code').length, 0);
  assert.equal(find(samples, 'probe_success').length, 1);
});
