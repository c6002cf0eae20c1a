// Vigie's Prometheus metrics: one prom-client Registry per running Vigie (never the global one,
// so two Vigies in one process, as in the tests, do not mix their figures).
//
// Names follow blackbox_exporter where the meaning is the same: probe_success, probe_duration_seconds
// {phase}, probe_http_status_code, with a `monitor` label instead of blackbox's per-scrape target.
// Cardinality at 10,000 monitors: the per-monitor series are gauges holding the last check (as
// blackbox exposes them), 1 + 5 + 1 per monitor plus failures by kind; histograms are unlabelled
// or labelled by probe kind only, so they never multiply by the number of monitors.
//
// Those 70,000 last-check series are kept as numbers in one typed array, a row per monitor, and
// become series only when scraped: as prom-client series they held ~13 MB (a labels object and a
// key string each) and cost seven label objects and key strings per check.
import { Counter, Gauge, type GaugeConfiguration, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Observation } from '../core/observation.js';

/** How often the event-loop lag histogram (nodejs_eventloop_lag_*) samples the loop. */
export const EVENT_LOOP_SAMPLE_MS = 100;

export const PHASES = ['dns', 'connect', 'tls', 'first_byte', 'total'] as const;
export type Phase = (typeof PHASES)[number];

/** What the metrics need to know about a monitor. */
export interface MetricsMonitor {
  id: string;
  region: string;
  kind: string;
}

export interface MetricsOptions {
  /** Node process metrics (CPU, memory, event loop lag) with prom-client's defaults. Default true. */
  processMetrics?: boolean;
}

const LAG_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

type Sample<T extends string> = Awaited<ReturnType<Gauge<T>['get']>>['values'][number];

/** A gauge whose series are produced at scrape time by `samples` instead of being set one by one. */
class ScrapedGauge<T extends string> extends Gauge<T> {
  constructor(
    config: GaugeConfiguration<T>,
    private readonly samples: () => Sample<T>[],
  ) {
    super(config);
  }

  override async get(): ReturnType<Gauge<T>['get']> {
    return { ...(await super.get()), values: this.samples() };
  }
}

// Columns of a monitor's row of last-check values; NaN where there is nothing to expose.
const SUCCESS = 0;
const PHASE0 = 1; // PHASES in order
const STATUS = PHASE0 + PHASES.length;
const ROW = STATUS + 1;

interface Slot {
  m: MetricsMonitor;
  row: number;
}

export class VigieMetrics {
  readonly registry = new Registry();
  readonly probeSuccess: Gauge<'monitor' | 'region'>;
  readonly probeDuration: Gauge<'monitor' | 'phase'>;
  readonly probeStatusCode: Gauge<'monitor'>;
  readonly probeFailures: Counter<'monitor' | 'kind'>;
  readonly checkDuration: Histogram<'kind'>;
  readonly checksTotal: Counter<'kind'>;
  readonly startLag: Histogram;
  readonly inFlight: Gauge;
  readonly monitors: Gauge;
  private slots = new Map<string, Slot>();
  /** Rows given back by removed monitors, reused before the table grows. */
  private freeRows: number[] = [];
  private rows = 0;
  private last = new Float64Array(0);
  private failureKinds = new Map<string, Set<string>>();

