// How close the process is to running out of file descriptors or heap. The page and the API must keep
// answering when something (4,000 event streams from one client, a surge) eats what the process has:
// live-update streams are refused first (the page works without them), then everything but the
// prepared public responses, each with 503 and Retry-After, while descriptors remain for the page.
import { readFileSync, readdirSync } from 'node:fs';
import { getHeapStatistics } from 'node:v8';

export interface PressureOptions {
  /** Descriptors kept for the page and the API: streams are refused below this many left. Default max(64, 10 % of the limit). */
  fdReserve?: number;
  /** Heap use (share of V8's limit) above which streams and non-page requests are refused. Default 0.85. */
  heapHigh?: number;
  /** Overrides for tests: the descriptor limit and how many are open. */
  fdLimit?: () => number | undefined;
  openFds?: () => number | undefined;
}

export type Tightness = 'ok' | 'streams' | 'critical' | 'exhausted';

/** Re-measured at most this often (ms): a readdir of /proc/self/fd costs ~1 ms at 4,000 descriptors. */
const CACHE_MS = 200;

/** The soft limit on open files ("Max open files" in /proc/self/limits), when known. */
export function readFdLimit(): number | undefined {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m && m[1] !== 'unlimited' ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Descriptors open now (Linux), or undefined where /proc is not there. */
export function countOpenFds(): number | undefined {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return undefined;
  }
}

export class Pressure {
  private readonly limit: number | undefined;
  private measuredAt = -Infinity;
  private level: Tightness = 'ok';
  private fdsLeftNow = Infinity;
  private heapNow = 0;

  constructor(private readonly opts: PressureOptions = {}) {
    this.limit = (opts.fdLimit ?? readFdLimit)();
  }

  get reserve(): number {
    return this.opts.fdReserve ?? Math.max(64, Math.floor((this.limit ?? 0) / 10));
  }

  /**
   * "streams": refuse new event streams; "critical": refuse everything but the prepared page and API;
   * "exhausted": answer new connections 503 at once and close them, so the descriptors that remain
   * serve the connections already open instead of idle newcomers.
   */
  tightness(now = performance.now()): Tightness {
    // Measured at every call once inside the reserve: a burst of connections crosses it in milliseconds.
    if (now - this.measuredAt < CACHE_MS && this.fdsLeftNow >= this.reserve) return this.level;
    this.measuredAt = now;
    const open = (this.opts.openFds ?? countOpenFds)();
    this.fdsLeftNow = this.limit !== undefined && open !== undefined ? this.limit - open : Infinity;
    const h = getHeapStatistics();
    this.heapNow = h.heap_size_limit > 0 ? h.used_heap_size / h.heap_size_limit : 0;
    const high = this.opts.heapHigh ?? 0.85;
    this.level =
      this.fdsLeftNow < this.reserve / 4
        ? 'exhausted'
        : this.fdsLeftNow < this.reserve / 2 || this.heapNow > (1 + high) / 2
          ? 'critical'
          : this.fdsLeftNow < this.reserve || this.heapNow > high
            ? 'streams'
            : 'ok';
    return this.level;
  }

  /** The figures behind the last answer, for logs and metrics. */
  view(): { level: Tightness; fdsLeft: number; fdLimit: number | undefined; heapUsed: number } {
    return { level: this.level, fdsLeft: this.fdsLeftNow, fdLimit: this.limit, heapUsed: this.heapNow };
  }
}
