// Faults with real receiver processes: a receiver down then back, answering 500s, answering too
// slowly; Vigie SIGKILLed with deliveries in flight and restarted; a malformed channel config.
// Every test checks the outcome (all delivered, none twice once deduplicated by idempotency key,
// in order per component and per incident), never timings. Backoffs are short for tests.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { createVigie } from '../src/app.js';
import { configSchema } from '../src/config/schema.js';
import { enqueueNotifyEvent, type IncidentPayload } from '../src/store/outbox.js';
import { openStore } from '../src/store/store.js';
import { type ReceiverLine, spawnReceiver, startRecorder } from './helpers/receivers.js';
import { waitFor } from './helpers/wait.js';

const here = dirname(fileURLToPath(import.meta.url));

function baseConfig(dbPath: string, hookUrl: string, delivery: Record<string, unknown> = {}) {
  return {
    site: { title: 'Acme status', port: 0 },
    store: { path: dbPath },
    services: [{ id: 'acme', name: 'Acme', components: [{ id: 'api', name: 'API' }, { id: 'web', name: 'Web' }] }],
    notify: {
      secret: 'notify-secret-0123456789',
      channels: { hook: { type: 'webhook', url: hookUrl } },
      rules: [{ name: 'all', channels: ['hook'], statuses: ['major_outage'] }],
      delivery: { poll: '20ms', backoff_min: '20ms', backoff_max: '100ms', timeout: '2s', lease: '500ms', ...delivery },
    },
  };
}

/** First accepted (2xx) line per idempotency key, in arrival order. */
function accepted(lines: ReceiverLine[]): ReceiverLine[] {
  const seen = new Set<string>();
  return lines.filter((l) => l.status < 300 && !seen.has(l.key) && seen.add(l.key));
}

/** For each order subject, the sequence numbers in the order they were first accepted. */
function sequences(lines: ReceiverLine[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const l of accepted(lines)) {
    const ev = l.body.event;
    const subject = ev.incidentId ? `incident:${ev.incidentId}` : `component:${ev.componentId}`;
    const seq = ev.incidentId ? Number(ev.update.id.slice(1)) : Number(/seq:(\d+)/.exec(ev.reason)![1]);
    out.set(subject, [...(out.get(subject) ?? []), seq]);
  }
  return out;
}

const increasing = (xs: number[]) => xs.every((x, i) => i === 0 || x > xs[i - 1]!);

