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

describe('scattered failures', () => {
  const seq = (kinds: Array<'ok' | 'fail'>) => {
    let s = initialMonitorState;
    const out: string[] = [];
    for (const k of kinds) {
      s = nextMonitorState(s, obs('m', k), H);
      out.push(s.health);
    }
    return { s, out };
  };
  test('one failure in four, never two in a row, is degraded — not down', () => {
    const { out } = seq(['ok', 'ok', 'ok', 'fail', 'ok', 'ok', 'ok', 'fail', 'ok', 'ok', 'ok', 'fail']);
    assert.ok(!out.includes('down'));
    assert.equal(out[7], 'degraded', 'the second failure within the window');
    assert.equal(out.slice(0, 7).every((h) => h === 'up'), true, 'a single failure changes nothing');
  });
  test('degraded lasts until the failures leave the window, then up', () => {
    const { s } = seq(['fail', 'ok', 'fail', ...Array(12).fill('ok')]);
    assert.equal(s.health, 'up');
  });
  test('recovering from an outage goes straight to up, not through degraded', () => {
    const { out } = seq(['fail', 'fail', 'fail', 'ok', 'ok']);
    assert.deepEqual(out, ['up', 'down', 'down', 'down', 'up']);
  });
  test('the first failed check of a run is remembered as when the failure was observed', () => {
    let s = nextMonitorState(initialMonitorState, obs('m', 'ok'), H);
    const first = obs('m', 'fail');
    s = nextMonitorState(s, first, H);
    s = nextMonitorState(s, obs('m', 'fail'), H);
    assert.equal(s.health, 'down');
    assert.equal(s.failingSince, first.at);
    s = nextMonitorState(s, obs('m', 'ok'), H);
    assert.equal(s.failingSince, undefined);
  });
  test('an outage change carries when it was first observed', () => {
    const d = new Detector(H);
    d.load(
      [{ id: 'a/b', serviceId: 'a', name: 'b', description: null, groupName: null, dependsOn: [], position: 0 }],
      [{ id: 'a/b/us', componentId: 'a/b', kind: 'http', region: 'us', intervalMs: 30_000, timeoutMs: 10_000, degradedAfterMs: null, target: { url: 'http://127.0.0.1/', method: 'GET', headers: {}, expectedStatus: [200] } }] as never,
      new Map(),
    );
    const first = obs('a/b/us', 'fail', 'us');
    d.observe(first);
    const [c] = d.observe(obs('a/b/us', 'fail', 'us'));
    assert.equal(c?.to, 'major_outage');
    assert.equal(c?.observedSince, first.at);
    assert.ok(c!.at > first.at);
  });
});

test('a component never changes back in time, even when checks finish out of order', () => {
  const d = new Detector(H);
  const m = (id: string, region: string) => ({ id, componentId: 'a/b', kind: 'http', region, intervalMs: 30_000, timeoutMs: 10_000, degradedAfterMs: null, target: { url: 'http://127.0.0.1/', method: 'GET', headers: {}, expectedStatus: [200] } });
  d.load([{ id: 'a/b', serviceId: 'a', name: 'b', description: null, groupName: null, dependsOn: [], position: 0 }], [m('a/b/us', 'us'), m('a/b/eu', 'eu')] as never, new Map());
  const at = (monitorId: string, region: string, ok: boolean, t: number): Observation => ({ monitorId, region, at: t, ok, degraded: false, phases: { totalMs: 5 } });
  d.observe(at('a/b/us', 'us', false, 1000));
  const [p] = d.observe(at('a/b/us', 'us', false, 61_000));
  d.observe(at('a/b/eu', 'eu', false, 20_000));
  // This check was planned before the partial outage was declared, but finished after it.
  const [maj] = d.observe(at('a/b/eu', 'eu', false, 50_000));
  assert.equal(p?.to, 'partial_outage');
  assert.equal(maj?.to, 'major_outage');
  assert.ok(maj!.at >= p!.at, `major at ${maj!.at} before partial at ${p!.at}`);
});
