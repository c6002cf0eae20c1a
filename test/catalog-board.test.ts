// The console's live board (src/catalog/board.ts): status changes told once, late checks ignored,
// a restart's read-back status kept until detection has its own word, units dropped when unscheduled.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MonitorBoard } from '../src/catalog/board.js';
import type { Observation } from '../src/core/observation.js';

const obs = (at: number, ok: boolean, id = 'a/b/c'): Observation => ({ monitorId: id, region: 'local', at, ok, degraded: false, phases: { totalMs: at / 1000 }, ...(ok ? {} : { error: { kind: 'timeout' as const, message: 'timed out' } }) });

test('status changes are told once each, with where they came from', () => {
  const b = new MonitorBoard();
  const told: string[] = [];
  b.listen({ status: (id, s, from) => told.push(`${id} ${from}->${s.status}`) });
  b.observe(obs(1000, true), 'up');
  b.observe(obs(2000, true), 'up');
  b.observe(obs(3000, false), 'down');
  b.observe(obs(2500, true), 'up'); // late: ignored
  assert.deepEqual(told, ['a/b/c unknown->up', 'a/b/c up->down']);
  assert.equal(b.get('a/b/c')!.since, 3000);
  assert.equal(b.get('a/b/c')!.lastAt, 3000);
  assert.deepEqual(b.drain(), ['a/b/c']);
  assert.deepEqual(b.drain(), []);
});

test('a status read back at start stays until detection agrees or the target answers', () => {
  const b = new MonitorBoard();
  b.seed([obs(1000, false)]);
  assert.equal(b.get('a/b/c')!.status, 'down');
  assert.equal(b.get('a/b/c')!.since, null);
  b.observe(obs(2000, false), 'up'); // detection's first failure after restart: not yet down for it
  assert.equal(b.get('a/b/c')!.status, 'down');
  b.observe(obs(3000, false), 'down');
  assert.equal(b.get('a/b/c')!.status, 'down');
  assert.equal(b.get('a/b/c')!.seeded, undefined, 'detection has its own word now');
  b.seed([obs(500, true)]);
  assert.equal(b.get('a/b/c')!.lastAt, 3000, 'a seed never replaces a live state');
  const c = new MonitorBoard();
  c.seed([obs(1000, false)]);
  c.observe(obs(2000, true), 'up');
  assert.equal(c.get('a/b/c')!.status, 'up');
  c.keep(new Set());
  assert.equal(c.get('a/b/c'), undefined);
});

test('audit records and answers never carry a monitor\'s secrets', async () => {
  const { maskDeep, maskEntry, unmaskEntry, MASK } = await import('../src/catalog/display.js');
  const service = { id: 's', name: 'S', components: [{ id: 'c', name: 'C', monitors: [{ name: 'm', url: 'https://user:pw@example.com/', headers: { Authorization: 'Bearer t', 'X-Plain': 'p' }, api_key: 'k' }] }] };
  const masked = JSON.stringify(maskDeep(service));
  for (const secret of ['Bearer t', ':pw@', '"k"']) assert.ok(!masked.includes(secret), secret);
  assert.ok(masked.includes('"X-Plain":"p"'));
  const m = service.components[0]!.monitors[0]!;
  const shown = maskEntry(m);
  assert.equal((shown.headers as Record<string, string>).Authorization, MASK);
  // Sent back unchanged, the masked values keep the stored ones.
  assert.deepEqual(unmaskEntry(shown, m), m);
});
