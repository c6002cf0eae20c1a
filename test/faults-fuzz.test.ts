// The fault suite's fuzzing: fast-check throws hostile and extreme values at every input surface (the
// config loader, each vendor page parser, every admin route listed in the OpenAPI document, the public
// routes, the report form and API, raw bodies that are not UTF-8 or nest 100,000 deep or weigh a
// megabyte) against one real Vigie. Never a 5xx, never a crash, and afterwards the page still follows
// the truth, also after a restart. Sized to stay within ~60 s on two busy cores.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { request } from 'undici';
import { stringify } from 'yaml';
import { createVigie, type Vigie } from '../src/app.js';
import { parseConfigText } from '../src/config/load.js';
import { configSchema, type VigieConfig } from '../src/config/schema.js';
import { vendorParsers } from '../src/signals/vendor/registry.js';
import { vendorSources } from '../src/signals/vendor/sources.js';
import { VENDOR_KINDS } from '../src/signals/vendor/types.js';
import { solvePow } from '../src/signals/reports/pow.js';
import { ADMIN_PREFIX } from '../src/web/routes/admin-api.js';
import { sqliteEngine, type TestEngine } from './helpers/engines.js';
import { waitFor } from './helpers/wait.js';

const ADMIN = 'fuzz-admin-token-0123456789';
const SEED = Number(process.env.VIGIE_FUZZ_SEED ?? Date.now() % 1_000_000);
/** Scales every numRuns (VIGIE_FUZZ_SCALE=10 for a long local run). */
const SCALE = Number(process.env.VIGIE_FUZZ_SCALE ?? 1);
const runs = (n: number) => ({ numRuns: Math.max(1, Math.round(n * SCALE)), seed: SEED, endOnFailure: true });

// --- hostile values -------------------------------------------------------------------------------
const MAX_DATE = 8_640_000_000_000_000;
const extremeNumber = fc.constantFrom(MAX_DATE, MAX_DATE + 1, -MAX_DATE - 1, 1e308, -1e308, 2 ** 53, 2 ** 31, 2 ** 31 - 1, -1, 0, 0.5, 1e-300, 9_999_999_999_999, Number.MAX_SAFE_INTEGER);
const extremeString = fc.constantFrom(
  '',
  ' ',
  'NaN',
  'Infinity',
  '-0',
  '1e999',
  '\u0000',
  '\uD800',
  '\uFFFF',
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  '../../../etc/passwd',
  '%00%ff',
  '${HOME}',
  '+275760-09-13T00:00:00.001Z',
  '-271821-04-20T00:00:00.000Z',
  '9999-99-99T99:99:99Z',
  '2024-02-30T25:61:61+25:00',
  '1970-01-01T00:00:00Z',
  '\u202Egnp.exe',
  'a'.repeat(70_000),
);
/** Field names the routes and parsers read, so values land where validation happens. */
const KNOWN_KEYS = [
  'name', 'status', 'body', 'components', 'component_ids', 'impact', 'cause', 'at', 'created_at', 'updated_at', 'scheduled_for', 'scheduled_until',
  'scheduledFor', 'scheduledUntil', 'started_at', 'resolved_at', 'message', 'category', 'comment', 'region', 'pow', 'challenge', 'nonce', 'token',
  'email', 'url', 'kind', 'secret', 'endpoint', 'page', 'incidents', 'incident_updates', 'indicator', 'description', 'id', 'title', 'summary',
  'affected_components', 'ongoing_incidents', 'scheduled_maintenances', 'display_update', 'published_at', 'current_status', 'unit', '__proto__', 'constructor',
];
const key = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...KNOWN_KEYS) }, { weight: 1, arbitrary: fc.string({ maxLength: 12 }) });
const leaf = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: extremeString },
  { weight: 2, arbitrary: extremeNumber },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
);
const { value: hostile } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(key, tie('value'), { maxKeys: 6 })),
}));
const hostileObject = fc.dictionary(key, hostile, { maxKeys: 8 });

