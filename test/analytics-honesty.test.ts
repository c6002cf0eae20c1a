// Vendor honesty, correlated outages and dependencies, from histories written by hand.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { correlatedOutages } from '../src/analytics/correlation.js';
import { downstreamOf, upstreamOutages } from '../src/analytics/dependencies.js';
import { incidentNotes } from '../src/analytics/history.js';
import { vendorHonesty } from '../src/analytics/honesty.js';
import { outagesOf } from '../src/analytics/outages.js';
import { MIN, at, incident, input, service } from './helpers/history.js';

const openai = { key: 'openai', name: 'OpenAI' };

test('vendor honesty: share acknowledged, lags, never acknowledged, green while down, and the grade', () => {
  const incidents = [
    // lag 2 h 35 min
    incident({ service: 'chatgpt', components: { 'chatgpt/web': 'major_outage' }, start: '2024-12-26T18:30:00Z', ack: '2024-12-26T21:05:00Z', end: '2024-12-26T21:45:00Z' }),
    // lag 9 min
    incident({ service: 'chatgpt', components: { 'chatgpt/web': 'major_outage' }, start: '2024-12-11T23:07:00Z', ack: '2024-12-11T23:16:00Z', end: '2024-12-12T05:09:00Z' }),
    // never acknowledged, 1 h
    incident({ service: 'chatgpt', components: { 'chatgpt/web': 'partial_outage' }, start: '2024-11-19T09:10:00Z', end: '2024-11-19T10:10:00Z' }),
  ];
  const inp = input('2024-12-31T00:00:00Z', [service('chatgpt', ['web'], { vendor: openai }), service('meta', ['facebook'])], incidents, [], {
    vendorSpans: [
      // Read during the silent outage: green for its first 40 min, then unreachable.
      { serviceId: 'chatgpt', from: at('2024-11-19T08:00:00Z'), to: at('2024-11-19T09:50:00Z'), reachable: true, saysOperational: true },
      { serviceId: 'chatgpt', from: at('2024-11-19T09:50:00Z'), to: at('2024-11-19T12:00:00Z'), reachable: false, saysOperational: null },
      // Green for the first 2 h 35 min of the US outage, then not.
      { serviceId: 'chatgpt', from: at('2024-12-26T18:00:00Z'), to: at('2024-12-26T21:05:00Z'), reachable: true, saysOperational: true },
      { serviceId: 'chatgpt', from: at('2024-12-26T21:05:00Z'), to: at('2024-12-26T22:00:00Z'), reachable: true, saysOperational: false },
    ],
  });
  const [h, ...rest] = vendorHonesty(inp, outagesOf(incidents));
  assert.equal(rest.length, 0, 'meta has no vendor page');
  assert.equal(h!.vendor, 'openai');
  assert.equal(h!.observed, 3);
  assert.equal(h!.acknowledged, 2);
  assert.equal(h!.acknowledgedShare, 2 / 3);
  assert.equal(h!.medianLagMs, (155 * MIN + 9 * MIN) / 2);
  assert.equal(h!.worstLagMs, 155 * MIN);
  assert.equal(h!.neverAcknowledged, 1);
  assert.equal(h!.saidOperationalMs, 40 * MIN + 155 * MIN);
  assert.equal(h!.readDuringOutageMs, 40 * MIN + 195 * MIN);
  // 50 × 2/3 + 30 × (120 − 82) / 105 + 20 × (1 − 195/235)
  const expected = 50 * (2 / 3) + (30 * (120 - 82)) / 105 + 20 * (1 - 195 / 235);
  assert.equal(h!.score, Math.round(expected * 10) / 10);
  assert.equal(h!.grade, 'D');
  // Fewer than three outages: no grade.
  const two = vendorHonesty(inp, outagesOf(incidents.slice(0, 2)))[0]!;
  assert.equal(two.grade, null);
  assert.equal(two.score, null);
});

const services = [
  service('meta', ['facebook', 'instagram']),
  service('chatgpt', ['web', 'api']),
  { ...service('siri', ['chatgpt-extension']), components: [{ id: 'siri/chatgpt-extension', name: 'ChatGPT extension', dependsOn: ['chatgpt/api'] }] },
  service('myapp', ['web'], { dependsOn: ['chatgpt'] }),
  service('shop', ['web'], { dependsOn: ['myapp'] }),
];

