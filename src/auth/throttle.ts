// Slows password guessing: after a few failures for one account or from one address, each further
// attempt must wait twice as long as the last, up to a ceiling. Counts fade after a quiet hour, and
// the ceiling is 15 minutes, so the real owner is delayed, never locked out for good. Kept in memory:
// one process's view (a restart forgets it, which costs a guesser nothing it did not have).
export interface ThrottleOptions {
  /** Failures allowed before any wait. */
  free?: number;
  baseMs?: number;
  maxMs?: number;
  /** A key with no failure for this long starts afresh. */
  forgetMs?: number;
  /** Keys tracked at most (oldest dropped first), so a flood of names cannot grow memory without end. */
  maxKeys?: number;
}

interface Entry {
  failures: number;
  last: number;
  until: number;
}

export class Throttle {
  private readonly free: number;
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly forgetMs: number;
  private readonly maxKeys: number;
  private readonly entries = new Map<string, Entry>();

  constructor(o: ThrottleOptions = {}) {
    this.free = o.free ?? 3;
    this.baseMs = o.baseMs ?? 1000;
    this.maxMs = o.maxMs ?? 15 * 60_000;
    this.forgetMs = o.forgetMs ?? 3_600_000;
    this.maxKeys = o.maxKeys ?? 50_000;
  }

  private entry(key: string, at: number): Entry | undefined {
    const e = this.entries.get(key);
    if (e && at - e.last > this.forgetMs) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }

  /** Milliseconds to wait before an attempt on any of these keys is looked at (0: go ahead). */
  wait(keys: string[], at: number): number {
    return Math.max(0, ...keys.map((k) => (this.entry(k, at)?.until ?? at) - at));
  }

  fail(keys: string[], at: number): void {
    for (const k of keys) {
      const e = this.entry(k, at) ?? { failures: 0, last: at, until: at };
      e.failures++;
      e.last = at;
      const over = e.failures - this.free;
      e.until = over > 0 ? at + Math.min(this.maxMs, this.baseMs * 2 ** Math.min(over - 1, 30)) : at;
      this.entries.delete(k);
      this.entries.set(k, e);
      if (this.entries.size > this.maxKeys) this.entries.delete(this.entries.keys().next().value!);
    }
  }

  succeed(keys: string[]): void {
    for (const k of keys) this.entries.delete(k);
  }

  failures(key: string, at: number): number {
    return this.entry(key, at)?.failures ?? 0;
  }
}
