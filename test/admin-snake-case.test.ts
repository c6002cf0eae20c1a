// One convention in the admin API: snake_case in bodies, queries and answers, and nothing else
// accepted silently (camelCase or unknown fields are a 400 naming them). Every answer matches the
// shape the OpenAPI document gives for it. The token routes work like `vigie token`.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Vigie } from '../src/app.js';
import { type Call, adminCaller, startAdminVigie } from './helpers/admin.js';
import { sqliteEngine, type TestEngine } from './helpers/engines.js';

/** Every object key in an answer, recursively, except inside maps keyed by component id. */
function keys(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) v.forEach((x) => keys(x, out));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(k), keys(x, out);
  return out;
}

describe('admin API: snake_case only', () => {
  let engine: TestEngine;
  let vigie: Vigie;
  let base: string;
  let call: Call;
  const checkShape = (operationId: string, json: unknown) => {
    const r = vigie.admin.routes.find((x) => x.operationId === operationId);
    assert.ok(r?.response, `${operationId} documents its answer`);
    const parsed = r.response.safeParse(json);
    assert.ok(parsed.success, `${operationId}: ${parsed.success ? '' : JSON.stringify(parsed.error.issues)}`);
    for (const k of keys(json)) assert.match(k, /^[a-z0-9_]+$|^[a-z0-9-]+\/[a-z0-9-]+$/, `${operationId}: key ${k}`);
  };
  before(async () => {
    engine = await sqliteEngine();
    ({ vigie, base, call } = await startAdminVigie(engine));
  });
  after(async () => {
    await vigie?.stop();
    await engine?.cleanup();
  });

  it('refuses camelCase fields, naming them and their snake_case', async () => {
    const now = Date.now();
    let r = await call('POST', '/maintenances', { name: 'DB', components: ['acme/api'], scheduledFor: now + 60_000, scheduledUntil: now + 120_000 });
    assert.equal(r.status, 400);
    const fields = r.json.issues.map((i: { field: string }) => i.field).sort();
    assert.deepEqual(fields, ['body.scheduledFor', 'body.scheduledUntil', 'body.scheduled_for', 'body.scheduled_until']);
    assert.match(r.json.message, /body\.scheduledFor: is not a known field \(fields are snake_case: "scheduled_for"\)/);
    r = await call('POST', '/incidents', { name: 'x', body: 'y', faultStart: now });
    assert.deepEqual(r.json.issues.map((i: { field: string }) => i.field), ['body.faultStart']);
    r = await call('GET', '/incidents?status=open&Limit=3');
    assert.deepEqual(r.json.issues.map((i: { field: string }) => i.field), ['query.Limit']);
    for (const path of ['/subscriptions?colour=red', '/notify/deliveries?colour=red', '/tokens?colour=red', '/notify?colour=red']) {
      r = await call('GET', path);
      assert.equal(r.status, 400, path);
      assert.deepEqual(r.json.issues.map((i: { field: string }) => i.field), ['query.colour'], path);
    }
  });

  it('takes and answers snake_case for incidents and maintenance', async () => {
    const now = Date.now();
    let r = await call('POST', '/maintenances', { name: 'DB', components: ['acme/api'], scheduled_for: now + 3_600_000, scheduled_until: now + 7_200_000, auto_transitions: false });
    assert.equal(r.status, 201, r.text);
    checkShape('createMaintenance', r.json);
    assert.equal(r.json.scheduled_for, new Date(now + 3_600_000).toISOString());
    assert.equal(r.json.auto_transitions, false);
    const mid = r.json.id;
    r = await call('PATCH', `/maintenances/${mid}`, { scheduled_until: now + 1_000 });
    assert.equal(r.status, 400);
    assert.match(r.json.message, /^body\.scheduled_until: scheduled_until must be after scheduled_for$/);
    r = await call('PATCH', `/maintenances/${mid}`, { scheduled_until: now + 9_000_000 });
    assert.equal(r.json.scheduled_until, new Date(now + 9_000_000).toISOString());
    checkShape('listMaintenances', (await call('GET', '/maintenances')).json);
    checkShape('getMaintenance', (await call('GET', `/maintenances/${mid}`)).json);

    r = await call('POST', '/incidents', { name: 'API errors', body: 'b', components: { 'acme/api': 'major_outage', 'acme/web': 'degraded_performance' }, fault_start: now - 60_000 });
    assert.equal(r.status, 201, r.text);
    checkShape('createIncident', r.json);
    assert.equal(r.json.figures.fault_start, new Date(now - 60_000).toISOString());
    const id = r.json.id;
    r = await call('PATCH', `/incidents/${id}`, { remove_components: ['acme/web'], fault_start: null });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.components.map((c: { id: string }) => c.id), ['acme/api']);
    assert.equal(r.json.figures.fault_start, null);
    r = await call('PATCH', `/incidents/${id}`, { remove_components: ['acme/nope'] });
    assert.deepEqual(r.json.issues.map((i: { field: string }) => i.field), ['body.remove_components.0']);
    checkShape('patchIncident', (await call('PATCH', `/incidents/${id}`, { cause: 'network' })).json);
    checkShape('postIncidentUpdate', (await call('POST', `/incidents/${id}/updates`, { body: 'More', status: 'identified' })).json);
    checkShape('setVendorAcknowledgement', (await call('POST', `/incidents/${id}/vendor-acknowledgement`, { at: now - 1000, text: 'aware' })).json);
    checkShape('resolveIncident', (await call('POST', `/incidents/${id}/resolve`, {})).json);
    checkShape('publishPostmortem', (await call('POST', `/incidents/${id}/postmortem`, { body: '## Cause' })).json);
    checkShape('getIncident', (await call('GET', `/incidents/${id}`)).json);
    checkShape('listIncidents', (await call('GET', '/incidents')).json);
  });

  it('refuses a NUL character anywhere, and ids that cannot be ids, with a 400 (never a 500 from the store)', async () => {
    let r = await call('POST', '/incidents', { name: 'a\u0000b', body: 'ok' });
    assert.equal(r.status, 400, r.text);
    assert.deepEqual(r.json.issues, [{ field: 'body.name', message: 'contains a NUL character' }]);
    r = await call('POST', '/incidents', { name: 'n', body: 'ok', components: { 'acme/api\u0000': 'major_outage' } });
    assert.equal(r.status, 400, r.text);
    r = await call('GET', '/notify/deliveries?target=a%00b');
    assert.deepEqual(r.json.issues, [{ field: 'query.target', message: 'contains a NUL character' }]);
    for (const id of ['%00', '..%2F..', 'x'.repeat(5000), 'a%20b']) {
      for (const [method, path] of [['GET', `/incidents/${id}`], ['DELETE', `/tokens/${id}`], ['DELETE', `/subscriptions/${id}`], ['PATCH', `/maintenances/${id}`]] as const) {
        r = await call(method, path, method === 'PATCH' ? { name: 'x' } : undefined);
        assert.ok(r.status >= 400 && r.status < 500, `${method} ${path.slice(0, 40)}: ${r.status} ${r.text.slice(0, 200)}`);
      }
    }
    assert.equal((await call('GET', '/incidents/abcdefghijkl')).status, 404);
  });

  it('answers the notify and subscription routes in their documented shape', async () => {
    checkShape('getNotifyStatus', (await call('GET', '/notify')).json);
    checkShape('listDeliveries', (await call('GET', '/notify/deliveries?status=dead')).json);
    checkShape('listSubscriptions', (await call('GET', '/subscriptions?status=active&limit=5')).json);
    let r = await call('DELETE', '/subscriptions/12345');
    assert.equal(r.status, 404);
    r = await call('DELETE', '/subscriptions/abc');
    assert.equal(r.status, 400);
    assert.deepEqual(r.json.issues.map((i: { field: string }) => i.field), ['params.id']);
    r = await call('POST', '/notify/deliveries/99/retry');
    assert.equal(r.status, 404);
  });

  it('creates, lists and revokes tokens', async () => {
    let r = await call('POST', '/tokens', { name: 'ci-bot' });
    assert.equal(r.status, 201, r.text);
    checkShape('createToken', r.json);
    const token = r.json.token as string;
    assert.match(token, /^vigie_/);
    const asBot = adminCaller(base, token);
    assert.equal((await asBot('GET', '/incidents')).status, 200);
    r = await call('GET', '/tokens');
    checkShape('listTokens', r.json);
    const bot = r.json.tokens.find((x: { name: string }) => x.name === 'ci-bot');
    assert.ok(bot.last_used_at, 'last use recorded');
    assert.ok(!r.text.includes(token), 'the token itself is never listed');
    assert.equal((await call('POST', '/tokens', { name: 'ci-bot' })).status, 409);
    r = await call('POST', '/tokens', { name: 'bad name!' });
    assert.deepEqual(r.json.issues.map((i: { field: string }) => i.field), ['body.name']);
    r = await call('DELETE', '/tokens/ci-bot');
    assert.equal(r.status, 204);
    assert.equal(r.text, '');
    assert.equal((await asBot('GET', '/incidents')).status, 401);
    assert.equal((await call('DELETE', '/tokens/ci-bot')).status, 404);
    assert.equal((await call('GET', '/tokens', undefined, null)).status, 401);
  });
});
