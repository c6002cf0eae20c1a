import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { toEntities } from '../src/config/schema.js';
import { changesBetween, faultAt, faultChangeTimes, isAffected, reportLevelAt, timeline, vendorStatementsUntil } from '../src/demo/faults.js';
import { listScenarios, loadScenario, packageRoot, parseScenario, ScenarioError, type Scenario } from '../src/demo/scenario.js';
import { scenarioToConfig } from '../src/demo/vigie-config.js';

const T = (iso: string) => Date.parse(iso);
const NAMES = ['correlated-evening', 'dependency-failure', 'silent-vendor', 'unacknowledged-us'];

function errorOf(fn: () => unknown): ScenarioError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ScenarioError, `expected a ScenarioError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected an error');
}

const MINIMAL = `
name: tiny
title: Tiny
sources: [000]
start: 2024-01-01T00:00:00Z
end: 2024-01-01T01:00:00Z
regions: [us, eu]
services:
  - id: svc
    name: Service
    components:
      - { id: web, name: Web }
      - { id: api, name: API }
faults:
  - { target: svc, from: 2024-01-01T00:10:00Z, until: 2024-01-01T00:40:00Z, mode: error_500, note: "whole service (000)" }
  - { target: svc/web, from: 2024-01-01T00:20:00Z, until: 2024-01-01T00:30:00Z, regions: [eu], mode: slow, delay_ms: 50, note: "later start wins (000)" }
