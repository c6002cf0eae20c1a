// Bad targets must not hurt Vigie: each misbehaving local server gives its classified failure
// within the check's timeout, and once the check is over nothing of it is left running (no
// socket, resolver query or child process). This file must also exit on its own.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { ProbeResult } from '../src/core/observation.js';
import { dnsProbe } from '../src/probes/dns.js';
import { httpProbe } from '../src/probes/http.js';
import { tcpProbe } from '../src/probes/tcp.js';
import { tlsProbe } from '../src/probes/tls.js';
import { websocketProbe } from '../src/probes/websocket.js';
import { type Running, selfSignedCert, startDns, startHttp, startHttps, startTcp } from './helpers/servers.js';

const http = (url: string) => ({ url, method: 'GET', headers: {}, expectedStatus: [200] });
/** Slack for a loaded CI machine: the check must end near its timeout, never run on. */
const SLACK_MS = 1500;

/** Handle kinds a finished probe must not leave behind. */
const PROBE_HANDLES = new Set(['TCPSocketWrap', 'TLSWrap', 'UDPWRAP', 'QueryReqWrap', 'GetAddrInfoReqWrap', 'ProcessWrap']);
const leftovers = () => process.getActiveResourcesInfo().filter((r) => PROBE_HANDLES.has(r));

/** Runs a probe, checks its failure and time; then, when given the server, closes it and checks nothing is left open. */
async function expectFailure(run: () => Promise<ProbeResult>, timeoutMs: number, kind: string, message: RegExp, server?: Running | { close(): Promise<void> }) {
  const began = Date.now();
  const r = await run();
  const took = Date.now() - began;
  assert.equal(r.ok, false, JSON.stringify(r));
  assert.equal(r.error?.kind, kind, JSON.stringify(r.error));
  assert.match(r.error.message, message);
  assert.ok(took < timeoutMs + SLACK_MS, `took ${took} ms for a ${timeoutMs} ms timeout`);
  if (!server) return; // the server's own sockets stay open until it closes
  await server.close();
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.deepEqual(leftovers(), [], 'the probe left handles open');
}

after(() => assert.deepEqual(leftovers(), []));

test('slow drip: a body trickling a byte at a time fails as timeout while reading the body', async () => {
  const srv = await startHttp((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    const tick = setInterval(() => res.write('.'), 50);
    res.on('close', () => clearInterval(tick));
  });
  await expectFailure(() => httpProbe(http(`${srv.origin}/`), { timeoutMs: 600 }), 600, 'timeout', /^timed out after 600 ms reading body \(\d+ bytes received\)$/, srv);
});

test('slow drip of headers: a server that dribbles its status line fails as timeout waiting for first byte', async () => {
  const srv = await startTcp((s) => {
    const bytes = 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok';
    let i = 0;
    const tick = setInterval(() => (i < bytes.length ? s.write(bytes[i++]!) : clearInterval(tick)), 200);
    s.on('close', () => clearInterval(tick));
  });
  await expectFailure(() => httpProbe(http(`${srv.origin}/`), { timeoutMs: 500 }), 500, 'timeout', /waiting for first byte$/, srv);
});

test('endless body: stops at the cap as body_too_large', async () => {
  const srv = await startHttp((_req, res) => {
    res.writeHead(200);
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const pump = () => {
      while (!res.destroyed && res.write(chunk));
    };
    res.on('drain', pump);
    pump();
  });
  await expectFailure(() => httpProbe(http(`${srv.origin}/`), { timeoutMs: 10_000 }), 10_000, 'body_too_large', /exceeds 1048576 bytes/, srv);
});

test('redirect loop: protocol, naming the loop', async () => {
  const srv = await startHttp((req, res) => res.writeHead(301, { location: req.url === '/a' ? '/b' : '/a' }).end());
  await expectFailure(() => httpProbe(http(`${srv.origin}/a`), { timeoutMs: 3000 }), 3000, 'protocol', /^redirect loop: /, srv);
});

test('invalid certificate: tls, for http, tls and wss alike', async (t) => {
  const creds = selfSignedCert();
  if (!creds) {
    t.skip('openssl CLI not found: cannot generate a self-signed certificate');
    return;
  }
  t.after(() => creds.cleanup());
  const srv = await startHttps(creds, (_req, res) => res.end('x'));
  const selfSigned = /self[- ]signed certificate/;
  await expectFailure(() => httpProbe(http(`https://127.0.0.1:${srv.port}/`), { timeoutMs: 3000 }), 3000, 'tls', selfSigned);
  await expectFailure(() => tlsProbe({ host: '127.0.0.1', port: srv.port }, { timeoutMs: 3000 }), 3000, 'tls', selfSigned);
  await expectFailure(() => websocketProbe({ url: `wss://127.0.0.1:${srv.port}/`, headers: {} }, { timeoutMs: 3000 }), 3000, 'tls', selfSigned, srv);
});

test('DNS that never answers: timeout, and the query is cancelled', async () => {
  const srv = await startDns({}, { silent: true });
  await expectFailure(
    () => dnsProbe({ name: 'status.vigie.test', recordType: 'A', resolver: srv.address }, { timeoutMs: 500 }),
    500,
    'timeout',
    /(timed out after 500 ms waiting for 127\.0\.0\.1:\d+ to answer A status\.vigie\.test|did not answer A status\.vigie\.test within 500 ms)$/,
    srv,
  );
  assert.ok(srv.queries() >= 1, 'the query reached the server');
});

test('a port that accepts and never speaks: timeout for http, tcp expect, tls and websocket', async (t) => {
  const srv = await startTcp(() => {});
  t.after(() => srv.close());
  await expectFailure(() => httpProbe(http(`${srv.origin}/`), { timeoutMs: 400 }), 400, 'timeout', /waiting for first byte$/);
  await expectFailure(() => tcpProbe({ host: '127.0.0.1', port: srv.port, expect: 'SSH-' }, { timeoutMs: 400 }), 400, 'timeout', /waiting for "SSH-" from 127\.0\.0\.1:\d+$/);
  await expectFailure(() => tlsProbe({ host: '127.0.0.1', port: srv.port }, { timeoutMs: 400 }), 400, 'timeout', /in TLS handshake with 127\.0\.0\.1$/);
  await expectFailure(() => websocketProbe({ url: `ws://127.0.0.1:${srv.port}/`, headers: {} }, { timeoutMs: 400 }), 400, 'timeout', /waiting for the handshake response$/, srv);
});

test('many bad checks at once leave the process healthy', async (t) => {
  const srv = await startTcp(() => {});
  t.after(() => srv.close());
  const results = await Promise.all(Array.from({ length: 50 }, () => httpProbe(http(`${srv.origin}/`), { timeoutMs: 300 })));
  assert.ok(results.every((r) => r.error?.kind === 'timeout'));
  await srv.close();
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.deepEqual(leftovers(), []);
});
