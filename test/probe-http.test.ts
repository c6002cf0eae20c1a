// The HTTP probe against real servers on 127.0.0.1; nothing leaves loopback.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import type { IncomingMessage } from 'node:http';
import { test } from 'node:test';
import { promisify } from 'node:util';
import type { HttpTarget } from '../src/config/schema.js';
import type { ProbeResult } from '../src/core/observation.js';
import { formatProbeResult } from '../src/probes/format.js';
import { httpProbe, MAX_BODY_BYTES } from '../src/probes/http.js';
import { probeFor, probes } from '../src/probes/registry.js';
import type { LookupFn } from '../src/probes/types.js';
import { refusedPort, selfSignedCert, startHttp, startHttps, startTcp } from './helpers/servers.js';

const target = (url: string, extra: Partial<HttpTarget> = {}): HttpTarget => ({
  url,
  method: 'GET',
  headers: {},
  expectedStatus: [200],
  ...extra,
});

/** Resolves every name to loopback, so names can be used without real DNS. */
const loopbackLookup: LookupFn = async () => ({ address: '127.0.0.1', family: 4 });

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let s = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (s += c));
    req.on('end', () => resolve(s));
    req.on('error', reject);
  });
}

function assertFail(r: ProbeResult, kind: string, message?: RegExp) {
  assert.equal(r.ok, false, `expected a failure, got ${JSON.stringify(r)}`);
  assert.equal(r.degraded, false);
  assert.equal(r.error?.kind, kind, `expected ${kind}, got ${JSON.stringify(r.error)}`);
  if (message) assert.match(r.error.message, message);
}

test('200 OK: connect and first byte measured, no dns for an IP literal, no tls for http', async (t) => {
  const srv = await startHttp((_req, res) => res.end('hello'));
  t.after(() => srv.close());
  const r = await httpProbe(target(`${srv.origin}/health?x=1`), { timeoutMs: 5000 });
  assert.equal(r.ok, true, JSON.stringify(r));
  assert.equal(r.degraded, false);
  assert.equal(r.statusCode, 200);
  assert.equal(r.error, undefined);
  assert.equal(r.phases.dnsMs, undefined);
  assert.equal(r.phases.tlsMs, undefined);
  const { connectMs, firstByteMs, totalMs } = r.phases;
  assert.ok(connectMs !== undefined && connectMs >= 0);
  assert.ok(firstByteMs !== undefined && firstByteMs >= 0);
  assert.ok(totalMs > 0);
  assert.ok(connectMs + firstByteMs <= totalMs + 0.05, `phases exceed total: ${JSON.stringify(r.phases)}`);
  assert.ok(totalMs < 5000);
});

test('a host name is resolved by the probe (timed) and sent as Host', async (t) => {
  let host: string | undefined;
  const srv = await startHttp((req, res) => {
    host = req.headers.host;
    res.end();
  });
  t.after(() => srv.close());
  const names: string[] = [];
  const lookup: LookupFn = async (name) => {
    names.push(name);
    return { address: '127.0.0.1', family: 4 };
  };
  const r = await httpProbe(target(`http://status.vigie.test:${srv.port}/`), { timeoutMs: 5000, lookup });
  assert.equal(r.ok, true, JSON.stringify(r));
  assert.deepEqual(names, ['status.vigie.test']);
  assert.equal(host, `status.vigie.test:${srv.port}`);
  const { dnsMs, connectMs, firstByteMs, totalMs } = r.phases;
  assert.ok(dnsMs !== undefined && connectMs !== undefined && firstByteMs !== undefined);
  assert.ok(dnsMs + connectMs + firstByteMs <= totalMs + 0.05, JSON.stringify(r.phases));
});

