// Polls each service's official status page on the clock, keeps what it read (src/store/vendor.ts),
// and tells the incident engine: on every poll whether the vendor says all is well, and when the
// vendor first admits a problem (a new incident, or a page that turns non-operational).
// A page that cannot be fetched or read is recorded as such and never taken for "all operational".
import type { Kysely } from 'kysely';
import type { Clock, TimerHandle } from '../../core/time.js';
import type { Database } from '../../store/schema.js';
import { type RecordedReading, type VendorReading, recordVendorReading } from '../../store/vendor.js';
import { type FetchOutcome, type VendorFetcher, VENDOR_MAX_BODY_BYTES, VENDOR_TIMEOUT_MS, fetchVendorPage } from './fetch.js';
import { parserFor } from './registry.js';
import { type VendorIncident, type VendorKind, type VendorSnapshot, pageSaysOperational } from './types.js';

export interface VendorSource {
  serviceId: string;
  kind: VendorKind;
  url: string;
  intervalMs: number;
  /** Network time, whatever the clock's speed. */
  timeoutMs?: number;
}

/** What the poller tells; the incident engine implements it. */
export interface VendorSink {
  vendorAcknowledged(serviceId: string, at: number, source: 'feed', text?: string): unknown;
  vendorStatus(serviceId: string, at: number, saysOperational: boolean, reachable: boolean): unknown;
}

export interface VendorPollerLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface VendorPollerOptions {
  clock: Clock;
  db: Kysely<Database>;
  sources: VendorSource[];
  sink?: VendorSink;
  fetcher?: VendorFetcher;
  maxBodyBytes?: number;
  log?: VendorPollerLog;
  /** After each poll is stored and told. */
  onReading?: (snapshot: VendorSnapshot, recorded: RecordedReading) => void;
}

export interface PollResult {
  snapshot: VendorSnapshot;
  recorded: RecordedReading;
}

/** Turns a fetch outcome into a snapshot: parse, validate, map. Pure. */
export function readVendorPage(source: Pick<VendorSource, 'serviceId' | 'kind' | 'url'>, at: number, outcome: FetchOutcome): VendorSnapshot {
  const base = { serviceId: source.serviceId, kind: source.kind, url: source.url, at };
  const unknown = { saysOperational: null, indicator: null, description: null, components: [], incidents: [] };
  if (!outcome.ok) return { ...base, reachable: false, error: outcome.error, ...unknown };
  const parsed = parserFor(source.kind)(outcome.body, at);
  if (!parsed.ok) return { ...base, reachable: true, error: parsed.error, ...unknown };
  const p = parsed.page;
  return { ...base, reachable: true, error: null, saysOperational: pageSaysOperational(p), indicator: p.indicator, description: p.description, components: p.components, incidents: p.incidents };
}

/** The page admits something is wrong: an indicator, a component or an open incident beyond maintenance. */
export function admitsProblem(p: { indicator: string | null; components: { status: string }[]; incidents: { open: boolean; maintenance: boolean }[] }): boolean {
  if (p.indicator === 'minor' || p.indicator === 'major' || p.indicator === 'critical') return true;
  if (p.components.some((c) => c.status === 'degraded_performance' || c.status === 'partial_outage' || c.status === 'major_outage')) return true;
  return p.incidents.some((i) => i.open && !i.maintenance);
}

function firstWordAt(i: VendorIncident, polledAt: number): number {
  const t = i.updates[0]?.at ?? i.createdAt;
  return t !== null && t !== undefined && t <= polledAt ? t : polledAt;
}

function ackText(i: VendorIncident): string {
  const first = i.updates[0];
  return first && first.body ? `${i.name}: ${first.body}` : i.name;
}

export class VendorPoller {
  private sources = new Map<string, VendorSource>();
  private timers = new Map<string, TimerHandle>();
  private running = new Set<Promise<unknown>>();
  private abort = new AbortController();
  private started = false;
  private readonly fetcher: VendorFetcher;

  constructor(private opts: VendorPollerOptions) {
    this.fetcher = opts.fetcher ?? fetchVendorPage;
    for (const s of opts.sources) this.sources.set(s.serviceId, s);
  }

  get size(): number {
    return this.sources.size;
  }

  /** Polls every page now, then each at its interval on the clock. */
  start(): void {
    if (this.started) return;
    this.started = true;
    for (const s of this.sources.values()) this.schedule(s, this.opts.clock.now());
  }

