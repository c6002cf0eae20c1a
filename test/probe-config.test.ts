// Monitors of every kind in vigie.yaml: the schema (type picks the kind, http by default), the
// targets the probes receive, the store round trip, and a running Vigie checking tcp and
// heartbeat monitors (with a beat pushed over HTTP).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { request } from 'undici';
import { createVigie } from '../src/app.js';
import { formatConfigError, parseConfigText } from '../src/config/load.js';
import { toEntities } from '../src/config/schema.js';
import { startTcp } from './helpers/servers.js';
import { waitFor } from './helpers/wait.js';

const monitors = (...lines: string[]) =>
  ['services:', '  - id: acme', '    name: Acme', '    components:', '      - id: api', '        name: API', '        monitors:', ...lines, ''].join('\n');

const ALL_KINDS = monitors(
  '          - name: home', // http by default
  '            url: https://acme.test/health',
  '            max_redirects: 3',
  '            body_contains: ok',
  '            json: { status: UP, "data[0].id": 3 }',
  '            conditions: ["[STATUS] == 200", "[CERTIFICATE_EXPIRATION] > 7d"]',
  '            min_cert_days: 14',
  '            max_body: 256KiB',
  '          - name: db',
  '            type: tcp',
  '            host: db.acme.test',
  '            port: 5432',
  '          - name: cert',
  '            type: tls',
  '            host: acme.test',
  '            min_cert_days: 21',
  '          - name: mx',
  '            type: dns',
  '            query_name: acme.test',
  '            query_type: MX',
  '            resolver: 9.9.9.9:53',
  '            expected: "10 mail.acme.test"',
  '          - name: live',
  '            type: websocket',
  '            url: wss://acme.test/live',
  '          - name: ping',
  '            type: icmp',
  '            host: 192.0.2.1',
  '          - name: chat',
  '            type: llm',
  '            url: https://llm.acme.test/v1/chat/completions',
  '            model: tiny',
  '            api_key: sk-test',
  '            stream: true',
  '          - name: backup',
  '            type: heartbeat',
  '            token: nightly-backup-7f3a',
  '            interval: 1m',
  '            grace: 10m',
);

test('every kind loads into its own target, keeping only the keys that were set', () => {
  const r = parseConfigText(ALL_KINDS, 'vigie.yaml', {});
  if (!r.ok) assert.fail(r.errors.map(formatConfigError).join('\n'));
  const byName = new Map(toEntities(r.config).monitors.map((m) => [m.id.split('/')[2], { kind: m.kind, target: m.target }]));
  assert.deepEqual(byName.get('home'), {
    kind: 'http',
    target: {
      url: 'https://acme.test/health',
      method: 'GET',
      headers: {},
      expectedStatus: [200],
      maxRedirects: 3,
      bodyContains: ['ok'],
      json: { status: 'UP', 'data[0].id': 3 },
      conditions: ['[STATUS] == 200', '[CERTIFICATE_EXPIRATION] > 7d'],
      minCertDays: 14,
      maxBodyBytes: 262_144,
    },
  });
  assert.deepEqual(byName.get('db'), { kind: 'tcp', target: { host: 'db.acme.test', port: 5432 } });
  assert.deepEqual(byName.get('cert'), { kind: 'tls', target: { host: 'acme.test', port: 443, minCertDays: 21 } });
  assert.deepEqual(byName.get('mx'), { kind: 'dns', target: { name: 'acme.test', recordType: 'MX', resolver: '9.9.9.9:53', expected: ['10 mail.acme.test'] } });
  assert.deepEqual(byName.get('live'), { kind: 'websocket', target: { url: 'wss://acme.test/live', headers: {} } });
  assert.deepEqual(byName.get('ping'), { kind: 'icmp', target: { host: '192.0.2.1' } });
  assert.deepEqual(byName.get('chat'), {
    kind: 'llm',
    target: { url: 'https://llm.acme.test/v1/chat/completions', model: 'tiny', apiKey: 'sk-test', headers: {}, prompt: 'Reply with the single word: pong', stream: true, maxTokens: 16 },
  });
  assert.deepEqual(byName.get('backup'), { kind: 'heartbeat', target: { token: 'nightly-backup-7f3a', periodMs: 60_000, graceMs: 600_000 } });
});