test('each check opens a fresh connection', async (t) => {
  const srv = await startTcp((s) => {
    s.once('data', () => s.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: keep-alive\r\n\r\nok'));
  });
  t.after(() => srv.close());
  for (let i = 0; i < 3; i++) assert.equal((await httpProbe(target(`${srv.origin}/`), { timeoutMs: 5000 })).ok, true);
  assert.equal(srv.connections(), 3);
});

test('500 is an http_status failure with the code', async (t) => {
  const srv = await startHttp((_req, res) => {
    res.statusCode = 500;
    res.end('boom');
  });
  t.after(() => srv.close());
  const r = await httpProbe(target(`${srv.origin}/`), { timeoutMs: 5000 });
  assertFail(r, 'http_status', /^HTTP 500 Internal Server Error, expected 200$/);
  assert.equal(r.statusCode, 500);
  assert.ok(r.phases.firstByteMs !== undefined);
});

test('expected status [200, 204]: 204 passes, 404 fails naming both', async (t) => {
  const srv = await startHttp((req, res) => {
    res.statusCode = req.url === '/empty' ? 204 : 404;
    res.end();
  });
  t.after(() => srv.close());
  const ok = await httpProbe(target(`${srv.origin}/empty`, { expectedStatus: [200, 204] }), { timeoutMs: 5000 });
  assert.equal(ok.ok, true, JSON.stringify(ok));
  assert.equal(ok.statusCode, 204);
  const bad = await httpProbe(target(`${srv.origin}/missing`, { expectedStatus: [200, 204] }), { timeoutMs: 5000 });
  assertFail(bad, 'http_status', /^HTTP 404 Not Found, expected 200 or 204$/);
  assert.equal(bad.statusCode, 404);
});

test('with follow_redirects off, a 301 when 200 is expected fails naming the Location', async (t) => {
  let hits = 0;
  const srv = await startHttp((_req, res) => {
    hits++;
    res.writeHead(301, { location: '/elsewhere' });
    res.end();
  });
  t.after(() => srv.close());
  const r = await httpProbe(target(`${srv.origin}/`, { followRedirects: false }), { timeoutMs: 5000 });
  assertFail(r, 'http_status', /HTTP 301 Moved Permanently, expected 200 \(redirect to \/elsewhere, not followed\)/);
  assert.equal(hits, 1);
});

test('POST sends method, headers and body', async (t) => {
  let seen: { method?: string; token?: string | string[]; type?: string; ua?: string; body: string } | undefined;
  const srv = await startHttp(async (req, res) => {
    seen = { method: req.method, token: req.headers['x-token'], type: req.headers['content-type'], ua: req.headers['user-agent'], body: await readBody(req) };
    res.statusCode = 201;
    res.end();
  });
  t.after(() => srv.close());
  const r = await httpProbe(
    target(`${srv.origin}/api`, { method: 'POST', headers: { 'x-token': 'abc', 'content-type': 'application/json' }, body: '{"ping":1}', expectedStatus: [201] }),
    { timeoutMs: 5000 },
  );
  assert.equal(r.ok, true, JSON.stringify(r));
  assert.deepEqual(seen, { method: 'POST', token: 'abc', type: 'application/json', ua: 'Vigie-probe/0.1', body: '{"ping":1}' });
});

test('a server that accepts and never answers times out waiting for first byte', async (t) => {
  const srv = await startTcp(() => {});
  t.after(() => srv.close());
  const began = Date.now();
  const r = await httpProbe(target(`${srv.origin}/`), { timeoutMs: 300 });
  assertFail(r, 'timeout', /^timed out after 300 ms waiting for first byte$/);
  assert.ok(Date.now() - began < 300 + 2000, 'took far longer than the timeout');
  assert.ok(r.phases.connectMs !== undefined);
  assert.equal(r.phases.firstByteMs, undefined);
});

test('a slow-drip body is read to the end; total includes the transfer', async (t) => {
  const srv = await startHttp((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    let n = 0;
    const tick = setInterval(() => {
      if (n++ < 5) res.write('.');
      else {
        clearInterval(tick);
        res.end('done');
      }
    }, 40);
    res.on('close', () => clearInterval(tick));
  });
  t.after(() => srv.close());
  const r = await httpProbe(target(`${srv.origin}/`), { timeoutMs: 5000 });
  assert.equal(r.ok, true, JSON.stringify(r));
  const { firstByteMs, totalMs } = r.phases;
  assert.ok(firstByteMs !== undefined && totalMs - firstByteMs >= 150, `transfer not counted: ${JSON.stringify(r.phases)}`);
});

test('a slow-drip body that outlasts the timeout fails as timeout while reading body', async (t) => {
  const srv = await startHttp((_req, res) => {
    res.writeHead(200);
    const tick = setInterval(() => res.write('.'), 30);
    res.on('close', () => clearInterval(tick));
  });
  t.after(() => srv.close());
  const r = await httpProbe(target(`${srv.origin}/`), { timeoutMs: 400 });
  assertFail(r, 'timeout', /^timed out after 400 ms reading body \(\d+ bytes received\)$/);
  assert.equal(r.statusCode, 200);
});

test('an endless body stops at the cap with body_too_large and the connection is dropped', async (t) => {
  let served = 0;
  let dropped!: () => void;
  const droppedP = new Promise<void>((resolve) => (dropped = resolve));
  const srv = await startHttp((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const pump = () => {
      while (!res.destroyed && res.write(chunk)) served += chunk.length;
    };
    res.on('drain', pump);
    res.on('close', dropped);
    pump();
  });
  t.after(() => srv.close());
  const r = await httpProbe(target(`${srv.origin}/`), { timeoutMs: 10_000 });
  assertFail(r, 'body_too_large', new RegExp(`exceeds ${MAX_BODY_BYTES} bytes`));
  assert.equal(r.statusCode, 200);
  await droppedP; // the server saw the connection close: we stopped reading
  assert.ok(served < 64 * MAX_BODY_BYTES, `server pushed ${served} bytes`);
});

test('a refused port is a connect failure', async () => {
  const port = await refusedPort();
  const r = await httpProbe(target(`http://127.0.0.1:${port}/`), { timeoutMs: 5000 });
  assertFail(r, 'connect', /connection refused \(ECONNREFUSED\)/);
  assert.equal(r.phases.connectMs, undefined);
  assert.equal(r.statusCode, undefined);
});

test('a connection reset before any response is a connect failure', async (t) => {
  const srv = await startTcp((s) => s.once('data', () => s.resetAndDestroy()));
  t.after(() => srv.close());
  const r = await httpProbe(target(`${srv.origin}/`), { timeoutMs: 5000 });
  assertFail(r, 'connect', /lost before a response/);
});

test('a connection closed before any response is a connect failure', async (t) => {
  const srv = await startTcp((s) => s.once('data', () => s.end()));
  t.after(() => srv.close());
  const r = await httpProbe(target(`${srv.origin}/`), { timeoutMs: 5000 });
  assertFail(r, 'connect', /lost before a response/);
});

test('a DNS failure (injected ENOTFOUND) is a dns failure', async () => {
  const lookup: LookupFn = async (name) => {
    throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND', hostname: name });
  };
  const r = await httpProbe(target('http://nowhere.vigie.test/'), { timeoutMs: 5000, lookup });
  assertFail(r, 'dns', /^DNS lookup of nowhere\.vigie\.test failed \(ENOTFOUND\)$/);
  assert.equal(r.phases.dnsMs, undefined);
  assert.equal(r.phases.connectMs, undefined);
});

test('a DNS lookup that never answers times out while resolving', async () => {
  const lookup: LookupFn = () => new Promise(() => {});
  const r = await httpProbe(target('http://slow-dns.vigie.test/'), { timeoutMs: 200, lookup });
  assertFail(r, 'timeout', /^timed out after 200 ms resolving slow-dns\.vigie\.test$/);
});

test('a DNS answer arriving after the deadline opens no connection', async (t) => {
  const srv = await startTcp(() => {});
  t.after(() => srv.close());
  let answered!: () => void;
  const answeredP = new Promise<void>((resolve) => (answered = resolve));
  const lookup: LookupFn = () =>
    new Promise((resolve) =>
      setTimeout(() => {
        resolve({ address: '127.0.0.1', family: 4 });
        answered();
      }, 250),
    );
  const r = await httpProbe(target(`https://late-dns.vigie.test:${srv.port}/`), { timeoutMs: 100, lookup });
  assertFail(r, 'timeout', /resolving late-dns\.vigie\.test$/);
  await answeredP;
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(srv.connections(), 0);
});

test('HTTPS with a self-signed certificate is a tls failure; SNI carries the host name', async (t) => {
  const creds = selfSignedCert();
  if (!creds) {
    t.skip('openssl CLI not found: cannot generate a self-signed certificate');
    return;
  }
  t.after(() => creds.cleanup());
  const sni: string[] = [];
  const srv = await startHttps(creds, (_req, res) => res.end('secret'), (name) => sni.push(name));
  t.after(() => srv.close());
  const r = await httpProbe(target(`https://localhost:${srv.port}/`), { timeoutMs: 5000, lookup: loopbackLookup });
  assertFail(r, 'tls', /TLS handshake with localhost failed: self[- ]signed certificate/);
  assert.deepEqual(sni, ['localhost']);
  assert.ok(r.phases.dnsMs !== undefined && r.phases.connectMs !== undefined);
  assert.equal(r.phases.tlsMs, undefined);
});

test('HTTPS to a plain-HTTP port is a tls failure', async (t) => {
  const srv = await startHttp((_req, res) => res.end());
  t.after(() => srv.close());
  const r = await httpProbe(target(`https://127.0.0.1:${srv.port}/`), { timeoutMs: 5000 });
  assertFail(r, 'tls', /wrong version number \(ERR_SSL_WRONG_VERSION_NUMBER\)$/);
});

test('HTTPS with a trusted certificate measures tls (child process trusting the test CA)', async (t) => {
  const creds = selfSignedCert();
  if (!creds) {
    t.skip('openssl CLI not found: cannot generate a self-signed certificate');
    return;
  }
  t.after(() => creds.cleanup());
  const srv = await startHttps(creds, (_req, res) => res.end('secure'));
  t.after(() => srv.close());
  // The trust store is fixed at process start, so the probe runs in a child that trusts our cert.
  const probeModule = new URL('../src/probes/http.js', import.meta.url).href;
  const script = `
    import { httpProbe } from ${JSON.stringify(probeModule)};
    const lookup = async () => ({ address: '127.0.0.1', family: 4 });
    const target = { url: 'https://localhost:${srv.port}/', method: 'GET', headers: {}, expectedStatus: [200] };
    const [byName, byIp, wrongName] = [
      await httpProbe(target, { timeoutMs: 5000, lookup }),
      await httpProbe({ ...target, url: 'https://127.0.0.1:${srv.port}/' }, { timeoutMs: 5000 }),
      await httpProbe({ ...target, url: 'https://wrong.vigie.test:${srv.port}/' }, { timeoutMs: 5000, lookup }),
    ];
    process.stdout.write(JSON.stringify({ byName, byIp, wrongName }));
  `;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, NODE_EXTRA_CA_CERTS: creds.certPath },
    timeout: 20_000,
  });
  const { byName, byIp, wrongName } = JSON.parse(stdout) as Record<'byName' | 'byIp' | 'wrongName', ProbeResult>;
  for (const r of [byName, byIp]) {
    assert.equal(r.ok, true, JSON.stringify(r));
    const { connectMs, tlsMs, firstByteMs, totalMs } = r.phases;
    assert.ok(connectMs !== undefined && tlsMs !== undefined && firstByteMs !== undefined, JSON.stringify(r.phases));
    assert.ok(connectMs + tlsMs + firstByteMs + (r.phases.dnsMs ?? 0) <= totalMs + 0.05, JSON.stringify(r.phases));
  }
  assert.ok(byName.phases.dnsMs !== undefined);
  assert.equal(byIp.phases.dnsMs, undefined);
  // A trusted certificate for another name is still refused.
  assertFail(wrongName, 'tls', /wrong\.vigie\.test.*(ERR_TLS_CERT_ALTNAME_INVALID)/);
});

