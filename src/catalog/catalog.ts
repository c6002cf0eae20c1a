// The catalog the operator console reads and edits: the config file's services, components and
// monitors ("config", read-only here) merged with those made through the admin API ("app", stored
// by src/store/catalog.ts). Every change is checked by the config loader (validate.ts), stored,
// then applied through the same path as a config reload, so the scheduler, agents, detection,
// metrics and incidents follow. Changes run one at a time.
import { type MonitorConfig, type MonitorEntity, type VigieConfig, toEntities } from '../config/schema.js';
import { monitorUnits } from '../config/regions.js';
import { toKindAndTarget } from '../config/monitors.js';
import { type CatalogLevel, type StoredEntry, writeCatalog } from '../store/catalog.js';
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { type Merged, type Source, mergeCatalog } from './merge.js';
import { type Placement, type Problem, validateEntry } from './validate.js';
import { entryOf, maskEntry, targetText, unmaskEntry } from './display.js';
import type { MonitorBoard, MonitorStatus } from './board.js';

/** A refusal the admin API answers as it is (status, error code, message, and field problems for 400). */
export class CatalogError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly problems: Problem[] = [],
  ) {
    super(message);
  }
}

/** One scheduled unit (a monitor in one region), or a paused monitor's units: what the list shows. */
export interface Unit {
  id: string;
  monitorId: string;
  name: string;
  serviceId: string;
  serviceName: string;
  componentId: string;
  componentName: string;
  kind: string;
  target: string;
  region: string;
  intervalMs: number;
  timeoutMs: number;
  source: Source;
  paused: boolean;
  entity: MonitorEntity;
  monitor: MonitorConfig;
}

export interface UnitState {
  status: MonitorStatus;
  since: number | null;
  lastAt: number | null;
  latencyMs: number | null;
  error: { kind: string; message: string } | null;
}

export interface CatalogOptions {
  db: Kysely<Database>;
  now: () => number;
  board: MonitorBoard;
  /** Runs a merged config (the app's reload without re-reading the catalog); `waitForPage`: return once the public page shows it too. */
  apply: (config: VigieConfig, waitForPage: boolean) => Promise<void>;
}

type Entry = Record<string, unknown>;

const RANK: Record<MonitorStatus, number> = { paused: -2, unknown: -1, up: 0, degraded: 1, down: 2 };

