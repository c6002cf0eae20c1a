// Vigie's Prometheus metrics: one prom-client Registry per running Vigie (never the global one,
// so two Vigies in one process, as in the tests, do not mix their figures).
//
// Names follow blackbox_exporter where the meaning is the same: probe_success, probe_duration_seconds
// {phase}, probe_http_status_code, with a `monitor` label instead of blackbox's per-scrape target.
// Cardinality at 10,000 monitors: the per-monitor series are gauges holding the last check (as
// blackbox exposes them), 1 + 5 + 1 per monitor plus failures by kind; histograms are unlabelled
// or labelled by probe kind only, so they never multiply by the number of monitors.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Observation } from '../core/observation.js';

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
  private known = new Map<string, MetricsMonitor>();
  private failureKinds = new Map<string, Set<string>>();

  constructor(sources: { inFlight: () => number; monitors: () => number }, opts: MetricsOptions = {}) {
    const registers = [this.registry];
    this.probeSuccess = new Gauge({ name: 'probe_success', help: 'Whether the last check of the monitor succeeded (1) or failed (0)', labelNames: ['monitor', 'region'], registers });
    this.probeDuration = new Gauge({
      name: 'probe_duration_seconds',
      help: 'Duration of each phase of the last check of the monitor (dns, connect, tls, first_byte, total)',
      labelNames: ['monitor', 'phase'],
      registers,
    });
    this.probeStatusCode = new Gauge({ name: 'probe_http_status_code', help: 'HTTP status code of the last check of the monitor (0 when none came back)', labelNames: ['monitor'], registers });
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
    if (opts.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
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
    for (const [id, old] of this.known) {
      const now = next.get(id);
      if (!now) this.forget(old);
      else if (now.region !== old.region) this.probeSuccess.remove({ monitor: id, region: old.region });
    }
    this.known = next;
  }

  /** The scheduler started a check lagMs after its planned start. */
  observeLag(lagMs: number): void {
    this.startLag.observe(lagMs / 1000);
  }

  /** Records the outcome of one check. */
  observeCheck(m: MetricsMonitor, o: Observation): void {
    // A check that was in flight when its monitor left the config must not bring its series back.
    if (!this.known.has(m.id)) return;
    const monitor = m.id;
    this.probeSuccess.set({ monitor, region: o.region }, o.ok ? 1 : 0);
    const p = o.phases;
    this.setPhase(monitor, 'dns', p.dnsMs);
    this.setPhase(monitor, 'connect', p.connectMs);
    this.setPhase(monitor, 'tls', p.tlsMs);
    this.setPhase(monitor, 'first_byte', p.firstByteMs);
    this.setPhase(monitor, 'total', p.totalMs);
    if (m.kind === 'http') this.probeStatusCode.set({ monitor }, o.statusCode ?? 0);
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

  private setPhase(monitor: string, phase: Phase, ms: number | undefined): void {
    // A phase that did not happen (no DNS for an IP literal, no TLS for http) reads 0, as in blackbox.
    this.probeDuration.set({ monitor, phase }, (ms ?? 0) / 1000);
  }

  private forget(m: MetricsMonitor): void {
    const monitor = m.id;
    this.probeSuccess.remove({ monitor, region: m.region });
    for (const phase of PHASES) this.probeDuration.remove({ monitor, phase });
    this.probeStatusCode.remove({ monitor });
    for (const kind of this.failureKinds.get(monitor) ?? []) this.probeFailures.remove({ monitor, kind });
    this.failureKinds.delete(monitor);
  }
}
