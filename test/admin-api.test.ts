// The admin REST API through the real app and HTTP: tokens, validation errors naming the field,
// incidents and maintenance, the OpenAPI document, and the Statuspage v2 shapes that follow.
import assert from 'node:assert/strict';
import { request } from 'undici';
import { createVigie } from '../src/app.js';
import { configSchema } from '../src/config/schema.js';
import { createApiToken, hashToken } from '../src/web/auth.js';
import { forEachEngine } from './helpers/engines.js';
import { waitFor } from './helpers/wait.js';

forEachEngine('admin API: tokens, incidents, maintenance, OpenAPI, and the public shapes', async (engine) => {
  const config = configSchema.parse({
    site: { title: 'Acme status', port: 0 },
    store: engine.options.path ? { path: engine.options.path } : {},
    services: [{ id: 'acme', name: 'Acme', components: [{ id: 'api', name: 'API' }, { id: 'web', name: 'Web' }] }],
  });
  const vigie = await createVigie({ config, adminToken: 'bootstrap-secret-for-tests', ...(engine.options.url ? { databaseUrl: engine.options.url } : {}) });
  try {
    const base = await vigie.start();
    const token = await createApiToken(vigie.store, 'ops', Date.now());
    assert.match(token, /^vigie_[A-Za-z0-9_-]{43}$/);
    const stored = await vigie.store.db.selectFrom('api_tokens').selectAll().execute();
    assert.equal(stored[0]!.hash, hashToken(token), 'only the hash is stored');
    assert.ok(!JSON.stringify(stored).includes(token));

    const call = async (method: 'GET' | 'POST' | 'PATCH', path: string, body?: unknown, auth: string | null = token) => {
      const r = await request(`${base}/api/admin${path}`, {
        method,
        headers: { ...(auth !== null ? { authorization: `Bearer ${auth}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      });
      return { status: r.statusCode, headers: r.headers, json: (await r.body.json()) as any };
    };

    // Authentication.
    const none = await call('GET', '/incidents', undefined, null);
    assert.equal(none.status, 401);
    assert.match(String(none.headers['www-authenticate']), /^Bearer/);
    assert.equal((await call('GET', '/incidents', undefined, 'vigie_wrong')).status, 401);
    assert.equal((await call('GET', '/incidents', undefined, 'bootstrap-secret-for-tests')).status, 200);

    // Bad bodies: 400 naming the field.
    let r = await call('POST', '/incidents', { name: 'Down', body: 'x', impact: 'huge' });
    assert.equal(r.status, 400);
    assert.equal(r.json.error, 'invalid_request');
    assert.match(r.json.message, /body\.impact/);
    r = await call('POST', '/incidents', { body: 'x', colour: 'red' });
    assert.equal(r.status, 400);
    assert.deepEqual(r.json.issues.map((i: { field: string }) => i.field).sort(), ['body.colour', 'body.name']);
    r = await call('POST', '/incidents', '{"name":');
    assert.equal(r.status, 400);
    r = await call('POST', '/incidents', { name: 'Down', body: 'x', components: { 'acme/nope': 'major_outage' } });
    assert.equal(r.status, 400);
    assert.match(r.json.message, /body\.components\.acme\/nope: unknown component/);

    // The lifecycle.
    r = await call('POST', '/incidents', { name: 'API errors', body: 'Users see **Internal Server Error**. <b>raw</b>', impact: 'major', cause: 'third_party', components: { 'acme/api': 'major_outage' } });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    const id = r.json.id as string;
    assert.equal(r.json.status, 'investigating');
    assert.equal(r.json.updates[0].author, 'ops');
    assert.match(r.json.updates[0].html, /<strong>Internal Server Error<\/strong>\. &lt;b&gt;raw&lt;\/b&gt;/);
    assert.deepEqual(r.json.updates[0].affected_components, [{ id: 'acme/api', old_status: 'operational', new_status: 'major_outage' }]);

    assert.equal((await call('GET', '/incidents/doesnotexist')).status, 404);
    assert.equal((await call('POST', '/incidents/doesnotexist/updates', { body: 'x' })).status, 404);

    r = await call('POST', `/incidents/${id}/updates`, { status: 'identified', body: 'We have identified the bug and are working on a fix.', components: { 'acme/web': 'partial_outage' } });
    assert.equal(r.status, 201);
    assert.equal(r.json.status, 'identified');
    assert.deepEqual(r.json.components.map((c: { id: string }) => c.id).sort(), ['acme/api', 'acme/web']);
    r = await call('PATCH', `/incidents/${id}`, { cause: 'network', components: { 'acme/web': 'degraded_performance' } });
    assert.equal(r.status, 200);
    assert.equal(r.json.cause, 'network');
    assert.equal(r.json.updates.length, 3);
    r = await call('POST', `/incidents/${id}/vendor-acknowledgement`, { at: new Date(Date.now() - 60_000).toISOString(), text: 'We are aware' });
    assert.equal(r.json.figures.vendor_acknowledgement_source, 'manual');
    assert.equal((await call('POST', `/incidents/${id}/postmortem`, { body: 'too early' })).status, 409);

    // The public API shows the open incident in Statuspage's shape.
    const summary = await waitFor('incident in summary.json', async () => {
      const s = (await (await request(`${base}/api/v2/summary.json`)).body.json()) as any;
      return s.incidents.length === 1 && s.incidents[0].incident_updates.length === 3 ? s : undefined;
    });
    const inc = summary.incidents[0];
    assert.equal(inc.id, id);
    assert.equal(inc.status, 'identified');
    assert.equal(inc.impact, 'major');
    const first = inc.incident_updates.at(-1);
    assert.deepEqual(Object.keys(first).sort(), ['affected_components', 'body', 'created_at', 'custom_tweet', 'deliver_notifications', 'display_at', 'id', 'incident_id', 'status', 'tweet_id', 'updated_at']);
    assert.equal(first.affected_components[0].name, 'API');
    assert.equal(first.affected_components[0].old_status, 'operational');
    assert.equal(first.affected_components[0].new_status, 'major_outage');
    const apiComponent = summary.components.find((c: { name: string }) => c.name === 'API');
    assert.equal(first.affected_components[0].code, apiComponent.id);
    const page = await (await request(`${base}/`)).body.text();
    assert.match(page, /API errors/);
    assert.match(page, /We have identified the bug/);
    assert.doesNotMatch(page, /<b>raw<\/b>/);

    r = await call('POST', `/incidents/${id}/resolve`, {});
    assert.equal(r.json.status, 'resolved');
    r = await call('POST', `/incidents/${id}/postmortem`, { body: '## Cause\n\nThe upstream provider failed.' });
    assert.equal(r.json.status, 'postmortem');
    assert.match(r.json.postmortem.html, /<h2>Cause<\/h2>/);
    await waitFor('resolved in incidents.json', async () => {
      const all = (await (await request(`${base}/api/v2/incidents.json`)).body.json()) as any;
      const open = (await (await request(`${base}/api/v2/incidents/unresolved.json`)).body.json()) as any;
      return all.incidents[0]?.status === 'postmortem' && open.incidents.length === 0;
    });

    // Maintenance.
    const now = Date.now();
    r = await call('POST', '/maintenances', { name: 'DB upgrade', components: ['acme/api'], scheduled_for: now + 3_600_000, scheduled_until: now + 7_200_000 });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    const mid = r.json.id as string;
    assert.equal(r.json.status, 'scheduled');
    assert.equal((await call('POST', '/maintenances', { name: 'x', components: ['acme/api'], scheduled_for: now + 10, scheduled_until: now })).status, 400);
    r = await call('PATCH', `/maintenances/${mid}`, { status: 'in_progress', body: 'Started early.' });
    assert.equal(r.json.status, 'in_progress');
    await waitFor('API under maintenance', async () => {
      const s = (await (await request(`${base}/api/v2/summary.json`)).body.json()) as any;
      return s.components.find((c: { name: string }) => c.name === 'API')?.status === 'under_maintenance' && s.scheduled_maintenances[0]?.id === mid;
    });
    const active = (await (await request(`${base}/api/v2/scheduled-maintenances/active.json`)).body.json()) as any;
    assert.equal(active.scheduled_maintenances[0].scheduled_for, new Date(now + 3_600_000).toISOString());
    r = await call('PATCH', `/maintenances/${mid}`, { status: 'completed' });
    assert.equal(r.json.status, 'completed');
    await waitFor('API back', async () => {
      const s = (await (await request(`${base}/api/v2/summary.json`)).body.json()) as any;
      return s.components.find((c: { name: string }) => c.name === 'API')?.status === 'operational';
    });
    assert.equal((await call('GET', '/maintenances')).json.maintenances.length, 1);
    assert.equal((await call('GET', '/maintenances/nope')).status, 404);
    assert.equal((await call('GET', '/incidents?status=open')).json.incidents.length, 0);
    assert.equal((await call('GET', '/incidents?limit=0')).status, 400);

    // The OpenAPI document comes from the same schemas.
    const doc = (await (await request(`${base}/api/admin/openapi.json`)).body.json()) as any;
    assert.equal(doc.openapi, '3.1.0');
    const create = doc.paths['/api/admin/incidents'].post;
    assert.deepEqual(create.requestBody.content['application/json'].schema.properties.impact.enum, ['none', 'minor', 'major', 'critical']);
    assert.ok(create.requestBody.content['application/json'].schema.required.includes('name'));
    assert.ok(doc.paths['/api/admin/incidents/{id}/updates'].post);
    assert.ok(doc.paths['/api/admin/maintenances/{id}'].patch);
    assert.equal(doc.components.securitySchemes.bearer.scheme, 'bearer');
  } finally {
    await vigie.stop();
  }
});