test('a TLS server that never answers the handshake times out in the handshake', async (t) => {
  const srv = await startTcp(() => {});
  t.after(() => srv.close());
  const r = await httpProbe(target(`https://127.0.0.1:${srv.port}/`), { timeoutMs: 250 });
  assertFail(r, 'timeout', /^timed out after 250 ms in TLS handshake with 127\.0\.0\.1$/);
  assert.ok(r.phases.connectMs !== undefined);
  assert.equal(r.phases.tlsMs, undefined);
});

test('garbage bytes instead of HTTP are a protocol failure', async (t) => {
  const srv = await startTcp((s) => s.once('data', () => s.end('SSH-2.0-OpenSSH_9.6 nonsense\r\n\r\n')));
  t.after(() => srv.close());
  const r = await httpProbe(target(`${srv.origin}/`), { timeoutMs: 5000 });
  assertFail(r, 'protocol', /malformed HTTP response/);
});

test('a body cut short of its content-length is a protocol failure', async (t) => {
  const srv = await startTcp((s) => s.once('data', () => s.end('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly a bit')));
  t.after(() => srv.close());
  const r = await httpProbe(target(`${srv.origin}/`), { timeoutMs: 5000 });
  assertFail(r, 'protocol', /cut short/);
  assert.equal(r.statusCode, 200);
});

