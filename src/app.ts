// The composition root: builds a running Vigie from a config. The CLI, the demo and the
// tests all start Vigie through createVigie, so they exercise the same wiring.
import type { Logger } from 'pino';
import { pino } from 'pino';
import type { Observation } from './core/observation.js';
import { type Clock, systemClock } from './core/time.js';
import { type Entities, type MonitorEntity, type VigieConfig, toEntities } from './config/schema.js';
import { Detector, type StatusChange } from './detect/detector.js';
import { probeFor } from './probes/registry.js';
import { Scheduler } from './schedule/scheduler.js';
import { ObservationBatcher } from './store/observation-batcher.js';
import { type Store, openStore } from './store/index.js';
import { WebServer } from './web/server.js';
import { type Snapshot, buildSnapshot } from './web/snapshot.js';

export interface VigieOptions {
  config: VigieConfig;
  clock?: Clock;
  logger?: Logger;
  /** postgres:// URL; wins over the config's store settings (DATABASE_URL in the CLI). */
  databaseUrl?: string;
  /** Overrides the config's site.port (0 picks a free port). */
  port?: number;
  refreshSeconds?: number;
  /** Called after each status change is stored, for the demo's console and for tests. */
  onStatusChange?: (c: StatusChange) => void;
}

type ScheduledMonitor = MonitorEntity & { hostKey: string };

export class Vigie {
  readonly store: Store;
  readonly web: WebServer;
  readonly clock: Clock;
  readonly log: Logger;
  private detector: Detector;
  private scheduler: Scheduler<ScheduledMonitor>;
  private batcher: ObservationBatcher;
  private config: VigieConfig;
  private entities: Entities;
  private url: string | undefined;
  private changeChain: Promise<void> = Promise.resolve();
  private publishTimer: NodeJS.Timeout | undefined;

  private constructor(store: Store, private opts: VigieOptions) {
    this.store = store;
    this.config = opts.config;
    this.entities = toEntities(opts.config);
    this.clock = opts.clock ?? systemClock;
    this.log = opts.logger ?? pino({ level: 'silent' });
    this.detector = new Detector({ failuresToDown: opts.config.defaults.failures_to_down, successesToUp: opts.config.defaults.successes_to_up });
    this.batcher = new ObservationBatcher({ write: (batch) => this.store.recordObservations(batch) });
    this.web = new WebServer({ logger: this.log, ...(opts.refreshSeconds ? { refreshSeconds: opts.refreshSeconds } : {}) });
    this.scheduler = new Scheduler<ScheduledMonitor>({
      clock: this.clock,
      run: (m, at, signal) => this.check(m, at, signal),
      onError: (m, err) => this.log.error({ err, monitor: m.id }, 'check failed to complete'),
    });
  }

  static async create(opts: VigieOptions): Promise<Vigie> {
    const url = opts.databaseUrl ?? opts.config.store.url;
    const store = await openStore(url ? { url } : { path: opts.config.store.path });
    const v = new Vigie(store, opts);
    await v.applyEntities();
    return v;
  }

  get baseUrl(): string | undefined {
    return this.url;
  }

  /** Starts serving and checking; returns the status page address. */
  async start(): Promise<string> {
    this.url = await this.web.listen(this.config.site.host, this.opts.port ?? this.config.site.port);
    await this.publish();
    this.scheduler.start();
    this.log.info({ url: this.url, monitors: this.scheduler.size }, 'vigie started');
    return this.url;
  }

  /** Applies a new config without a restart: the store, the detector and the schedule follow it. */
  async reload(config: VigieConfig): Promise<void> {
    this.config = config;
    this.entities = toEntities(config);
    await this.applyEntities();
    await this.publish();
  }

