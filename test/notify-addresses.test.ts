// Public webhook subscriptions may not reach private addresses: the host when subscribing, and
// every resolved address at each delivery (a name may point inside later).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isPrivateAddress, isPrivateHost, type Lookup } from '../src/notify/addresses.js';
import { createHttpClient } from '../src/notify/http.js';
import { startRecorder } from './helpers/receivers.js';

test('private, loopback, link-local and reserved addresses, both families and IPv4-mapped', () => {
  for (const ip of ['127.0.0.1', '10.9.8.7', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '::1', '::', 'fd12::1', 'fe80::1', '::ffff:10.0.0.1', '::ffff:127.0.0.1'])
    assert.equal(isPrivateAddress(ip), true, ip);
  for (const ip of ['8.8.8.8', '172.32.0.1', '192.169.0.1', '2001:4860:4860::8888', '::ffff:8.8.8.8', 'not-an-ip']) assert.equal(isPrivateAddress(ip), false, ip);
  for (const h of ['localhost', 'api.localhost', 'printer.local', 'db.internal', '[::1]', '127.0.0.1']) assert.equal(isPrivateHost(h), true, h);
  assert.equal(isPrivateHost('hooks.example.com'), false);
});

test('a public-only client refuses a name that resolves inside, and a literal private address, without connecting', async (t) => {
  const rec = await startRecorder();
  t.after(() => rec.close());
  const port = new URL(rec.origin).port;
  // A resolver standing in for DNS: the name points at the recorder on loopback.
  const lookup: Lookup = (host, _o, cb) => (host === 'hooks.example.test' ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' }), []));
  const guarded = createHttpClient({ publicOnly: true, lookup });
  const open = createHttpClient({ lookup });
  t.after(() => Promise.all([guarded.close(), open.close()]));

  const byName = await guarded.post(`http://hooks.example.test:${port}/hook`, '{}', {}, 2000);
  assert.equal(byName.ok, false);
  assert.equal(byName.permanent, true);
  assert.match(byName.error ?? '', /hooks\.example\.test resolves to 127\.0\.0\.1, a private address/);
  const literal = await guarded.post(`${rec.origin}/hook`, '{}', {}, 2000);
  assert.deepEqual([literal.ok, literal.permanent], [false, true]);
  assert.equal(rec.requests.length, 0, 'nothing reached the private address');

  // The same request without the guard (operator channels, or allow_private_webhooks) goes through.
  assert.equal((await open.post(`${rec.origin}/hook`, '{}', {}, 2000)).ok, true);
  assert.equal(rec.requests.length, 1);
});
