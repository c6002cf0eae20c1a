// Whether Vigie can write its data, since when and why, and a log that says each failing cause once.
// A full disk used to print 56,000 lines in 15 s (one per failed write) and hide its cause; now the
// first failure of a cause is logged with its message, repeats are counted and summed up every
// `summaryMs`, and the end of the fault is logged with the total. /metrics shows the same counts.
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Clock } from '../core/time.js';

/** Distinct causes kept as metric labels and log entries; more fold into "other". */
const MAX_CAUSES = 50;
const CAUSE_MAX_CHARS = 160;

/** A cause of failure in a few words: the error's message, without the numbers and quotes that make every line unique. */
export function causeOf(err: unknown): string {
  const msg = err instanceof Error ? err.message : typeof err === 'string' ? err : JSON.stringify(err) ?? 'unknown error';
  const code = (err as { code?: unknown } | null)?.code;
  const text = msg
    .replace(/"[^"]*"|'[^']*'/g, '…')
    .replace(/\d+/g, 'N')
    .slice(0, CAUSE_MAX_CHARS);
  return typeof code === 'string' && !text.includes(code) ? `${text} (${code})` : text;
}

interface CauseState {
  where: string;
  first: number;
  /** Occurrences since the last line written about this cause. */
  unlogged: number;
  total: number;
  lastLogged: number;
}

export interface FaultLogOptions {
  log: Logger;
  clock: Clock;
  /** How often repeats of a cause are summed up in one line (clock ms). Default 60 s. */
  summaryMs?: number;
  registry?: Registry;
}

/** Logs each failing cause once, then one line per `summaryMs` with how many times it happened again. */
export class FaultLog {
  private causes = new Map<string, CauseState>();
  private readonly counter: Counter<'cause' | 'where'> | undefined;

  constructor(private readonly opts: FaultLogOptions) {
    this.counter = opts.registry
      ? new Counter({ name: 'vigie_failures_total', help: 'Failures by cause (the error message with numbers elided) and where they happened', labelNames: ['cause', 'where'], registers: [opts.registry] })
      : undefined;
  }

  /** One failure of `where` (e.g. "observations write"); logged now if its cause is new or its summary is due. */
  report(where: string, err: unknown): void {
    const now = this.opts.clock.now();
    let cause = causeOf(err);
    let key = `${where}\u0000${cause}`;
    if (!this.causes.has(key) && this.causes.size >= MAX_CAUSES) {
      cause = 'other';
      key = `${where}\u0000other`;
    }
    this.counter?.inc({ cause, where });
    const c = this.causes.get(key);
    if (!c) {
      this.causes.set(key, { where, first: now, unlogged: 0, total: 1, lastLogged: now });
      this.opts.log.error({ err, where, cause }, `${where} failed: ${cause} (repeats are counted and summed up every ${Math.round(this.summaryMs / 1000)} s)`);
      return;
    }
    c.total++;
    c.unlogged++;
    if (now - c.lastLogged >= this.summaryMs) this.summarise(cause, c, now);
  }

  /** `where` works again: each of its causes gets a last line with its total, and is forgotten. */
  recovered(where: string): void {
    const now = this.opts.clock.now();
    for (const [key, c] of this.causes) {
      if (c.where !== where) continue;
      const cause = key.slice(key.indexOf('\u0000') + 1);
      this.opts.log.warn({ where, cause, times: c.total, forMs: now - c.first }, `${where} works again after ${c.total} failure(s): ${cause}`);
      this.causes.delete(key);
    }
  }

  /** Causes failing now, with their counts. */
  active(): { where: string; cause: string; total: number; since: number }[] {
    return [...this.causes].map(([key, c]) => ({ where: c.where, cause: key.slice(key.indexOf('\u0000') + 1), total: c.total, since: c.first }));
  }

  private get summaryMs(): number {
    return this.opts.summaryMs ?? 60_000;
  }

  private summarise(cause: string, c: CauseState, now: number): void {
    this.opts.log.error({ where: c.where, cause, repeats: c.unlogged, total: c.total, sinceMs: now - c.first }, `${c.where} still failing: ${cause} (${c.unlogged} more time(s), ${c.total} in all)`);
    c.unlogged = 0;
    c.lastLogged = now;
  }
}

export interface HealthView {
  /** False while some write Vigie needs has failed and is not yet done. */
  writable: boolean;
  /** When writing began to fail (clock ms), or null. */
  failingSince: number | null;
  cause: string | null;
  /** Items kept in memory until the store takes them, by kind. */
  held: Record<string, number>;
  /** Items given up because memory's bound was reached (never acknowledged to anyone). */
  dropped: Record<string, number>;
}

