// `vigie check` with the other schemes, as a subprocess: the scheme picks the kind, the exit code
// says pass (0) / fail (1), and the output names the failure kind.
import assert from 'node:assert/strict';

import { test } from 'node:test';
import { startDns, startTcp, startWebSocket } from './helpers/servers.js';
import { runCli } from './helpers/cli.js';

const vigie = (args: string[]) => runCli(args);

test('tcp:// passes on a listening port; tls:// to a silent port fails as timeout', async (t) => {
  const srv = await startTcp(() => {});
  t.after(() => srv.close());
  const ok = await vigie(['check', `tcp://127.0.0.1:${srv.port}`, '--timeout', '3s']);
  assert.equal(ok.code, 0, ok.stderr + ok.stdout);
  assert.match(ok.stdout, /^OK\n/);
  assert.match(ok.stdout, /connect\s+[\d.]+ ms/);
  const tls = await vigie(['check', `tls://127.0.0.1:${srv.port}`, '--timeout', '300ms', '--json']);
  assert.equal(tls.code, 1);
  const o = JSON.parse(tls.stdout) as { kind: string; ok: boolean; error: { kind: string; message: string } };
  assert.equal(o.kind, 'tls');
  assert.equal(o.error.kind, 'timeout');
  assert.match(o.error.message, /in TLS handshake/);
});

test('dns:// asks the given resolver and prints the answers', async (t) => {
  const srv = await startDns({ 'status.vigie.test': { A: ['192.0.2.7'] } });
  t.after(() => srv.close());
  const ok = await vigie(['check', `dns://${srv.address}/status.vigie.test?type=A`, '--timeout', '3s']);
  assert.equal(ok.code, 0, ok.stderr + ok.stdout);
  assert.match(ok.stdout, /answer\s+192\.0\.2\.7/);
  const gone = await vigie(['check', `dns://${srv.address}/gone.vigie.test`, '--timeout', '3s']);
  assert.equal(gone.code, 1);
  assert.match(gone.stdout, /^FAIL dns: NXDOMAIN for A gone\.vigie\.test/);
});

test('ws:// checks the upgrade', async (t) => {
  const srv = await startWebSocket('forbidden');
  t.after(() => srv.close());
  const r = await vigie(['check', `${srv.origin}/socket`, '--timeout', '3s']);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /^FAIL http_status: HTTP 403, expected 101/);
});
