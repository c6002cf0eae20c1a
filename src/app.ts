// The composition root: builds a running Vigie from a config. The CLI, the demo and the
// tests all start Vigie through createVigie, so they exercise the same wiring.
import type { Logger } from 'pino';
import { pino } from 'pino';
import type { Observation } from './core/observation.js';
import { type Clock, type TimerHandle, safeTimeout, systemClock } from './core/time.js';
import { type Entities, type MonitorEntity, type VigieConfig, toEntities } from './config/schema.js';
import { type CrowdLevel, type CrowdWeight, Detector, type StatusChange } from './detect/detector.js';
import { type ComponentInfo, IncidentEngine, type IncidentView } from './incidents/engine.js';
import { authenticator } from './web/auth.js';
import { ADMIN_PREFIX, AdminRoutes, adminApi, adminRoutes } from './web/routes/admin-api.js';
import { notifyAdminRoutes } from './web/routes/admin-notify.js';
import { tokenAdminRoutes } from './web/routes/admin-tokens.js';
import { Auth } from './auth/service.js';
import { OidcSignIn, oidcRoutes } from './auth/oidc.js';
import { sessionAdminRoutes } from './web/routes/admin-session.js';
import { userAdminRoutes } from './web/routes/admin-users.js';
import { auditAdminRoutes } from './web/routes/admin-audit.js';
import { runCheck } from './probes/registry.js';
import { BeatBook } from './probes/heartbeat.js';
import { heartbeatStore, loadBeats } from './store/heartbeats.js';
import { targetHost } from './config/monitors.js';
import { pushRoutes } from './web/routes/push.js';
import { Scheduler } from './schedule/scheduler.js';
import { VigieMetrics } from './metrics/metrics.js';
import { DEFAULT_RETENTION } from './store/retention.js';
import { StorageJob } from './store/storage-job.js';
import { metricsRoute } from './web/routes/metrics.js';
import { ObservationBatcher } from './store/observation-batcher.js';
import { type Store, openStore } from './store/index.js';
import { StoreGuard } from './store/guard.js';
import { registerWebFaultMetrics } from './web/fault-metrics.js';
import { damagedOr } from './store/store.js';
import { readOnlyOr } from './store/db.js';
import { type InstanceLock, lockInstance } from './store/instance-lock.js';
import { WebServer } from './web/server.js';
import { CrowdReports, type HeardReport, type LevelChange } from './signals/reports/intake.js';
import { LatencyWatch } from './signals/reports/latency.js';
import { reportRoutes } from './web/routes/reports.js';
import { NotifyWorker } from './notify/worker.js';
import { Subscriptions } from './notify/subscriptions.js';
import { subscriptionRoutes } from './web/routes/subscriptions.js';
import { type Snapshot, type SnapshotCrowd, type SnapshotIncident, type SnapshotRegion, type SnapshotVendor, buildSnapshot } from './web/snapshot.js';
import { logOnceEach } from './web/snapshot-guard.js';
import { uptimeBars } from './store/rollups.js';
import { latestVendorSnapshot } from './store/vendor.js';
import { parseText } from './i18n/text.js';
import { VendorPoller } from './signals/vendor/poller.js';
import { HistoryCache, historyRoutes, loadHistoryInput } from './web/routes/history.js';
import { consoleRoutes } from './web/routes/console.js';
import { historyServices } from './analytics/input.js';
import { incidentNotes, upstreamNow } from './analytics/history.js';
import { outagesOf } from './analytics/outages.js';
import { vendorSources } from './signals/vendor/sources.js';
import { AgentHub } from './agent/hub.js';
import { mountAgents } from './agent/mount.js';
import { agentRegions, splitByRunner } from './config/regions.js';
import type { Gateway } from './gateway/gateway.js';
import { ClusterNode, defaultNodeId } from './cluster/node.js';
import { lastChecks, resumeAt } from './cluster/resume.js';
import { registerClusterMetrics } from './cluster/metrics.js';
import { liveAgentsInStore } from './cluster/agents.js';
import type { FeedMessage } from './cluster/feed.js';
import { gatewayAdminRoutes } from './web/routes/admin-gateway.js';
import { type GatewayEventRecord, type GatewayProgressRecord, type ProgressOutcome, recentGatewayEvents, recordGatewayEvent, recordGatewayProgress } from './store/gateway.js';
import { WriteBehind } from './store/write-behind.js';
import { GATEWAY_PAGE_DAYS, GATEWAY_PAGE_MAX, resolveComponent, snapshotGatewayEvents } from './web/gateway-events.js';
import { Catalog } from './catalog/catalog.js';
import { MonitorBoard } from './catalog/board.js';
import { type StoredEntry, loadCatalog } from './store/catalog.js';
import { latestObservations } from './store/monitor-history.js';
import { catalogAdminRoutes } from './web/routes/admin-catalog.js';
import { monitorEditRoutes, monitorReadRoutes } from './web/routes/admin-monitors.js';
import { MonitorEvents } from './web/routes/monitor-events.js';
import { vendorAdminRoutes } from './web/routes/admin-vendors.js';
import { type StartupPhase, StartupPhases } from './core/startup-phases.js';

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
  /** Accepted as an admin API token besides the stored ones (VIGIE_ADMIN_TOKEN in the CLI). */
  adminToken?: string;
  /** This node's name in a cluster (config `cluster:`; `vigie start --node`); default host and pid. */
  node?: string;
  /**
   * In a cluster: reads the config again when another node reloaded its own (Vigie.reload there), so
   * every node runs the same monitors. The CLI re-reads the config file; without it, a node follows
   * other nodes' reloads only when it reloads itself.
   */
  reloadConfig?: () => Promise<VigieConfig>;
  /** Each start-up phase as it ends (wall ms), for bench/startup.ts; the "vigie started" log line has them all. */
  onPhase?: (p: StartupPhase) => void;
}

