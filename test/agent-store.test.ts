// Agents in the store, on both engines: tokens kept as hashes, revoke, and result batches stored
// once per (stream, seq) whatever the retries, including two deliveries of one batch at once.
import assert from 'node:assert/strict';
import { registerAgent } from '../src/agent/registry.js';
import { configSchema, toEntities } from '../src/config/schema.js';
import type { Observation } from '../src/core/observation.js';
import { AgentNameTaken, AgentStore } from '../src/store/agents.js';
import { hashToken } from '../src/web/auth.js';
import { forEachEngine } from './helpers/engines.js';

const obs = (at: number): Observation => ({ monitorId: 's/c/m@eu-west', region: 'eu-west', at, ok: true, degraded: false, phases: { totalMs: 5 } });

forEachEngine('agent store: hashed tokens, revoke, batches stored once', async (engine) => {
  const store = await engine.open();
  const cfg = configSchema.parse({ services: [{ id: 's', name: 'S', components: [{ id: 'c', name: 'C', monitors: [{ name: 'm', url: 'http://127.0.0.1/', regions: ['eu-west'] }] }] }] });
  await store.syncEntities(toEntities(cfg), 1);
  const agents = new AgentStore(store.db);

  await assert.rejects(registerAgent(store.db, { name: 'a1', region: 'us-east', configured: ['eu-west'], at: 1 }), /region "us-east" is not configured \(configured: eu-west\)/);
  const { agent, token } = await registerAgent(store.db, { name: 'a1', region: 'eu-west', configured: ['eu-west'], at: 1 });
  assert.match(token, /^vigie_agent_[A-Za-z0-9_-]{43}$/);
  const rows = await store.db.selectFrom('agents').selectAll().execute();
  assert.equal(rows[0]!.token_hash, hashToken(token));
  assert.ok(!JSON.stringify(rows).includes(token), 'the token itself is never stored');
  await assert.rejects(registerAgent(store.db, { name: 'a1', region: 'eu-west', configured: ['eu-west'], at: 2 }), AgentNameTaken);
  assert.equal((await agents.byHash(hashToken(token)))?.id, agent.id);

  const count = async () => Number((await store.db.selectFrom('observations').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  assert.equal(await agents.acceptBatch(agent.id, 'streamAAAA', 1, [obs(1000), obs(2000)]), 'stored');
  assert.equal(await agents.acceptBatch(agent.id, 'streamAAAA', 1, [obs(1000), obs(2000)]), 'duplicate');
  assert.equal(await count(), 2);
  // Two deliveries of the next batch at once (a retry racing the original): one stores it.
  const outcomes = await Promise.all([agents.acceptBatch(agent.id, 'streamAAAA', 2, [obs(3000)]), agents.acceptBatch(agent.id, 'streamAAAA', 2, [obs(3000)])]);
  assert.deepEqual(outcomes.sort(), ['duplicate', 'stored']);
  assert.equal(await count(), 3);
  // A gap (the agent dropped batches for room) is accepted; anything at or before the last stored is not.
  assert.equal(await agents.acceptBatch(agent.id, 'streamAAAA', 5, [obs(6000)]), 'stored');
  assert.equal(await agents.acceptBatch(agent.id, 'streamAAAA', 4, [obs(5000)]), 'duplicate');
  // A new data directory is a new stream: its sequence starts over.
  assert.equal(await agents.acceptBatch(agent.id, 'streamBBBB', 1, [obs(7000)]), 'stored');
  assert.equal(await count(), 5);
  // A batch that fails half-way stores nothing and does not advance the sequence.
  await assert.rejects(agents.acceptBatch(agent.id, 'streamBBBB', 2, [obs(8000), { ...obs(9000), monitorId: 'no/such/monitor' }]));
  assert.equal(await count(), 5);
  assert.equal(await agents.acceptBatch(agent.id, 'streamBBBB', 2, [obs(8000)]), 'stored');

  await agents.recordHealth(agent.id, { lastSeenAt: 10, version: '0.1.0', clockOffsetMs: -3500, backlog: 7, dropped: 2, checksPerS: 1.5 });
  const [listed] = await agents.list();
  assert.deepEqual([listed!.lastSeenAt, listed!.clockOffsetMs, listed!.backlog, listed!.dropped, listed!.checksPerS, listed!.lastSeq], [10, -3500, 7, 2, 1.5, 2]);

  assert.equal((await agents.revoke('a1', 20))?.revokedAt, 20);
  assert.equal(await agents.revoke('a1', 21), undefined, 'revoking twice: nothing live by that name');
  assert.equal((await agents.byHash(hashToken(token)))?.revokedAt, 20, 'a revoked agent is still found, so the server can say "revoked" rather than "unknown"');
});
