// WebSocket probe: the upgrade handshake against local servers that accept, lie, refuse or stall.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ProbeResult } from '../src/core/observation.js';
import { websocketProbe } from '../src/probes/websocket.js';
import { startWebSocket } from './helpers/servers.js';
import { waitFor } from './helpers/wait.js';

function assertFail(r: ProbeResult, kind: string, message?: RegExp) {
  assert.equal(r.ok, false, `expected a failure, got ${JSON.stringify(r)}`);
  assert.equal(r.error?.kind, kind, `expected ${kind}, got ${JSON.stringify(r.error)}`);
  if (message) assert.match(r.error.message, message);
}

test('websocket: a proper 101 with the right accept passes, then we close politely', async (t) => {
  const srv = await startWebSocket('accept', { protocol: 'graphql-ws' });
  t.after(() => srv.close());
  const r = await websocketProbe({ url: `${srv.origin}/live?x=1`, headers: { 'x-probe': '1' }, subprotocol: 'graphql-ws' }, { timeoutMs: 5000 });
  assert.equal(r.ok, true, JSON.stringify(r));
  assert.equal(r.statusCode, 101);
  assert.ok(r.phases.connectMs !== undefined && r.phases.firstByteMs !== undefined);
  await waitFor('the close frame', () => srv.closeFrames() > 0, 2000);
});

test('websocket: a wrong Sec-WebSocket-Accept is a protocol failure', async (t) => {
  const srv = await startWebSocket('wrong-accept');
  t.after(() => srv.close());
  assertFail(await websocketProbe({ url: `${srv.origin}/`, headers: {} }, { timeoutMs: 5000 }), 'protocol', /^Sec-WebSocket-Accept is ".*", expected /);
});

test('websocket: a refused upgrade is an http_status failure', async (t) => {
  const srv = await startWebSocket('forbidden');
  t.after(() => srv.close());
  assertFail(await websocketProbe({ url: `${srv.origin}/`, headers: {} }, { timeoutMs: 5000 }), 'http_status', /^HTTP 403, expected 101 Switching Protocols/);
});

test('websocket: a server that never answers the upgrade times out waiting for the handshake', async (t) => {
  const srv = await startWebSocket('silent');
  t.after(() => srv.close());
  assertFail(await websocketProbe({ url: `${srv.origin}/`, headers: {} }, { timeoutMs: 300 }), 'timeout', /^timed out after 300 ms waiting for the handshake response$/);
});
