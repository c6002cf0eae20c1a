import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Observation } from '../src/core/observation.js';
import type { ComponentEntity, MonitorEntity } from '../src/config/schema.js';
import { ownStatus, resolveStatuses } from '../src/detect/component-status.js';
import { Detector } from '../src/detect/detector.js';
import { initialMonitorState, nextMonitorState } from '../src/detect/monitor-state.js';

const H = { failuresToDown: 2, successesToUp: 2 };
let t = 0;
const obs = (monitorId: string, kind: 'ok' | 'fail' | 'slow', region = 'local'): Observation => ({
  monitorId,
  region,
  at: (t += 30_000),
  ok: kind !== 'fail',
  degraded: kind === 'slow',
  phases: { totalMs: kind === 'slow' ? 3000 : 20 },
  ...(kind === 'fail' ? { statusCode: 500, error: { kind: 'http_status' as const, message: 'HTTP 500' } } : { statusCode: 200 }),
});

describe('monitor hysteresis', () => {
  test('one failure is a blip, two are down, two successes are up again', () => {
    let s = nextMonitorState(initialMonitorState, obs('m', 'fail'), H);
    assert.equal(s.health, 'up');
    s = nextMonitorState(s, obs('m', 'fail'), H);
    assert.equal(s.health, 'down');
    s = nextMonitorState(s, obs('m', 'ok'), H);
    assert.equal(s.health, 'down');
    s = nextMonitorState(s, obs('m', 'ok'), H);
    assert.equal(s.health, 'up');
  });
  test('a single slow check is not degraded; a run of them is', () => {
    let s = nextMonitorState(initialMonitorState, obs('m', 'slow'), H);
    assert.equal(s.health, 'up');
    s = nextMonitorState(s, obs('m', 'ok'), H);
    s = nextMonitorState(s, obs('m', 'slow'), H);
    assert.equal(s.health, 'up');
    s = nextMonitorState(s, obs('m', 'slow'), H);
    assert.equal(s.health, 'degraded');
  });
});

describe('component status', () => {
  test('quorum across regions', () => {
    assert.equal(ownStatus([]).status, 'operational');
    assert.equal(ownStatus([{ region: 'us', health: 'down' }, { region: 'eu', health: 'down' }]).status, 'major_outage');
    const partial = ownStatus([{ region: 'us', health: 'down' }, { region: 'eu', health: 'up' }, { region: 'asia', health: 'up' }]);
    assert.equal(partial.status, 'partial_outage');
    assert.match(partial.reason, /us \(1 of 3 regions\)/);
    assert.equal(ownStatus([{ region: 'us', health: 'degraded' }, { region: 'eu', health: 'up' }]).status, 'degraded_performance');
    // Within one region the worst monitor speaks for it.
    assert.equal(ownStatus([{ region: 'us', health: 'down' }, { region: 'us', health: 'up' }]).status, 'major_outage');
  });
  test('a failed dependency impairs its dependent, never beyond partial outage, and only downstream', () => {
    const own = new Map([
      ['bing/search', { status: 'major_outage' as const, reason: 'failing' }],
      ['chatgpt/web-results', { status: 'operational' as const, reason: 'ok' }],
      ['chatgpt/chat', { status: 'operational' as const, reason: 'ok' }],
    ]);
    const out = resolveStatuses(own, new Map([['chatgpt/web-results', ['bing/search']]]));
    assert.equal(out.get('chatgpt/web-results')?.status, 'partial_outage');
    assert.match(out.get('chatgpt/web-results')!.reason, /bing\/search/);
    assert.equal(out.get('chatgpt/chat')?.status, 'operational');
    assert.equal(out.get('bing/search')?.status, 'major_outage');
  });
  test('a dependency cycle terminates', () => {
    const own = new Map([
      ['a', { status: 'major_outage' as const, reason: 'x' }],
      ['b', { status: 'operational' as const, reason: 'ok' }],
    ]);
    const out = resolveStatuses(own, new Map([['a', ['b']], ['b', ['a']]]));
    assert.equal(out.get('b')?.status, 'partial_outage');
    assert.equal(out.get('a')?.status, 'major_outage');
  });
});

describe('detector', () => {
  const comp = (id: string, dependsOn: string[] = []): ComponentEntity => ({ id, serviceId: id.split('/')[0]!, name: id, description: null, groupName: null, dependsOn, position: 0 });
  const mon = (id: string, componentId: string, region: string): MonitorEntity => ({
    id, componentId, kind: 'http', region, intervalMs: 30_000, timeoutMs: 10_000, degradedAfterMs: null,
    target: { url: 'http://127.0.0.1/', method: 'GET', headers: {}, expectedStatus: [200] },
  });
  test('regions failing one by one, then recovering one by one', () => {
    const d = new Detector(H);
    d.load([comp('chatgpt/web')], ['us', 'eu'].map((r) => mon(`chatgpt/web/${r}`, 'chatgpt/web', r)), new Map());
    assert.deepEqual(d.observe(obs('chatgpt/web/us', 'fail', 'us')), []);
    const c1 = d.observe(obs('chatgpt/web/us', 'fail', 'us'));
    assert.deepEqual(c1.map((c) => [c.from, c.to]), [['operational', 'partial_outage']]);
    d.observe(obs('chatgpt/web/eu', 'fail', 'eu'));
    const c2 = d.observe(obs('chatgpt/web/eu', 'fail', 'eu'));
    assert.deepEqual(c2.map((c) => [c.from, c.to]), [['partial_outage', 'major_outage']]);
    d.observe(obs('chatgpt/web/us', 'ok', 'us'));
    assert.deepEqual(d.observe(obs('chatgpt/web/us', 'ok', 'us')).map((c) => c.to), ['partial_outage']);
    d.observe(obs('chatgpt/web/eu', 'ok', 'eu'));
    assert.deepEqual(d.observe(obs('chatgpt/web/eu', 'ok', 'eu')).map((c) => c.to), ['operational']);
    assert.equal(d.status('chatgpt/web'), 'operational');
  });
  test('observations of unknown monitors change nothing', () => {
    const d = new Detector(H);
    d.load([comp('a/b')], [], new Map());
    assert.deepEqual(d.observe(obs('x/y/z', 'fail')), []);
  });
  test('status survives a restart through load()', () => {
    const d = new Detector(H);
    d.load([comp('a/b')], [mon('a/b/us', 'a/b', 'us')], new Map([['a/b', 'major_outage']]));
    assert.equal(d.status('a/b'), 'major_outage');
  });
});