type ScheduledMonitor = MonitorEntity & { hostKey: string };

/** At most one publish for crowd sparklines per this many real milliseconds. */
const CROWD_REFRESH_REAL_MS = 3000;

export class Vigie {
  readonly store: Store;
  readonly web: WebServer;
  readonly clock: Clock;
  readonly log: Logger;
  private detector: Detector;
  private scheduler: Scheduler<ScheduledMonitor>;
  private batcher: ObservationBatcher;
  /** Writes that survive a failing store, the page's view of what is not yet written, write health. */
  readonly guard: StoreGuard<StatusChange>;
  private config: VigieConfig;
  private entities: Entities;
  private url: string | undefined;
  private changeChain: Promise<void> = Promise.resolve();
  private publishTimer: NodeJS.Timeout | undefined;
  /** Re-publishes every minute: the bars follow the rollups and the day boundary (live pages hear only real changes). */
  private refreshTimer: NodeJS.Timeout | undefined;
  /** Prometheus metrics, served at /metrics. */
  readonly metrics: VigieMetrics;
  /** The OpenAI-compatible failover proxy, when the config has a gateway: section; fed each published component status. */
  gateway: Gateway | undefined;
  /** The in-process gateway's failovers and failbacks on their way to the store (held in memory while it fails, as other writes). */
  gatewayEvents: WriteBehind<GatewayEventRecord | GatewayProgressRecord> | undefined;
  /** Rollups and retention on the clock. */
  readonly storageJob: StorageJob;
  /** Beats pushed by jobs to /api/push/<token>, read by heartbeat monitors. */
  private beats: BeatBook;
  /** Set when the config has `cluster:`: one node of several on one PostgreSQL (src/cluster). */
  readonly cluster: ClusterNode | undefined;
  /** Every unit this process could run; a cluster node schedules those of its shards. */
  private localUnits: ScheduledMonitor[] = [];
  private leaderChain: Promise<void> = Promise.resolve();
  private shardChain: Promise<void> = Promise.resolve();
  /** Set while a reload another node announced is applied here (not announced again). */
  private applyingFromPeer = false;
  /** Units this cluster node schedules, and the last stored check of those it is taking over (read once, by firstAt). */
  private owned = new Set<string>();
  private resume = new Map<string, number>();
  private announceTimer: NodeJS.Timeout | undefined;
  private peersTimer: NodeJS.Timeout | undefined;
  /** Crowd reports: intake, signal and page (src/signals/reports). */
  readonly reports: CrowdReports;
  /** Learned usual latency per monitor: a check far slower than usual counts as degraded. */
  private latency = new LatencyWatch();
  /** Incidents and maintenance: fed by status changes, read by the admin API and the page. */
  readonly incidents: IncidentEngine;
  /** Official status pages, polled on the clock; tells the incident engine what they say. */
  readonly vendor: VendorPoller;
  /** Notifications: the outbox worker (channels, alert rules, subscriber deliveries). */
  readonly notify: NotifyWorker;
  /** Remote agents (src/agent): assignments of agent regions' monitors, uploads fed to detection like local checks. */
  readonly agents: AgentHub;
  /** The admin API's routes: add yours here, in the constructor (docs/TEAM-NOTES.md). */
  readonly admin = new AdminRoutes();
  /** Sign-in, sessions, roles and the audit log of the admin API (src/auth). */
  readonly auth: Auth;
  /** Stored rows the page cannot show as they are (snapshot-guard.ts): logged once each. */
  private rowProblems = logOnceEach((rows, count) => this.log.warn({ rows, count }, 'stored rows the page cannot show as they are (times no date can hold are left out; unreadable rows are skipped)'));

  private lock: InstanceLock | undefined;
  /** Order of publishes begun, and of the newest handed to the page (publish()). */
  private publishSeq = 0;
  private publishedSeq = 0;
  /** Start-up phases (src/core/startup-phases.ts), from create() to the end of start(); undefined afterwards. */
  private phases: StartupPhases | undefined;
  /** The outage history's input, read on demand and dropped at each publish (src/web/routes/history.ts). */
  private history = new HistoryCache(() => loadHistoryInput(this.store, this.config, this.clock.now()));
  /** Re-publishes each clock minute in which crowd reports came in, so the page's crowd sparklines move. */
  private crowdTimer: TimerHandle | undefined;
  /** Each monitor unit's live status for the console (src/catalog/board.ts). */
  readonly board = new MonitorBoard();
  /** vigie.yaml's services merged with those made through the admin API (src/catalog). */
  readonly catalog: Catalog;
  /** The console's live monitor stream (/api/admin/monitors/events). */
  readonly monitorEvents: MonitorEvents;