`;

describe('scenario files', () => {
  it('lists and loads the four scenarios by name', () => {
    assert.deepEqual(listScenarios(), NAMES);
    for (const name of NAMES) {
      const s = loadScenario(name);
      assert.equal(s.name, name, 'name matches the file');
      assert.ok(s.faults.length > 0 && s.expect.length > 0, `${name} has faults and expectations`);
      // One scenario minute per real second: every replay plays in under 8 real minutes.
      assert.ok((s.end - s.start) / 60_000 <= 480, `${name} window ${(s.end - s.start) / 60_000} min`);
    }
  });

  it('loads a scenario by path as well as by name', () => {
    const byPath = loadScenario(join(packageRoot(), 'scenarios', 'silent-vendor.yaml'));
    assert.deepEqual(byPath, loadScenario('silent-vendor'));
  });

  it('cites a listed seed, or says "assumed:", for every fault, statement and report level', () => {
    for (const name of NAMES) {
      const s = loadScenario(name);
      const notes = [...s.faults.map((f) => f.note), ...s.vendor.map((v) => v.note), ...s.reports.map((r) => r.note)];
      for (const note of notes) {
        assert.ok(note, `${name}: every entry has a note`);
        const cited = [...note.matchAll(/\((\d{3}(?:, \d{3})*)\)/g)].flatMap((m) => m[1]!.split(', '));
        assert.ok(cited.length > 0 || /assumed:/.test(note), `${name}: "${note}" cites nothing and is not marked assumed`);
        for (const c of cited) assert.ok(s.sources.includes(c), `${name}: "${note}" cites ${c}, not in sources ${s.sources.join(', ')}`);
      }
    }
  });

  it('reads seed prefixes written as YAML numbers', () => {
    assert.deepEqual(loadScenario('correlated-evening').sources, ['003', '004']);
    assert.deepEqual(loadScenario('unacknowledged-us').sources, ['000']);
  });
});

describe('correlated evening timeline', () => {
  const s = loadScenario('correlated-evening');
  const at = (service: string, component: string, region: string, iso: string) => faultAt(s, { service, component, region }, T(iso));

  it('has Meta failing first and recovering about 22:26', () => {
    for (const c of ['facebook', 'instagram', 'whatsapp'])
      for (const r of s.regions) {
        assert.equal(at('meta', c, r, '2024-12-11T20:49:00Z').mode, 'ok');
        assert.notEqual(at('meta', c, r, '2024-12-11T21:30:00Z').mode, 'ok', `meta/${c} ${r} down at 21:30`);
        assert.equal(at('meta', c, r, '2024-12-11T22:27:00Z').mode, 'ok', `meta/${c} ${r} back at 22:27`);
      }
    assert.equal(at('meta', 'facebook', 'us', '2024-12-11T21:00:00Z').mode, 'error_500');
    assert.equal(at('meta', 'whatsapp', 'eu', '2024-12-11T21:00:00Z').mode, 'timeout');
  });

  it('is fine at 23:06 and failing at 23:08 in every region for web, app, API and Sora', () => {
    for (const r of s.regions) {
      for (const c of ['web', 'app', 'api', 'sora']) {
        assert.equal(at('chatgpt', c, r, '2024-12-11T23:06:00Z').mode, 'ok', `${c} ${r} at 23:06`);
        assert.notEqual(at('chatgpt', c, r, '2024-12-11T23:08:00Z').mode, 'ok', `${c} ${r} at 23:08`);
      }
      assert.equal(at('chatgpt', 'web', r, '2024-12-11T23:08:00Z').mode, 'unavailable_503');
      assert.equal(at('chatgpt', 'web', r, '2024-12-11T23:07:00Z').share, 1, 'a fault holds from its start');
    }
  });

  it('recovers region by region, with Europe back before the others', () => {
    const modes = (iso: string) => Object.fromEntries(s.regions.map((r) => [r, at('chatgpt', 'web', r, iso).mode]));
    assert.deepEqual(modes('2024-12-12T02:09:00Z'), { us: 'unavailable_503', eu: 'unavailable_503', asia: 'unavailable_503' });
    assert.deepEqual(modes('2024-12-12T02:30:00Z'), { us: 'unavailable_503', eu: 'ok', asia: 'unavailable_503' });
    assert.deepEqual(modes('2024-12-12T03:30:00Z'), { us: 'unavailable_503', eu: 'ok', asia: 'ok' });
    assert.deepEqual(modes('2024-12-12T04:06:00Z'), { us: 'ok', eu: 'ok', asia: 'ok' });
  });

  it('is all operational before the end', () => {
    const last = Math.max(...s.faults.map((f) => f.until));
    assert.ok(last < s.end - 15 * 60_000, 'last fault ends 15 min before the window closes');
    for (const svc of s.services)
      for (const c of svc.components)
        for (const r of s.regions) assert.equal(faultAt(s, { service: svc.id, component: c.id, region: r }, s.end - 60_000).mode, 'ok');
  });

  it('has the vendor saying "recovery underway" at 03:53 on the 12th, and reports peaking above 1,500', () => {
    const said = vendorStatementsUntil(s, 'chatgpt', T('2024-12-12T03:53:00Z'));
    const last = said.at(-1)!;
    assert.equal(last.at, T('2024-12-12T03:53:00Z'));
    assert.equal(last.status, 'monitoring');
    assert.match(last.body ?? '', /Traffic recovery is underway/);
    assert.ok(reportLevelAt(s, 'chatgpt', T('2024-12-11T23:20:00Z')) > 1500);
    assert.equal(reportLevelAt(s, 'chatgpt', T('2024-12-11T22:00:00Z')), 5);
    // After Europe is back its reports fall to the usual volume.
    assert.ok(reportLevelAt(s, 'chatgpt', T('2024-12-12T02:30:00Z'), 'eu') < 5);
  });

  it('lists changes in time order over half-open steps', () => {
    const events = timeline(s);
    assert.deepEqual(events.map((e) => e.at), [...events.map((e) => e.at)].sort((a, b) => a - b));
    const step1 = changesBetween(s, T('2024-12-11T23:00:00Z'), T('2024-12-11T23:07:00Z'));
    const step2 = changesBetween(s, T('2024-12-11T23:07:00Z'), T('2024-12-11T23:08:00Z'));
    assert.equal(step1.filter((e) => e.kind === 'fault').length, 0);
    assert.equal(step2.filter((e) => e.kind === 'fault' && e.edge === 'start').length, 5, 'three regional ChatGPT faults, Sora, Siri');
    const all = changesBetween(s, s.start, Infinity);
    assert.equal(all.length, events.length);
    assert.ok(faultChangeTimes(s).includes(T('2024-12-11T22:26:00Z')));
  });
});

describe('faultAt and isAffected', () => {
  const s = parseScenario(MINIMAL, 'tiny.yaml');
  it('takes the latest-starting fault when faults overlap, and ok otherwise', () => {
    const f = (component: string, region: string, iso: string) => faultAt(s, { service: 'svc', component, region }, T(iso));
    assert.equal(f('web', 'eu', '2024-01-01T00:05:00Z').mode, 'ok');
    assert.equal(f('web', 'eu', '2024-01-01T00:05:00Z').fault, null);
    assert.equal(f('web', 'eu', '2024-01-01T00:15:00Z').mode, 'error_500');
    assert.equal(f('web', 'eu', '2024-01-01T00:25:00Z').mode, 'slow');
    assert.equal(f('web', 'eu', '2024-01-01T00:25:00Z').delay_ms, 50);
    assert.equal(f('web', 'us', '2024-01-01T00:25:00Z').mode, 'error_500');
    assert.equal(f('api', 'eu', '2024-01-01T00:25:00Z').mode, 'error_500');
    assert.equal(f('web', 'eu', '2024-01-01T00:35:00Z').mode, 'error_500');
    assert.equal(f('web', 'eu', '2024-01-01T00:40:00Z').mode, 'ok', 'until is exclusive');
    assert.equal(faultAt(s, { service: 'other', component: 'web', region: 'eu' }, T('2024-01-01T00:15:00Z')).mode, 'ok');
  });

  it('spreads a share evenly and deterministically', () => {
    const hits = (share: number, n: number) => Array.from({ length: n }, (_, i) => isAffected(share, i));
    assert.equal(hits(0.25, 100).filter(Boolean).length, 25);
    assert.equal(hits(1, 10).filter(Boolean).length, 10);
    const half = hits(0.5, 40);
    assert.ok(half.every((h, i) => !(h && half[i + 1])), 'never two in a row at 0.5');
    assert.deepEqual(hits(0.3, 20), hits(0.3, 20));
  });
});

describe('broken scenarios', () => {
  it('names the file, the line and the path of each mistake', () => {
    const bad = MINIMAL.replace('target: svc/web', 'target: svc/webb').replace('mode: error_500', 'mode: explode');
    const err = errorOf(() => parseScenario(bad, 'bad.yaml'));
    assert.match(err.message, /^invalid scenario bad\.yaml:/);
    assert.match(err.message, /bad\.yaml:15:\d+: faults\[0\]\.mode: Invalid option/);
    // Shape errors come first; with the shape fixed, the cross-references are checked.
    const err2 = errorOf(() => parseScenario(MINIMAL.replace('target: svc/web', 'target: svc/webb'), 'bad.yaml'));
    assert.match(err2.message, /bad\.yaml:16:\d+: faults\[1\]\.target: unknown component "svc\/webb" \(components of svc: web, api\)/);
    assert.equal(err2.issues.length, 1);
  });

  it('checks times: inside the window, from before until, real ISO UTC', () => {
    const late = MINIMAL.replace('until: 2024-01-01T00:40:00Z', 'until: 2024-01-01T02:00:00Z');
    assert.match(errorOf(() => parseScenario(late)).message, /faults\[0\]\.until: 2024-01-01T02:00:00Z is outside the replay window/);
    const backwards = MINIMAL.replace('from: 2024-01-01T00:20:00Z', 'from: 2024-01-01T00:31:00Z');
    assert.match(errorOf(() => parseScenario(backwards)).message, /faults\[1\]\.until: until .* must come after from/);
    const local = MINIMAL.replace('start: 2024-01-01T00:00:00Z', 'start: 2024-01-01 00:00');
    assert.match(errorOf(() => parseScenario(local)).message, /start: "2024-01-01 00:00" is not an ISO 8601 UTC time/);
  });

  it('checks regions, slow faults and required notes', () => {
    assert.match(errorOf(() => parseScenario(MINIMAL.replace('regions: [eu]', 'regions: [mars]'))).message, /faults\[1\]\.regions\[0\]: unknown region "mars"/);
    assert.match(errorOf(() => parseScenario(MINIMAL.replace(', delay_ms: 50', ''))).message, /faults\[1\]\.delay_ms: mode "slow" needs delay_ms/);
    assert.match(errorOf(() => parseScenario(MINIMAL.replace(', note: "whole service (000)"', ''))).message, /faults\[0\]\.note: required/);
  });

  it('refuses dependency loops', () => {
    const loop = MINIMAL.replace('{ id: web, name: Web }', '{ id: web, name: Web, depends_on: [api] }').replace('{ id: api, name: API }', '{ id: api, name: API, depends_on: [svc/web] }');
    assert.match(errorOf(() => parseScenario(loop)).message, /services\[0\]\.components\[0\]\.depends_on: dependency loop: svc\/web -> svc\/api -> svc\/web/);
  });

  it('says which expectation kinds exist', () => {
    const bad = `${MINIMAL}expect:\n  - { component: svc/web, by: 2024-01-01T00:30:00Z }\n`;
    assert.match(errorOf(() => parseScenario(bad)).message, /expect\[0\]: an expectation needs exactly one of status, at_worst, incident, ack_lag, flag/);
  });

  it('reports YAML syntax errors with their line', () => {
    assert.match(errorOf(() => parseScenario('name: x\nregions: [us\n', 'syntax.yaml')).message, /cannot read scenario syntax\.yaml \(YAML syntax\):\n\s+syntax\.yaml:\d+:\d+:/);
  });

  it('lists the available scenarios for an unknown name', () => {
    assert.match(errorOf(() => loadScenario('no-such-replay')).message, /unknown scenario "no-such-replay" \(available: correlated-evening, dependency-failure, silent-vendor, unacknowledged-us\)/);
  });
});

describe('scenario to Vigie config', () => {
  const url = (service: string, component: string, region: string) => `http://127.0.0.1:9/${region}/${component}?s=${service}`;

  it('has one monitor per component per region, named after the region', () => {
    const s: Scenario = loadScenario('correlated-evening');
    const cfg = scenarioToConfig(s, url, { port: 0 });
    assert.equal(cfg.site.title, s.title);
    assert.equal(cfg.site.port, 0);
    assert.equal(cfg.defaults.interval, 30_000);
    assert.equal(cfg.defaults.timeout, 10_000);
    const web = cfg.services.find((x) => x.id === 'chatgpt')!.components.find((c) => c.id === 'web')!;
    assert.deepEqual(web.monitors.map((m) => [m.name, m.region, m.type === 'http' ? m.url : undefined]), s.regions.map((r) => [r, r, url('chatgpt', 'web', r)]));
    const entities = toEntities(cfg);
    const components = s.services.reduce((n, x) => n + x.components.length, 0);
    assert.equal(entities.monitors.length, components * s.regions.length);
    assert.ok(entities.monitors.every((m) => m.intervalMs === 30_000 && m.timeoutMs === 10_000));
    assert.deepEqual(entities.components.find((c) => c.id === 'siri/chatgpt-extension')!.dependsOn, ['chatgpt/api']);
  });

  it('keeps dependencies and takes the options', () => {
    const s = loadScenario('dependency-failure');
    const cfg = scenarioToConfig(s, url, { port: 8181, intervalMs: 15_000, timeoutMs: 5_000, degradedAfterMs: null, storePath: ':memory:' });
    assert.equal(cfg.store.path, ':memory:');
    assert.equal(cfg.defaults.interval, 15_000);
    const entities = toEntities(cfg);
    assert.deepEqual(entities.components.find((c) => c.id === 'chatgpt/web-results')!.dependsOn, ['bing/search']);
    assert.ok(entities.monitors.every((m) => m.degradedAfterMs === null));
  });
});
