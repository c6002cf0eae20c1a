// `vigie export`: what was made through the admin API, written by the real command as YAML that the
// real config loader reads back into the same monitors (ids, kinds, targets, intervals, regions);
// and a Vigie with no stored items runs vigie.yaml exactly as before.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createVigie } from '../src/app.js';
import { loadConfigFile } from '../src/config/load.js';
import { toEntities } from '../src/config/schema.js';
import { forEachEngine } from './helpers/engines.js';
import { ADMIN_TOKEN, adminCaller } from './helpers/admin.js';
import { runCli } from './helpers/cli.js';
import { startHttp } from './helpers/servers.js';

forEachEngine('vigie export writes the app-made catalog as a config the loader reads back', async (engine) => {
  const dir = await mkdtemp(join(tmpdir(), 'vigie-export-'));
  const target = await startHttp((_req, res) => res.writeHead(200).end('ok'));
  const file = join(dir, 'vigie.yaml');
  const store = engine.options.url ? `  url: ${engine.options.url}` : `  path: ${engine.options.path}`;
  await writeFile(
    file,
    `site:\n  port: 0\nstore:\n${store}\ndefaults:\n  interval: 30s\nservices:\n  - id: acme\n    name: Acme\n    components:\n      - id: api\n        name: API\n        monitors:\n          - name: home\n            url: ${target.origin}/home\n`,
  );
  const loaded = await loadConfigFile(file);
  assert.ok(loaded.ok);
  const vigie = await createVigie({ config: loaded.config, adminToken: ADMIN_TOKEN });
  try {
    const call = adminCaller(await vigie.start());
    const made = [
      await call('POST', '/services', {
        id: 'shop',
        name: 'Shop',
        description: 'The store front',
        components: [
          { id: 'web', name: 'Web', monitors: [{ name: 'front', url: `${target.origin}/`, interval: '45s', headers: { 'X-Check': 'vigie' }, expected_status: [200, 204] }] },
          { id: 'db', name: 'Database', depends_on: ['web'], monitors: [{ name: 'port', type: 'tcp', host: '127.0.0.1', port: target.port, regions: ['local'] }] },
        ],
      }),
      await call('POST', '/services/acme/components', { id: 'queue', name: 'Queue', monitors: [{ name: 'ping', type: 'tls', host: 'localhost', port: 443, interval: 120 }] }),
      await call('POST', '/monitors', { service: 'acme', component: 'api', monitor: { name: 'status', url: `${target.origin}/status`, body_contains: 'ok', timeout: '5s' } }),
    ];
    for (const r of made) assert.equal(r.status, 201, r.text);
    assert.equal((await call('POST', `/monitors/${encodeURIComponent('acme/api/status')}/pause`)).status, 200);

    const out = join(dir, 'export.yaml');
    const r = await runCli(['export', '-c', file, '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Exported 1 service\(s\), 3 component\(s\) and 4 monitor\(s\)/);
    assert.equal((await stat(out)).mode & 0o777, 0o600);
    const text = await readFile(out, 'utf8');
    assert.match(text, /service "acme" is defined in vigie\.yaml/);
    assert.match(text, /paused in the app/);

    // The real loader reads it; its monitors are the app-made ones, unit for unit.
    const back = await loadConfigFile(out);
    assert.ok(back.ok, back.ok ? '' : JSON.stringify(back.errors));
    const exported = toEntities(back.config).monitors.map((m) => ({ id: m.id, kind: m.kind, target: m.target, region: m.region, intervalMs: m.intervalMs, timeoutMs: m.timeoutMs }));
    const running = vigie.catalog.units
      .filter((u) => u.source === 'app')
      .map((u) => ({ id: u.id, kind: u.entity.kind, target: u.entity.target, region: u.region, intervalMs: u.intervalMs, timeoutMs: u.timeoutMs }));
    // The exported file has no defaults section: intervals the app left to vigie.yaml's defaults differ only there.
    const defaults = back.config.defaults.interval;
    assert.deepEqual(
      exported.map((m) => m.id).sort(),
      running.map((m) => m.id).sort(),
    );
    for (const m of running) {
      const e = exported.find((x) => x.id === m.id)!;
      assert.deepEqual({ ...e, intervalMs: e.intervalMs === defaults ? 'default' : e.intervalMs }, { ...m, intervalMs: m.intervalMs === loaded.config.defaults.interval ? 'default' : m.intervalMs }, m.id);
    }
    const shop = back.config.services.find((s) => s.id === 'shop')!;
    assert.equal(shop.description, 'The store front');
    assert.deepEqual(shop.components.map((c) => [c.id, c.depends_on]), [['web', []], ['db', ['web']]]);

    // To stdout when no --out.
    const plain = await runCli(['export', '-c', file]);
    assert.equal(plain.code, 0);
    assert.equal(plain.stdout.replace(/on \S+Z/, ''), text.replace(/on \S+Z/, ''));
  } finally {
    await vigie.stop();
    await target.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('with nothing stored, the running catalog is vigie.yaml exactly', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'vigie-export-'));
  const file = join(dir, 'vigie.yaml');
  await writeFile(file, `site:\n  port: 0\nstore:\n  path: ${join(dir, 'v.db')}\nservices:\n  - id: a\n    name: A\n    components:\n      - id: b\n        name: B\n        monitors:\n          - name: c\n            url: http://127.0.0.1:9/\n            regions: [local]\n`);
  const loaded = await loadConfigFile(file);
  assert.ok(loaded.ok);
  const vigie = await createVigie({ config: loaded.config });
  try {
    assert.deepEqual(toEntities(vigie.catalog.config), toEntities(loaded.config));
    assert.deepEqual(vigie.catalog.problems, []);
    const r = await runCli(['export', '-c', file]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Exported 0 service/);
  } finally {
    await vigie.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