  private constructor(store: Store, private opts: VigieOptions, stored: StoredEntry[] = []) {
    // What runs is the file's config merged with the app-made catalog (src/catalog/merge.ts).
    this.catalog = new Catalog({ db: store.db, now: () => this.clock.now(), board: this.board, apply: (c, wait) => this.applyConfig(c, wait) }, opts.config, stored);
    opts = this.opts = { ...opts, config: this.catalog.config };
    this.store = store;
    this.config = opts.config;
    this.entities = toEntities(opts.config);
    this.clock = opts.clock ?? systemClock;
    this.beats = new BeatBook(this.clock, heartbeatStore(store.db));
    this.log = opts.logger ?? pino({ level: 'silent' });
    this.detector = new Detector({ failuresToDown: opts.config.defaults.failures_to_down, successesToUp: opts.config.defaults.successes_to_up });
    this.batcher = new ObservationBatcher({ write: (batch) => this.guard.observations.submit(batch) });
    this.web = new WebServer({ logger: this.log, health: () => this.guard.health.view(), sse: { trustProxy: () => this.reports.trustProxy }, ...(opts.refreshSeconds ? { refreshSeconds: opts.refreshSeconds } : {}), workers: webWorkers(opts.config) });
    this.admin.watch(this.web.app);
    this.scheduler = new Scheduler<ScheduledMonitor>({
      clock: this.clock,
      run: (m, at, signal) => this.check(m, at, signal),
      // Lag in real seconds: clock ms divided by the clock's speed (a manual clock's are taken as they are).
      onLag: (_m, lagMs) => this.metrics.observeLag(Number.isFinite(this.clock.speed) && this.clock.speed > 0 ? lagMs / this.clock.speed : lagMs),
      onError: (m, err) => this.log.error({ err, monitor: m.id }, 'check failed to complete'),
      aligned: opts.config.cluster !== undefined,
      firstAt: (m, now) => {
        const last = this.resume.get(m.id);
        return last === undefined ? undefined : resumeAt(last, m.intervalMs, now);
      },
    });
    this.cluster = opts.config.cluster ? this.joinCluster(opts.config.cluster) : undefined;
    this.metrics = new VigieMetrics({ inFlight: () => this.scheduler.running, monitors: () => this.scheduler.size });
    this.guard = new StoreGuard<StatusChange>({ store, clock: this.clock, log: this.log, registry: this.metrics.registry, onChangeWritten: (c) => this.afterChangeWritten(c), onHealthChange: () => this.schedulePublish(), ...this.clusterWrites() });
    this.web.app.register(metricsRoute, { metrics: this.metrics });
    if (this.cluster) registerClusterMetrics(this.metrics.registry, this.cluster);
    registerWebFaultMetrics(this.metrics.registry, this.web);
    this.web.app.register(pushRoutes, { beats: this.beats, knows: (token) => this.entities.monitors.some((m) => m.kind === 'heartbeat' && m.target.token === token) });
    const d = opts.config.detection;
    this.latency.configure(d.false_alarms);
    this.incidents = new IncidentEngine({
      store,
      clock: this.clock,
      components: componentInfos(opts.config),
      settings: { graceMs: d.incident_grace, resolveHoldMs: d.resolve_hold, silentVendorAfterMs: d.silent_vendor_after, maintenanceVerifyMs: d.maintenance_verify },
      onMaintenanceChange: (ids, at) => this.recordChanges(this.detector.setMaintenance(ids, at)),
      onChange: () => {
        this.schedulePublish();
        // A person's action on a node that is not the leader: the leader's engine takes it from there.
        if (this.cluster && !this.cluster.leader) this.cluster.announce('incidents');
      },
      onError: (err) => this.guard.faults.report('incident engine', err),
      automatic: () => this.cluster?.leader ?? true,
    });
    this.vendor = new VendorPoller({
      clock: this.clock,
      db: store.db,
      sources: vendorSources(opts.config),
      sink: this.incidents,
      log: this.log.child({ part: 'vendor' }),
      onReading: (_s, rec) => rec.changed && this.schedulePublish(),
    });
    this.admin.add(...adminRoutes(this.incidents));
    this.auth = new Auth({ store, now: () => this.clock.now(), log: this.log.child({ part: 'auth' }), tokens: authenticator(store, { bootstrapToken: opts.adminToken }), baseUrl: () => this.config.site.base_url, trustProxy: () => this.reports.trustProxy, onAuditError: (err) => this.guard.faults.report('audit log', err) });
    oidcRoutes(this.web.app, new OidcSignIn({ auth: this.auth, settings: () => this.config.auth.oidc, origin: () => this.config.site.base_url ?? this.url, log: this.log.child({ part: 'oidc' }) }));
    this.admin.add(...sessionAdminRoutes({ auth: this.auth, oidcName: () => this.config.auth.oidc?.name }), ...userAdminRoutes({ auth: this.auth, issuer: () => this.config.site.title }), ...auditAdminRoutes({ audit: this.auth.audit }));
    this.web.app.register(adminApi, { prefix: ADMIN_PREFIX, routes: this.admin, auth: this.auth, serverUrl: () => this.config.site.base_url ?? this.url });
    const r = opts.config.store.retention;
    this.storageJob = new StorageJob({
      store,
      clock: this.clock,
      policy: r ? { rawMs: r.raw, minuteMs: r.per_minute, hourMs: r.per_hour, dayMs: r.per_day, reportsMs: r.reports, reportCountsMs: r.report_counts } : DEFAULT_RETENTION,
      onError: (err) => this.guard.faults.report('rollup or retention run', err),
    });
    this.reports = new CrowdReports({ store, clock: this.clock, log: this.log, config: opts.config, onLevel: (c) => this.onCrowdReportLevel(c), faults: this.guard.faults, ...(this.cluster ? { onAccepted: (r: HeardReport) => this.cluster!.announce('report', { report: r }) } : {}) });
    this.web.app.register(reportRoutes, { reports: this.reports, title: () => this.config.site.title });
    const site = () => ({ title: this.config.site.title, baseUrl: (this.config.site.base_url ?? this.url ?? '').replace(/\/+$/, '') });
    this.notify = new NotifyWorker({ store, config: opts.config.notify, clock: this.clock, log: this.log.child({ part: 'notify' }), site, faults: this.guard.faults });
    const subs = new Subscriptions({ store, config: () => this.config.notify, secret: () => this.notify.secret, now: () => this.clock.now(), componentIds: () => new Set(this.entities.components.map((c) => c.id)), emailReady: () => this.notify.emailChannel !== undefined, kick: () => this.notify.kick() });
    this.agents = mountAgents(this.web.app, {
      store,
      clock: this.clock,
      log: this.log.child({ part: 'agents' }),
      metrics: this.metrics.registry,
      admin: (...routes) => this.admin.add(...routes),
      prepare: (m, o) => this.prepare(m, o),
      // A cluster node's detector reads every stored observation back (src/cluster/tail.ts), agents' included.
      observed: (o) => this.cluster === undefined && this.afterObservation(o),
      onSilence: (silent, at) => {
        this.recordChanges(this.detector.setSilentRegions(silent, at));
        this.schedulePublish();
      },
    });
    this.web.app.register(subscriptionRoutes, { subs, perNetwork: () => this.config.notify.subscriptions.per_network, trustProxy: () => this.reports.trustProxy, worker: this.notify, store, now: () => this.clock.now(), title: () => this.config.site.title, baseUrl: () => site().baseUrl });
    this.admin.add(...notifyAdminRoutes({ store, worker: this.notify, now: () => this.clock.now(), notifyConfig: () => this.config.notify, site }), ...tokenAdminRoutes({ store, now: () => this.clock.now() }));
    this.web.app.register(historyRoutes, { cache: this.history, siteTitle: () => this.config.site.title, state: () => this.web.stateKey });
    this.admin.add(...gatewayAdminRoutes({ store, now: () => this.clock.now(), record: (e) => this.recordGatewayEvent(e), progress: (p) => this.recordGatewayProgress(p) }));
    const monitorDeps = { catalog: this.catalog, board: this.board, db: store.db, now: () => this.clock.now(), runOnce: (m: MonitorEntity, deadlineMs: number) => this.runOnce(m, deadlineMs) };
    this.admin.add(...catalogAdminRoutes({ catalog: this.catalog }), ...monitorReadRoutes(monitorDeps), ...monitorEditRoutes(monitorDeps), ...vendorAdminRoutes({ config: () => this.config, db: store.db }));
    this.monitorEvents = new MonitorEvents({ board: this.board, catalog: this.catalog });
    this.monitorEvents.register(this.web.app);
    this.web.app.register(consoleRoutes);
  }

