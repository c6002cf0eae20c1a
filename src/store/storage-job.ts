// The storage job on the clock: every minute it rolls up what was written since its last run,
// compacts the raw rows of finished hours into chunks, then deletes raw observations past their
// retention; rollups past theirs are pruned once an hour, when PostgreSQL also gets its VACUUM.
// Each run is bounded (batches per run) and the rollup's watermark is in the database, so a crash
// or a restart loses nothing and counts nothing twice.
import type { Clock, TimerHandle } from '../core/time.js';
import { compactObservations, type CompactRun } from './chunks.js';
import { runRollups, type RollupRun } from './rollups.js';
import { applyRetention, reclaimSpace, type RetentionPolicy, type RetentionRun } from './retention.js';
import type { Store } from './store.js';

export interface StorageJobOptions {
  store: Store;
  clock: Clock;
  policy: RetentionPolicy;
  /** Clock ms between runs. Default one minute. */
  everyMs?: number;
  /** Clock ms between rollup-table prunes. Default one hour. */
  rollupPruneEveryMs?: number;
  onRun?: (r: { rollup: RollupRun; compaction: CompactRun; retention: RetentionRun }) => void;
  onError?: (err: unknown) => void;
}

export class StorageJob {
  private timer: TimerHandle | undefined;
  private running: Promise<void> | undefined;
  private lastRollupPrune = -Infinity;
  private stopped = true;

  constructor(private opts: StorageJobOptions) {}

  start(): void {
    this.stopped = false;
    this.arm();
  }

  /** One run now: rollups, then retention. Concurrent calls share the run in progress. */
  runOnce(): Promise<void> {
    this.running ??= this.run().finally(() => (this.running = undefined));
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
    await this.running?.catch(() => {});
  }

  private arm(): void {
    if (this.stopped) return;
    const every = this.opts.everyMs ?? 60_000;
    const now = this.opts.clock.now();
    this.timer = this.opts.clock.at(now - (now % every) + every, () => {
      this.runOnce()
        .catch((err) => this.opts.onError?.(err))
        .finally(() => this.arm());
    });
  }

  private async run(): Promise<void> {
    const { store, clock, policy } = this.opts;
    if (store.closed) return;
    const now = clock.now();
    const rollup = await runRollups(store.db, store.engine, { now, maxBatches: 50 });
    const compaction = await compactObservations(store.db, { now, maxBatches: 50 });
    const pruneRollups = now - this.lastRollupPrune >= (this.opts.rollupPruneEveryMs ?? 3_600_000);
    const retention = await applyRetention(store.db, policy, { now, rollups: pruneRollups });
    if (pruneRollups) {
      await reclaimSpace(store.db, store.engine);
      this.lastRollupPrune = now;
    }
    this.opts.onRun?.({ rollup, compaction, retention });
  }
}
