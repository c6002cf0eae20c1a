import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatDuration, parseDuration } from '../src/core/duration.js';
import { publicId } from '../src/core/ids.js';
import { pageStatus, worst } from '../src/core/status.js';
import { ManualClock, acceleratedClock } from '../src/core/time.js';

describe('status algebra', () => {
  test('worst follows Statuspage order, maintenance below any degradation', () => {
    assert.equal(worst([]), 'operational');
    assert.equal(worst(['operational', 'degraded_performance']), 'degraded_performance');
    assert.equal(worst(['partial_outage', 'major_outage', 'degraded_performance']), 'major_outage');
    assert.equal(worst(['under_maintenance', 'operational']), 'under_maintenance');
    assert.equal(worst(['under_maintenance', 'degraded_performance']), 'degraded_performance');
  });
  test('page indicator', () => {
    assert.deepEqual(pageStatus(['operational', 'operational']), { indicator: 'none', description: 'All Systems Operational' });
    assert.equal(pageStatus(['operational', 'degraded_performance']).indicator, 'minor');
    assert.equal(pageStatus(['operational', 'partial_outage']).indicator, 'major');
    assert.equal(pageStatus(['operational', 'major_outage']).indicator, 'major');
    assert.equal(pageStatus(['major_outage', 'major_outage']).indicator, 'critical');
    assert.equal(pageStatus(['under_maintenance']).indicator, 'maintenance');
  });
});

describe('durations', () => {
  test('parse', () => {
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('30s'), 30_000);
    assert.equal(parseDuration('1h30m'), 5_400_000);
    assert.equal(parseDuration('7d'), 604_800_000);
    assert.equal(parseDuration('1.5s'), 1500);
    assert.equal(parseDuration('3 parsecs'), undefined);
    assert.equal(parseDuration(''), undefined);
    assert.equal(parseDuration('10'), undefined);
  });
  test('format', () => {
    assert.equal(formatDuration(9_300_000), '2h 35m');
    assert.equal(formatDuration(250), '250ms');
  });
});

describe('ids', () => {
  test('stable, opaque, distinct per kind', () => {
    assert.equal(publicId('component', 'chatgpt/web'), publicId('component', 'chatgpt/web'));
    assert.match(publicId('component', 'chatgpt/web'), /^[0-9a-z]{12}$/);
    assert.notEqual(publicId('component', 'x'), publicId('service', 'x'));
  });
});

describe('clocks', () => {
  test('manual clock fires timers in time order', () => {
    const c = new ManualClock(1000);
    const fired: number[] = [];
    c.at(3000, () => fired.push(3));
    c.at(2000, () => fired.push(2));
    const h = c.at(2500, () => fired.push(25));
    h.cancel();
    assert.equal(c.advanceTo(2999), 1);
    assert.deepEqual(fired, [2]);
    c.advance(1);
    assert.deepEqual(fired, [2, 3]);
    assert.equal(c.now(), 3000);
  });
  test('accelerated clock runs speed times faster from its start', () => {
    let real = 0;
    const c = acceleratedClock(Date.UTC(2024, 11, 11, 23, 7), 60, () => real);
    real = 1000;
    assert.equal(c.now(), Date.UTC(2024, 11, 11, 23, 8));
  });
});

test('an accelerated clock can start over from its start', () => {
  let real = 0;
  const c = acceleratedClock(1000, 10, () => real);
  real = 500;
  assert.equal(c.now(), 6000);
  c.rebase();
  assert.equal(c.now(), 1000);
  real = 600;
  assert.equal(c.now(), 2000);
  // Held at its start while the system it feeds starts, then running from there.
  c.hold();
  real = 900;
  assert.equal(c.now(), 1000);
  c.rebase();
  real = 950;
  assert.equal(c.now(), 1500);
});