/** Bodies no JSON generator makes: not UTF-8, nested 100,000 deep, a megabyte, truncated, other types. */
const RAW_BODIES: { what: string; body: Buffer; type: string }[] = [
  { what: 'invalid UTF-8', body: Buffer.from([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0x22, 0x7d]), type: 'application/json' },
  { what: 'deep nesting', body: Buffer.from('['.repeat(100_000) + ']'.repeat(100_000)), type: 'application/json' },
  { what: 'deep objects', body: Buffer.from('{"a":'.repeat(50_000) + '1' + '}'.repeat(50_000)), type: 'application/json' },
  { what: 'a megabyte string', body: Buffer.from(JSON.stringify({ name: 'x'.repeat(1 << 20), body: 'y' })), type: 'application/json' },
  { what: 'truncated JSON', body: Buffer.from('{"name": "a", "components": ['), type: 'application/json' },
  { what: 'JSON null', body: Buffer.from('null'), type: 'application/json' },
  { what: 'a bare number', body: Buffer.from('8640000000000001'), type: 'application/json' },
  { what: 'form with invalid UTF-8', body: Buffer.from([0x61, 0x3d, 0xff, 0x26, 0x62, 0x3d, 0x25, 0x45]), type: 'application/x-www-form-urlencoded' },
  { what: 'form, a megabyte', body: Buffer.from('category=' + 'z'.repeat(1 << 20)), type: 'application/x-www-form-urlencoded' },
  { what: 'unknown type', body: Buffer.from('<x/>'), type: 'application/xml' },
  { what: 'empty', body: Buffer.alloc(0), type: 'application/json' },
];

// --- valid bodies from the OpenAPI schemas, then one field made hostile ---------------------------
type JsonSchema = { type?: string; enum?: unknown[]; anyOf?: JsonSchema[]; oneOf?: JsonSchema[]; properties?: Record<string, JsonSchema>; required?: string[]; items?: JsonSchema; minItems?: number; additionalProperties?: JsonSchema | boolean; propertyNames?: JsonSchema; format?: string; default?: unknown };

/** A value the schema accepts (strings are "acme/api": a valid name, body and component id alike). */
function validFrom(s: JsonSchema | undefined, now: number): unknown {
  if (!s) return null;
  if (s.enum) return s.enum[0];
  const alt = s.anyOf ?? s.oneOf;
  if (alt) return validFrom(alt.find((x) => x.type === 'integer' || x.type === 'number') ?? alt[0], now);
  switch (s.type) {
    case 'string':
      return s.format === 'date-time' ? new Date(now).toISOString() : 'acme/api';
    case 'integer':
    case 'number':
      return now;
    case 'boolean':
      return true;
    case 'array':
      return (s.minItems ?? 0) > 0 || s.items ? [validFrom(s.items, now)] : [];
    case 'object': {
      const o: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(s.properties ?? {})) o[k] = validFrom(v, now);
      if (!s.properties && typeof s.additionalProperties === 'object') o['acme/api'] = validFrom(s.additionalProperties, now);
      return o;
    }
    default:
      return null;
  }
}

// --- one Vigie under fuzz ------------------------------------------------------------------------
let engine: TestEngine;
let vigie: Vigie;
let base: string;
let config: VigieConfig;
let upstream: Server;
let failing = false;
const vendorBody = { statuspage: '{}', incidentio: '{}', instatus: '{}', feed: '' } as Record<string, string>;

function makeConfig(port: number, path: string): VigieConfig {
  const u = `http://127.0.0.1:${port}`;
  return configSchema.parse({
    site: { title: 'Fuzz', port: 0 },
    store: { path },
    defaults: { interval: '200ms', timeout: '1s', failures_to_down: 1, successes_to_up: 1 },
    reports: { salt: 'fuzz-salt-0123456789', pow_difficulty: 1, trust_proxy: true, per_reporter_per_minute: 1000, per_prefix_per_minute: 100000, prefix_cap: 100000 },
    services: [
      { id: 'acme', name: 'Acme', vendor: { kind: 'statuspage', url: `${u}/vendor/statuspage`, interval: '1h' }, components: [{ id: 'api', name: 'API', monitors: [{ name: 'm', url: `${u}/target` }] }] },
      { id: 'inc', name: 'Inc', vendor: { kind: 'incidentio', url: `${u}/vendor/incidentio`, interval: '1h' }, components: [{ id: 'web', name: 'Web' }] },
      { id: 'ins', name: 'Ins', vendor: { kind: 'instatus', url: `${u}/vendor/instatus`, interval: '1h' }, components: [{ id: 'web', name: 'Web' }] },
      { id: 'fee', name: 'Fee', vendor: { kind: 'feed', url: `${u}/vendor/feed`, interval: '1h' }, components: [{ id: 'web', name: 'Web' }] },
    ],
  });
}

