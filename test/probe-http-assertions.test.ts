// The HTTP probe's redirects, body assertions, conditions, body cap and certificate dates,
// against real servers on 127.0.0.1.
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { test } from 'node:test';
import type { HttpTarget } from '../src/config/schema.js';
import type { ProbeResult } from '../src/core/observation.js';
import { httpProbe } from '../src/probes/http.js';
import type { ProbeReport } from '../src/probes/types.js';
import { selfSignedCert, startHttp, startHttps } from './helpers/servers.js';

const target = (url: string, extra: Partial<HttpTarget> = {}): HttpTarget => ({ url, method: 'GET', headers: {}, expectedStatus: [200], ...extra });

function assertFail(r: ProbeResult, kind: string, message?: RegExp) {
  assert.equal(r.ok, false, `expected a failure, got ${JSON.stringify(r)}`);
  assert.equal(r.error?.kind, kind, `expected ${kind}, got ${JSON.stringify(r.error)}`);
  if (message) assert.match(r.error.message, message);
}
function assertOk(r: ProbeReport) {
  assert.equal(r.ok, true, JSON.stringify(r));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let s = '';
    req.on('data', (c: Buffer) => (s += c.toString()));
    req.on('end', () => resolve(s));
  });
}

test('redirects are followed (each hop its own connection) and reported', async (t) => {
  const srv = await startHttp((req, res) => {
    if (req.url === '/a') res.writeHead(301, { location: '/b' }).end();
    else if (req.url === '/b') res.writeHead(302, { location: `http://127.0.0.1:${srv.port}/c?x=1` }).end();
    else res.end('arrived');
  });
  t.after(() => srv.close());
  const r = await httpProbe(target(`${srv.origin}/a`, { bodyContains: ['arrived'] }), { timeoutMs: 5000 });
  assertOk(r);
  assert.equal(r.statusCode, 200);
  assert.equal(r.details?.redirects, 2);
  assert.equal(r.details?.finalUrl, `${srv.origin}/c?x=1`);
  const { connectMs, firstByteMs, totalMs } = r.phases;
  assert.ok(connectMs !== undefined && firstByteMs !== undefined && connectMs + firstByteMs <= totalMs + 0.05, JSON.stringify(r.phases));
});

test('a redirect loop fails as protocol, naming the loop, after one round', async (t) => {
  let hits = 0;
  const srv = await startHttp((req, res) => {
    hits++;
    res.writeHead(302, { location: req.url === '/ping' ? '/pong' : '/ping' }).end();
  });
  t.after(() => srv.close());
  const r = await httpProbe(target(`${srv.origin}/ping`), { timeoutMs: 5000 });
  assertFail(r, 'protocol', /^redirect loop: http:\/\/127\.0\.0\.1:\d+\/ping -> http:\/\/127\.0\.0\.1:\d+\/pong -> http:\/\/127\.0\.0\.1:\d+\/ping$/);
  assert.equal(hits, 2);
  assert.equal(r.statusCode, 302);
});

test('more redirects than max_redirects fail as protocol', async (t) => {
  const srv = await startHttp((req, res) => res.writeHead(307, { location: `/${Number(req.url!.slice(1)) + 1}` }).end());
  t.after(() => srv.close());
  const r = await httpProbe(target(`${srv.origin}/0`, { maxRedirects: 3 }), { timeoutMs: 5000 });
  assertFail(r, 'protocol', /^more than 3 redirects \(last: .*\/3 -> .*\/4\)$/);
  const dflt = await httpProbe(target(`${srv.origin}/0`), { timeoutMs: 5000 });
  assertFail(dflt, 'protocol', /^more than 10 redirects/);
});

test('303 after a POST continues as a GET without the body; 307 keeps both', async (t) => {
  const seen: string[] = [];
  const srv = await startHttp(async (req, res) => {
    const body = await readBody(req);
    seen.push(`${req.method} ${req.url} ${body}`);
    if (req.url === '/see-other') res.writeHead(303, { location: '/done' }).end();
    else if (req.url === '/temporary') res.writeHead(307, { location: '/done' }).end();
    else res.end('ok');
  });
  t.after(() => srv.close());
  assertOk(await httpProbe(target(`${srv.origin}/see-other`, { method: 'POST', body: 'x=1' }), { timeoutMs: 5000 }));
  assertOk(await httpProbe(target(`${srv.origin}/temporary`, { method: 'POST', body: 'x=2' }), { timeoutMs: 5000 }));
  assert.deepEqual(seen, ['POST /see-other x=1', 'GET /done ', 'POST /temporary x=2', 'POST /done x=2']);
});

