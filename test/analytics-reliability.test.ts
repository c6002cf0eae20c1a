// Reliability figures from generated histories, against values worked out by hand: outages across
// midnight and a month end, overlapping incidents, a time zone, MTTx, the SLO and its budget.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { flatten } from '../src/analytics/spans.js';
import { worst } from '../src/core/status.js';
import { outagesOf } from '../src/analytics/outages.js';
import { type ServiceReliability, serviceReliability } from '../src/analytics/reliability.js';
import type { HistoryInput } from '../src/analytics/types.js';
import { DAY, H, MIN, at, change, incident, input, service } from './helpers/history.js';

function reportOf(inp: HistoryInput, id = inp.services[0]!.id): ServiceReliability {
  return serviceReliability(inp.services.find((s) => s.id === id)!, outagesOf(inp.incidents), inp);
}
const win = (r: { windows: { days: number }[] }, d: number) => r.windows.find((w) => w.days === d)! as ServiceReliability['windows'][number];
const dayOf = (r: ServiceReliability, date: string) => r.calendar.days.find((d) => d.date === date)!;

test('an outage across midnight counts on both days and once in the windows', () => {
  const inp = input(
    '2024-12-20T00:00:00Z',
    [service('chatgpt', ['web', 'api'])],
    [incident({ service: 'chatgpt', components: { 'chatgpt/api': 'major_outage' }, start: '2024-12-11T23:00:00Z', end: '2024-12-12T02:15:00Z' })],
    [change('chatgpt/api', 'operational', 'major_outage', '2024-12-11T23:00:00Z'), change('chatgpt/api', 'major_outage', 'operational', '2024-12-12T02:00:00Z')],
  );
  const r = reportOf(inp);
  // The status history says 23:00 → 02:00 (the incident's 15 min resolve hold is not downtime).
  assert.equal(win(r, 30).majorMs, 3 * H);
  assert.equal(win(r, 30).downtimeMs, 3 * H);
  assert.equal(win(r, 30).outages, 1);
  assert.equal(win(r, 30).availability, 1 - (3 * H) / (30 * DAY));
  assert.equal(dayOf(r, '2024-12-11').worst, 'major_outage');
  assert.equal(dayOf(r, '2024-12-11').outageMs, 1 * H);
  assert.equal(dayOf(r, '2024-12-12').outageMs, 2 * H);
  assert.equal(dayOf(r, '2024-12-13').worst, 'operational');
  // The component's own report has it; the web component's does not.
  const api = r.components.find((c) => c.id === 'chatgpt/api')!;
  const web = r.components.find((c) => c.id === 'chatgpt/web')!;
  assert.equal(win(api, 30).downtimeMs, 3 * H);
  assert.equal(win(web, 30).downtimeMs, 0);
  assert.equal(win(web, 30).outages, 0);
});

test('a partial outage across a month end: 30 % weight, cut at the day and window edges', () => {
  const inp = input(
    '2024-12-30T22:30:00Z',
    [service('chatgpt', ['web'])],
    [incident({ service: 'chatgpt', components: { 'chatgpt/web': 'partial_outage' }, start: '2024-11-30T22:00:00Z', end: '2024-12-01T01:00:00Z' })],
    [change('chatgpt/web', 'operational', 'partial_outage', '2024-11-30T22:00:00Z'), change('chatgpt/web', 'partial_outage', 'operational', '2024-12-01T01:00:00Z')],
  );
  const r = reportOf(inp);
  assert.equal(dayOf(r, '2024-11-30').worst, 'partial_outage');
  assert.equal(dayOf(r, '2024-11-30').outageMs, 2 * H);
  assert.equal(dayOf(r, '2024-12-01').outageMs, 1 * H);
  // The 30-day window starts 2024-11-30T22:30Z: 2 h 30 min of the partial outage are inside it.
  assert.equal(win(r, 30).partialMs, 2.5 * H);
  assert.equal(win(r, 30).downtimeMs, 45 * MIN); // 30 % of 2 h 30 min
  // It started before the window, so it is not one of the window's outages; the 90-day window has it.
  assert.equal(win(r, 30).outages, 0);
  assert.equal(win(r, 90).outages, 1);
  assert.equal(win(r, 90).downtimeMs, 54 * MIN); // 30 % of 3 h
});

