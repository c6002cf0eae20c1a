// Log floods: a cause failing 10,000 times is one line, then one summary per period with its count,
// then one line when it works again; /metrics counts every occurrence by cause. Causes that differ
// only by numbers or quoted names are one cause.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { ManualClock } from '../src/core/time.js';
import { FaultLog, causeOf, isStoreFault } from '../src/store/health.js';
import { capturingLogger } from './faults-helpers.js';

test('a failing cause is logged once, summed up once a minute, and counted in /metrics', async () => {
  const clock = new ManualClock(0);
  const registry = new Registry();
  const { log, lines } = capturingLogger();
  const faults = new FaultLog({ log, clock, registry, summaryMs: 60_000 });
  const full = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
  for (let i = 0; i < 10_000; i++) {
    faults.report('observations write', full);
    clock.advance(1); // 10 s in all
  }
  assert.equal(lines.length, 1, 'one line for 10,000 failures within a minute');
  assert.match(String(lines[0]!.msg), /observations write failed: database or disk is full/);
  clock.advance(60_000);
  faults.report('observations write', full);
  assert.equal(lines.length, 2);
  assert.match(String(lines[1]!.msg), /still failing: database or disk is full \(SQLITE_FULL\) \(10000 more time\(s\), 10001 in all\)/);
  faults.recovered('observations write');
  assert.equal(lines.length, 3);
  assert.match(String(lines[2]!.msg), /works again after 10001 failure\(s\)/);
  const metrics = await registry.metrics();
  assert.match(metrics, /vigie_failures_total\{cause="database or disk is full \(SQLITE_FULL\)",where="observations write"\} 10001/);
});

test('causes are the message without the numbers and names that make each line unique; labels stay bounded', async () => {
  assert.equal(causeOf(new Error('timeout after 1234 ms on "db-7"')), 'timeout after N ms on …');
  assert.equal(causeOf(new Error('timeout after 99 ms on "db-2"')), causeOf(new Error('timeout after 1 ms on "x"')));
  const registry = new Registry();
  const { log, lines } = capturingLogger();
  const faults = new FaultLog({ log, clock: new ManualClock(0), registry });
  for (let i = 0; i < 500; i++) faults.report('vendor', new Error(`weird ${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + ((i / 26) | 0))}`));
  assert.ok(lines.length <= 51, `at most 50 causes and "other": ${lines.length} lines`);
  const series = (await registry.metrics()).split('\n').filter((l) => l.startsWith('vigie_failures_total{'));
  assert.ok(series.length <= 51);
});

test('store faults are told from data faults', () => {
  assert.equal(isStoreFault(Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' })), true);
  assert.equal(isStoreFault(Object.assign(new Error('attempt to write a readonly database'), { code: 'SQLITE_READONLY' })), true);
  assert.equal(isStoreFault(new Error('Connection terminated unexpectedly')), true);
  assert.equal(isStoreFault(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })), true);
  assert.equal(isStoreFault(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' })), true);
  assert.equal(isStoreFault(new Error('unknown component "acme/x"')), false);
  assert.equal(isStoreFault(Object.assign(new Error('duplicate key'), { code: '23505' })), false);
  assert.equal(isStoreFault(Object.assign(new Error('FOREIGN KEY constraint failed'), { code: 'SQLITE_CONSTRAINT_FOREIGNKEY' })), false);
});