export interface StoreHealthOptions {
  clock: Clock;
  faults: FaultLog;
  registry?: Registry;
  /** Called when writable flips either way (the page shows it). */
  onChange?: (v: HealthView) => void;
}

/**
 * The store's write health, fed by the writers that hold what they could not write (write-behind.ts).
 * Failing from the first failed write until every holder has written what it held.
 */
export class StoreHealth {
  private since: number | null = null;
  private cause: string | null = null;
  private held = new Map<string, () => number>();
  private droppedBy = new Map<string, number>();
  private failing = new Set<string>();

  constructor(private readonly opts: StoreHealthOptions) {
    if (opts.registry) {
      const registers = [opts.registry];
      const self = this;
      new Gauge({
        name: 'vigie_store_writable',
        help: '1 when Vigie can write its data, 0 while writes fail (statuses shown may be stale)',
        registers,
        collect() {
          this.set(self.since === null ? 1 : 0);
        },
      });
      new Gauge({
        name: 'vigie_store_failing_since_seconds',
        help: 'When writes began to fail (Unix seconds); 0 when they do not',
        registers,
        collect() {
          this.set(self.since === null ? 0 : self.since / 1000);
        },
      });
      new Gauge({
        name: 'vigie_store_held_items',
        help: 'Items kept in memory until the store takes them, by kind',
        labelNames: ['kind'],
        registers,
        collect() {
          this.reset();
          for (const [k, n] of self.held) this.set({ kind: k }, n());
        },
      });
      new Gauge({
        name: 'vigie_store_dropped_items',
        help: 'Items given up because the memory bound was reached while the store failed, by kind',
        labelNames: ['kind'],
        registers,
        collect() {
          this.reset();
          for (const [k, n] of self.droppedBy) this.set({ kind: k }, n);
        },
      });
    }
  }

  get faults(): FaultLog {
    return this.opts.faults;
  }

  /** A holder of unwritten items, so the view can say how many wait. */
  register(kind: string, held: () => number): void {
    this.held.set(kind, held);
  }

  /** A write of `kind` failed. */
  failed(kind: string, err: unknown): void {
    this.opts.faults.report(`${kind} write`, err);
    this.failing.add(kind);
    if (this.since === null) {
      this.since = this.opts.clock.now();
      this.cause = causeOf(err);
      this.opts.onChange?.(this.view());
    }
  }

  /** A write of `kind` succeeded and it holds nothing more. */
  recovered(kind: string): void {
    if (!this.failing.delete(kind)) return;
    this.opts.faults.recovered(`${kind} write`);
    if (this.failing.size === 0 && this.since !== null) {
      this.since = null;
      this.cause = null;
      this.opts.onChange?.(this.view());
    }
  }

  dropped(kind: string, n: number): void {
    this.droppedBy.set(kind, (this.droppedBy.get(kind) ?? 0) + n);
  }

  get writable(): boolean {
    return this.since === null;
  }

  view(): HealthView {
    return {
      writable: this.since === null,
      failingSince: this.since,
      cause: this.cause,
      held: Object.fromEntries([...this.held].map(([k, n]) => [k, n()])),
      dropped: Object.fromEntries(this.droppedBy),
    };
  }
}

/** PostgreSQL SQLSTATE classes that mean the database (not the data) is the problem. */
const PG_FAULT_CLASSES = ['08', '53', '57', '58', 'XX'];
const PG_FAULT_CODES = new Set(['25006', '40001', '40P01', '55P03']);
const NET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ENOSPC', 'EIO', 'EROFS', 'EMFILE', 'ENFILE']);

/**
 * True when a failed write says the store cannot take writes now (full disk, read-only file, lost
 * connection, server shutting down), so the same write may succeed later; false when it is about
 * the data itself, which no retry will fix.
 */
export function isStoreFault(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  if (/^SQLITE_(FULL|IOERR|READONLY|BUSY|LOCKED|CANTOPEN|NOMEM|PROTOCOL|PERM|CORRUPT|NOTADB)/.test(code)) return true;
  if (NET_CODES.has(code) || PG_FAULT_CODES.has(code) || (code.length === 5 && PG_FAULT_CLASSES.includes(code.slice(0, 2)))) return true;
  const msg = typeof e?.message === 'string' ? e.message : '';
  return /Connection terminated|Query read timeout|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|database or disk is full|disk I\/O error|readonly database|store is closed/i.test(msg);
}