test('slower than degradedAfterMs is ok but degraded', async (t) => {
  const srv = await startHttp((_req, res) => {
    const timer = setTimeout(() => res.end('late'), 150);
    res.on('close', () => clearTimeout(timer));
  });
  t.after(() => srv.close());
  const slow = await httpProbe(target(`${srv.origin}/`), { timeoutMs: 5000, degradedAfterMs: 50 });
  assert.equal(slow.ok, true, JSON.stringify(slow));
  assert.equal(slow.degraded, true);
  const fine = await httpProbe(target(`${srv.origin}/`), { timeoutMs: 5000, degradedAfterMs: 4000 });
  assert.equal(fine.ok, true);
  assert.equal(fine.degraded, false);
  const none = await httpProbe(target(`${srv.origin}/`), { timeoutMs: 5000, degradedAfterMs: null });
  assert.equal(none.degraded, false);
});

test('aborting the signal ends the check as a timeout in its phase', async (t) => {
  const srv = await startTcp(() => {});
  t.after(() => srv.close());
  const r = await httpProbe(target(`${srv.origin}/`), { timeoutMs: 10_000, signal: AbortSignal.timeout(150) });
  assertFail(r, 'timeout', /^aborted after \d+ ms waiting for first byte$/);
  const pre = await httpProbe(target(`${srv.origin}/`), { timeoutMs: 10_000, signal: AbortSignal.abort() });
  assertFail(pre, 'timeout', /aborted before/);
});