test('kind mistakes are config errors at their line: unknown type, a key of another kind, bad values', () => {
  const r = parseConfigText(
    monitors(
      '          - name: a', //  8
      '            type: smtp', // 9
      '            host: mail.acme.test', // 10
      '          - name: b', // 11
      '            type: tcp', // 12
      '            host: db.acme.test', // 13
      '            prot: 5432', // 14
      '          - name: c', // 15
      '            type: dns', // 16
      '            query_name: acme.test', // 17
      '            query_type: MXX', // 18
      '          - name: d', // 19
      '            url: https://acme.test/', // 20
      '            body_matches: "(unclosed"', // 21
      '            max_body: lots', // 22
    ),
    'vigie.yaml',
    {},
  );
  assert.equal(r.ok, false);
  if (r.ok) return;
  const lines = r.errors.map(formatConfigError);
  assert.match(lines.find((l) => l.includes('monitors[0]'))!, /^vigie\.yaml:9:19: services\[0\]\.components\[0\]\.monitors\[0\]\.type: type must be one of "http", "tcp", "tls", "dns", "websocket", "icmp", "llm", "heartbeat" \(http when left out\); got "smtp"$/);
  assert.ok(lines.some((l) => /^vigie\.yaml:14:13: .*monitors\[1\]\.prot: unknown key "prot" \(did you mean "port"\?\)$/.test(l)), lines.join('\n'));
  assert.ok(lines.some((l) => /^vigie\.yaml:18:25: .*monitors\[2\]\.query_type: must be one of "A", "AAAA"/.test(l)), lines.join('\n'));
  assert.ok(lines.some((l) => /^vigie\.yaml:21:27: .*monitors\[3\]\.body_matches: not a valid regular expression/.test(l)), lines.join('\n'));
  assert.ok(lines.some((l) => /^vigie\.yaml:22:23: .*monitors\[3\]\.max_body: "lots" is not a size/.test(l)), lines.join('\n'));
});

test('a running Vigie checks tcp and heartbeat monitors; jobs beat through /api/push/<token>; targets survive the store', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'vigie-probes-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const port = await startTcp(() => {});
  t.after(() => port.close());
  const r = parseConfigText(
    [
      'site: { port: 0 }',
      `store: { path: ${JSON.stringify(join(dir, 'vigie.db'))} }`,
      'defaults: { interval: 100ms, timeout: 1s }',
      monitors(
        '          - name: db',
        '            type: tcp',
        '            host: 127.0.0.1',
        `            port: ${port.port}`,
        '          - name: backup',
        '            type: heartbeat',
        '            token: nightly-backup-7f3a',
        '            period: 1h',
      ),
    ].join('\n'),
    'vigie.yaml',
    {},
  );
  if (!r.ok) assert.fail(r.errors.map(formatConfigError).join('\n'));
  const vigie = await createVigie({ config: r.config });
  t.after(() => vigie.stop());
  const base = await vigie.start();
  const stored = await vigie.store.activeMonitors();
  assert.deepEqual(
    stored.map((m) => [m.kind, m.target]),
    toEntities(r.config).monitors.map((m) => [m.kind, m.target]),
  );
  await waitFor('a tcp observation', async () => (await vigie.store.recentObservations('acme/api/db', 1))[0]);
  const tcp = (await vigie.store.recentObservations('acme/api/db', 1))[0]!;
  assert.equal(tcp.ok, true, JSON.stringify(tcp));
  const push = await request(`${base}/api/push/nightly-backup-7f3a?status=down&msg=disk%20full`, { method: 'POST' });
  assert.equal(push.statusCode, 200);
  await push.body.dump();
  const beat = await waitFor('a failed heartbeat', async () => (await vigie.store.recentObservations('acme/api/backup', 1)).find((o) => !o.ok));
  assert.equal(beat.error?.kind, 'assertion');
  assert.match(beat.error?.message ?? '', /disk full/);
  const unknown = await request(`${base}/api/push/not-a-configured-token`);
  assert.equal(unknown.statusCode, 404);
  await unknown.body.dump();

  // A restart remembers the last beat: the job still reported down, though the new process is well
  // within the 1h period since it started.
  await vigie.stop();
  const restartedAt = Date.now();
  const again = await createVigie({ config: r.config });
  t.after(() => again.stop());
  await again.start();
  const first = await waitFor('a heartbeat check after the restart', async () => (await again.store.recentObservations('acme/api/backup', 5)).find((o) => o.at >= restartedAt));
  assert.equal(first.ok, false, JSON.stringify(first));
  assert.match(first.error?.message ?? '', /reported down .*: disk full$/);
});
