// Observations arrive one check at a time but are written in batches: one transaction
// per flush instead of one per check. Each caller learns when its observation is durable.
import type { Observation } from '../core/observation.js';

export interface BatcherOptions {
  write: (batch: Observation[]) => Promise<void>;
  maxBatch?: number;
  /** Real milliseconds an observation may wait for companions before it is written. */
  maxDelayMs?: number;
}

export class ObservationBatcher {
  private queue: { o: Observation; done: (err?: unknown) => void }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(private opts: BatcherOptions) {}

  /** Resolves once the observation is in the store; rejects if its batch failed. */
  add(o: Observation): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ o, done: (err) => (err ? reject(err) : resolve()) });
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
        await this.opts.write(batch.map((b) => b.o));
        for (const b of batch) b.done();
      } catch (err) {
        for (const b of batch) b.done(err);
      }
    });
    return this.writing;
  }
}