  private async applyEntities(): Promise<void> {
    const report = await this.store.syncEntities(this.entities, this.clock.now());
    this.log.info(report, 'config synced');
    const statuses = await this.store.componentStatuses();
    this.detector.load(this.entities.components, this.entities.monitors, new Map([...statuses].map(([id, s]) => [id, s.status])));
    this.scheduler.setMonitors(this.entities.monitors.map((m) => ({ ...m, hostKey: hostKey(m) })));
  }

  /** Runs one check; the observation is stored before detection acts on it. */
  private async check(m: ScheduledMonitor, at: number, signal: AbortSignal): Promise<void> {
    const probe = probeFor(m.kind);
    // Intervals follow the clock (accelerated in the demo); timeouts and thresholds are network time, always real.
    const result = await probe(m.target, { signal, timeoutMs: m.timeoutMs, degradedAfterMs: m.degradedAfterMs });
    if (signal.aborted) return; // stopped mid-check: the result says more about us than about the target
    const o: Observation = { ...result, monitorId: m.id, region: m.region, at };
    await this.batcher.add(o);
    this.afterObservation(o);
  }

  private afterObservation(o: Observation): void {
    const changes = this.detector.observe(o);
    if (changes.length === 0) return;
    this.changeChain = this.changeChain.then(async () => {
      for (const c of changes) {
        await this.store.recordComponentStatus({ componentId: c.componentId, status: c.to, at: c.at, reason: c.reason });
        this.log.info({ component: c.componentId, from: c.from, to: c.to, reason: c.reason }, 'component status changed');
        this.opts.onStatusChange?.(c);
      }
      this.schedulePublish();
    }).catch((err) => this.log.error({ err }, 'could not record status change'));
  }

  /** Coalesces bursts of changes into one re-render. */
  private schedulePublish(): void {
    this.publishTimer ??= setTimeout(() => {
      this.publishTimer = undefined;
      this.publish().catch((err) => this.log.error({ err }, 'could not prepare the page'));
    }, 20);
  }

  async snapshot(): Promise<Snapshot> {
    const [model, changes] = await Promise.all([this.store.pageModel(), this.store.statusChanges({ limit: 30 })]);
    const names = new Map(model.services.flatMap((s) => s.components.map((c) => [c.id, { service: s.name, component: c.name }] as const)));
    const byId = new Map(this.entities.components.map((c) => [c.id, c]));
    return buildSnapshot({
      title: this.config.site.title,
      baseUrl: this.config.site.base_url ?? this.url ?? '',
      now: this.clock.now(),
      services: model.services.map((s, i) => ({
        id: s.id,
        name: s.name,
        description: s.description,
        createdAt: s.createdAt,
        position: i,
        components: s.components.map((c, j) => ({
          id: c.id,
          serviceId: s.id,
          name: c.name,
          description: c.description,
          group: byId.get(c.id)?.groupName ?? c.groupName,
          status: c.status,
          since: c.statusSince,
          createdAt: c.createdAt,
          updatedAt: c.updatedAt,
          position: j,
        })),
      })),
      changes: changes
        .filter((c) => names.has(c.componentId))
        .map((c) => ({
          componentId: c.componentId,
          componentName: names.get(c.componentId)!.component,
          serviceName: names.get(c.componentId)!.service,
          from: c.fromStatus,
          to: c.toStatus,
          at: c.at,
          reason: c.reason,
        })),
    });
  }

  async publish(): Promise<void> {
    this.web.publish(await this.snapshot());
  }

  /** Graceful stop: no new checks, running ones aborted, every pending write finished, then close. */
  async stop(): Promise<void> {
    await this.scheduler.stop();
    await this.batcher.flush();
    await this.changeChain;
    clearTimeout(this.publishTimer);
    await this.web.close();
    await this.store.close();
    this.log.info('vigie stopped');
  }
}

function hostKey(m: MonitorEntity): string {
  try {
    return new URL(m.target.url).host;
  } catch {
    return m.id;
  }
}

export const createVigie = (opts: VigieOptions) => Vigie.create(opts);
