// DNS probe against a tiny UDP DNS server on 127.0.0.1 (test/helpers/servers.ts): never a real resolver.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DnsTarget } from '../src/config/schema.js';
import type { ProbeResult } from '../src/core/observation.js';
import { dnsProbe } from '../src/probes/dns.js';
import { startDns } from './helpers/servers.js';

function assertFail(r: ProbeResult, kind: string, message?: RegExp) {
  assert.equal(r.ok, false, `expected a failure, got ${JSON.stringify(r)}`);
  assert.equal(r.error?.kind, kind, `expected ${kind}, got ${JSON.stringify(r.error)}`);
  if (message) assert.match(r.error.message, message);
}

const zone = {
  'status.vigie.test': { A: ['192.0.2.10', '192.0.2.11'], AAAA: ['2001:db8::1'], TXT: ['v=spf1 -all'], MX: [[10, 'mail.vigie.test'] as [number, string]] },
  'alias.vigie.test': { CNAME: ['status.vigie.test'] },
};

test('dns: A, AAAA, TXT, MX answers; expected answers; conditions', async (t) => {
  const srv = await startDns(zone);
  t.after(() => srv.close());
  const q = (extra: Partial<DnsTarget>): DnsTarget => ({ name: 'status.vigie.test', recordType: 'A', resolver: srv.address, ...extra });
  const a = await dnsProbe(q({ expected: ['192.0.2.11'] }), { timeoutMs: 5000 });
  assert.equal(a.ok, true, JSON.stringify(a));
  assert.deepEqual(a.details?.answers, ['192.0.2.10', '192.0.2.11']);
  assert.equal(a.details?.rcode, 'NOERROR');
  assert.ok(a.phases.dnsMs !== undefined);
  assert.deepEqual((await dnsProbe(q({ recordType: 'AAAA' }), { timeoutMs: 5000 })).details?.answers, ['2001:db8::1']);
  assert.deepEqual((await dnsProbe(q({ recordType: 'TXT', expected: ['v=spf1 -all'] }), { timeoutMs: 5000 })).details?.answers, ['v=spf1 -all']);
  assert.deepEqual((await dnsProbe(q({ recordType: 'MX', expected: ['10 mail.vigie.test.'] }), { timeoutMs: 5000 })).details?.answers, ['10 mail.vigie.test']);
  const cname = await dnsProbe(q({ name: 'alias.vigie.test', recordType: 'CNAME', conditions: ['[BODY] == status.vigie.test', '[DNS_RCODE] == NOERROR'] }), { timeoutMs: 5000 });
  assert.equal(cname.ok, true, JSON.stringify(cname));
});

test('dns: a missing expected answer is an assertion; NXDOMAIN and empty answers are dns failures', async (t) => {
  const srv = await startDns(zone);
  t.after(() => srv.close());
  const r = await dnsProbe({ name: 'status.vigie.test', recordType: 'A', resolver: srv.address, expected: ['192.0.2.99'] }, { timeoutMs: 5000 });
  assertFail(r, 'assertion', /^expected "192\.0\.2\.99" among the A answers, got "192\.0\.2\.10", "192\.0\.2\.11"$/);
  assertFail(await dnsProbe({ name: 'gone.vigie.test', recordType: 'A', resolver: srv.address }, { timeoutMs: 5000 }), 'dns', /^NXDOMAIN for A gone\.vigie\.test from 127\.0\.0\.1:\d+$/);
  assertFail(await dnsProbe({ name: 'alias.vigie.test', recordType: 'A', resolver: srv.address }, { timeoutMs: 5000 }), 'dns', /no A records for alias\.vigie\.test/);
  // A condition on the response code takes over: NXDOMAIN can be what is expected.
  const expectGone = await dnsProbe({ name: 'gone.vigie.test', recordType: 'A', resolver: srv.address, conditions: ['[DNS_RCODE] == NXDOMAIN'] }, { timeoutMs: 5000 });
  assert.equal(expectGone.ok, true, JSON.stringify(expectGone));
});

test('dns: SERVFAIL is a dns failure naming the code', async (t) => {
  const srv = await startDns(zone, { rcode: 2 });
  t.after(() => srv.close());
  assertFail(await dnsProbe({ name: 'status.vigie.test', recordType: 'A', resolver: srv.address }, { timeoutMs: 5000 }), 'dns', /^SERVFAIL for A status\.vigie\.test/);
});
