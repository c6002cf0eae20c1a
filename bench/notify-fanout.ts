// Fan-out: one incident update to N webhook subscribers (10,000 by default) on a local receiver in
// its own process. Measures the time from the outbox commit until every subscriber's delivery is
// recorded as delivered, and checks that none is lost (every idempotency key arrived) or dead.
//
//   node dist/bench/notify-fanout.js [--quick] [--subscribers N] [--concurrency C]
// SQLite in a temp directory; DATABASE_URL=postgres://… to run it on PostgreSQL.
import { runMain } from './lib/proc.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createVigie } from '../src/app.js';
import { configSchema } from '../src/config/schema.js';
import { enqueueNotifyEvent, type IncidentPayload } from '../src/store/outbox.js';
import { spawnReceiver } from '../test/helpers/receivers.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const arg = (name: string, dflt: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const N = arg('--subscribers', quick ? 1000 : 10_000);
const CONCURRENCY = arg('--concurrency', 64);

async function main() {
  const dir = await mkdtemp(join(tmpdir(), 'vigie-bench-notify-'));
  const receiver = await spawnReceiver(join(dir, 'received.jsonl'));
  const config = configSchema.parse({
    site: { title: 'Fan-out bench', port: 0 },
    store: { path: join(dir, 'vigie.db') },
    services: [{ id: 'acme', name: 'Acme', components: [{ id: 'api', name: 'API' }] }],
    notify: {
      secret: 'bench-secret-0123456789',
      subscriptions: { allow_private_webhooks: true },
      delivery: { poll: '50ms', concurrency: CONCURRENCY, batch: 1000, timeout: '10s', backoff_min: '200ms', backoff_max: '2s' },
    },
  });
  const vigie = await createVigie({ config, ...(process.env.DATABASE_URL ? { databaseUrl: process.env.DATABASE_URL } : {}) });
  try {
    // Subscribers, written directly (setup, not measured).
    const now = Date.now();
    for (let i = 0; i < N; i += 1000) {
      const rows = Array.from({ length: Math.min(1000, N - i) }, (_, k) => ({
        kind: 'webhook',
        address: `${receiver.origin}/s/${i + k}`,
        component_ids: '[]',
        locale: 'en',
        status: 'active',
        secret: `sub-secret-${i + k}-0123456789`,
        created_at: now,
        updated_at: now,
        confirmed_at: now,
        unsubscribed_at: null,
      }));
      for (let j = 0; j < rows.length; j += 200) await vigie.store.db.insertInto('notify_subscriptions').values(rows.slice(j, j + 200)).execute();
    }
    await vigie.start();

    const t0 = Date.now();
    const payload: IncidentPayload = {
      incidentId: 'bench1',
      kind: 'incident',
      name: 'API errors',
      status: 'investigating',
      impact: 'major',
      createdAt: t0,
      updatedAt: t0,
      resolvedAt: null,
      scheduledFor: null,
      scheduledUntil: null,
      update: { id: 'u1', status: 'investigating', body: 'We are looking into elevated error rates on the API.', at: t0 },
      updates: [{ id: 'u1', status: 'investigating', body: 'We are looking into elevated error rates on the API.', at: t0 }],
      components: [{ id: 'acme/api', name: 'API', serviceId: 'acme', serviceName: 'Acme', status: 'major_outage' }],
    };
    await vigie.store.db.transaction().execute((trx) => enqueueNotifyEvent(trx, { kind: 'incident', subject: 'incident:bench1', componentIds: ['acme/api'], payload, at: t0 }));
    vigie.notify.kick();

    let status = await vigie.notify.status();
    const deadline = t0 + 600_000;
    while (status.deliveries.delivered + status.deliveries.dead < N || status.events_waiting > 0) {
      if (Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 50));
      status = await vigie.notify.status();
    }
    const doneMs = Date.now() - t0;
    const lines = receiver.lines();
    const keys = new Set(lines.filter((l) => l.status < 300).map((l) => l.key));
    const arrivals = lines.map((l) => l.t - t0).sort((a, b) => a - b);
    const pct = (p: number) => arrivals[Math.min(arrivals.length - 1, Math.floor((p / 100) * arrivals.length))] ?? null;
    const result = {
      bench: 'notify-fanout',
      engine: vigie.store.engine,
      subscribers: N,
      concurrency: CONCURRENCY,
      delivered: status.deliveries.delivered,
      dead: status.deliveries.dead,
      received_unique: keys.size,
      received_total: lines.length,
      lost: N - keys.size,
      all_delivered_ms: doneMs,
      per_second: Math.round((N / doneMs) * 1000),
      first_arrival_ms: arrivals[0] ?? null,
      p50_arrival_ms: pct(50),
      p99_arrival_ms: pct(99),
      quick,
    };
    process.stdout.write(JSON.stringify(result) + '\n');
    process.stdout.write(
      `One incident update to ${N} webhook subscribers (${result.engine}, ${CONCURRENCY} in flight): all recorded delivered in ${(doneMs / 1000).toFixed(2)} s ` +
        `(${result.per_second}/s; half had it by ${result.p50_arrival_ms} ms, 99% by ${result.p99_arrival_ms} ms). ` +
        `Lost: ${result.lost}, dead: ${result.dead}, duplicates at the receiver: ${lines.length - keys.size}.\n`,
    );
    if (result.lost !== 0 || result.dead !== 0) process.exitCode = 1;
  } finally {
    await vigie.stop();
    await receiver.close();
    await rm(dir, { recursive: true, force: true });
  }
}

runMain(() => main());