test('a malformed URL is a failure, not a throw', async () => {
  const r = await httpProbe(target('not a url'), { timeoutMs: 1000 });
  assertFail(r, 'protocol', /invalid URL/);
});

test('registry maps http to the http probe', () => {
  assert.equal(probes.http, httpProbe);
  assert.equal(probeFor('http'), httpProbe);
  assert.throws(() => probeFor('smtp' as 'http'), /no probe for kind "smtp"/);
});

test('formatProbeResult: verdict, status, aligned phases', () => {
  const ok = formatProbeResult('http://x.test/', { ok: true, degraded: false, statusCode: 200, phases: { dnsMs: 1.234, connectMs: 0.5, firstByteMs: 12, totalMs: 123.45 } });
  assert.equal(
    ok,
    [
      'OK',
      '  url         http://x.test/',
      '  status      200 OK',
      '  dns           1.2 ms',
      '  connect       0.5 ms',
      '  first byte   12.0 ms',
      '  total       123.5 ms',
    ].join('\n'),
  );
  const slow = formatProbeResult('http://x.test/', { ok: true, degraded: true, statusCode: 200, phases: { totalMs: 900 } });
  assert.match(slow, /^DEGRADED\n/);
  const fail = formatProbeResult('http://x.test/', {
    ok: false,
    degraded: false,
    phases: { connectMs: 1, totalMs: 3000 },
    error: { kind: 'timeout', message: 'timed out after 3000 ms waiting for first byte' },
  });
  assert.match(fail, /^FAIL timeout: timed out after 3000 ms waiting for first byte\n/);
  assert.match(fail, /status +none/);
  assert.doesNotMatch(fail, /tls|first byte +\d/);
});
