// A node process for the cluster tests: holds its fair share of shard leases on a real PostgreSQL
// and, every 100 ms, writes one fenced row per shard it last knew it held (fence_probe). It writes
// from that remembered set on purpose, not from the leaser's conservative local view, so a node
// resumed after SIGSTOP really tries to write under leases it lost and the database's fencing is
// what must stop it. Prints JSON lines: {"held":[[name,epoch],...]} and {"fenced":name,"epoch":n}.
import { sql } from 'kysely';
import { Leaser, LeaseLost } from '../../src/cluster/leaser.js';
import type { Held } from '../../src/store/leases.js';
import { openStore } from '../../src/store/index.js';

const [url, nodeId, ttl, count] = process.argv.slice(2);
const store = await openStore({ url: url! });
const names = Array.from({ length: Number(count) }, (_, i) => `shard/${i}`);
let known = new Map<string, Held>();
const say = (o: unknown) => process.stdout.write(JSON.stringify(o) + '\n');
const leaser = new Leaser({
  db: store.db,
  nodeId: nodeId!,
  names,
  ttlMs: Number(ttl),
  fair: true,
  onChange: (held) => {
    known = new Map(held);
    say({ held: [...held.values()].map((h) => [h.name, h.epoch]) });
  },
  onError: (err) => say({ error: String(err) }),
});
leaser.start();
setInterval(() => {
  for (const h of known.values())
    leaser
      .fenced(h, (trx) => sql`insert into fence_probe (node, shard, epoch, at) values (${nodeId}, ${h.name}, ${h.epoch}, (extract(epoch from clock_timestamp()) * 1000)::bigint)`.execute(trx))
      .catch((err) => (err instanceof LeaseLost ? say({ fenced: h.name, epoch: h.epoch }) : say({ error: String(err) })));
}, 100);
process.on('SIGTERM', () => {
  void leaser.stop().then(() => store.close()).then(() => process.exit(0));
});
