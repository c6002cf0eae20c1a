// TCP and TLS probes against real servers on 127.0.0.1.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ProbeResult } from '../src/core/observation.js';
import { tcpProbe } from '../src/probes/tcp.js';
import { tlsProbe } from '../src/probes/tls.js';
import { refusedPort, selfSignedCert, startTcp, startTlsServer } from './helpers/servers.js';

function assertFail(r: ProbeResult, kind: string, message?: RegExp) {
  assert.equal(r.ok, false, `expected a failure, got ${JSON.stringify(r)}`);
  assert.equal(r.error?.kind, kind, `expected ${kind}, got ${JSON.stringify(r.error)}`);
  if (message) assert.match(r.error.message, message);
}

test('tcp: connect only passes and measures connect', async (t) => {
  const srv = await startTcp(() => {});
  t.after(() => srv.close());
  const r = await tcpProbe({ host: '127.0.0.1', port: srv.port }, { timeoutMs: 5000 });
  assert.equal(r.ok, true, JSON.stringify(r));
  assert.ok(r.phases.connectMs !== undefined);
  assert.equal(r.details?.ip, '127.0.0.1');
});

test('tcp: a banner is expected; send and expect an answer; conditions', async (t) => {
  const srv = await startTcp((s) => {
    s.write('SSH-2.0-OpenSSH_9.6\r\n');
    s.on('data', (d) => {
      if (d.toString().startsWith('PING')) s.write('+PONG\r\n');
    });
  });
  t.after(() => srv.close());
  assert.equal((await tcpProbe({ host: '127.0.0.1', port: srv.port, expect: 'SSH-2.0' }, { timeoutMs: 5000 })).ok, true);
  const pong = await tcpProbe({ host: '127.0.0.1', port: srv.port, send: 'PING\r\n', expect: '+PONG', conditions: ['[BODY] == pat(*PONG*)', '[CONNECTED] == true'] }, { timeoutMs: 5000 });
  assert.equal(pong.ok, true, JSON.stringify(pong));
});

test('tcp: a peer that closes without the expected text is an assertion naming what it sent', async (t) => {
  const srv = await startTcp((s) => s.end('220 smtp ready\r\n'));
  t.after(() => srv.close());
  const r = await tcpProbe({ host: '127.0.0.1', port: srv.port, expect: 'SSH-2.0' }, { timeoutMs: 5000 });
  assertFail(r, 'assertion', /^expected "SSH-2\.0", but the peer closed the connection after sending "220 smtp ready\\r\\n"$/);
});

test('tcp: refused is connect; a host that does not resolve is dns', async () => {
  assertFail(await tcpProbe({ host: '127.0.0.1', port: await refusedPort() }, { timeoutMs: 5000 }), 'connect', /connection refused \(ECONNREFUSED\)/);
  const lookup = async (name: string) => {
    throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
  };
  assertFail(await tcpProbe({ host: 'nowhere.vigie.test', port: 1 }, { timeoutMs: 5000, lookup }), 'dns', /^DNS lookup of nowhere\.vigie\.test failed \(ENOTFOUND\)$/);
});

test('tls: handshake, certificate days, min_cert_days, and an untrusted certificate', async (t) => {
  const creds = selfSignedCert();
  if (!creds) {
    t.skip('openssl CLI not found: cannot generate a self-signed certificate');
    return;
  }
  t.after(() => creds.cleanup());
  const srv = await startTlsServer(creds, (s) => s.end());
  t.after(() => srv.close());
  const ok = await tlsProbe({ host: '127.0.0.1', port: srv.port, insecure: true, conditions: ['[CERTIFICATE_EXPIRATION] > 12h'] }, { timeoutMs: 5000 });
  assert.equal(ok.ok, true, JSON.stringify(ok));
  assert.ok(ok.phases.tlsMs !== undefined && ok.phases.connectMs !== undefined);
  assert.ok((ok.details?.certDaysLeft ?? 0) > 0.9);
  assertFail(await tlsProbe({ host: '127.0.0.1', port: srv.port, insecure: true, minCertDays: 30 }, { timeoutMs: 5000 }), 'tls', /expires in 1\.0 days .*under min_cert_days 30/);
  assertFail(await tlsProbe({ host: '127.0.0.1', port: srv.port }, { timeoutMs: 5000 }), 'tls', /self[- ]signed certificate/);
  assertFail(
    await tlsProbe({ host: '127.0.0.1', port: srv.port, servername: 'other.vigie.test', insecure: false }, { timeoutMs: 5000 }),
    'tls',
    /TLS handshake with other\.vigie\.test failed/,
  );
});

test('tls: a plain TCP server that never speaks TLS times out in the handshake', async (t) => {
  const srv = await startTcp(() => {});
  t.after(() => srv.close());
  assertFail(await tlsProbe({ host: '127.0.0.1', port: srv.port }, { timeoutMs: 250 }), 'timeout', /^timed out after 250 ms in TLS handshake with 127\.0\.0\.1$/);
});
