// Group commit: reports wait a few milliseconds for companions, then one transaction writes them all
// and every waiting request is answered after the commit. While a batch is being written the next
// one gathers, so the rate the store can take sets the batch size, not a timer.
export interface GroupCommitOptions<T> {
  write: (batch: T[]) => Promise<void>;
  /** Longest a row waits for companions when the writer is idle. Default 2 ms. */
  delayMs?: number;
  /** Most rows per transaction. Default 5000. */
  maxBatch?: number;
}

export class GroupCommitWriter<T> {
  private queue: { row: T; done: (err?: unknown) => void }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly opts: GroupCommitOptions<T>) {}

  get pending(): number {
    return this.queue.length;
  }

  /** Resolves once the row is committed; rejects if its transaction failed. */
  add(row: T): Promise<void> {
    if (this.closed) return Promise.reject(new Error('report writer is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ row, done: (err) => (err === undefined ? resolve() : reject(err)) });
      if (this.writing === undefined && this.timer === undefined) this.timer = setTimeout(() => this.kick(), this.opts.delayMs ?? 2);
    });
  }

  private kick(): void {
    this.timer = undefined;
    if (this.writing !== undefined || this.queue.length === 0) return;
    const max = this.opts.maxBatch ?? 5000;
    const batch = this.queue.length <= max ? this.queue : this.queue.slice(0, max);
    this.queue = this.queue.length <= max ? [] : this.queue.slice(max);
    this.writing = this.opts
      .write(batch.map((b) => b.row))
      .then(
        () => {
          for (const b of batch) b.done();
        },
        (err: unknown) => {
          for (const b of batch) b.done(err ?? new Error('write failed'));
        },
      )
      .finally(() => {
        this.writing = undefined;
        if (this.queue.length > 0) this.kick();
      });
  }

  /** Writes everything queued and waits for it; later add() calls fail. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.writing !== undefined || this.queue.length > 0) {
      if (this.writing === undefined) this.kick();
      await this.writing;
    }
  }
}