  /** Replaces the pages to poll (after a config reload); pages that stay keep their rhythm. */
  setSources(sources: VendorSource[]): void {
    const next = new Map(sources.map((s) => [s.serviceId, s]));
    for (const [id, timer] of this.timers) {
      const s = next.get(id);
      const old = this.sources.get(id);
      if (!s || !old || s.url !== old.url || s.kind !== old.kind || s.intervalMs !== old.intervalMs) {
        timer.cancel();
        this.timers.delete(id);
      }
    }
    this.sources = next;
    if (this.started) for (const s of next.values()) if (!this.timers.has(s.serviceId)) this.schedule(s, this.opts.clock.now());
  }

  private schedule(s: VendorSource, at: number): void {
    this.timers.set(
      s.serviceId,
      this.opts.clock.at(at, () => {
        if (this.sources.get(s.serviceId) !== s) return;
        const p = this.poll(s, at).catch((err) => this.opts.log?.error({ err, service: s.serviceId }, 'vendor poll failed to complete'));
        this.running.add(p);
        void p.finally(() => this.running.delete(p));
        // Next poll on the planned grid; a late one does not shift the rhythm, missed ones are skipped.
        let next = at + s.intervalMs;
        const now = this.opts.clock.now();
        if (next <= now) next = now + s.intervalMs - ((now - at) % s.intervalMs);
        this.schedule(s, next);
      }),
    );
  }

  /** Fetches, reads, stores and tells, for one source at clock time `at`. */
  async poll(s: VendorSource, at: number = this.opts.clock.now()): Promise<PollResult> {
    const outcome = await this.fetcher(s.url, { timeoutMs: s.timeoutMs ?? VENDOR_TIMEOUT_MS, maxBytes: this.opts.maxBodyBytes ?? VENDOR_MAX_BODY_BYTES, signal: this.abort.signal });
    if (this.abort.signal.aborted) throw new Error('vendor poller stopped');
    return this.ingest(s, at, outcome);
  }

  /** Stores a fetch outcome as a snapshot and tells the sink; the replay feeds this directly. */
  async ingest(s: Pick<VendorSource, 'serviceId' | 'kind' | 'url'>, at: number, outcome: FetchOutcome): Promise<PollResult> {
    const snapshot = readVendorPage(s, at, outcome);
    const recorded = await recordVendorReading(this.opts.db, snapshot as VendorReading);
    const readable = snapshot.reachable && snapshot.error === null;
    if (recorded.changed)
      (readable ? this.opts.log?.info.bind(this.opts.log) : this.opts.log?.warn.bind(this.opts.log))?.(
        { service: s.serviceId, url: s.url, error: snapshot.error, saysOperational: snapshot.saysOperational, indicator: snapshot.indicator },
        readable ? 'vendor status changed' : 'vendor page could not be read',
      );
    this.tell(snapshot, recorded);
    this.opts.onReading?.(snapshot, recorded);
    return { snapshot, recorded };
  }

  private tell(snap: VendorSnapshot, rec: RecordedReading): void {
    const given = this.opts.sink;
    if (!given) return;
    // The engine answers with promises: a refusal is logged, never left unhandled.
    const settle = (v: unknown) => {
      if (v instanceof Promise) v.catch((err: unknown) => this.opts.log?.error({ err, service: snap.serviceId }, 'the incident engine refused a vendor signal'));
    };
    const sink: VendorSink = {
      vendorAcknowledged: (...a) => settle(given.vendorAcknowledged(...a)),
      vendorStatus: (...a) => settle(given.vendorStatus(...a)),
    };
    const readable = snap.reachable && snap.error === null;
    try {
      if (readable) {
        const fresh = rec.newIncidents.filter((i) => !i.maintenance) as VendorIncident[];
        for (const i of fresh) sink.vendorAcknowledged(snap.serviceId, firstWordAt(i, snap.at), 'feed', ackText(i));
        const hadProblem = rec.previous !== null && admitsProblem(rec.previous);
        if (fresh.length === 0 && admitsProblem(snap) && !hadProblem) {
          const bad = snap.components.filter((c) => c.status !== 'operational').map((c) => `${c.name}: ${c.status}`);
          const text = [snap.description, ...bad].filter((x) => x).join('; ') || 'the vendor page is not all operational';
          sink.vendorAcknowledged(snap.serviceId, snap.at, 'feed', text);
        }
      }
      sink.vendorStatus(snap.serviceId, snap.at, snap.saysOperational === true, readable);
    } catch (err) {
      this.opts.log?.error({ err, service: snap.serviceId }, 'the incident engine refused a vendor signal');
    }
  }

  /** Stops polling; waits for polls in flight (aborted) to finish. */
  async stop(): Promise<void> {
    for (const t of this.timers.values()) t.cancel();
    this.timers.clear();
    this.abort.abort();
    await Promise.allSettled([...this.running]);
    // Startable again (a cluster node that regains the leader role polls again).
    this.started = false;
    this.abort = new AbortController();
  }
}
