// `vigie replay`: one scenario in simulated time, through the real detection, the real incident engine,
// the real vendor-status reading and the real store, with no network and no waiting. Probes are
// synthetic (replay/synthetic.ts: what the HTTP probe sees under each fault mode), checks run on the
// configured interval on a ManualClock, results arrive after their latency (a timeout a timeout later),
// the vendor's statements are served as a Statuspage v2 summary.json read by the real parser, and the
// figures come from the incident engine's own records. The scenario's `expect:` entries are checked.
import type { Observation } from '../core/observation.js';
import { type ComponentStatus, severity } from '../core/status.js';
import { ManualClock } from '../core/time.js';
import { toEntities } from '../config/schema.js';
import { ownStatus } from '../detect/component-status.js';
import { Detector, type StatusChange } from '../detect/detector.js';
import { faultAt, isAffected } from '../demo/faults.js';
import type { Expectation, Fault, FaultTarget, Scenario } from '../demo/scenario.js';
import { scenarioToConfig } from '../demo/vigie-config.js';
import { type ComponentInfo, IncidentEngine, type IncidentView } from '../incidents/engine.js';
import { timeToDetect } from '../incidents/figures.js';
import { VendorPoller, type VendorSource } from '../signals/vendor/poller.js';
import { openStore } from '../store/index.js';
import { syntheticResult } from './synthetic.js';
import { statuspageSummaryAt } from './vendor-page.js';

export interface ReplayOptions {
  /** Clock time between checks of one monitor; 30 s by default. */
  intervalMs?: number;
  /** Clock time between two polls of a vendor page; 60 s by default. */
  vendorIntervalMs?: number;
  /** A hung check gives up after this long; 10 s by default. */
  timeoutMs?: number;
  /** Slower than this is degraded; 1 s by default. */
  degradedAfterMs?: number;
  /** SQLite path (":memory:" by default) or a postgres:// URL. */
  store?: { path?: string; url?: string };
}

export interface ReplayIncident {
  id: string;
  service: string | null;
  /** The component that opened it (the first of its components). */
  component: string | null;
  components: string[];
  name: string;
  openedAt: string;
  resolvedAt: string | null;
  impact: string;
  observedStart: string | null;
  /** The one definition of time to detect (src/incidents/figures.ts), as the page and the API show it. */
  timeToDetectSeconds: number | null;
  /** Start of the problem → the incident opened. */
  timeToOpenSeconds: number | null;
  acknowledgedAt: string | null;
  acknowledgementLagSeconds: number | null;
  silentVendorAt: string | null;
  /** No outage fault on it or what it depends on around its opening. */
  false: boolean;
}

export interface ReplayDetection {
  fault: number;
  targets: string[];
  mode: string;
  from: string;
  /** First non-operational status of a component it hits (or that depends on it), at or after it began. */
  detectedAt: string | null;
  seconds: number | null;
}

export interface ExpectationResult {
  expectation: string;
  pass: boolean;
  detail: string;
}

export interface ReplayResult {
  scenario: string;
  timeToDetectSeconds: number | null;
  incidents: ReplayIncident[];
  falseIncidents: number;
  acknowledgementLagSeconds: number | null;
  silentVendorFlagged: boolean;
  detections: ReplayDetection[];
  expectations: ExpectationResult[];
  passed: boolean;
  checks: number;
  statusChanges: number;
}

/** Modes that make a component fail (as opposed to slowing it down). */
const OUTAGE_MODES = new Set(['error_500', 'unavailable_503', 'timeout', 'reset', 'wrong_content']);
/** A fault around an incident's opening that can explain it: it overlapped this window before the opening. */
const EXPLAIN_WINDOW_MS = 15 * 60_000;
/** Clock step of the replay loop. */
const STEP_MS = 1000;
/** How often the incident engine's deadlines are looked at, besides every change. */
const TICK_MS = 30_000;

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString().replace('.000Z', 'Z'));
const seconds = (ms: number | null) => (ms === null ? null : Math.round(ms / 1000));

type Timeline = { at: number; status: ComponentStatus }[];

function statusAt(tl: Timeline | undefined, t: number): ComponentStatus {
  let s: ComponentStatus = 'operational';
  for (const e of tl ?? []) if (e.at <= t) s = e.status;
  return s;
}