async function call(method: string, path: string, opts: { body?: Buffer | string; type?: string; headers?: Record<string, string> } = {}): Promise<number> {
  const res = await request(`${base}${path}`, {
    method: method as 'GET',
    headers: { ...(opts.type ? { 'content-type': opts.type } : {}), ...opts.headers },
    ...(opts.body !== undefined ? { body: opts.body } : {}),
  });
  // An event stream never ends: its status is the answer.
  if (String(res.headers['content-type'] ?? '').startsWith('text/event-stream')) res.body.destroy();
  else await res.body.dump();
  return res.statusCode;
}

function no5xx(status: number, what: string): void {
  assert.ok(status < 500, `${what} answered ${status}`);
}

async function summaryStatus(): Promise<string | undefined> {
  const s = (await (await request(`${base}/api/v2/summary.json`)).body.json()) as { components: { name: string; status: string }[] };
  return s.components.find((c) => c.name === 'API')?.status;
}

before(async () => {
  engine = await sqliteEngine();
  upstream = createServer((req, res) => {
    const kind = (req.url ?? '').split('/')[2] ?? '';
    if (req.url?.startsWith('/vendor/')) return void res.writeHead(200, { 'content-type': kind === 'feed' ? 'application/atom+xml' : 'application/json' }).end(vendorBody[kind] ?? '');
    if (failing) res.writeHead(500).end('down');
    else res.writeHead(200).end('ok');
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  config = makeConfig((upstream.address() as AddressInfo).port, engine.options.path!);
  vigie = await createVigie({ config, adminToken: ADMIN });
  base = await vigie.start();
});

after(async () => {
  await vigie?.stop().catch(() => {});
  await new Promise<void>((r) => upstream.close(() => r()));
  await engine.cleanup();
});

describe(`fuzzing every input surface (seed ${SEED})`, { timeout: 240_000 }, () => {
  it('config loading: any text or shape gives a config or errors naming where, never a throw', () => {
    const valid = JSON.parse(JSON.stringify(makeConfig(1, 'x.db'))) as Record<string, unknown>;
    const mutated = fc.tuple(fc.array(fc.constantFrom('site', 'store', 'defaults', 'reports', 'services', 'notify', 'detection', 'x'), { minLength: 1, maxLength: 3 }), hostile).map(([path, v]) => {
      const c = structuredClone(valid) as Record<string, unknown>;
      let o: Record<string, unknown> = c;
      for (const p of path.slice(0, -1)) o = (o[p] = typeof o[p] === 'object' && o[p] !== null ? o[p] : {}) as Record<string, unknown>;
      o[path.at(-1)!] = v;
      return stringify(c);
    });
    const texts = fc.oneof(mutated, fc.string({ unit: 'binary', maxLength: 200 }), hostile.map((v) => stringify(v)), fc.constantFrom('a: &x [*x]', '- '.repeat(2000) + 'x', '{'.repeat(10_000), 'services: [' + '{},'.repeat(300) + ']', '%YAML 9.9\n---\n!!binary x', `site: { port: ${MAX_DATE} }`));
    // Flow collections a few thousand deep used to end the process (a fatal out-of-memory in the YAML
    // parser's regular expressions, which no try/catch sees): refused with where, now.
    for (const deep of ['{'.repeat(10_000), 'a: ' + '['.repeat(100_000), 'services:\n  - ' + '{ a: '.repeat(3000)]) {
      const r = parseConfigText(deep, 'deep.yaml', {});
      assert.ok(!r.ok && /nested more than \d+ levels/.test(r.errors[0]!.message), JSON.stringify(r).slice(0, 200));
    }
    fc.assert(
      fc.property(texts, (text) => {
        const r = parseConfigText(text, 'fuzz.yaml', {});
        if (!r.ok) {
          assert.ok(r.errors.length > 0);
          for (const e of r.errors) assert.equal(typeof e.message, 'string');
        }
      }),
      runs(100),
    );
  });

  it('vendor page parsers: hostile documents are read or called malformed, never a throw', () => {
    const fixtures = ['statuspage-major.json', 'incidentio-ongoing.json', 'instatus-summary.json', 'statuspage-history.atom'].map((f) => readFileSync(new URL(`../../test/fixtures/vendor/${f}`, import.meta.url), 'utf8'));
    // Fixtures with one value swapped for a hostile one, at a random place.
    const mutatedFixture = fc.tuple(fc.constantFrom(...fixtures.slice(0, 3)), fc.nat(), hostile).map(([doc, at, v]) => {
      const o = JSON.parse(doc) as unknown;
      const slots: { parent: Record<string, unknown> | unknown[]; k: string | number }[] = [];
      const walk = (x: unknown) => {
        if (Array.isArray(x)) x.forEach((y, i) => (slots.push({ parent: x, k: i }), walk(y)));
        else if (x && typeof x === 'object') for (const [k, y] of Object.entries(x)) (slots.push({ parent: x as Record<string, unknown>, k }), walk(y));
      };
      walk(o);
      const s = slots[at % Math.max(1, slots.length)];
      if (s) (s.parent as Record<string | number, unknown>)[s.k] = v;
      return JSON.stringify(o);
    });
    const feedish = fc.tuple(fc.string({ unit: 'binary', maxLength: 80 }), extremeString).map(([t, d]) => `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><entry><title>${t}</title><updated>${d}</updated><content type="html">${t}</content></entry></feed>`);
    const bodies = fc.oneof(mutatedFixture, hostile.map((v) => JSON.stringify(v) ?? 'null'), feedish, fc.string({ unit: 'binary', maxLength: 300 }), fc.constantFrom('['.repeat(100_000), '<'.repeat(100_000), fixtures[3]!.slice(0, 500)));
    for (const kind of VENDOR_KINDS)
      fc.assert(
        fc.property(bodies, fc.oneof(fc.integer({ min: 0, max: MAX_DATE }), extremeNumber), (body, now) => {
          const r = vendorParsers[kind](body, now);
          assert.equal(typeof r.ok, 'boolean');
        }),
        runs(150),
      );
  });

  it('vendor pages through the running system: the page keeps rendering whatever a vendor publishes', async () => {
    const sources = vendorSources(config);
    const fixtures = { statuspage: 'statuspage-major.json', incidentio: 'incidentio-ongoing.json', instatus: 'instatus-summary.json', feed: 'statuspage-history.atom' } as Record<string, string>;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...sources), hostile, fc.nat(), async (source, v, at) => {
        const doc = readFileSync(new URL(`../../test/fixtures/vendor/${fixtures[source.kind]}`, import.meta.url), 'utf8');
        let body = doc;
        if (source.kind !== 'feed') {
          const o = JSON.parse(doc) as Record<string, unknown>;
          const keys = Object.keys(o);
          o[keys[at % keys.length]!] = v;
          body = JSON.stringify(o);
        } else body = doc.replace(/<updated>[^<]*<\/updated>/, `<updated>${String(JSON.stringify(v)).slice(0, 100).replace(/[<&]/g, '')}</updated>`);
        vendorBody[source.kind] = body;
        await vigie.vendor.poll(source);
        await vigie.publish();
        no5xx(await call('GET', '/'), 'the page');
      }),
      runs(12),
    );
  });

  it('every admin route of the OpenAPI document: hostile bodies, ids and queries never give a 5xx', async () => {
    const doc = (await (await request(`${base}${ADMIN_PREFIX}/openapi.json`)).body.json()) as { paths: Record<string, Record<string, unknown>> };
    const routes = Object.entries(doc.paths).flatMap(([p, methods]) => Object.keys(methods).map((m) => ({ method: m.toUpperCase(), path: p })));
    // The document's paths may or may not carry the prefix.
    const full = (p: string) => (p.startsWith(ADMIN_PREFIX) ? p : ADMIN_PREFIX + p);
    assert.ok(routes.length >= 5, 'the OpenAPI document lists the admin routes');
    const auth = { authorization: `Bearer ${ADMIN}` };
    const schemaOf = (r: { method: string; path: string }) =>
      (doc.paths[r.path]![r.method.toLowerCase()] as { requestBody?: { content: Record<string, { schema: JsonSchema }> } }).requestBody?.content['application/json']?.schema;
    // Real incidents and maintenances made from valid bodies, so ids that exist are fuzzed too.
    const ids: string[] = ['inc_nope', '1', '-1', '%00', '..%2F..', 'x'.repeat(5000), '9'.repeat(30)];
    for (const r of routes.filter((x) => x.method === 'POST' && !x.path.includes('{'))) {
      const res = await request(`${base}${full(r.path)}`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(validFrom(schemaOf(r), Date.now())) });
      const created = (await res.body.json().catch(() => ({}))) as { id?: unknown; data?: { id?: unknown } };
      const id = created.id ?? created.data?.id;
      if (typeof id === 'string' || typeof id === 'number') ids.push(String(id), String(id), String(id));
    }
    assert.ok(ids.length > 7, 'valid bodies made from the OpenAPI schemas create something');
    // A body the route accepts, with one field (or all of it) made hostile.
    // Time fields (numbers in the schema) are picked three times as often, and get numbers out of a Date's range.
    const outOfRange = fc.constantFrom(MAX_DATE + 1, -MAX_DATE - 1, 1e308, -1e308, 2 ** 53, 9_999_999_999_999_999, -1);
    const bodyFor = (r: { method: string; path: string }) => {
      const schema = schemaOf(r);
      const valid = validFrom(schema, Date.now());
      const keys = valid && typeof valid === 'object' && !Array.isArray(valid) ? Object.keys(valid) : [];
      const timeish = keys.filter((k) => typeof (valid as Record<string, unknown>)[k] === 'number');
      if (keys.length === 0) return fc.oneof(hostile, hostileObject);
      const pick = fc.oneof({ weight: 1, arbitrary: fc.constantFrom(...keys) }, ...(timeish.length ? [{ weight: 3, arbitrary: fc.constantFrom(...timeish) }] : []));
      const value = fc.oneof({ weight: 3, arbitrary: outOfRange }, { weight: 1, arbitrary: extremeString }, { weight: 2, arbitrary: hostile });
      return fc.oneof(
        { weight: 4, arbitrary: fc.tuple(pick, value).map(([k, v]) => ({ ...(valid as object), [k]: v })) },
        { weight: 1, arbitrary: hostileObject },
      );
    };
    const withBody = routes.filter((x) => x.method !== 'GET' && x.method !== 'DELETE');
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes).chain((r) => fc.tuple(fc.constant(r), bodyFor(r))),
        fc.constantFrom(...ids),
        fc.dictionary(key, fc.oneof(extremeString, fc.string({ maxLength: 20 })), { maxKeys: 3 }),
        async ([r, body], id, query) => {
          const path = full(r.path).replace(/\{[^}]+\}/g, encodeURIComponent(id)) + '?' + new URLSearchParams(query as Record<string, string>).toString();
          const status = await call(r.method, path, withBody.includes(r) ? { headers: auth, type: 'application/json', body: JSON.stringify(body) } : { headers: auth });
          no5xx(status, `${r.method} ${r.path} (id ${id.slice(0, 40)}) with ${JSON.stringify(body).slice(0, 300)}`);
        },
      ),
      runs(200),
    );
    // Whatever was stored, the page is still prepared.
    await vigie.publish();
    no5xx(await call('GET', '/'), 'the page after the admin fuzz');
    // Raw bodies on every route that takes one.
    for (const r of routes.filter((x) => x.method !== 'GET' && x.method !== 'DELETE'))
      for (const raw of RAW_BODIES) no5xx(await call(r.method, full(r.path).replace(/\{[^}]+\}/g, 'x'), { headers: auth, type: raw.type, body: raw.body }), `${r.method} ${r.path} with ${raw.what}`);
  });

  it('public routes: hostile paths, queries and headers never give a 5xx', async () => {
    const paths = ['/', '/history', '/incidents/x', '/api/v2/summary.json', '/api/v2/status.json', '/api/v2/components.json', '/api/v2/incidents.json', '/api/v2/scheduled-maintenances.json', '/history.atom', '/history.rss', '/badge/status.svg', '/badge/acme/status.svg', '/badge/acme/api/uptime.svg', '/uptime.svg', '/widget.js', '/widget', '/favicon.svg', '/healthz', '/metrics', '/services/acme/reports', '/api/services/acme/reports', '/api/reports/challenge', '/api/reports/comments', '/subscriptions/confirm', '/subscriptions/unsubscribe', '/api/push/x', '/nope'];
    const segment = fc.oneof(fc.constantFrom(...paths), fc.tuple(fc.constantFrom(...paths), fc.string({ unit: 'binary', maxLength: 30 })).map(([p, s]) => p + '/' + encodeURIComponent(s)));
    const headerValue = fc.oneof(fc.string({ unit: 'grapheme-ascii', maxLength: 200 }).map((s) => s.replace(/[\r\n\0]/g, '')), fc.constantFrom('fr;q=NaN, *;q=1e999', 'lang=xx; lang=fr', 'br;q=0, gzip;q=-1', '*/*', 'W/"x", "y"'));
    await fc.assert(
      fc.asyncProperty(segment, fc.dictionary(fc.constantFrom('lang', 'thanks', 'token', 'status', 'service', 'x'), fc.oneof(extremeString, fc.string({ unit: 'binary', maxLength: 30 })), { maxKeys: 3 }), headerValue, async (p, query, hv) => {
        const qs = new URLSearchParams(query as Record<string, string>).toString();
        const status = await call('GET', `${p}?${qs}`, { headers: { 'accept-language': hv, cookie: `lang=${encodeURIComponent(hv.slice(0, 10))}`, 'accept-encoding': hv, 'if-none-match': hv, 'x-forwarded-for': hv } });
        no5xx(status, `GET ${p}?${qs} (header ${JSON.stringify(hv)})`);
      }),
      runs(200),
    );
  });

  it('report API, report form and subscriptions: hostile bodies never give a 5xx', async () => {
    const challenge = async () => (await (await request(`${base}/api/reports/challenge`)).body.json()) as { challenge: string; difficulty: number };
    let nonce = 0;
    await fc.assert(
      fc.asyncProperty(hostileObject, fc.boolean(), fc.constantFrom('acme', 'inc', 'nope', '%00', 'x'.repeat(300)), async (body, withPow, service) => {
        const payload: Record<string, unknown> = { ...body };
        if (withPow) {
          const ch = await challenge();
          payload.pow = { challenge: ch.challenge, nonce: solvePow(ch.challenge, service, ch.difficulty, (nonce += 1000)) };
          if (typeof payload.category !== 'string') payload.category = 'website';
        }
        const ip = `10.${nonce % 250}.${(nonce >> 8) % 250}.1`;
        no5xx(await call('POST', `/api/services/${encodeURIComponent(service)}/reports`, { type: 'application/json', body: JSON.stringify(payload), headers: { 'x-forwarded-for': ip } }), `report API ${JSON.stringify(payload).slice(0, 200)}`);
        const form = new URLSearchParams(Object.entries(body).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v) ?? ''])).toString();
        no5xx(await call('POST', `/services/${encodeURIComponent(service)}/reports`, { type: 'application/x-www-form-urlencoded', body: form }), `report form ${form.slice(0, 200)}`);
        no5xx(await call('POST', '/api/v1/subscriptions', { type: 'application/json', body: JSON.stringify(body), headers: { 'x-forwarded-for': ip } }), `subscription ${JSON.stringify(body).slice(0, 200)}`);
      }),
      runs(80),
    );
    for (const path of ['/api/services/acme/reports', '/services/acme/reports', '/api/v1/subscriptions', '/subscriptions', '/subscriptions/unsubscribe?token=x', '/api/reports/comments/1', '/api/push/x'])
      for (const raw of RAW_BODIES) no5xx(await call('POST', path, { type: raw.type, body: raw.body }), `POST ${path} with ${raw.what}`);
  });

  it('afterwards the page still follows the truth, and still does after a restart', async () => {
    failing = true;
    await waitFor('the page shows the outage', async () => (await summaryStatus()) === 'major_outage');
    failing = false;
    await waitFor('and the recovery', async () => (await summaryStatus()) === 'operational');
    await vigie.stop();
    vigie = await createVigie({ config, adminToken: ADMIN });
    base = await vigie.start();
    for (const p of ['/', '/?lang=fr', '/api/v2/summary.json', '/history', '/history.atom']) assert.equal(await call('GET', p), 200, `${p} after a restart`);
    failing = true;
    await waitFor('the page follows an outage after the restart', async () => (await summaryStatus()) === 'major_outage');
    failing = false;
  });
});