  static async create(opts: VigieOptions): Promise<Vigie> {
    const url = opts.databaseUrl ?? opts.config.store.url;
    const where = url ? { url } : { path: opts.config.store.path };
    const phases = new StartupPhases(opts.onPhase);
    // Before anything is written: a second process must not sync its monitors over the first's (cluster nodes share the store, shared lock).
    const lock = await lockInstance(where, (err) => opts.logger?.error({ err }, 'lost the connection that holds the database lock; another Vigie could now start on this database'), opts.config.cluster !== undefined).catch((err) => {
      throw readOnlyOr(where, err);
    });
    phases.mark('instance lock');
    let store: Store | undefined;
    try {
      store = await openStore(where);
      phases.mark('store open + migrations');
      const stored = await loadCatalog(store.db);
      phases.mark('catalog load');
      const v = new Vigie(store, opts, stored);
      v.lock = lock;
      v.phases = phases;
      phases.mark('build (catalog merge, entities, routes)');
      await v.applyEntities();
      await v.reports.load();
      phases.mark('crowd reports load');
      return v;
    } catch (err) {
      await store?.close().catch(() => {});
      await lock.release();
      throw damagedOr(where, err);
    }
  }

  get baseUrl(): string | undefined {
    return this.url;
  }

  /** Starts serving and checking; returns the status page address. */
  async start(): Promise<string> {
    if (this.config.gateway) {
      const { Gateway } = await import('./gateway/gateway.js');
      // Events and a failover's progress reports in one queue: a report is written after the event it belongs to.
      const events = (this.gatewayEvents = new WriteBehind<GatewayEventRecord | GatewayProgressRecord>({ kind: 'gateway events', health: this.guard.health, maxHeld: 1000, write: async (batch) => { for (const e of batch) await ('eventId' in e ? this.recordGatewayProgress(e) : this.recordGatewayEvent(e)); } }));
      this.gateway = new Gateway({ config: this.config.gateway, logger: this.log, clock: this.clock, processMetrics: false, vigieUrl: null, store: this.store, events: (e) => void events.submit([e]), progress: (p) => void events.submit([p]) });
      this.log.info({ url: await this.gateway.start() }, 'gateway started');
    }
    this.url = await this.web.listen(this.config.site.host, this.opts.port ?? this.config.site.port);
    this.phases?.mark('listen');
    // Local (every node has its own minute): not announced to the other nodes of a cluster.
    this.refreshTimer = setInterval(() => this.schedulePublish(false), 60_000);
    this.refreshTimer.unref();
    this.beats.restore(await loadBeats(this.store.db));
    // A cluster node starts the once-only work when it holds the leader role (onLeader), and runs its shards' units.
    await this.cluster?.start().catch(async (err) => {
      // Refused (a node name in use) or the database gone: nothing of this node may keep running.
      await this.stop().catch(() => {});
      throw err;
    });
    this.phases?.mark('beats + cluster');
    this.scheduler.start();
    this.phases?.mark('scheduler start');
    this.agents.start();
    if (this.cluster) {
      // Agents talking to other nodes count as live here too (one split of each region, whichever node an agent asks).
      const peers = () =>
        liveAgentsInStore(this.store.db, this.clock.now() - this.agents.liveForMs)
          .then((list) => this.agents.setPeers(list))
          .catch((err) => this.guard.faults.report('cluster agents read', err));
      this.peersTimer = setInterval(() => void peers(), this.agents.heartbeatMs);
      this.peersTimer.unref();
      await peers();
    }
    if (!this.cluster) this.storageJob.start();
    // Not awaited: the console's list shows each monitor's last stored check until it runs again.
    latestObservations(this.store.db, [...this.catalog.runningIds()])
      .then((last) => this.board.seed(last))
      .catch((err) => this.log.warn({ err }, 'could not read the last checks back for the console'));
    this.reports.start();
    this.refreshCrowd(this.reports.accepted);
    this.incidents.start();
    if (!this.cluster) this.vendor.start();
    this.notify.start();
    this.phases?.mark('other services start');
    // The page last: every monitor is on its slot before the first render (seconds at 10,000 monitors);
    // until it is ready the page answers 503 "starting" with Retry-After, as it did before this point.
    await this.publish().catch(async (err) => {
      await this.stop().catch(() => {});
      throw err;
    });
    this.phases?.mark('first publish');
    this.log.info({ url: this.url, monitors: this.scheduler.size, ...(this.phases ? { startupMs: this.phases.summary() } : {}) }, 'vigie started');
    this.phases = undefined;
    return this.url;
  }