export async function runReplay(scenario: Scenario, opts: ReplayOptions = {}): Promise<ReplayResult> {
  const intervalMs = opts.intervalMs ?? 30_000;
  const vendorIntervalMs = opts.vendorIntervalMs ?? 60_000;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const degradedAfterMs = opts.degradedAfterMs ?? 1000;
  const simUrl = (s: string, c: string, r: string) => `http://${s}.sim.invalid/${r}/${c}`;
  const config = scenarioToConfig(scenario, simUrl, { port: 0, intervalMs, timeoutMs, degradedAfterMs });
  const entities = toEntities(config);
  const clock = new ManualClock(scenario.start);
  const store = await openStore(opts.store?.url ? { url: opts.store.url } : { path: opts.store?.path ?? ':memory:' });
  try {
    await store.syncEntities(entities, scenario.start);
    const detector = new Detector({ failuresToDown: config.defaults.failures_to_down, successesToUp: config.defaults.successes_to_up });
    detector.load(entities.components, entities.monitors, new Map());
    const serviceNames = new Map(config.services.map((s) => [s.id, s.name]));
    detector.setNames(new Map(entities.components.map((c) => [c.id, `${serviceNames.get(c.serviceId) ?? c.serviceId} ${c.name}`])));
    const components: ComponentInfo[] = entities.components.map((c) => ({ id: c.id, serviceId: c.serviceId, name: c.name, serviceName: serviceNames.get(c.serviceId) ?? c.serviceId }));
    const d = config.detection;
    const engine = new IncidentEngine({
      store,
      clock,
      components,
      settings: { graceMs: d.incident_grace, resolveHoldMs: d.resolve_hold, silentVendorAfterMs: d.silent_vendor_after, maintenanceVerifyMs: d.maintenance_verify },
      onMaintenanceChange: (ids, at) => void applyChanges(detector.setMaintenance(ids, at)),
    });

    // Vendor pages: every service with statements gets a Statuspage page served from them.
    const vendorServices = [...new Set(scenario.vendor.map((v) => v.service))];
    const sources: VendorSource[] = vendorServices.map((s) => ({ serviceId: s, kind: 'statuspage', url: `http://${s}.sim.invalid/api/v2/summary.json`, intervalMs: vendorIntervalMs }));
    const poller = new VendorPoller({
      clock,
      db: store.db,
      sources,
      sink: engine,
      fetcher: async (url) => {
        const service = new URL(url).hostname.split('.')[0]!;
        return { ok: true, status: 200, contentType: 'application/json', body: JSON.stringify(statuspageSummaryAt(scenario, service, clock.now())) };
      },
    });

    // What the loop does, in clock order.
    type Event = { kind: 'obs'; o: Observation } | { kind: 'vendor'; source: VendorSource; at: number } | { kind: 'fault'; fault: Fault };
    const queue: Event[] = [];
    const timelines = new Map<string, Timeline>();
    const regionTimelines = new Map<string, Timeline>();
    const changes: StatusChange[] = [];
    const counters = new Map<string, number>();
    let checks = 0;

    const monitorsByKey = new Map<string, typeof entities.monitors>();
    for (const m of entities.monitors) {
      const key = `${m.componentId}@${m.region}`;
      monitorsByKey.set(key, [...(monitorsByKey.get(key) ?? []), m]);
    }

    for (const m of entities.monitors) {
      const [service, component] = m.componentId.split('/') as [string, string];
      const run = (at: number) => {
        if (at >= scenario.end) return;
        const active = faultAt(scenario, { service, component, region: m.region }, at);
        const n = counters.get(m.id) ?? 0;
        counters.set(m.id, n + 1);
        const mode = active.mode !== 'ok' && isAffected(active.share, n) ? active.mode : 'ok';
        const { result, latencyMs } = syntheticResult(mode, { timeoutMs: m.timeoutMs, degradedAfterMs: m.degradedAfterMs, delayMs: active.delay_ms });
        checks++;
        clock.at(at + latencyMs, () => queue.push({ kind: 'obs', o: { ...result, monitorId: m.id, region: m.region, at } }));
        clock.at(at + m.intervalMs, () => run(at + m.intervalMs));
      };
      clock.at(scenario.start, () => run(scenario.start));
    }
    for (const s of sources) {
      const poll = (at: number) => {
        if (at > scenario.end) return;
        queue.push({ kind: 'vendor', source: s, at });
        clock.at(at + s.intervalMs, () => poll(at + s.intervalMs));
      };
      clock.at(scenario.start, () => poll(scenario.start));
    }
    for (const f of scenario.faults) if (OUTAGE_MODES.has(f.mode) && f.share >= 0.5) clock.at(f.from, () => queue.push({ kind: 'fault', fault: f }));

    async function applyChanges(list: StatusChange[]): Promise<void> {
      for (const c of list) {
        changes.push(c);
        const tl = timelines.get(c.componentId) ?? [];
        tl.push({ at: c.at, status: c.to });
        timelines.set(c.componentId, tl);
        await store.recordComponentStatus({ componentId: c.componentId, status: c.to, at: c.at, reason: c.reason, reasonText: c.reasonText ? JSON.stringify(c.reasonText) : null });
        void engine.onStatusChange(c);
      }
    }

    const process = async () => {
      const batch: Observation[] = [];
      while (queue.length > 0) {
        const e = queue.shift()!;
        if (e.kind === 'obs') {
          batch.push(e.o);
          const m = entities.monitors.find((x) => x.id === e.o.monitorId)!;
          await applyChanges(detector.observe(e.o));
          // The component as seen from this region alone, for per-region expectations.
          const key = `${m.componentId}@${m.region}`;
          const v = ownStatus((monitorsByKey.get(key) ?? []).map((x) => ({ region: x.region, health: detector.monitorState(x.id).health })));
          const tl = regionTimelines.get(key) ?? [];
          if ((tl.at(-1)?.status ?? 'operational') !== v.status) tl.push({ at: e.o.at, status: v.status });
          regionTimelines.set(key, tl);
        } else if (e.kind === 'vendor') {
          await poller.poll(e.source, e.at);
        } else {
          for (const svc of new Set(e.fault.targets.map((t) => t.service))) void engine.faultStarted(svc, e.fault.from);
        }
      }
      if (batch.length > 0) await store.recordObservations(batch);
      await engine.idle();
    };

    let nextTick = scenario.start;
    for (let t = scenario.start; t <= scenario.end; t += STEP_MS) {
      clock.advanceTo(t);
      await process();
      if (t >= nextTick) {
        await engine.tick(t);
        nextTick = t + TICK_MS;
      }
    }
    await engine.idle();
    await poller.stop();

    const views = (await engine.incidents({ limit: 1000 })).sort((a, b) => a.createdAt - b.createdAt || (a.serviceId ?? '').localeCompare(b.serviceId ?? ''));
    const deps = new Map(entities.components.map((c) => [c.id, c.dependsOn]));
    const incidents = views.map((i) => toReplayIncident(i, scenario, deps));
    const detections = detect(scenario, changes, deps);
    const firstLag = incidents.find((i) => i.acknowledgementLagSeconds !== null)?.acknowledgementLagSeconds ?? null;
    const expectations = scenario.expect.map((e) => check(e, { timelines, regionTimelines, views, scenario }));
    const result: ReplayResult = {
      scenario: scenario.name,
      timeToDetectSeconds: detections.find((x) => x.seconds !== null)?.seconds ?? null,
      incidents,
      falseIncidents: incidents.filter((i) => i.false).length,
      acknowledgementLagSeconds: firstLag,
      silentVendorFlagged: views.some((i) => i.figures.silentVendor),
      detections,
      expectations,
      passed: expectations.every((e) => e.pass),
      checks,
      statusChanges: changes.length,
    };
    return result;
  } finally {
    await store.close();
  }
}

