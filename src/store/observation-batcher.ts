// Observations arrive one check at a time but are written in batches: one transaction
// per flush instead of one per check. Each caller learns when its observation is durable, or that it
// is held in memory until the store takes writes again (when `write` is a WriteBehind's submit).
import type { Observation } from '../core/observation.js';
import type { WriteOutcome } from './write-behind.js';

export interface BatcherOptions {
  /** Resolves once written (void or "written"), or with "held"/"failed" from a WriteBehind; a rejection fails the batch's callers. */
  write: (batch: Observation[]) => Promise<void | WriteOutcome>;
  maxBatch?: number;
  /** Real milliseconds an observation may wait for companions before it is written. */
  maxDelayMs?: number;
}

export class ObservationBatcher {
  private queue: { o: Observation; done: (err: unknown, outcome?: WriteOutcome) => void }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(private opts: BatcherOptions) {}

  /**
   * Resolves "written" once the observation is in the store, "held" when kept in memory for a later
   * write, and "slow" after `waitMs` if the store has not answered by then (the write goes on; for
   * callers that must not stall behind a store that hangs). Rejects if its batch failed.
   */
  add(o: Observation, waitMs?: number): Promise<WriteOutcome | 'slow'> {
    return new Promise((resolve, reject) => {
      let t: NodeJS.Timeout | undefined;
      if (waitMs !== undefined) {
        t = setTimeout(() => resolve('slow'), waitMs);
        t.unref();
      }
      this.queue.push({
        o,
        done: (err, outcome) => {
          clearTimeout(t);
          if (err) reject(err);
          else resolve(outcome ?? 'written');
        },
      });
      if (this.queue.length >= (this.opts.maxBatch ?? 500)) void this.flush();
      else this.timer ??= setTimeout(() => void this.flush(), this.opts.maxDelayMs ?? 50);
    });
  }

  /** Writes what is queued; batches are written one after another, in arrival order. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return this.writing;
    this.writing = this.writing.then(async () => {
      try {
        const outcome = (await this.opts.write(batch.map((b) => b.o))) ?? 'written';
        for (const b of batch) b.done(undefined, outcome);
      } catch (err) {
        for (const b of batch) b.done(err);
      }
    });
    return this.writing;
  }
}