  /** Applies a new config without a restart: the store, the detector and the schedule follow it (in a cluster, every node: see reloadConfig). */
  async reload(config: VigieConfig): Promise<void> {
    await this.catalog.reloadFile(config);
  }

  /** Runs a merged config (the file's and the app-made catalog's). */
  private async applyConfig(config: VigieConfig, waitForPage = true): Promise<void> {
    this.config = config;
    this.entities = toEntities(config);
    this.reports.configure(config);
    this.latency.configure(config.detection.false_alarms);
    this.notify.setConfig(config.notify);
    this.vendor.setSources(vendorSources(config));
    await this.applyEntities();
    this.board.keep(this.catalog.runningIds());
    // An edit through the API answers once checks follow it; the page (seconds to render at 10,000 monitors) follows just after.
    if (waitForPage) await this.publish();
    else this.schedulePublish();
    // The other nodes of a cluster follow (they read the catalog, and the file with reloadConfig, again).
    if (!this.applyingFromPeer) this.cluster?.announce('reload');
  }

  /** One check now, outside the schedule and not stored ("Test now"), ended by `deadlineMs` whatever happens. */
  private async runOnce(m: MonitorEntity, deadlineMs: number) {
    const ac = new AbortController();
    const timer = safeTimeout(() => ac.abort(), deadlineMs + 1000);
    try {
      return await runCheck(m, { signal: ac.signal, timeoutMs: deadlineMs, degradedAfterMs: m.degradedAfterMs, clock: this.clock, beats: this.beats });
    } finally {
      timer.cancel();
    }
  }

  /** A node of a cluster on one PostgreSQL (config `cluster:`; src/cluster/node.ts says what it shares and how). */
  private joinCluster(c: NonNullable<VigieConfig['cluster']>): ClusterNode {
    const url = this.opts.databaseUrl ?? this.opts.config.store.url!;
    return new ClusterNode({
      db: this.store.db,
      url,
      settings: { nodeId: this.opts.node ?? defaultNodeId(), shards: c.shards, ttlMs: c.lease_ttl },
      log: this.log.child({ part: 'cluster' }),
      onShards: () => {
        this.shardChain = this.shardChain.then(() => this.followShards()).catch((err) => this.guard.faults.report('cluster shard change', err));
      },
      beforeRelease: async (owned) => {
        const ids = this.localUnits.filter((m) => owned(m.id)).map((m) => m.id);
        for (const id of ids) this.scheduler.remove(id);
        // Checks under way finish and are written while the lease is still ours (bounded: a lease must not lapse waiting).
        let t: NodeJS.Timeout | undefined;
        await Promise.race([this.scheduler.settled(ids), new Promise((r) => (t = setTimeout(r, c.lease_ttl / 3)))]);
        clearTimeout(t);
        await this.batcher.flush();
      },
      onLeader: (leader) => {
        this.leaderChain = this.leaderChain.then(() => this.onLeader(leader)).catch((err) => this.guard.faults.report('cluster leader change', err));
      },
      onRows: (list) => {
        for (const o of list) this.afterObservation(o);
      },
      onMessage: (m) => this.onClusterMessage(m),
      // Notifications sent while the feed was down are lost: the page is re-read (crowd reports heard meanwhile are not; docs/scaling.md).
      onReconnect: () => this.schedulePublish(false),
    });
  }

  /** Schedules the units of the shards held now; those new to this node pick up after their last stored check. */
  private async followShards(): Promise<void> {
    // Held, not owns(): a check still runs only while the local view says so (check()), but a late renewal must not unschedule units.
    const units = this.localUnits.filter((m) => this.cluster!.holds(m.id));
    const fresh = units.filter((m) => !this.owned.has(m.id)).map((m) => m.id);
    this.resume = fresh.length > 0 ? await lastChecks(this.store.db, fresh) : new Map();
    // Ownership read again after the wait: a shard may have gone meanwhile.
    const now = units.filter((m) => this.cluster!.holds(m.id));
    this.scheduler.setMonitors(now);
    this.resume = new Map();
    this.owned = new Set(now.map((m) => m.id));
  }

  /** A cluster node writes observations under its shard leases, status changes under the leader lease. */
  private clusterWrites() {
    const cluster = this.cluster;
    if (!cluster) return {};
    return {
      writeObservations: (batch: Observation[]) => cluster.writeObservations(batch),
      writeChange: (c: Parameters<Store['recordComponentStatus']>[0]) => this.store.recordComponentStatus(c, (trx) => cluster.assertLeader(trx)),
    };
  }

  private onClusterMessage(m: FeedMessage): void {
    // Every node counts every crowd report (its level, its sparkline and its dedup), wherever it was taken.
    if (m.kind === 'report') return this.reports.heard(m.report as HeardReport);
    this.schedulePublish(false);
    if (m.kind === 'status') this.notify.kick();
    // A person's action taken on another node (maintenance, an incident): the leader's engine acts on it now.
    if (m.kind === 'incidents' && this.cluster?.leader) this.incidents.tick(this.clock.now()).catch((err) => this.guard.faults.report('incident engine', err));
    if (m.kind === 'reload')
      this.leaderChain = this.leaderChain
        .then(async () => {
          const file = this.opts.reloadConfig ? await this.opts.reloadConfig() : undefined;
          this.applyingFromPeer = true;
          try {
            await this.catalog.refresh(await loadCatalog(this.store.db), file);
          } finally {
            this.applyingFromPeer = false;
          }
        })
        .catch((err) => this.guard.faults.report('cluster config reload', err));
  }

