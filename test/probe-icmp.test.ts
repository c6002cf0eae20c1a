// ICMP probe through the system `ping`, against 127.0.0.1 only. Skipped (saying why) when ping is
// missing; a missing or unprivileged ping must still be a classified failure, never a crash.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { icmpProbe, makeIcmpProbe } from '../src/probes/icmp.js';
import { PING_SKIP } from './helpers/requirements.js';


test('icmp: 127.0.0.1 answers (or ping lacks the privilege, which is classified)', async (t) => {
  if (PING_SKIP) {
    t.skip(PING_SKIP);
    return;
  }
  const r = await icmpProbe({ host: '127.0.0.1' }, { timeoutMs: 5000 });
  if (!r.ok && /not permitted/.test(r.error?.message ?? '')) {
    assert.equal(r.error?.kind, 'protocol');
    t.diagnostic(`ping cannot send ICMP here: ${r.error?.message}`);
    return;
  }
  assert.equal(r.ok, true, JSON.stringify(r));
  assert.ok((r.details?.rttMs ?? -1) >= 0);
});

test('icmp: without a ping command the check fails as protocol and says so', async () => {
  const probe = makeIcmpProbe('vigie-no-such-ping-command');
  const r = await probe({ host: '127.0.0.1' }, { timeoutMs: 2000 });
  assert.equal(r.ok, false);
  assert.equal(r.error?.kind, 'protocol');
  assert.match(r.error?.message ?? '', /^ping is not installed \(no "vigie-no-such-ping-command" command on PATH\)/);
});

test('icmp: a target that looks like an option is refused before ping runs', async () => {
  const r = await icmpProbe({ host: '-f' }, { timeoutMs: 2000 });
  assert.equal(r.error?.kind, 'dns');
});
