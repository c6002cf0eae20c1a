// Property tests of the status algebra (src/core/status.ts): the one rule behind the banner, status.json,
// badges and feeds.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { COMPONENT_STATUSES, type ComponentStatus, type IncidentImpact, indicatorRank, pageStatus, severity, worst } from '../src/core/status.js';

const status = fc.constantFrom(...COMPONENT_STATUSES);
const service = fc.array(status, { minLength: 1, maxLength: 6 });
const services = fc.array(service, { minLength: 1, maxLength: 5 });
const impact = fc.constantFrom<IncidentImpact>('none', 'minor', 'major', 'critical');
const impacts = fc.array(impact, { maxLength: 4 });

test('a service whose every component is in major outage makes the page critical, never "Partial System Outage"', () => {
  fc.assert(
    fc.property(services, impacts, fc.integer({ min: 1, max: 6 }), (list, open, n) => {
      const withDown = [...list, Array<ComponentStatus>(n).fill('major_outage')];
      const p = pageStatus({ services: withDown, openIncidentImpacts: open });
      assert.equal(p.indicator, 'critical');
      assert.equal(p.description, 'Major System Outage');
    }),
  );
  assert.equal(pageStatus({ services: [['major_outage', 'major_outage', 'major_outage'], ['operational']] }).description, 'Major System Outage');
});

test('never all-clear while an incident is unresolved, and the indicator is at least its impact', () => {
  fc.assert(
    fc.property(services, fc.array(impact, { minLength: 1, maxLength: 4 }), (list, open) => {
      const p = pageStatus({ services: list, openIncidentImpacts: open });
      assert.notEqual(p.indicator, 'none');
      assert.notEqual(p.description, 'All Systems Operational');
      for (const i of open) if (i !== 'none') assert.ok(indicatorRank(p.indicator) >= indicatorRank(i), `${p.indicator} < ${i}`);
    }),
  );
});

test('all-clear exactly when every component is operational and nothing is open', () => {
  fc.assert(
    fc.property(services, impacts, (list, open) => {
      const p = pageStatus({ services: list, openIncidentImpacts: open });
      const clear = list.every((s) => s.every((x) => x === 'operational')) && open.length === 0;
      assert.equal(p.indicator === 'none', clear);
    }),
  );
});

test('monotone: a worse component or one more open incident never lowers the indicator', () => {
  fc.assert(
    fc.property(services, impacts, fc.nat(), fc.nat(), status, impact, (list, open, si, ci, to, extra) => {
      const before = pageStatus({ services: list, openIncidentImpacts: open });
      const s = si % list.length;
      const c = ci % list[s]!.length;
      if (severity(to) >= severity(list[s]![c]!)) {
        const worse = list.map((x, k) => (k === s ? x.map((y, j) => (j === c ? to : y)) : x));
        assert.ok(indicatorRank(pageStatus({ services: worse, openIncidentImpacts: open }).indicator) >= indicatorRank(before.indicator));
      }
      assert.ok(indicatorRank(pageStatus({ services: list, openIncidentImpacts: [...open, extra] }).indicator) >= indicatorRank(before.indicator));
    }),
  );
});

test('the description is always the words of the indicator, and a flat list is one service', () => {
  const words = { none: 'All Systems Operational', maintenance: 'Service Under Maintenance', minor: 'Partially Degraded Service', major: 'Partial System Outage', critical: 'Major System Outage' };
  fc.assert(
    fc.property(services, impacts, (list, open) => {
      const p = pageStatus({ services: list, openIncidentImpacts: open });
      assert.equal(p.description, words[p.indicator]);
      const flat = list.flat();
      assert.deepEqual(pageStatus(flat), pageStatus({ services: [flat] }));
    }),
  );
});

test('worst is the most severe, maintenance below any unannounced trouble', () => {
  fc.assert(
    fc.property(fc.array(status), (list) => {
      const w = worst(list);
      for (const s of list) assert.ok(severity(w) >= severity(s));
      if (list.length === 0) assert.equal(w, 'operational');
    }),
  );
  assert.equal(worst(['under_maintenance', 'degraded_performance']), 'degraded_performance');
});