  constructor(sources: { inFlight: () => number; monitors: () => number }, opts: MetricsOptions = {}) {
    const registers = [this.registry];
    this.probeSuccess = new ScrapedGauge(
      { name: 'probe_success', help: 'Whether the last check of the monitor succeeded (1) or failed (0)', labelNames: ['monitor', 'region'], registers },
      () => this.samples(SUCCESS, (m) => ({ monitor: m.id, region: m.region })),
    );
    this.probeDuration = new ScrapedGauge(
      {
        name: 'probe_duration_seconds',
        help: 'Duration of each phase of the last check of the monitor (dns, connect, tls, first_byte, total)',
        labelNames: ['monitor', 'phase'],
        registers,
      },
      () => this.samples(PHASE0, (m, i) => ({ monitor: m.id, phase: PHASES[i]! }), PHASES.length),
    );
    this.probeStatusCode = new ScrapedGauge(
      { name: 'probe_http_status_code', help: 'HTTP status code of the last check of the monitor (0 when none came back)', labelNames: ['monitor'], registers },
      () => this.samples(STATUS, (m) => ({ monitor: m.id })),
    );
    this.probeFailures = new Counter({ name: 'probe_failures_total', help: 'Failed checks by monitor and classified failure kind', labelNames: ['monitor', 'kind'], registers });
    this.checkDuration = new Histogram({ name: 'vigie_check_duration_seconds', help: 'Total duration of checks, by probe kind', labelNames: ['kind'], buckets: DURATION_BUCKETS, registers });
    this.checksTotal = new Counter({ name: 'vigie_checks_total', help: 'Checks completed, by probe kind', labelNames: ['kind'], registers });
    this.startLag = new Histogram({
      name: 'vigie_scheduler_start_lag_seconds',
      help: 'How late checks started compared with their planned start',
      buckets: LAG_BUCKETS,
      registers,
    });
    this.inFlight = new Gauge({
      name: 'vigie_checks_in_flight',
      help: 'Checks running now',
      registers,
      collect() {
        this.set(sources.inFlight());
      },
    });
    this.monitors = new Gauge({
      name: 'vigie_monitors',
      help: 'Monitors scheduled on this process',
      registers,
      collect() {
        this.set(sources.monitors());
      },
    });
    // The event-loop lag histogram samples with a timer: prom-client's default (10 ms) wakes an idle
    // process 100 times a second, which was most of its idle CPU (a wake-up is a context switch).
    // At 100 ms a stall of 100 ms or more is still always seen, and the process sleeps between checks.
    if (opts.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition text. */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  /** Keeps per-monitor series in step with the monitors that exist: series of removed monitors are dropped. */
  setMonitors(list: MetricsMonitor[]): void {
    const next = new Map(list.map((m) => [m.id, m]));
    for (const [id, slot] of this.slots) {
      if (!next.has(id)) {
        this.forget(id);
        this.clearRow(slot.row);
        this.freeRows.push(slot.row);
        this.slots.delete(id);
      }
    }
    for (const m of next.values()) {
      const slot = this.slots.get(m.id);
      if (!slot) {
        this.slots.set(m.id, { m: { id: m.id, region: m.region, kind: m.kind }, row: this.takeRow() });
        continue;
      }
      // The series under the old region (or of the old kind) go; the next check brings the new ones.
      if (m.region !== slot.m.region) this.last[slot.row * ROW + SUCCESS] = NaN;
      if (m.kind !== slot.m.kind) this.last[slot.row * ROW + STATUS] = NaN;
      slot.m = { id: m.id, region: m.region, kind: m.kind };
    }
  }

  /** The scheduler started a check lagMs after its planned start. */
  observeLag(lagMs: number): void {
    this.startLag.observe(lagMs / 1000);
  }

  /** Records the outcome of one check. */
  observeCheck(m: MetricsMonitor, o: Observation): void {
    // A check that was in flight when its monitor left the config must not bring its series back.
    const slot = this.slots.get(m.id);
    if (!slot) return;
    const monitor = m.id;
    const at = slot.row * ROW;
    const p = o.phases;
    this.last[at + SUCCESS] = o.ok ? 1 : 0;
    // A phase that did not happen (no DNS for an IP literal, no TLS for http) reads 0, as in blackbox.
    this.last[at + PHASE0] = (p.dnsMs ?? 0) / 1000;
    this.last[at + PHASE0 + 1] = (p.connectMs ?? 0) / 1000;
    this.last[at + PHASE0 + 2] = (p.tlsMs ?? 0) / 1000;
    this.last[at + PHASE0 + 3] = (p.firstByteMs ?? 0) / 1000;
    this.last[at + PHASE0 + 4] = p.totalMs / 1000;
    if (m.kind === 'http') this.last[at + STATUS] = o.statusCode ?? 0;
    if (!o.ok) {
      const kind = o.error?.kind ?? 'unknown';
      this.probeFailures.inc({ monitor, kind });
      let kinds = this.failureKinds.get(monitor);
      if (!kinds) this.failureKinds.set(monitor, (kinds = new Set()));
      kinds.add(kind);
    }
    this.checkDuration.observe({ kind: m.kind }, p.totalMs / 1000);
    this.checksTotal.inc({ kind: m.kind });
  }

  /** The series of `width` columns from `column`, monitor by monitor, for the values there are. */
  private samples<T extends string>(column: number, labels: (m: MetricsMonitor, i: number) => Partial<Record<T, string>>, width = 1): Sample<T>[] {
    const out: Sample<T>[] = [];
    for (const { m, row } of this.slots.values()) {
      for (let i = 0; i < width; i++) {
        const value = this.last[row * ROW + column + i]!;
        if (value === value) out.push({ labels: labels(m, i), value });
      }
    }
    return out;
  }

  private takeRow(): number {
    const row = this.freeRows.pop() ?? this.rows++;
    if ((row + 1) * ROW > this.last.length) {
      const grown = new Float64Array(Math.max(64, (row + 1) * 2) * ROW);
      grown.set(this.last);
      this.last = grown;
    }
    this.clearRow(row);
    return row;
  }

  private clearRow(row: number): void {
    this.last.fill(NaN, row * ROW, (row + 1) * ROW);
  }

  private forget(monitor: string): void {
    for (const kind of this.failureKinds.get(monitor) ?? []) this.probeFailures.remove({ monitor, kind });
    this.failureKinds.delete(monitor);
  }
}