test('overlapping incidents: each counts as an outage, their time only once', () => {
  const inp = input(
    '2024-12-20T00:00:00Z',
    [service('chatgpt', ['web', 'api'])],
    [
      incident({ service: 'chatgpt', components: { 'chatgpt/web': 'major_outage' }, start: '2024-12-11T10:00:00Z', end: '2024-12-11T12:00:00Z', cause: 'software_bug' }),
      incident({ service: 'chatgpt', components: { 'chatgpt/api': 'major_outage' }, start: '2024-12-11T11:00:00Z', end: '2024-12-11T13:00:00Z', cause: 'software_bug' }),
      incident({ service: 'chatgpt', components: { 'chatgpt/api': 'partial_outage' }, start: '2024-12-15T08:00:00Z', end: '2024-12-15T09:00:00Z', cause: 'third_party' }),
    ],
  );
  // No status history: the incidents' declared statuses are all there is.
  const r = reportOf(inp);
  assert.equal(win(r, 30).outages, 3);
  assert.equal(win(r, 30).majorOutages, 2);
  assert.equal(win(r, 30).majorMs, 3 * H); // 10:00–13:00, not 4 h
  assert.equal(win(r, 30).partialMs, 1 * H);
  assert.equal(win(r, 30).downtimeMs, 3 * H + 0.3 * H);
  assert.deepEqual(
    r.causes.map((c) => [c.cause, c.outages, c.durationMs]),
    [
      ['software_bug', 2, 4 * H],
      ['third_party', 1, 1 * H],
    ],
  );
  const api = r.components.find((c) => c.id === 'chatgpt/api')!;
  assert.equal(win(api, 30).majorMs, 2 * H);
  assert.equal(win(api, 30).outages, 2);
});

test('days in a time zone: an outage from 23:30 to 00:30 UTC is one Paris day', () => {
  const spec = { service: 'chatgpt', components: { 'chatgpt/web': 'major_outage' as const }, start: '2024-12-11T23:30:00Z', end: '2024-12-12T00:30:00Z' };
  const utc = reportOf(input('2024-12-20T00:00:00Z', [service('chatgpt', ['web'])], [incident(spec)]));
  assert.equal(dayOf(utc, '2024-12-11').outageMs, 30 * MIN);
  assert.equal(dayOf(utc, '2024-12-12').outageMs, 30 * MIN);
  const paris = reportOf(input('2024-12-20T00:00:00Z', [service('chatgpt', ['web'])], [incident(spec)], [], { timeZone: 'Europe/Paris' }));
  assert.equal(paris.calendar.timeZone, 'Europe/Paris');
  assert.equal(dayOf(paris, '2024-12-11').worst, 'operational');
  assert.equal(dayOf(paris, '2024-12-12').outageMs, 60 * MIN);
  assert.equal(dayOf(paris, '2024-12-12').start, at('2024-12-11T23:00:00Z'));
  // Summer time: a Paris day starts at 22:00 UTC the day before.
  assert.equal(dayOf(paris, '2024-06-04').start, at('2024-06-03T22:00:00Z'));
  // Twelve months, from the first of the month eleven months back to today.
  assert.equal(utc.calendar.days[0]!.date, '2024-01-01');
  assert.equal(utc.calendar.days.at(-1)!.date, '2024-12-20');
  assert.equal(utc.calendar.days.length, 355);
});

test('MTTD, MTTA and MTTR: mean and median from the incident figures', () => {
  const inp = input(
    '2024-12-20T00:00:00Z',
    [service('chatgpt', ['web'])],
    [
      // detect 2 min, ack 2 h 35 min, resolve 3 h
      incident({ service: 'chatgpt', components: { 'chatgpt/web': 'major_outage' }, start: '2024-12-01T13:30:00Z', opened: '2024-12-01T13:32:00Z', ack: '2024-12-01T16:05:00Z', end: '2024-12-01T16:30:00Z' }),
      // detect 4 min, the vendor spoke first (counts as 0), resolve 1 h
      incident({ service: 'chatgpt', components: { 'chatgpt/web': 'major_outage' }, start: '2024-12-05T10:00:00Z', opened: '2024-12-05T10:04:00Z', ack: '2024-12-05T09:58:00Z', end: '2024-12-05T11:00:00Z' }),
      // detect 9 min, never acknowledged, resolve 2 h
      incident({ service: 'chatgpt', components: { 'chatgpt/web': 'partial_outage' }, start: '2024-12-09T10:00:00Z', opened: '2024-12-09T10:09:00Z', end: '2024-12-09T12:00:00Z' }),
      // ongoing: detect 1 min, no resolution yet
      incident({ service: 'chatgpt', components: { 'chatgpt/web': 'major_outage' }, start: '2024-12-19T23:00:00Z', opened: '2024-12-19T23:01:00Z' }),
    ],
  );
  const w = win(reportOf(inp), 30);
  assert.deepEqual(w.timeToDetect, { n: 4, meanMs: 4 * MIN, medianMs: 3 * MIN, maxMs: 9 * MIN });
  assert.deepEqual(w.timeToAcknowledge, { n: 2, meanMs: (155 * MIN) / 2, medianMs: (155 * MIN) / 2, maxMs: 155 * MIN });
  assert.deepEqual(w.timeToResolve, { n: 3, meanMs: 2 * H, medianMs: 2 * H, maxMs: 3 * H });
  assert.equal(w.neverAcknowledged, 1);
  // The ongoing one counts as downtime up to now: 3 h + 1 h + 0.3 × 2 h + 1 h.
  assert.equal(w.downtimeMs, 5 * H + 0.6 * H);
});