export class Catalog {
  private file!: VigieConfig;
  private stored: StoredEntry[];
  private merged!: Merged;
  private unitList: Unit[] = [];
  private unitIndex = new Map<string, number>();
  private byMonitor = new Map<string, Unit[]>();
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly o: CatalogOptions,
    file: VigieConfig,
    stored: StoredEntry[],
  ) {
    this.stored = stored;
    this.merge(file);
  }

  /** The running config: the file's, then the stored entries that fit. */
  get config(): VigieConfig {
    return this.merged.config;
  }

  get problems(): Merged['problems'] {
    return this.merged.problems;
  }

  /** A new config file (reload): merged and applied in turn with the API's changes. */
  reloadFile(file: VigieConfig): Promise<void> {
    return this.change(async () => {
      await this.o.apply(this.merge(file), true);
    });
  }

  /**
   * Another cluster node changed the catalog or reloaded its file: the stored entries read again (and
   * the file, when given), merged and applied here too.
   */
  refresh(stored: StoredEntry[], file?: VigieConfig): Promise<void> {
    return this.change(async () => {
      this.stored = stored;
      await this.o.apply(this.merge(file ?? this.file), false);
    });
  }

  /** Sets the config file's part (start, reload) and returns the merged config to run. */
  merge(file: VigieConfig): VigieConfig {
    this.file = file;
    this.merged = mergeCatalog(file, this.stored);
    this.rebuild();
    return this.merged.config;
  }

  sourceOf(id: string): Source | undefined {
    return this.merged.source.get(id);
  }

  // --- reading ----------------------------------------------------------------------------------

  private rebuild(): void {
    const cfg = this.merged.config;
    const names = new Map<string, { service: string; component: string }>();
    for (const s of cfg.services) for (const c of s.components) names.set(`${s.id}/${c.id}`, { service: s.name, component: c.name });
    const monitorConfigs = new Map<string, MonitorConfig>();
    for (const s of cfg.services) for (const c of s.components) for (const m of c.monitors) monitorConfigs.set(`${s.id}/${c.id}/${m.name}`, m);
    const units: Unit[] = [];
    const add = (e: MonitorEntity, monitorId: string, m: MonitorConfig, paused: boolean) => {
      const [serviceId] = e.componentId.split('/');
      const n = names.get(e.componentId);
      units.push({
        id: e.id,
        monitorId,
        name: m.name,
        serviceId: serviceId!,
        serviceName: n?.service ?? serviceId!,
        componentId: e.componentId,
        componentName: n?.component ?? e.componentId,
        kind: e.kind,
        target: targetText(e),
        region: e.region,
        intervalMs: e.intervalMs,
        timeoutMs: e.timeoutMs,
        source: this.merged.source.get(monitorId) ?? 'config',
        paused,
        entity: e,
        monitor: m,
      });
    };
    for (const e of toEntities(cfg).monitors) {
      const monitorId = e.id.includes('@') ? e.id.slice(0, e.id.lastIndexOf('@')) : e.id;
      add(e, monitorId, monitorConfigs.get(monitorId)!, false);
    }
    for (const p of this.merged.paused) for (const e of unitEntities(cfg, p.componentId, p.monitor)) add(e, p.id, p.monitor, true);
    this.unitList = units;
    this.unitIndex = new Map(units.map((u, i) => [u.id, i]));
    this.byMonitor = new Map();
    for (const u of units) {
      const list = this.byMonitor.get(u.monitorId) ?? [];
      list.push(u);
      this.byMonitor.set(u.monitorId, list);
    }
  }

  get units(): readonly Unit[] {
    return this.unitList;
  }

  /** Units of the running (not paused) monitors, by id. */
  runningIds(): Set<string> {
    return new Set(this.unitList.filter((u) => !u.paused).map((u) => u.id));
  }

  stateOf(u: Unit): UnitState {
    if (u.paused) return { status: 'paused', since: null, lastAt: null, latencyMs: null, error: null };
    const s = this.o.board.get(u.id);
    if (!s) return { status: 'unknown', since: null, lastAt: null, latencyMs: null, error: null };
    return { status: s.status, since: s.since, lastAt: s.lastAt, latencyMs: s.latencyMs, error: s.error };
  }

  /** A page of units in catalog order after `cursor` (a unit id), filtered. */
  list(f: { q?: string; status?: readonly MonitorStatus[]; service?: string; region?: string; limit: number; cursor?: string }): { units: { unit: Unit; state: UnitState }[]; next: string | null } {
    let start = 0;
    if (f.cursor !== undefined) {
      const i = this.unitIndex.get(f.cursor);
      if (i === undefined) throw new CatalogError(400, 'invalid_request', 'query.cursor: not a cursor of this list (the monitor it points at is gone); start again without it', [{ field: 'query.cursor', message: 'not a cursor of this list (the monitor it points at is gone); start again without it' }]);
      start = i + 1;
    }
    const q = f.q?.trim().toLowerCase();
    const statuses = f.status && f.status.length > 0 ? new Set(f.status) : undefined;
    const out: { unit: Unit; state: UnitState }[] = [];
    let next: string | null = null;
    for (let i = start; i < this.unitList.length; i++) {
      const u = this.unitList[i]!;
      if (f.service !== undefined && u.serviceId !== f.service) continue;
      if (f.region !== undefined && u.region !== f.region) continue;
      if (q && !`${u.id}\n${u.name}\n${u.target}\n${u.serviceName}\n${u.componentName}`.toLowerCase().includes(q)) continue;
      const state = this.stateOf(u);
      if (statuses && !statuses.has(state.status)) continue;
      if (out.length === f.limit) {
        next = out[out.length - 1]!.unit.id;
        break;
      }
      out.push({ unit: u, state });
    }
    return { units: out, next };
  }

  /** A monitor by its id or one of its units' ids ("s/c/name@region"). */
  monitor(id: string): { units: Unit[]; unit: Unit | undefined } | undefined {
    const units = this.byMonitor.get(id);
    if (units) return { units, unit: units.length === 1 ? units[0] : undefined };
    const i = this.unitIndex.get(id);
    if (i === undefined) return undefined;
    const unit = this.unitList[i]!;
    return { units: this.byMonitor.get(unit.monitorId)!, unit };
  }

  /** The worst state of a monitor's units (paused, or unknown before any check). */
  worst(units: readonly Unit[]): UnitState {
    let best: UnitState | undefined;
    for (const u of units) {
      const s = this.stateOf(u);
      if (!best || RANK[s.status] > RANK[best.status] || (RANK[s.status] === RANK[best.status] && (s.lastAt ?? 0) > (best.lastAt ?? 0))) best = s;
    }
    return best ?? { status: 'unknown', since: null, lastAt: null, latencyMs: null, error: null };
  }

  /** The monitor's entry as the file writes it, secrets masked. */
  entryOf(monitorId: string): Entry | undefined {
    const stored = this.find('monitor', monitorId);
    if (stored) return maskEntry(stored.entry);
    const units = this.byMonitor.get(monitorId);
    return units ? maskEntry(entryOf(units[0]!.monitor)) : undefined;
  }

  /** Services, their components and their monitors' units, in order, with where each comes from. */
  tree() {
    const cfg = this.merged.config;
    const pausedBy = new Map<string, Unit[]>();
    for (const u of this.unitList) if (u.paused) pausedBy.set(u.componentId, [...(pausedBy.get(u.componentId) ?? []), u]);
    const running = new Map<string, Unit[]>();
    for (const u of this.unitList) if (!u.paused) running.set(u.componentId, [...(running.get(u.componentId) ?? []), u]);
    return cfg.services.map((s) => ({
      service: s,
      source: this.merged.source.get(s.id) ?? 'config',
      entry: this.find('service', s.id)?.entry ?? null,
      components: s.components.map((c) => {
        const id = `${s.id}/${c.id}`;
        return {
          id,
          component: c,
          source: this.merged.source.get(id) ?? 'config',
          entry: this.find('component', id)?.entry ?? null,
          units: [...(running.get(id) ?? []), ...(pausedBy.get(id) ?? [])],
        };
      }),
    }));
  }

  private find(level: CatalogLevel, id: string): StoredEntry | undefined {
    return this.stored.find((e) => e.level === level && e.id === id);
  }

  // --- changing ---------------------------------------------------------------------------------

  /** Runs one change at a time; the config is re-merged and applied after each. */
  private change<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => {});
    return run;
  }

  private readOnly(id: string, what: string): never {
    throw new CatalogError(409, 'from_config', `${what} "${id}" is defined in vigie.yaml; edit the file`);
  }

  private ownEntry(level: CatalogLevel, id: string, what: string): StoredEntry {
    const e = this.find(level, id);
    if (e) return e;
    if (this.merged.source.get(id) === 'config') this.readOnly(id, what);
    throw new CatalogError(404, 'not_found', `no ${what} "${id}"`);
  }

  private refuseTaken(id: string, what: string): void {
    const src = this.merged.source.get(id) ?? (this.find('service', id) || this.find('component', id) || this.find('monitor', id) ? 'app' : undefined);
    if (src === 'config') throw new CatalogError(409, 'conflict', `${what} "${id}" is already defined in vigie.yaml; pick another id`);
    if (src === 'app') throw new CatalogError(409, 'conflict', `${what} "${id}" already exists`);
  }

  private check(p: Placement, entry: unknown, prefix: string, scratchService?: Record<string, unknown>): VigieConfig {
    // A monitor refers to nothing else: its own service is enough context (and far cheaper to read at 1,000 services).
    const within = p.level === 'monitor' ? { ...this.merged.config, services: this.merged.config.services.filter((s) => s.id === p.componentId.split('/')[0]).map((s) => ({ ...s, depends_on: [], components: s.components.map((c) => ({ ...c, depends_on: [] })) })) } : this.merged.config;
    const r = validateEntry(within, p, entry, prefix, scratchService);
    if (!r.ok) throw new CatalogError(400, 'invalid_request', r.problems.map((x) => `${x.field}: ${x.message}`).join('; '), r.problems);
    return r.config;
  }

  private nextPosition(level: CatalogLevel): number {
    return this.stored.reduce((n, e) => (e.level === level ? Math.max(n, e.position + 1) : n), 0);
  }

  private async commit(put: StoredEntry[], remove: { level: CatalogLevel; id: string }[]): Promise<void> {
    await writeCatalog(this.o.db, { put, remove });
    const gone = new Set(remove.map((r) => `${r.level}\0${r.id}`));
    const replaced = new Map(put.map((e) => [`${e.level}\0${e.id}`, e]));
    const kept = this.stored.filter((e) => !gone.has(`${e.level}\0${e.id}`)).map((e) => replaced.get(`${e.level}\0${e.id}`) ?? e);
    const known = new Set(kept.map((e) => `${e.level}\0${e.id}`));
    this.stored = [...kept, ...put.filter((e) => !known.has(`${e.level}\0${e.id}`))];
    // Parents before children, as the merge reads them.
    const order: Record<CatalogLevel, number> = { service: 0, component: 1, monitor: 2 };
    this.stored.sort((a, b) => order[a.level] - order[b.level] || a.position - b.position || (a.id < b.id ? -1 : 1));
    const cfg = this.merge(this.file);
    await this.o.apply(cfg, false);
  }

  /** Splits a service entry (or a component entry) into stored rows, children included. */
  private rows(level: 'service' | 'component', id: string, parent: string, entry: Entry, at: number): StoredEntry[] {
    const out: StoredEntry[] = [];
    const pos = { service: this.nextPosition('service'), component: this.nextPosition('component'), monitor: this.nextPosition('monitor') };
    const row = (l: CatalogLevel, rid: string, par: string, e: Entry): StoredEntry => ({ level: l, id: rid, parent: par, entry: e, paused: false, position: pos[l]++, createdAt: at, updatedAt: at });
    const component = (sid: string, c: Entry) => {
      const { monitors, ...head } = c;
      const cid = `${sid}/${String(c.id)}`;
      out.push(row('component', cid, sid, head));
      for (const m of (monitors as Entry[] | undefined) ?? []) out.push(row('monitor', `${cid}/${String(m.name)}`, cid, m));
    };
    if (level === 'service') {
      const { components, ...head } = entry;
      out.push(row('service', id, '', head));
      for (const c of (components as Entry[] | undefined) ?? []) component(id, c);
    } else component(parent, entry);
    return out;
  }

  createService(entry: Entry): Promise<string> {
    return this.change(async () => {
      const id = typeof entry.id === 'string' ? entry.id : '';
      if (id) this.refuseTaken(id, 'service');
      this.check({ level: 'service' }, entry, 'body');
      for (const c of (entry.components as Entry[]) ?? []) for (const m of (c.monitors as Entry[] | undefined) ?? []) this.refuseTaken(`${id}/${String(c.id)}/${String(m.name)}`, 'monitor');
      await this.commit(this.rows('service', id, '', entry, this.o.now()), []);
      return id;
    });
  }

  updateService(id: string, patch: Entry): Promise<void> {
    return this.change(async () => {
      const cur = this.ownEntry('service', id, 'service');
      if (patch.id !== undefined && patch.id !== id) throw new CatalogError(400, 'invalid_request', 'body.id: is the service\'s id and cannot change (create another service instead)', [{ field: 'body.id', message: 'is the service\'s id and cannot change (create another service instead)' }]);
      if (patch.components !== undefined) throw new CatalogError(400, 'invalid_request', 'body.components: edit components through /components', [{ field: 'body.components', message: 'edit components through /components' }]);
      const next = applyPatch(cur.entry, patch);
      const svc = this.merged.config.services.find((s) => s.id === id);
      const components = (svc?.components ?? []).map((c) => ({ id: c.id, name: c.name }));
      this.check({ level: 'service', replaces: id }, { ...next, components }, 'body');
      await this.commit([{ ...cur, entry: next, updatedAt: this.o.now() }], []);
    });
  }

  deleteService(id: string, cascade: boolean): Promise<{ removed: string[] }> {
    return this.change(async () => {
      this.ownEntry('service', id, 'service');
      const under = this.stored.filter((e) => e.id.startsWith(`${id}/`));
      const monitors = under.filter((e) => e.level === 'monitor');
      if (monitors.length > 0 && !cascade) throw new CatalogError(409, 'has_monitors', `service "${id}" has ${monitors.length} monitor(s) (${monitors.slice(0, 5).map((m) => m.id).join(', ')}${monitors.length > 5 ? ', …' : ''}); delete them first, or add ?cascade=true`);
      const remove = [...under, { level: 'service' as const, id }].map((e) => ({ level: e.level, id: e.id }));
      await this.commit([], remove);
      return { removed: remove.map((r) => r.id) };
    });
  }

  createComponent(serviceId: string, entry: Entry): Promise<string> {
    return this.change(async () => {
      if (!this.merged.config.services.some((s) => s.id === serviceId)) throw new CatalogError(404, 'not_found', `no service "${serviceId}"`);
      const id = `${serviceId}/${typeof entry.id === 'string' ? entry.id : ''}`;
      if (typeof entry.id === 'string') this.refuseTaken(id, 'component');
      this.check({ level: 'component', serviceId }, entry, 'body');
      await this.commit(this.rows('component', id, serviceId, entry, this.o.now()), []);
      return id;
    });
  }

  updateComponent(id: string, patch: Entry): Promise<void> {
    return this.change(async () => {
      const cur = this.ownEntry('component', id, 'component');
      if (patch.id !== undefined && patch.id !== id.split('/')[1]) throw new CatalogError(400, 'invalid_request', 'body.id: is the component\'s id and cannot change', [{ field: 'body.id', message: 'is the component\'s id and cannot change' }]);
      if (patch.monitors !== undefined) throw new CatalogError(400, 'invalid_request', 'body.monitors: edit monitors through /monitors', [{ field: 'body.monitors', message: 'edit monitors through /monitors' }]);
      const next = applyPatch(cur.entry, patch);
      this.check({ level: 'component', serviceId: cur.parent, replaces: id.split('/')[1]! }, next, 'body');
      await this.commit([{ ...cur, entry: next, updatedAt: this.o.now() }], []);
    });
  }

  deleteComponent(id: string, cascade: boolean): Promise<{ removed: string[] }> {
    return this.change(async () => {
      const cur = this.ownEntry('component', id, 'component');
      const monitors = this.stored.filter((e) => e.level === 'monitor' && e.parent === id);
      if (monitors.length > 0 && !cascade) throw new CatalogError(409, 'has_monitors', `component "${id}" has ${monitors.length} monitor(s); delete them first, or add ?cascade=true`);
      const svc = this.merged.config.services.find((s) => s.id === cur.parent);
      if (svc && svc.components.length <= 1 && this.merged.source.get(svc.id) === 'app') throw new CatalogError(409, 'last_component', `"${id}" is the only component of service "${svc.id}" (a service needs one); delete the service instead`);
      const remove = [...monitors, cur].map((e) => ({ level: e.level, id: e.id }));
      await this.commit([], remove);
      return { removed: remove.map((r) => r.id) };
    });
  }

  createMonitor(componentId: string, entry: Entry): Promise<string> {
    return this.change(async () => {
      const [sid, cid] = componentId.split('/');
      const svc = this.merged.config.services.find((s) => s.id === sid);
      if (!svc) throw new CatalogError(404, 'not_found', `no service "${sid}"`, []);
      if (!svc.components.some((c) => c.id === cid)) throw new CatalogError(404, 'not_found', `no component "${componentId}"`);
      const id = `${componentId}/${typeof entry.name === 'string' ? entry.name : ''}`;
      if (typeof entry.name === 'string') this.refuseTaken(id, 'monitor');
      this.check({ level: 'monitor', componentId }, entry, 'body.monitor');
      const at = this.o.now();
      await this.commit([{ level: 'monitor', id, parent: componentId, entry, paused: false, position: this.nextPosition('monitor'), createdAt: at, updatedAt: at }], []);
      return id;
    });
  }

  updateMonitor(id: string, patch: Entry): Promise<void> {
    return this.change(async () => {
      const cur = this.ownEntry('monitor', id, 'monitor');
      const name = id.split('/')[2];
      if (patch.name !== undefined && patch.name !== name) throw new CatalogError(400, 'invalid_request', 'body.monitor.name: is the monitor\'s id and cannot change (create another monitor instead)', [{ field: 'body.monitor.name', message: 'is the monitor\'s id and cannot change (create another monitor instead)' }]);
      const next = unmaskEntry(applyPatch(cur.entry, patch), cur.entry);
      this.check({ level: 'monitor', componentId: cur.parent }, next, 'body.monitor');
      await this.commit([{ ...cur, entry: next, updatedAt: this.o.now() }], []);
    });
  }

  deleteMonitor(id: string): Promise<void> {
    return this.change(async () => {
      this.ownEntry('monitor', id, 'monitor');
      await this.commit([], [{ level: 'monitor', id }]);
    });
  }

  setPaused(id: string, paused: boolean): Promise<void> {
    return this.change(async () => {
      const cur = this.ownEntry('monitor', id, 'monitor');
      if (cur.paused === paused) return;
      await this.commit([{ ...cur, paused, updatedAt: this.o.now() }], []);
    });
  }

  /** The stored entry (unmasked), for audit and export. */
  storedEntry(level: CatalogLevel, id: string): Entry | undefined {
    return this.find(level, id)?.entry;
  }

  /** A monitor entry checked as if it were added to `componentId` (or to a scratch service), as runnable units. */
  trial(entry: Entry, componentId: string | undefined): MonitorEntity[] {
    const comp = componentId && this.merged.config.services.some((s) => s.components.some((c) => `${s.id}/${c.id}` === componentId)) ? componentId : undefined;
    // Without a component, a scratch service whose id no running service has.
    let scratch = 'test-now';
    while (this.merged.config.services.some((s) => s.id === scratch)) scratch += '-x';
    const cfg = comp
      ? this.check({ level: 'monitor', componentId: comp }, { ...entry }, 'body.monitor')
      : this.check({ level: 'monitor', componentId: `${scratch}/trial` }, entry, 'body.monitor', { id: scratch, name: 'Test now', components: [{ id: 'trial', name: 'Test now' }] });
    const cid = comp ?? `${scratch}/trial`;
    return toEntities(cfg).monitors.filter((m) => m.componentId === cid);
  }
}

/** A patch onto an entry: keys set replace, keys set to null are removed. */
function applyPatch(entry: Entry, patch: Entry): Entry {
  const out: Entry = { ...entry };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out;
}

/** The units of one monitor as toEntities would make them (for paused monitors, which are not in the running config). */
function unitEntities(cfg: VigieConfig, componentId: string, m: MonitorConfig): MonitorEntity[] {
  const intervalMs = m.interval ?? cfg.defaults.interval;
  return monitorUnits(`${componentId}/${m.name}`, m).map(({ id, region }) => ({
    id,
    componentId,
    ...toKindAndTarget(m, intervalMs),
    region,
    intervalMs,
    timeoutMs: m.timeout ?? cfg.defaults.timeout,
    degradedAfterMs: m.degraded_after ?? null,
  }));
}
