// Every observation any node (or agent) writes, read back in id order by every node, so detection
// sees all of them whoever ran the check. Rows are read by id, not by time: ids are unique and
// increasing, and one indexed range query a poll costs the same whatever the number of nodes.
//
// PostgreSQL hands out ids before commit, so a slow transaction can commit id 10 after id 11 was
// read. The tail keeps those holes: ids below the highest read that it has not seen are asked for
// again on each poll until they appear or `holeWaitMs` has passed (a rolled-back insert leaves a
// hole for good). Rows past a hole are delivered at once; only the hole's own rows come late.
import type { Kysely } from 'kysely';
import type { Observation } from '../core/observation.js';
import { toObservation } from '../store/rows.js';
import type { Database } from '../store/schema.js';

export interface TailOptions {
  db: Kysely<Database>;
  /** Observations in id order within each poll. */
  onRows: (list: Observation[]) => void;
  pollMs?: number;
  /** Real ms a hole in the ids is waited for before it counts as a rolled-back insert. */
  holeWaitMs?: number;
  batch?: number;
  onError?: (err: unknown) => void;
}

export class ObservationTail {
  /** Highest id delivered. */
  private top = 0;
  /** Ids between floor and top not seen yet, with performance.now() when first missed. */
  private holes = new Map<number, number>();
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> = Promise.resolve();
  private stopped = true;
  delivered = 0;
  givenUp = 0;

  constructor(private readonly opts: TailOptions) {}

  /** Starts after the rows already stored: a node starting fresh knows nothing older, as after a restart. */
  async start(): Promise<void> {
    const r = await this.opts.db.selectFrom('observations').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst();
    this.top = Number(r?.id ?? 0);
    this.stopped = false;
    const every = this.opts.pollMs ?? 250;
    const run = () => {
      if (this.stopped) return;
      this.polling = this.poll()
        .catch((err) => this.opts.onError?.(err))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(run, every);
        });
    };
    run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.polling;
  }

  /** One read: holes first (they are older), then what is new. */
  async poll(): Promise<void> {
    const { db } = this.opts;
    const out: { id: number; o: Observation }[] = [];
    if (this.holes.size > 0) {
      const ids = [...this.holes.keys()];
      for (let i = 0; i < ids.length; i += 1000) {
        const rows = await db.selectFrom('observations').selectAll().where('id', 'in', ids.slice(i, i + 1000)).execute();
        for (const r of rows) {
          this.holes.delete(Number(r.id));
          out.push({ id: Number(r.id), o: toObservation(r) });
        }
      }
    }
    const limit = this.opts.batch ?? 5000;
    for (;;) {
      const rows = await db.selectFrom('observations').selectAll().where('id', '>', this.top).orderBy('id').limit(limit).execute();
      const now = performance.now();
      for (const r of rows) {
        const id = Number(r.id);
        // A jump this wide is not transactions in flight (a sequence moved on): nothing to wait for.
        if (id - this.top < 10_000) for (let h = this.top + 1; h < id; h++) this.holes.set(h, now);
        this.top = id;
        out.push({ id, o: toObservation(r) });
      }
      if (rows.length < limit) break;
    }
    const wait = this.opts.holeWaitMs ?? 15_000;
    const now = performance.now();
    for (const [id, since] of this.holes)
      if (now - since > wait) {
        this.holes.delete(id);
        this.givenUp++;
      }
    if (out.length === 0) return;
    out.sort((a, b) => a.id - b.id);
    this.delivered += out.length;
    this.opts.onRows(out.map((x) => x.o));
  }

  /** Ids still awaited (for metrics and tests). */
  get waiting(): number {
    return this.holes.size;
  }
}