test('who is affected downstream, and why a dependent is down', () => {
  assert.deepEqual(
    downstreamOf(services, 'chatgpt', ['chatgpt/api']).map((d) => d.via),
    [['chatgpt', 'siri'], ['chatgpt', 'myapp'], ['chatgpt', 'myapp', 'shop']],
  );
  // Only the web component failing: Siri's extension needs the API, so it is not hit.
  assert.deepEqual(
    downstreamOf(services, 'chatgpt', ['chatgpt/web']).map((d) => d.serviceId),
    ['myapp', 'shop'],
  );
  const outages = outagesOf([incident({ id: 'gpt', service: 'chatgpt', components: { 'chatgpt/api': 'major_outage' }, start: '2024-12-11T23:07:00Z', end: '2024-12-12T04:05:00Z' })]);
  const siri = services.find((s) => s.id === 'siri')!;
  assert.deepEqual(
    upstreamOutages(services, siri, outages, at('2024-12-11T23:20:00Z'), at('2024-12-12T01:00:00Z')).map((u) => [u.serviceId, u.outageId]),
    [['chatgpt', 'gpt']],
  );
  assert.deepEqual(upstreamOutages(services, siri, outages, at('2024-12-12T05:00:00Z'), at('2024-12-12T06:00:00Z')), []);
});

test('correlated outages: Meta then ChatGPT the same evening, Siri downstream', () => {
  const incidents = [
    incident({ id: 'meta', service: 'meta', components: { 'meta/facebook': 'major_outage', 'meta/instagram': 'major_outage' }, start: '2024-12-11T20:50:00Z', end: '2024-12-11T22:26:00Z' }),
    incident({ id: 'gpt', service: 'chatgpt', components: { 'chatgpt/api': 'major_outage', 'chatgpt/web': 'major_outage' }, start: '2024-12-11T23:07:00Z', end: '2024-12-12T04:05:00Z' }),
    incident({ id: 'siri', service: 'siri', components: { 'siri/chatgpt-extension': 'partial_outage' }, start: '2024-12-11T23:09:00Z', end: '2024-12-12T04:05:00Z' }),
    // A week later, alone: no group.
    incident({ id: 'alone', service: 'meta', components: { 'meta/facebook': 'major_outage' }, start: '2024-12-18T10:00:00Z', end: '2024-12-18T11:00:00Z' }),
  ];
  const inp = input('2024-12-31T00:00:00Z', services, incidents);
  const groups = correlatedOutages(inp, outagesOf(incidents));
  assert.equal(groups.length, 1);
  const g = groups[0]!;
  assert.deepEqual(g.services.map((s) => s.serviceId), ['meta', 'chatgpt', 'siri']);
  assert.equal(g.start, at('2024-12-11T20:50:00Z'));
  assert.equal(g.end, at('2024-12-12T04:05:00Z'));
  assert.equal(g.overlapping, true); // ChatGPT and Siri
  assert.deepEqual(g.patterns, [{ kind: 'dependency', upstream: 'chatgpt', downstream: ['siri'] }]);
  // With a gap under 41 min, Meta is apart and ChatGPT + Siri stay together.
  assert.deepEqual(correlatedOutages(inp, outagesOf(incidents), { gapMs: 30 * MIN }).map((x) => x.services.map((s) => s.serviceId)), [['chatgpt', 'siri']]);
  // Siri's incident page says why; ChatGPT's names who is hit.
  const notes = incidentNotes(services, outagesOf(incidents), 'UTC', inp.now);
  assert.deepEqual(notes.get('siri')!.upstream.map((u) => u.serviceId), ['chatgpt']);
  assert.deepEqual(notes.get('gpt')!.downstream.map((d) => d.serviceId), ['siri', 'myapp', 'shop']);
});

test('many services failing from one region with connect errors: a network pattern', () => {
  const incidents = [
    incident({ id: 'a', service: 'meta', components: { 'meta/facebook': 'partial_outage' }, start: '2024-12-11T10:00:00Z', end: '2024-12-11T11:00:00Z' }),
    incident({ id: 'b', service: 'chatgpt', components: { 'chatgpt/web': 'partial_outage' }, start: '2024-12-11T10:02:00Z', end: '2024-12-11T11:00:00Z' }),
    incident({ id: 'c', service: 'shop', components: { 'shop/web': 'partial_outage' }, start: '2024-12-11T10:01:00Z', end: '2024-12-11T10:30:00Z' }),
  ];
  const sig = { errorKinds: ['connect', 'timeout'], regions: ['eu'], probedRegions: ['asia', 'eu', 'us'] };
  const inp = input('2024-12-31T00:00:00Z', [services[0]!, services[1]!, service('shop', ['web'])], incidents, [], { signals: new Map([['a', sig], ['b', sig], ['c', sig]]) });
  const [g] = correlatedOutages(inp, outagesOf(incidents));
  assert.deepEqual(g!.patterns, [{ kind: 'network', region: 'eu', errorKind: 'connect' }]);
  // HTTP 500s from every region: same error kind, no region, no network pattern.
  const http = { errorKinds: ['http_status'], regions: ['asia', 'eu', 'us'], probedRegions: ['asia', 'eu', 'us'] };
  const [g2] = correlatedOutages({ ...inp, signals: new Map([['a', http], ['b', http], ['c', http]]) }, outagesOf(incidents));
  assert.deepEqual(g2!.patterns, [{ kind: 'error_kind', errorKind: 'http_status' }]);
});