  /**
   * The leader role moved to or from this node. Taking it: the detector (warm from the tail) and the
   * incident engine start from the stored statuses, the engine catches up on what is due, and what the
   * detector sees now that differs from the store is written. Losing it: the once-only work stops.
   */
  private async onLeader(leader: boolean): Promise<void> {
    if (!leader) {
      await this.storageJob.stop();
      await this.vendor.stop();
      return;
    }
    const statuses = await this.store.componentStatuses();
    this.detector.load(this.entities.components, this.entities.monitors, new Map([...statuses].map(([id, s]) => [id, s.status])));
    this.incidents.seed(statuses, true);
    await this.incidents.tick(this.clock.now());
    this.recordChanges(this.detector.evaluate(this.clock.now()));
    this.storageJob.start();
    this.vendor.start();
    this.schedulePublish();
  }

  private async applyEntities(): Promise<void> {
    const report = await this.store.syncEntities(this.entities, this.clock.now());
    this.phases?.mark('config sync');
    // Counts, and the ids only when few: a first start at 10,000 monitors made one log line of 10,000 ids.
    const changed = report.added.length + report.changed.length + report.archived.length + report.restored.length;
    this.log.info(changed <= 50 ? report : Object.fromEntries(Object.entries(report).map(([k, ids]) => [k, ids.length])), 'config synced');
    const statuses = await this.store.componentStatuses();
    this.detector.load(this.entities.components, this.entities.monitors, new Map([...statuses].map(([id, s]) => [id, s.status])));
    this.detector.setNames(new Map(componentInfos(this.config).map((c) => [c.id, `${c.serviceName} ${c.name}`])));
    this.detector.setCrowdWeights(new Map(this.config.services.flatMap((s) => (s.detection?.crowd_weight ? [[s.id, s.detection.crowd_weight] as const] : []))), this.config.detection.crowd_weight);
    this.incidents.setComponents(componentInfos(this.config));
    this.incidents.seed(statuses);
    this.phases?.mark('detector + incidents load');
    const regions = agentRegions(this.config);
    const units = splitByRunner(this.entities.monitors.map((m) => ({ ...m, hostKey: hostKey(m) })), new Set(regions));
    this.localUnits = units.local;
    if (this.cluster) {
      // The shard map follows reloads (new units of held shards start, removed ones stop).
      this.shardChain = this.shardChain.then(() => this.followShards()).catch((err) => this.guard.faults.report('cluster shard change', err));
      await this.shardChain;
    } else this.scheduler.setMonitors(units.local);
    this.phases?.mark('scheduler arm');
    this.agents.setMonitors(units.remote, regions);
    this.metrics.setMonitors(this.entities.monitors);
    this.phases?.mark('agents + metrics');
  }

  /**
   * Runs one check; the observation is stored before detection acts on it, or, while the store
   * fails, held in memory to be written later: detection never waits for a store that is down.
   */
  private async check(m: ScheduledMonitor, at: number, signal: AbortSignal): Promise<void> {
    // A node resumed after a pause runs nothing of a shard its lease no longer covers (before its next renewal says so).
    if (this.cluster && !this.cluster.owns(m.id)) {
      this.cluster.skipped++;
      return;
    }
    // Intervals follow the clock (accelerated in the demo); timeouts and thresholds are network time, always real.
    const result = await runCheck(m, { signal, timeoutMs: m.timeoutMs, degradedAfterMs: m.degradedAfterMs, clock: this.clock, beats: this.beats });
    if (signal.aborted) return; // stopped mid-check: the result says more about us than about the target
    const o: Observation = { ...result, monitorId: m.id, region: m.region, at };
    this.prepare(m, o);
    await this.batcher.add(o, 2_000);
    if (!this.cluster) this.afterObservation(o);
  }

  /** Before a check's observation is stored, local or from an agent: the latency rule, then metrics. */
  private prepare(m: MonitorEntity, o: Observation): void {
    if (o.ok && !o.degraded && m.degradedAfterMs === null && this.latency.slow(m.id, o.at, o.phases.totalMs)) o.degraded = true;
    this.metrics.observeCheck(m, o);
  }

  private afterObservation(o: Observation): void {
    this.recordChanges(this.detector.observe(o));
    this.board.observe(o, this.detector.monitorState(o.monitorId).health);
  }

  /** The crowd-report level of a service (from the crowd-report intake); changes follow as for probes. */
  setCrowdLevel(serviceId: string, level: CrowdLevel, at: number): void {
    this.recordChanges(this.detector.setCrowd(serviceId, level, at));
  }

  crowdLevel(serviceId: string): CrowdLevel {
    return this.detector.crowdLevel(serviceId);
  }

  crowdWeight(serviceId: string): CrowdWeight {
    return this.detector.crowdWeight(serviceId);
  }

  /**
   * Stores status changes in order, then hands them to the incident engine. While the store fails
   * they wait in memory (the page shows them at once) and follow when it is back.
   */
  private recordChanges(changes: StatusChange[]): void {
    if (changes.length === 0) return;
    // Every cluster node's detector follows every observation; only the leader's changes are written.
    if (this.cluster && !this.cluster.leader) return;
    // Submitted at once (not behind the previous write): the page shows a change still waiting for a store that does not answer.
    const written = this.guard.changes.submit(changes);
    this.schedulePublish();
    this.changeChain = this.changeChain
      .then(() => written)
      .then(() => this.schedulePublish())
      .catch((err) => this.log.error({ err }, 'could not record status change'));
  }

  private afterChangeWritten(c: StatusChange): void {
    this.notify.kick();
    this.cluster?.announce('status', { componentId: c.componentId });
    this.log.info({ component: c.componentId, from: c.from, to: c.to, reason: c.reason }, 'component status changed');
    this.opts.onStatusChange?.(c);
    // Not awaited: the engine may call back (maintenance → detector → here), which would wait on itself.
    this.incidents.onStatusChange(c).catch((err) => this.log.error({ err, component: c.componentId }, 'incident engine could not follow a status change'));
  }