test('body keyword, absent keyword and regex assertions', async (t) => {
  const srv = await startHttp((_req, res) => res.end('<h1>All systems go</h1> build 2024.12'));
  t.after(() => srv.close());
  const url = `${srv.origin}/`;
  assertOk(await httpProbe(target(url, { bodyContains: ['systems go'], bodyNotContains: ['error'], bodyMatches: 'build \\d{4}\\.\\d+' }), { timeoutMs: 5000 }));
  assertFail(await httpProbe(target(url, { bodyContains: ['maintenance'] }), { timeoutMs: 5000 }), 'assertion', /^body does not contain "maintenance"$/);
  assertFail(await httpProbe(target(url, { bodyNotContains: ['systems'] }), { timeoutMs: 5000 }), 'assertion', /^body contains "systems", which it must not$/);
  assertFail(await httpProbe(target(url, { bodyMatches: '^\\{' }), { timeoutMs: 5000 }), 'assertion', /^body does not match \/\^\\\{\/$/);
});

test('JSON path assertions name the path, the actual and the expected value', async (t) => {
  const srv = await startHttp((req, res) => res.end(req.url === '/html' ? '<html>' : JSON.stringify({ status: 'UP', data: [{ id: 3 }], version: '2' })));
  t.after(() => srv.close());
  const url = `${srv.origin}/`;
  assertOk(await httpProbe(target(url, { json: { status: 'UP', 'data[0].id': 3, '$.version': 2 } }), { timeoutMs: 5000 }));
  assertFail(await httpProbe(target(url, { json: { status: 'DOWN' } }), { timeoutMs: 5000 }), 'assertion', /^JSON status is "UP", expected "DOWN"$/);
  assertFail(await httpProbe(target(url, { json: { 'data[1].id': 3 } }), { timeoutMs: 5000 }), 'assertion', /^JSON data\[1\]\.id is missing, expected 3$/);
  assertFail(await httpProbe(target(`${srv.origin}/html`, { json: { status: 'UP' } }), { timeoutMs: 5000 }), 'assertion', /^body is not JSON/);
});

test('conditions: all must hold; the first that fails is an assertion naming it and the value', async (t) => {
  const srv = await startHttp((_req, res) => res.end(JSON.stringify({ status: 'DEGRADED', items: [1] })));
  t.after(() => srv.close());
  const url = `${srv.origin}/`;
  assertOk(await httpProbe(target(url, { conditions: ['[STATUS] == 200', 'len([BODY].items) > 0', '[RESPONSE_TIME] < 5s', '[CONNECTED] == true'] }), { timeoutMs: 5000 }));
  const r = await httpProbe(target(url, { conditions: ['[STATUS] == 200', '[BODY].status == UP'] }), { timeoutMs: 5000 });
  assertFail(r, 'assertion', /^condition "\[BODY\]\.status == UP" failed: \[BODY\]\.status is "DEGRADED"$/);
  assert.equal(r.statusCode, 200);
});

test('max_body: a body over the monitor\'s own cap fails as body_too_large', async (t) => {
  const srv = await startHttp((_req, res) => res.end('x'.repeat(5000)));
  t.after(() => srv.close());
  assertFail(await httpProbe(target(`${srv.origin}/`, { maxBodyBytes: 1024 }), { timeoutMs: 5000 }), 'body_too_large', /exceeds 1024 bytes/);
  assertOk(await httpProbe(target(`${srv.origin}/`, { maxBodyBytes: 8192 }), { timeoutMs: 5000 }));
});

test('certificate days to expiry are reported; under min_cert_days fails as tls', async (t) => {
  const creds = selfSignedCert(); // valid for one day
  if (!creds) {
    t.skip('openssl CLI not found: cannot generate a self-signed certificate');
    return;
  }
  t.after(() => creds.cleanup());
  const srv = await startHttps(creds, (_req, res) => res.end('secure'));
  t.after(() => srv.close());
  const url = `https://127.0.0.1:${srv.port}/`;
  const ok = await httpProbe(target(url, { insecure: true, minCertDays: 0.5, conditions: ['[CERTIFICATE_EXPIRATION] > 1h'] }), { timeoutMs: 5000 });
  assertOk(ok);
  const days = ok.details?.certDaysLeft;
  assert.ok(days !== undefined && days > 0.9 && days <= 1.01, `certDaysLeft ${days}`);
  assert.match(ok.details?.certExpiresAt ?? '', /^\d{4}-\d\d-\d\dT/);
  assert.equal(ok.details?.certSubject, 'localhost');
  assert.ok(ok.phases.tlsMs !== undefined);
  const soon = await httpProbe(target(url, { insecure: true, minCertDays: 7 }), { timeoutMs: 5000 });
  assertFail(soon, 'tls', /^certificate of 127\.0\.0\.1 expires in 1\.0 days \(.*\), under min_cert_days 7$/);
  const cond = await httpProbe(target(url, { insecure: true, conditions: ['[CERTIFICATE_EXPIRATION] > 7d'] }), { timeoutMs: 5000 });
  assertFail(cond, 'assertion', /\[CERTIFICATE_EXPIRATION\] is (1d|23h 59m \d+s)$/);
  // Without insecure, the self-signed certificate is refused before any date is read.
  assertFail(await httpProbe(target(url), { timeoutMs: 5000 }), 'tls', /self[- ]signed/);
});
