// Detection overlays: crowd-report levels and maintenance windows, with plain data.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ComponentEntity, MonitorEntity } from '../src/config/schema.js';
import type { Observation } from '../src/core/observation.js';
import { Detector } from '../src/detect/detector.js';

const H = { failuresToDown: 3, successesToUp: 2 };
let t = 0;
const obs = (monitorId: string, ok: boolean, region: string): Observation => ({
  monitorId,
  region,
  at: (t += 30_000),
  ok,
  degraded: false,
  phases: { totalMs: 20 },
  ...(ok ? { statusCode: 200 } : { statusCode: 500, error: { kind: 'http_status' as const, message: 'HTTP 500' } }),
});
const comp = (id: string, dependsOn: string[] = []): ComponentEntity => ({ id, serviceId: id.split('/')[0]!, name: id, description: null, groupName: null, dependsOn, position: 0 });
const mon = (id: string, componentId: string, region: string) =>
  ({ id, componentId, kind: 'http', region, intervalMs: 30_000, timeoutMs: 10_000, degradedAfterMs: null, target: { url: 'http://127.0.0.1/', method: 'GET', headers: {}, expectedStatus: [200] } }) as MonitorEntity;

function setup() {
  const d = new Detector(H);
  d.load(
    [comp('chatgpt/web'), comp('chatgpt/api'), comp('bing/search'), comp('chatgpt/web-results', ['bing/search'])],
    [mon('chatgpt/web/us', 'chatgpt/web', 'us'), mon('chatgpt/web/eu', 'chatgpt/web', 'eu'), mon('chatgpt/api/us', 'chatgpt/api', 'us'), mon('bing/search/us', 'bing/search', 'us')],
    new Map(),
  );
  return d;
}

describe('crowd input', () => {
  test('crowd reports alone are recorded but change no status under the default weight', () => {
    const d = setup();
    assert.equal(d.crowdLevel('chatgpt'), 'none');
    assert.deepEqual(d.setCrowd('chatgpt', 'detected', 1000), []);
    assert.equal(d.crowdLevel('chatgpt'), 'detected');
    assert.equal(d.status('chatgpt/web'), 'operational');
  });
  test('with crowd "detected", one failed check confirms the outage instead of three', () => {
    const d = setup();
    d.setCrowd('chatgpt', 'detected', 1000);
    const c = d.observe(obs('chatgpt/web/us', false, 'us'));
    assert.deepEqual(c.map((x) => [x.componentId, x.to]), [['chatgpt/web', 'partial_outage']]);
    assert.deepEqual(c[0]!.affected, { regionsDown: 1, regionsTotal: 2, monitorsDown: 1, monitorsTotal: 2 });
    // Another service's monitors keep the normal threshold.
    assert.deepEqual(d.observe(obs('bing/search/us', false, 'us')), []);
  });
  test('a crowd spike arriving after a first failure takes that monitor down at once', () => {
    const d = setup();
    assert.deepEqual(d.observe(obs('chatgpt/api/us', false, 'us')), []);
    const c = d.setCrowd('chatgpt', 'detected', 2000);
    assert.deepEqual(c.map((x) => [x.componentId, x.to]), [['chatgpt/api', 'major_outage']]);
  });
  test('"possible" does not shorten the threshold; weight "ignore" records only', () => {
    const d = setup();
    d.setCrowd('chatgpt', 'possible', 1000);
    assert.deepEqual(d.observe(obs('chatgpt/api/us', false, 'us')), []);
    const e = setup();
    e.setCrowdWeights(new Map([['chatgpt', 'ignore']]));
    e.setCrowd('chatgpt', 'detected', 1000);
    assert.equal(e.crowdLevel('chatgpt'), 'detected');
    assert.deepEqual(e.observe(obs('chatgpt/api/us', false, 'us')), []);
  });
  test('weight "decisive": crowd reports alone put the service in partial outage, and lift when they stop', () => {
    const d = setup();
    d.setCrowdWeights(new Map(), 'decisive');
    const c = d.setCrowd('chatgpt', 'detected', 1000);
    assert.deepEqual(c.map((x) => [x.componentId, x.to]).sort(), [['chatgpt/api', 'partial_outage'], ['chatgpt/web', 'partial_outage'], ['chatgpt/web-results', 'partial_outage']]);
    assert.match(c[0]!.reason, /crowd/);
    assert.equal(d.status('bing/search'), 'operational');
    assert.deepEqual(d.setCrowd('chatgpt', 'none', 2000).map((x) => x.to), ['operational', 'operational', 'operational']);
  });
});

describe('maintenance overlay', () => {
  test('a component in maintenance shows under_maintenance whatever its probes say, passes nothing on, and comes back', () => {
    const d = setup();
    const c = d.setMaintenance(['bing/search'], 1000);
    assert.deepEqual(c.map((x) => [x.componentId, x.to]), [['bing/search', 'under_maintenance']]);
    for (let i = 0; i < 3; i++) d.observe(obs('bing/search/us', false, 'us'));
    assert.equal(d.status('bing/search'), 'under_maintenance');
    assert.equal(d.status('chatgpt/web-results'), 'operational', 'planned work on a dependency does not impair its dependents');
    const after = d.setMaintenance([], 5000);
    assert.deepEqual(after.map((x) => [x.componentId, x.to]).sort(), [['bing/search', 'major_outage'], ['chatgpt/web-results', 'partial_outage']]);
    assert.deepEqual(d.setMaintenance([], 6000), [], 'the same set again changes nothing');
  });
});