  /** A service's crowd-report level changed: detection weighs it (services with reports.weight 0 are shown only). */
  private onCrowdReportLevel(c: LevelChange): void {
    this.schedulePublish();
    if ((this.reports.service(c.serviceId)?.weight ?? 0) > 0) this.setCrowdLevel(c.serviceId, c.to, c.at);
  }

  /** Coalesces bursts of changes into one re-render (and, in a cluster, tells the other nodes to re-render theirs). */
  private schedulePublish(announce = true): void {
    if (announce && this.cluster) this.announceTimer ??= setTimeout(() => {
      this.announceTimer = undefined;
      this.cluster?.announce('changed');
    }, 20);
    this.publishTimer ??= setTimeout(() => {
      this.publishTimer = undefined;
      this.publish().catch((err) => this.log.error({ err }, 'could not prepare the page'));
    }, 20);
  }

  async snapshot(): Promise<Snapshot> {
    const now = this.clock.now();
    const [model, changes, incidents, maintenances, bars, vendors] = await Promise.all([
      this.guard.read('components', () => this.store.pageModel()).then((m) => this.guard.overlayModel(m)),
      this.guard.read('changes', () => this.store.statusChanges({ limit: 30 })).then((l) => this.guard.overlayChanges(l, 30)),
      this.guard.read('incidents', () => this.incidents.incidents({ limit: 100, onCorrupt: (err) => this.rowProblems([err.message]) })),
      this.guard.read('maintenances', () => this.incidents.maintenances({ limit: 50, onCorrupt: (err) => this.rowProblems([err.message]) })),
      // The page's 90-day bars (day rollups); the page still renders without them.
      this.guard.read('bars', () => uptimeBars(this.store.db, { componentIds: this.entities.components.map((c) => c.id) }, { now })).catch((err) => {
        this.log.warn({ err }, 'uptime bars unavailable');
        return undefined;
      }),
      this.guard.read('vendors', () => this.vendorStatuses()),
    ]);
    const regions = this.regionViews();
    // Each incident's place in its service's history and who it touches (src/analytics), from the incidents loaded here.
    const historySvcs = historyServices(this.config, new Map(model.services.map((s) => [s.id, s.createdAt])), { incidents }, now);
    const notes = incidentNotes(historySvcs, outagesOf(incidents), this.config.history.time_zone, now);
    const upstream = upstreamNow(historySvcs, outagesOf(incidents), now);
    const names = new Map(model.services.flatMap((s) => s.components.map((c) => [c.id, { service: s.name, component: c.name }] as const)));
    const byId = new Map(this.entities.components.map((c) => [c.id, c]));
    const monitored = new Set(this.entities.monitors.map((m) => m.componentId));
    const gatewayEvents = await recentGatewayEvents(this.store.db, { limit: GATEWAY_PAGE_MAX, since: now - GATEWAY_PAGE_DAYS * 86_400_000 }).catch((err) => {
      this.guard.faults.report('gateway events for the page', err);
      return [];
    });
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
          monitored: monitored.has(c.id),
          ...(regions.has(c.id) ? { regions: regions.get(c.id)! } : {}),
          ...(bars?.has(c.id) ? { bars: bars.get(c.id)! } : {}),
        })),
        ...(vendors.has(s.id) ? { vendor: vendors.get(s.id)! } : {}),
        ...(upstream.has(s.id) ? { upstreamDown: upstream.get(s.id)! } : {}),
        ...this.crowdView(s.id),
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
          reasonText: parseText(c.reasonText),
        })),
      incidents: incidents.map((v) => ({ ...snapshotIncident(v), ...(notes.has(v.id) ? { history: notes.get(v.id)! } : {}) })),
      maintenances: maintenances.map(snapshotIncident),
      emailSubscriptions: this.config.notify.subscriptions.enabled && this.notify.emailChannel !== undefined,
      writeFailingSince: this.guard.health.view().failingSince,
      gateway: snapshotGatewayEvents(gatewayEvents, this.entities.components.map((c) => c.id)),
      onRowProblems: this.rowProblems,
    });
  }

  /** A failover or failback of a gateway (this process's, or reported by a standalone one): stored, notified, shown. */
  async recordGatewayEvent(e: GatewayEventRecord): Promise<boolean> {
    const component = resolveComponent(e.component, this.entities.components.map((c) => c.id));
    const stored = await recordGatewayEvent(this.store.db, e, component ? [component] : []);
    if (stored) {
      this.notify.kick();
      this.schedulePublish();
    }
    return stored;
  }

  /** A failover's figures while it lasts (this process's gateway, or a standalone one's report): stored and shown, never notified. */
  async recordGatewayProgress(p: GatewayProgressRecord): Promise<ProgressOutcome> {
    const outcome = await recordGatewayProgress(this.store.db, p);
    if (outcome === 'applied') this.schedulePublish();
    return outcome;
  }

  async publish(): Promise<void> {
    this.history.invalidate();
    // Publishes overlap (the first one runs while checks already ask for more): a snapshot read before
    // one already handed to the page is older than it, and must not replace it.
    const seq = ++this.publishSeq;
    const snapshot = await this.snapshot();
    if (seq < this.publishedSeq) return;
    this.publishedSeq = seq;
    await this.web.publish(snapshot);
    this.gateway?.applyReading(snapshot.services.flatMap((s) => s.components));
  }

  private refreshCrowd(seen: number, lastRealMs = 0): void {
    this.crowdTimer = this.clock.at((Math.floor(this.clock.now() / 60_000) + 1) * 60_000, () => {
      const now = this.reports.accepted;
      // A publish renders and compresses every page: in an accelerated demo a clock minute is a fraction of a
      // real second, so real time bounds how often the sparklines alone may cost that (deliberately not the Clock).
      const real = Date.now();
      if (now !== seen && real - lastRealMs >= CROWD_REFRESH_REAL_MS) {
        // Every cluster node hears every report and refreshes its own sparklines: nothing to announce.
        this.schedulePublish(false);
        this.refreshCrowd(now, real);
      } else this.refreshCrowd(seen, lastRealMs);
    });
  }

  /** The last hour of crowd reports of a service that takes them, for the page's sparkline. */
  private crowdView(serviceId: string): { crowd?: SnapshotCrowd } {
    const v = this.reports.service(serviceId)?.enabled ? this.reports.view(serviceId) : undefined;
    if (!v) return {};
    const n = v.series.counts.length;
    return { crowd: { level: v.level, lastHour: v.lastHour, counts: v.series.counts.slice(Math.max(0, n - 60)), expected: v.series.expected.slice(Math.max(0, n - 60)) } };
  }

  /** Per-region health of each component's own monitors, for components probed from several regions. */
  private regionViews(): Map<string, SnapshotRegion[]> {
    const rank = { no_data: -1, up: 0, degraded: 1, down: 2 } as const;
    const out = new Map<string, Map<string, SnapshotRegion['health']>>();
    for (const m of this.entities.monitors) {
      const h = this.agents.silentRegions().has(m.region) ? 'no_data' : this.detector.monitorState(m.id).health;
      const byRegion = out.get(m.componentId) ?? new Map<string, SnapshotRegion['health']>();
      const prev = byRegion.get(m.region);
      byRegion.set(m.region, prev === undefined || rank[h] > rank[prev] ? h : prev);
      out.set(m.componentId, byRegion);
    }
    return new Map([...out].filter(([, r]) => r.size > 1).map(([id, r]) => [id, [...r].map(([name, health]) => ({ name, health }))]));
  }

  /** The latest reading of each polled vendor page. */
  private async vendorStatuses(): Promise<Map<string, SnapshotVendor>> {
    const ids = this.config.services.filter((s) => s.vendor).map((s) => s.id);
    const out = new Map<string, SnapshotVendor>();
    await Promise.all(
      ids.map(async (id) => {
        const v = await latestVendorSnapshot(this.store.db, id).catch(() => null);
        if (v)
          out.set(id, {
            url: v.url,
            at: v.lastSeenAt,
            reachable: v.reachable,
            saysOperational: v.saysOperational,
            indicator: v.indicator,
            description: v.description,
            error: v.error,
            components: v.components.map((c) => ({ name: c.name, status: c.status })),
          });
      }),
    );
    return out;
  }

  /** Graceful stop: no new checks, running ones aborted, every pending write finished, then close. */
  async stop(): Promise<void> {
    await this.gateway?.stop();
    await this.gatewayEvents?.close();
    await this.scheduler.stop();
    clearInterval(this.peersTimer);
    this.agents.stop();
    await this.vendor.stop();
    await this.storageJob.stop();
    await this.batcher.flush();
    await this.changeChain;
    await this.guard.close();
    // After the last writes (made under the leases), before the store closes: the others take over at once.
    await this.leaderChain;
    await this.cluster?.stop();
    clearTimeout(this.announceTimer);
    await this.incidents.stop();
    clearTimeout(this.publishTimer);
    clearInterval(this.refreshTimer);
    this.crowdTimer?.cancel();
    await this.web.close();
    await this.reports.stop();
    await this.notify.stop();
    await this.store.close();
    await this.lock?.release();
    this.log.info('vigie stopped');
  }
}

