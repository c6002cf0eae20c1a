// Counting like a careful peer, in memory and in O(1) per report: rate limits per reporter and per
// network prefix, one counted report per reporter per service per window, and a cap on how many
// counted reports one prefix may contribute to a service per window. Pure: time is passed in.
//
// Memory stays bounded: every structure keeps two fixed windows (the current and the previous one)
// and drops the older one whole when time moves on. Keys are 48-bit numbers from the hashes.

export type GateReason = 'rate_limited_reporter' | 'rate_limited_prefix' | 'duplicate';

export interface GateLimits {
  /** One counted report per reporter per service per this long. */
  windowMs: number;
  /** Attempts per reporter per minute (all services). */
  perReporterPerMinute: number;
  /** Attempts per network prefix per minute (all services). */
  perPrefixPerMinute: number;
  /** Counted reports one prefix may add to a service per window; more are stored but not counted. */
  prefixCap: number;
}

export type GateResult = { ok: true; counted: boolean } | { ok: false; reason: GateReason; retryAfterS: number };

/** An approximate sliding-window counter: this window's count plus the previous one's, pro rata. */
export class WindowCounter {
  private epoch = -Infinity;
  private cur = new Map<number, number>();
  private prev = new Map<number, number>();
  constructor(readonly windowMs: number) {}

  private roll(now: number): number {
    const e = Math.floor(now / this.windowMs);
    if (e !== this.epoch) {
      if (e === this.epoch + 1) this.prev = this.cur;
      else if (e > this.epoch) this.prev = new Map();
      if (e > this.epoch) {
        this.cur = new Map();
        this.epoch = e;
      }
    }
    return e;
  }

  count(key: number, now: number): number {
    const e = this.roll(now);
    const f = (now - e * this.windowMs) / this.windowMs;
    // Rounded up: the sliding estimate errs on the strict side, so N requests straddling a window
    // boundary still count as N and a limit holds whatever the time of the minute.
    return (this.cur.get(key) ?? 0) + Math.ceil((this.prev.get(key) ?? 0) * (1 - f) - 1e-9);
  }

  add(key: number, now: number, n = 1): void {
    const e = this.roll(now);
    if (Math.floor(now / this.windowMs) < e) return; // older than the current window: already rolled past
    this.cur.set(key, (this.cur.get(key) ?? 0) + n);
  }

  /** Seconds until the estimate drops below `limit` at the latest (the window's end). */
  retryAfter(now: number): number {
    return Math.max(1, Math.ceil(((this.epoch + 1) * this.windowMs - now) / 1000));
  }
}

/** Keys seen in the last windowMs, with when. */
export class RecentKeys {
  private epoch = -Infinity;
  private cur = new Map<number, number>();
  private prev = new Map<number, number>();
  constructor(readonly windowMs: number) {}

  private roll(now: number): void {
    const e = Math.floor(now / this.windowMs);
    if (e === this.epoch) return;
    if (e === this.epoch + 1) this.prev = this.cur;
    else if (e > this.epoch) this.prev = new Map();
    else return;
    this.cur = new Map();
    this.epoch = e;
  }

  /** When the key was last added within the window, or undefined. */
  seen(key: number, now: number): number | undefined {
    this.roll(now);
    const at = this.cur.get(key) ?? this.prev.get(key);
    return at !== undefined && at > now - this.windowMs ? at : undefined;
  }

  add(key: number, at: number): void {
    this.roll(at);
    this.cur.set(key, at);
  }

  delete(key: number): void {
    this.cur.delete(key);
    this.prev.delete(key);
  }
}

export class Gate {
  private reporterRate = new WindowCounter(60_000);
  private prefixRate = new WindowCounter(60_000);
  private dedup = new Map<string, RecentKeys>();
  private prefixCounted = new Map<string, WindowCounter>();

  constructor(readonly limits: GateLimits) {}

  private forService(serviceId: string): [RecentKeys, WindowCounter] {
    let d = this.dedup.get(serviceId);
    if (!d) this.dedup.set(serviceId, (d = new RecentKeys(this.limits.windowMs)));
    let p = this.prefixCounted.get(serviceId);
    if (!p) this.prefixCounted.set(serviceId, (p = new WindowCounter(this.limits.windowMs)));
    return [d, p];
  }

  /** Decides on one report and, when admitted, records it (call undo() if it then cannot be stored). */
  admit(serviceId: string, reporterKey: number, prefixKey: number, now: number): GateResult {
    const byReporter = this.reporterRate.count(reporterKey, now);
    this.reporterRate.add(reporterKey, now);
    if (byReporter >= this.limits.perReporterPerMinute)
      return { ok: false, reason: 'rate_limited_reporter', retryAfterS: this.reporterRate.retryAfter(now) };
    const byPrefix = this.prefixRate.count(prefixKey, now);
    this.prefixRate.add(prefixKey, now);
    if (byPrefix >= this.limits.perPrefixPerMinute)
      return { ok: false, reason: 'rate_limited_prefix', retryAfterS: this.prefixRate.retryAfter(now) };
    const [dedup, capped] = this.forService(serviceId);
    const last = dedup.seen(reporterKey, now);
    if (last !== undefined) return { ok: false, reason: 'duplicate', retryAfterS: Math.max(1, Math.ceil((last + this.limits.windowMs - now) / 1000)) };
    dedup.add(reporterKey, now);
    const counted = capped.count(prefixKey, now) < this.limits.prefixCap;
    if (counted) capped.add(prefixKey, now);
    return { ok: true, counted };
  }

  /** Forgets an admitted report that could not be stored, so its reporter may try again. */
  undo(serviceId: string, reporterKey: number, prefixKey: number, counted: boolean, now: number): void {
    const [dedup, capped] = this.forService(serviceId);
    dedup.delete(reporterKey);
    if (counted) capped.add(prefixKey, now, -1);
  }

  /** Replays a stored report after a restart (dedup and prefix cap; not the per-minute rates). */
  restore(serviceId: string, reporterKey: number, prefixKey: number, at: number, counted: boolean): void {
    const [dedup, capped] = this.forService(serviceId);
    dedup.add(reporterKey, at);
    if (counted) capped.add(prefixKey, at);
  }
}