describe('notify faults', () => {
  it('receiver down, then answering 500s, then too slowly, then back: all delivered once each after dedup, in order per component and incident', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vigie-notify-'));
    const receiver = await spawnReceiver(join(dir, 'received.jsonl'));
    const cfg = configSchema.parse({
      ...baseConfig(join(dir, 'vigie.db'), `${receiver.origin}/hook`, { timeout: '150ms' }),
    });
    cfg.notify.rules[0]!.events = ['component', 'incident'];
    cfg.notify.rules[0]!.statuses = ['major_outage'];
    const vigie = await createVigie({ config: cfg });
    try {
      await vigie.start();
      await receiver.kill(); // down
      const ROUNDS = 4;
      let expected = 0;
      for (let i = 1; i <= ROUNDS; i++) {
        for (const c of ['acme/api', 'acme/web']) {
          await vigie.store.recordComponentStatus({ componentId: c, status: i % 2 === 1 ? 'major_outage' : 'operational', at: Date.now(), reason: `seq:${i}` });
          expected++;
        }
        // An incident update each round, through the outbox like the incident engine's writes.
        const updates = Array.from({ length: i }, (_, k) => ({ id: `u${i - k}`, status: 'investigating', body: `update ${i - k}`, at: Date.now() }));
        const payload: IncidentPayload = {
          incidentId: 'inc1', kind: 'incident', name: 'API errors', status: i === ROUNDS ? 'resolved' : 'investigating', impact: 'major',
          createdAt: Date.now(), updatedAt: Date.now(), resolvedAt: null, scheduledFor: null, scheduledUntil: null,
          update: updates[0]!, updates, components: [{ id: 'acme/api', name: 'API', serviceId: 'acme', serviceName: 'Acme', status: 'major_outage' }],
        };
        await vigie.store.db.transaction().execute((trx) => enqueueNotifyEvent(trx, { kind: 'incident', subject: 'incident:inc1', componentIds: ['acme/api'], payload, at: Date.now() }));
        expected++;
      }
      vigie.notify.kick();
      // While it is down, attempts fail and are retried.
      await waitFor('failed attempts while the receiver is down', async () => (await vigie.store.db.selectFrom('notify_deliveries').select('id').where('attempts', '>=', 2).execute()).length > 0);
      await receiver.restart();
      await receiver.setMode('500');
      await waitFor('500s answered', () => receiver.lines().filter((l) => l.status === 500).length >= 3);
      await receiver.setMode('slow:400'); // slower than the 150 ms timeout: processed, but we never hear back
      await waitFor('slow answers', () => receiver.lines().filter((l) => l.status === 200).length >= 2);
      await receiver.setMode('ok');
      await waitFor('every delivery recorded as delivered', async () => (await vigie.notify.status()).deliveries.delivered === expected, 30_000);

      const lines = receiver.lines();
      const firsts = accepted(lines);
      assert.equal(firsts.length, expected, 'every notification arrived');
      assert.equal(new Set(firsts.map((l) => l.key)).size, expected, 'none twice once deduplicated by idempotency key');
      assert.ok(lines.length > expected, 'there were retries and duplicates to drop');
      const seqs = sequences(lines);
      assert.deepEqual([...seqs.keys()].sort(), ['component:acme/api', 'component:acme/web', 'incident:inc1']);
      for (const [subject, xs] of seqs) assert.ok(increasing(xs), `${subject} in order: ${xs.join(',')}`);
      assert.equal(seqs.get('incident:inc1')!.length, ROUNDS);
      assert.equal((await vigie.notify.status()).deliveries.dead, 0);
    } finally {
      await vigie.stop();
      await receiver.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('Vigie SIGKILLed with deliveries in flight, then restarted: nothing lost, in order', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vigie-notify-'));
    const receiver = await spawnReceiver(join(dir, 'received.jsonl'), 'slow:150');
    const config = baseConfig(join(dir, 'vigie.db'), `${receiver.origin}/hook`);
    (config.notify.rules[0] as { statuses: string[] }).statuses = ['major_outage'];
    const CHANGES = 6;
    const spawnVigie = (changes: number) => {
      const child = spawn(process.execPath, [join(here, 'helpers', 'notify-child.js')], {
        env: { ...process.env, VIGIE_CONFIG: JSON.stringify(config), CHANGES: String(changes), COMPONENTS: 'acme/api,acme/web' },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      return { child, out: () => out };
    };
    const killed = (c: ChildProcess) => new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r(null) : c.once('exit', r)));
    let second: ChildProcess | undefined;
    try {
      const first = spawnVigie(CHANGES);
      await waitFor('changes recorded', () => first.out().includes('changed'));
      await waitFor('some deliveries in flight', () => receiver.lines().length >= 2);
      first.child.kill('SIGKILL');
      await killed(first.child);
      const before = accepted(receiver.lines()).length;
      assert.ok(before < CHANGES * 2, 'killed before it could deliver everything');

      const restarted = spawnVigie(0);
      second = restarted.child;
      await waitFor('all delivered after restart', () => accepted(receiver.lines()).length === CHANGES * 2, 30_000);
      second.kill('SIGTERM');
      await killed(second);

      const seqs = sequences(receiver.lines());
      assert.deepEqual(seqs.get('component:acme/api'), [1, 2, 3, 4, 5, 6]);
      assert.deepEqual(seqs.get('component:acme/web'), [1, 2, 3, 4, 5, 6]);
      const store = await openStore({ path: config.store.path });
      try {
        const rows = await store.db.selectFrom('notify_deliveries').select(['status']).execute();
        assert.equal(rows.length, CHANGES * 2);
        assert.ok(rows.every((r) => r.status === 'delivered'));
      } finally {
        await store.close();
      }
    } finally {
      if (second && second.exitCode === null && second.signalCode === null) second.kill('SIGKILL');
      await receiver.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a malformed channel config: a clear error at startup naming the channel and field; the other channels keep working', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vigie-notify-'));
    const rec = await startRecorder();
    const logs: string[] = [];
    const logger = pino({ level: 'info' }, new Writable({ write: (c, _e, cb) => (logs.push(String(c)), cb()) }));
    const config = configSchema.parse({
      ...baseConfig(join(dir, 'vigie.db'), `${rec.origin}/hook`),
      notify: {
        secret: 'notify-secret-0123456789',
        channels: { hook: { type: 'webhook', url: `${rec.origin}/hook` }, broken: { type: 'slack', url: 'hooks.slack.com/no-scheme' } },
        rules: [{ name: 'all', channels: ['broken', 'hook'] }],
        delivery: { poll: '20ms', backoff_min: '20ms', backoff_max: '100ms' },
      },
    });
    const vigie = await createVigie({ config, logger });
    try {
      const line = logs.map((l) => JSON.parse(l) as { level: number; msg: string; channel?: string; field?: string }).find((l) => l.channel === 'broken');
      assert.ok(line, 'logged at startup');
      assert.equal(line.level, 50);
      assert.equal(line.field, 'url');
      assert.match(line.msg, /notify channel "broken" \(slack\): field "url": must be an http:\/\/ or https:\/\/ URL/);
      assert.deepEqual(vigie.notify.problems.map((p) => [p.channel, p.field]), [['broken', 'url']]);
      await vigie.start();
      await vigie.store.recordComponentStatus({ componentId: 'acme/api', status: 'major_outage', at: Date.now(), reason: 'x' });
      await waitFor('the good channel delivers', () => rec.requests.length === 1);
      const broken = await waitFor('the broken channel says why', async () =>
        (await vigie.store.db.selectFrom('notify_deliveries').selectAll().where('target', '=', 'channel:broken').where('attempts', '>=', 1).executeTakeFirst()) ?? undefined,
      );
      assert.equal(broken.status, 'pending', 'kept for when the config is fixed');
      assert.match(broken.last_error ?? '', /notify channel "broken" \(slack\): field "url"/);
    } finally {
      await vigie.stop();
      await rec.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