function targetsOf(f: Fault, deps: Map<string, string[]>): Set<string> {
  const hit = new Set<string>();
  for (const id of deps.keys()) {
    const [s, c] = id.split('/');
    if (f.targets.some((t) => t.service === s && (t.component === null || t.component === c))) hit.add(id);
  }
  // Whatever depends on a hit component is hit too.
  for (let grew = true; grew; ) {
    grew = false;
    for (const [id, ds] of deps) if (!hit.has(id) && ds.some((x) => hit.has(x))) (hit.add(id), (grew = true));
  }
  return hit;
}

function detect(scenario: Scenario, changes: StatusChange[], deps: Map<string, string[]>): ReplayDetection[] {
  return scenario.faults
    .filter((f) => OUTAGE_MODES.has(f.mode) && f.share >= 0.5)
    .sort((a, b) => a.from - b.from)
    .map((f) => {
      const hit = targetsOf(f, deps);
      const first = changes.filter((c) => hit.has(c.componentId) && c.at >= f.from && c.at < f.until && c.to !== 'operational').sort((a, b) => a.at - b.at)[0];
      return {
        fault: f.index,
        targets: f.targets.map((t) => (t.component ? `${t.service}/${t.component}` : t.service)),
        mode: f.mode,
        from: iso(f.from)!,
        detectedAt: first ? iso(first.at) : null,
        seconds: first ? seconds(timeToDetect(f.from, null, first.at)) : null,
      };
    });
}

