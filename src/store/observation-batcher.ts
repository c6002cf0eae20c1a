// Observations arrive one check at a time but are written in batches: one transaction
// per flush instead of one per check. Each caller learns when its observation is durable, or that it
// is held in memory until the store takes writes again (when `write` is a WriteBehind's submit).
//
// Every check goes through here, so a check costs one small record and its promise: the "slow"
// deadlines of a batch share one timer (armed for the earliest, re-armed for the next), instead of
// a timer per check, and the batch is handed over as it is, without a copy.
import { performance } from 'node:perf_hooks';
import type { Observation } from '../core/observation.js';
import type { WriteOutcome } from './write-behind.js';

export interface BatcherOptions {
  /** Resolves once written (void or "written"), or with "held"/"failed" from a WriteBehind; a rejection fails the batch's callers. */
  write: (batch: Observation[]) => Promise<void | WriteOutcome>;
  maxBatch?: number;
  /** Real milliseconds an observation may wait for companions before it is written. */
  maxDelayMs?: number;
}

/** Default wait for companions: at 500 checks a second, ~50 rows per transaction; detection waits this much longer at most. */
export const DEFAULT_MAX_DELAY_MS = 100;

interface Waiter {
  resolve: (v: WriteOutcome | 'slow') => void;
  reject: (err: unknown) => void;
  /** performance.now() past which the caller hears "slow"; Infinity when it waits for the answer. */
  deadline: number;
}

export class ObservationBatcher {
  private observations: Observation[] = [];
  private waiters: Waiter[] = [];
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
      this.observations.push(o);
      this.waiters.push({ resolve, reject, deadline: waitMs === undefined ? Infinity : performance.now() + waitMs });
      if (this.observations.length >= (this.opts.maxBatch ?? 500)) void this.flush();
      else this.timer ??= setTimeout(() => void this.flush(), this.opts.maxDelayMs ?? DEFAULT_MAX_DELAY_MS);
    });
  }

  /** Writes what is queued; batches are written one after another, in arrival order. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.observations;
    const waiters = this.waiters;
    if (batch.length === 0) return this.writing;
    this.observations = [];
    this.waiters = [];
    const slow = slowTimer(waiters);
    this.writing = this.writing.then(async () => {
      try {
        const outcome = (await this.opts.write(batch)) ?? 'written';
        for (const w of waiters) w.resolve(outcome);
      } catch (err) {
        for (const w of waiters) w.reject(err);
      } finally {
        slow.cancel();
      }
    });
    return this.writing;
  }
}

/** One timer for a batch's "slow" answers: fires at the earliest deadline not yet passed, answers those due, re-arms. */
function slowTimer(waiters: readonly Waiter[]): { cancel(): void } {
  let t: NodeJS.Timeout | undefined;
  let done = 0; // waiters before this index are answered (deadlines are non-decreasing when all wait the same)
  const arm = () => {
    let next = Infinity;
    for (let i = done; i < waiters.length; i++) next = Math.min(next, waiters[i]!.deadline);
    if (next === Infinity) return;
    t = setTimeout(fire, Math.max(0, next - performance.now()));
    t.unref();
  };
  const fire = () => {
    const now = performance.now();
    let first = waiters.length;
    for (let i = done; i < waiters.length; i++) {
      const w = waiters[i]!;
      if (w.deadline <= now) {
        w.resolve('slow');
        w.deadline = Infinity;
      } else first = Math.min(first, i);
    }
    done = first;
    arm();
  };
  arm();
  return {
    cancel: () => {
      clearTimeout(t);
      t = undefined;
      done = waiters.length;
    },
  };
}
