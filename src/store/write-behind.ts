// Writes that survive a failing store. While the store takes writes, items are written at once and
// the caller learns it ("written"). When a write fails because of the store (full disk, read-only
// file, lost connection), the items are kept in memory, in order, and everything submitted after them
// joins them ("held"), so detection and the page go on from memory; a timer retries with backoff
// and writes them all, oldest first, once the store is back. Memory is bounded: past `maxHeld` the
// oldest are given up and counted. An item whose write fails for its own sake (not the store's) is
// not held: no retry would help, and it would block everything behind it.
import { type TimerHandle, safeTimeout } from '../core/time.js';
import { isStoreFault, type StoreHealth } from './health.js';

export type WriteOutcome = 'written' | 'held' | 'failed';

export interface WriteBehindOptions<T> {
  /** What is written, for logs and metrics ("observations", "status changes"). */
  kind: string;
  write: (batch: T[]) => Promise<void>;
  health: StoreHealth;
  /** Called with each batch once it is in the store (right away, or later from memory). */
  onWritten?: (batch: T[]) => void;
  /** Most items kept in memory while the store fails. Default 200,000. */
  maxHeld?: number;
  /** Most items per retried write. Default 500. */
  maxBatch?: number;
  /** Real ms before the first retry, doubled up to retryMaxMs. Defaults 500 ms and 5 s. */
  retryMinMs?: number;
  retryMaxMs?: number;
}

export class WriteBehind<T> {
  private held: T[] = [];
  /** Submitted batches not yet through their first attempt (the one being written first), in order. */
  private queued: T[][] = [];
  private chain: Promise<unknown> = Promise.resolve();
  private retry: TimerHandle | undefined;
  private delayMs: number;
  private stopped = false;

  constructor(private readonly opts: WriteBehindOptions<T>) {
    this.delayMs = opts.retryMinMs ?? 500;
    opts.health.register(opts.kind, () => this.held.length);
  }

  /** Items not yet in the store (held after a failure, or still waiting for an answer), oldest first. */
  get pending(): readonly T[] {
    return this.queued.length === 0 ? this.held : [...this.held, ...this.queued.flat()];
  }

  /** Writes the items now, or keeps them for later while the store fails. */
  submit(items: T[]): Promise<WriteOutcome> {
    if (items.length === 0) return Promise.resolve('written');
    this.queued.push(items);
    const p = this.chain.then(() => this.attempt(items)).finally(() => {
      const i = this.queued.indexOf(items);
      if (i >= 0) this.queued.splice(i, 1);
    });
    this.chain = p.catch(() => {});
    return p;
  }

  /** Waits for the writes already submitted; then one last try for what is held (at stop). Returns how many remain unwritten. */
  async close(): Promise<number> {
    this.stopped = true;
    this.retry?.cancel();
    await this.chain;
    if (this.held.length > 0) await this.drain();
    return this.held.length;
  }

  private async attempt(items: T[]): Promise<WriteOutcome> {
    if (this.held.length > 0) {
      this.hold(items);
      return 'held';
    }
    try {
      await this.opts.write(items);
    } catch (err) {
      if (!isStoreFault(err)) {
        this.opts.health.faults.report(`${this.opts.kind} write (items given up)`, err);
        return 'failed';
      }
      this.opts.health.failed(this.opts.kind, err);
      this.hold(items);
      this.arm();
      return 'held';
    }
    this.opts.health.recovered(this.opts.kind);
    this.opts.onWritten?.(items);
    return 'written';
  }

  private hold(items: T[]): void {
    for (const x of items) this.held.push(x);
    const max = this.opts.maxHeld ?? 200_000;
    if (this.held.length > max) {
      const n = this.held.length - max;
      this.held.splice(0, n);
      this.opts.health.dropped(this.opts.kind, n);
      this.opts.health.faults.report(`${this.opts.kind} memory bound`, new Error(`more than ${max} ${this.opts.kind} waiting for the store: the oldest are given up`));
    }
  }

  private arm(): void {
    if (this.retry || this.stopped) return;
    this.retry = safeTimeout(() => {
      this.retry = undefined;
      this.chain = this.chain.then(() => this.drain()).catch(() => {});
    }, this.delayMs, { unref: true });
    this.delayMs = Math.min(this.delayMs * 2, this.opts.retryMaxMs ?? 5_000);
  }

  /** Writes what is held, oldest first, until none is left or the store fails again. */
  private async drain(): Promise<void> {
    const max = this.opts.maxBatch ?? 500;
    while (this.held.length > 0) {
      const batch = this.held.slice(0, max);
      let written = true;
      try {
        await this.opts.write(batch);
      } catch (err) {
        if (isStoreFault(err)) {
          this.opts.health.failed(this.opts.kind, err);
          this.arm();
          return;
        }
        this.opts.health.faults.report(`${this.opts.kind} write (items given up)`, err);
        written = false;
      }
      // Items submitted while this batch was written were appended behind it: only the batch leaves.
      this.held.splice(0, batch.length);
      if (written) this.opts.onWritten?.(batch);
    }
    this.delayMs = this.opts.retryMinMs ?? 500;
    this.opts.health.recovered(this.opts.kind);
  }
}