function toReplayIncident(i: IncidentView, scenario: Scenario, deps: Map<string, string[]>): ReplayIncident {
  const ids = [...i.components].sort((a, b) => a.addedAt - b.addedAt || a.componentId.localeCompare(b.componentId)).map((c) => c.componentId);
  const explained = scenario.faults.some(
    (f) => OUTAGE_MODES.has(f.mode) && f.share >= 0.5 && f.from <= i.createdAt && f.until >= i.createdAt - EXPLAIN_WINDOW_MS && ids.some((c) => targetsOf(f, deps).has(c)),
  );
  const fig = i.figures;
  return {
    id: i.id,
    service: i.serviceId,
    component: ids[0] ?? null,
    components: ids,
    name: i.name,
    openedAt: iso(fig.openedAt)!,
    resolvedAt: iso(fig.resolvedAt),
    impact: i.impact,
    observedStart: iso(fig.observedStart),
    timeToDetectSeconds: seconds(fig.timeToDetectMs),
    timeToOpenSeconds: seconds(fig.timeToOpenMs),
    acknowledgedAt: iso(fig.vendorAcknowledgedAt),
    acknowledgementLagSeconds: seconds(fig.acknowledgementLagMs),
    silentVendorAt: iso(fig.silentVendorAt),
    false: !explained,
  };
}

interface CheckContext {
  timelines: Map<string, Timeline>;
  regionTimelines: Map<string, Timeline>;
  views: IncidentView[];
  scenario: Scenario;
}

const onTarget = (i: IncidentView, t: FaultTarget) =>
  t.component === null ? i.serviceId === t.service || i.components.some((c) => c.componentId.startsWith(`${t.service}/`)) : i.components.some((c) => c.componentId === `${t.service}/${t.component}`);

function describeExpectation(e: Expectation): string {
  const where = (c: string, r: string | null) => (r ? `${c} in ${r}` : c);
  switch (e.kind) {
    case 'status':
      return `${where(e.component, e.region)} is ${e.status} by ${iso(e.by)}`;
    case 'at_worst':
      return `${where(e.component, e.region)} at worst ${e.at_worst} from ${iso(e.from)} to ${iso(e.until)}`;
    case 'incident':
      return e.incident === 'opened'
        ? `an incident on ${e.target.component ? `${e.target.service}/${e.target.component}` : e.target.service} is open by ${iso(e.by)}`
        : `no incident on ${e.target.component ? `${e.target.service}/${e.target.component}` : e.target.service} from ${iso(e.from)} to ${iso(e.until)}`;
    case 'ack_lag':
      return `acknowledgement lag for ${e.service} is ${e.ack_lag / 1000} s ± ${e.tolerance / 1000} s`;
    case 'flag':
      return `${e.service} is flagged ${e.flag} by ${iso(e.by)}`;
  }
}

function check(e: Expectation, ctx: CheckContext): ExpectationResult {
  const expectation = describeExpectation(e);
  const tlOf = (component: string, region: string | null) => (region ? ctx.regionTimelines.get(`${component}@${region}`) : ctx.timelines.get(component));
  switch (e.kind) {
    case 'status': {
      const s = statusAt(tlOf(e.component, e.region), e.by);
      return { expectation, pass: s === e.status, detail: `was ${s}` };
    }
    case 'at_worst': {
      const tl = tlOf(e.component, e.region) ?? [];
      const seen = [statusAt(tl, e.from), ...tl.filter((x) => x.at > e.from && x.at <= e.until).map((x) => x.status)];
      const worstSeen = seen.reduce((a, b) => (severity(b) > severity(a) ? b : a), 'operational' as ComponentStatus);
      return { expectation, pass: severity(worstSeen) <= severity(e.at_worst), detail: `worst was ${worstSeen}` };
    }
    case 'incident': {
      const on = ctx.views.filter((i) => onTarget(i, e.target));
      if (e.incident === 'opened') {
        const i = on.find((x) => x.createdAt <= e.by!);
        return { expectation, pass: i !== undefined, detail: i ? `opened ${iso(i.createdAt)}` : on.length > 0 ? `first opened ${iso(on[0]!.createdAt)}` : 'none opened' };
      }
      const inWindow = on.filter((x) => x.createdAt >= e.from! && x.createdAt <= e.until!);
      return { expectation, pass: inWindow.length === 0, detail: inWindow.length === 0 ? 'none opened' : `opened ${inWindow.map((x) => `${x.name} at ${iso(x.createdAt)}`).join(', ')}` };
    }
    case 'ack_lag': {
      const i = ctx.views.find((x) => x.serviceId === e.service && x.figures.acknowledgementLagMs !== null);
      const lag = i?.figures.acknowledgementLagMs ?? null;
      return { expectation, pass: lag !== null && Math.abs(lag - e.ack_lag) <= e.tolerance, detail: lag === null ? 'no acknowledgement recorded' : `was ${lag / 1000} s` };
    }
    case 'flag': {
      const i = ctx.views.find((x) => x.serviceId === e.service && x.figures.silentVendorAt !== null);
      const at = i?.figures.silentVendorAt ?? null;
      return { expectation, pass: at !== null && at <= e.by, detail: at === null ? 'never flagged' : `flagged ${iso(at)}` };
    }
  }
}