function componentInfos(config: VigieConfig): ComponentInfo[] {
  return config.services.flatMap((s) => s.components.map((c) => ({ id: `${s.id}/${c.id}`, serviceId: s.id, name: c.name, serviceName: s.name })));
}

function snapshotIncident(v: IncidentView): SnapshotIncident {
  return {
    id: v.id,
    kind: v.kind,
    name: v.name,
    nameText: parseText(v.nameText),
    status: v.status,
    impact: v.impact,
    createdAt: v.createdAt,
    updatedAt: v.updatedAt,
    monitoringAt: v.monitoringAt,
    resolvedAt: v.resolvedAt,
    startedAt: v.startedAt,
    scheduledFor: v.scheduledFor,
    scheduledUntil: v.scheduledUntil,
    postmortemBody: v.postmortemBody,
    componentIds: v.components.map((c) => c.componentId),
    updates: v.updates.map((u) => ({ id: u.id, status: u.status, body: u.body, bodyText: parseText(u.bodyText), at: u.at, createdAt: u.createdAt, affected: u.affected })),
    observedStart: v.observedStart,
    vendorAcknowledgedAt: v.vendorAckAt,
    silentVendor: v.silentVendorAt !== null,
    serviceId: v.serviceId,
    cause: v.cause,
    componentStatuses: Object.fromEntries(v.components.map((c) => [c.componentId, c.status])),
    figures: {
      timeToDetectMs: v.figures.timeToDetectMs,
      acknowledgementLagMs: v.figures.acknowledgementLagMs,
      timeToResolveMs: v.figures.timeToResolveMs,
      peakAffectedShare: v.figures.peakAffectedShare,
      peakAffectedDetail: v.figures.peakAffectedDetail,
      vendorAcknowledgementText: v.figures.vendorAcknowledgementText,
    },
  };
}

/** site.workers, else VIGIE_WEB_WORKERS (so a whole test run can serve through workers), else 0. */
function webWorkers(config: VigieConfig): number {
  if (config.site.workers !== undefined) return config.site.workers;
  const env = process.env.VIGIE_WEB_WORKERS;
  if (env === undefined || env === '') return 0;
  const n = Number(env);
  if (!Number.isInteger(n) || n < 0 || n > 64) throw new Error(`VIGIE_WEB_WORKERS must be a whole number from 0 to 64 (got "${env}")`);
  return n;
}

function hostKey(m: MonitorEntity): string {
  return targetHost(m) ?? m.id;
}

export const createVigie = (opts: VigieOptions) => Vigie.create(opts);