test('SLO: budget, what is left and the burn rate', () => {
  const slo = { target: 99.9, windowMs: 30 * DAY };
  const inp = input(
    '2024-12-31T00:00:00Z',
    [service('chatgpt', ['web'], { slo })],
    [incident({ service: 'chatgpt', components: { 'chatgpt/web': 'major_outage' }, start: '2024-12-30T23:00:00Z', end: '2024-12-30T23:30:00Z' })],
  );
  const s = reportOf(inp).slo!;
  // 0.1 % of 30 days = 43 min 12 s; 30 min used.
  assert.equal(Math.round(s.budgetMs), 43 * MIN + 12_000);
  assert.equal(s.usedMs, 30 * MIN);
  assert.equal(Math.round(s.leftMs), 13 * MIN + 12_000);
  assert.ok(Math.abs(s.leftShare! - 13.2 / 43.2) < 1e-9);
  assert.ok(Math.abs(s.burnRate! - 30 / 43.2) < 1e-9);
  // 30 min in the last 24 h against 1.44 min allowed per day.
  assert.ok(Math.abs(s.burnRate24h! - 30 / 1.44) < 1e-9);
  assert.equal(s.state, 'met');
  assert.ok(Math.abs(s.availability! - (1 - 30 / 43200)) < 1e-12);
  // An hour more and the budget is gone.
  const worse = input('2024-12-31T00:00:00Z', inp.services, [...inp.incidents, incident({ service: 'chatgpt', components: { 'chatgpt/web': 'major_outage' }, start: '2024-12-20T00:00:00Z', end: '2024-12-20T01:00:00Z' })]);
  assert.equal(reportOf(worse).slo!.state, 'breached');
});

test('tracking starts when the service is known: no free uptime before it', () => {
  const inp = input('2024-12-20T00:00:00Z', [service('chatgpt', ['web'], { trackedSince: at('2024-12-10T00:00:00Z') })], [
    incident({ service: 'chatgpt', components: { 'chatgpt/web': 'major_outage' }, start: '2024-12-11T00:00:00Z', end: '2024-12-11T01:00:00Z' }),
  ]);
  const r = reportOf(inp);
  assert.equal(win(r, 30).trackedMs, 10 * DAY);
  assert.equal(win(r, 30).availability, 1 - H / (10 * DAY));
  assert.equal(dayOf(r, '2024-12-09').worst, null);
  assert.equal(dayOf(r, '2024-12-10').worst, 'operational');
});

test('maintenance and degraded performance are not outages', () => {
  const inp = input('2024-12-20T00:00:00Z', [service('chatgpt', ['web'])], [
    incident({ service: 'chatgpt', components: { 'chatgpt/web': 'under_maintenance' }, start: '2024-12-11T00:00:00Z', end: '2024-12-11T01:00:00Z', kind: 'maintenance' }),
    incident({ service: 'chatgpt', components: { 'chatgpt/web': 'degraded_performance' }, start: '2024-12-12T00:00:00Z', end: '2024-12-12T01:00:00Z', impact: 'none' }),
  ], [change('chatgpt/web', 'operational', 'degraded_performance', '2024-12-12T00:00:00Z'), change('chatgpt/web', 'degraded_performance', 'operational', '2024-12-12T01:00:00Z')]);
  const r = reportOf(inp);
  assert.equal(win(r, 30).outages, 0);
  assert.equal(win(r, 30).downtimeMs, 0);
  assert.equal(win(r, 30).degradedMs, H);
  assert.equal(dayOf(r, '2024-12-12').worst, 'degraded_performance');
});

test('flatten: at every instant, the worst status of the spans covering it (property)', () => {
  const statuses = ['degraded_performance', 'partial_outage', 'major_outage', 'under_maintenance', 'operational'] as const;
  const span = fc.record({ start: fc.integer({ min: 0, max: 99 }), len: fc.integer({ min: 0, max: 40 }), status: fc.constantFrom(...statuses) });
  fc.assert(
    fc.property(fc.array(span, { maxLength: 30 }), (raw) => {
      const spans = raw.map((s) => ({ start: s.start, end: s.start + s.len, status: s.status }));
      const flat = flatten(spans);
      for (let i = 1; i < flat.length; i++) assert.ok(flat[i]!.start >= flat[i - 1]!.end, 'no overlap');
      for (let t = 0.5; t < 140; t += 1) {
        const want = worst(spans.filter((s) => s.start <= t && s.end > t).map((s) => s.status));
        const got = flat.find((s) => s.start <= t && s.end > t)?.status ?? 'operational';
        assert.equal(got, want, `at ${t}`);
      }
    }),
    { numRuns: 300 },
  );
});
