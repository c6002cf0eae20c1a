// The server's side of agents: which agents of each region are live, which monitors each one
// runs (rendezvous hashing over the live agents of its region), versioned assignments that
// long-polls wait on, clock offsets, and result batches stored once and handed to detection.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { MonitorEntity } from '../config/schema.js';
import type { Observation } from '../core/observation.js';
import type { Clock } from '../core/time.js';
import type { AgentInfo, AgentStore } from '../store/agents.js';
import type { AssignedMonitor, Assignment, HeartbeatBody, ResultsBody, ResultsReply, WireObservation } from './protocol.js';
import { rendezvous } from './rendezvous.js';

export type RemoteMonitor = MonitorEntity & { hostKey: string };

export interface HubOptions {
  store: AgentStore;
  clock: Clock;
  log: Logger;
  /** Before an observation is stored: the app's latency rule and metrics (may mark it degraded). */
  prepare: (m: RemoteMonitor, o: Observation) => void;
  /** After a batch is stored: detection, in the order of the checks. */
  observed: (o: Observation) => void;
  /** The set of agent regions with no live agent changed (detection leaves them out of the quorum). */
  onSilence: (silent: ReadonlySet<string>, at: number) => void;
  /** No request for this long and an agent is no longer live (its monitors move to the others). */
  liveForMs?: number;
  heartbeatMs?: number;
}

/** Offsets past this are corrected (observation times moved to the server's clock); below, they are one-way latency as much as clock error. */
export const CORRECT_OFFSET_MS = 1000;
/** Offsets past this are flagged in the admin API and /metrics. */
export const FLAG_OFFSET_MS = 2000;

interface Live {
  info: AgentInfo;
  seenAt: number;
  /** performance.now() when last heard from: liveness is network time, real whatever the clock's speed. */
  heardAt: number;
  clockOffsetMs: number;
  version: string;
  backlog: number;
  dropped: number;
  checksPerS: number;
}

interface Waiter {
  agentId: string;
  wake: () => void;
}

export class ResultError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

export class AgentHub {
  private monitors = new Map<string, RemoteMonitor>();
  private byRegion = new Map<string, RemoteMonitor[]>();
  private regionList: string[] = [];
  private live = new Map<string, Live>();
  /** agent id → its monitors' ids and the digest of them. */
  private assigned = new Map<string, { ids: string[]; version: string }>();
  private waiters = new Set<Waiter>();
  private revoked = new Set<string>();
  private silent = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private flagged = new Set<string>();
  /** Agents live on other cluster nodes (seen there, read from the store): assigned and counted as live here too. */
  private peers = new Map<string, { id: string; region: string }>();
  readonly liveForMs: number;
  readonly heartbeatMs: number;

  constructor(private opts: HubOptions) {
    this.liveForMs = opts.liveForMs ?? 10_000;
    this.heartbeatMs = opts.heartbeatMs ?? 2_000;
  }

  /** The agent regions configured and the monitors agents run. */
  setMonitors(remote: RemoteMonitor[], regions: readonly string[]): void {
    this.monitors = new Map(remote.map((m) => [m.id, m]));
    this.byRegion = new Map(regions.map((r) => [r, [] as RemoteMonitor[]]));
    for (const m of remote) this.byRegion.get(m.region)?.push(m);
    this.regionList = [...regions];
    this.rebalance();
  }

  get regions(): readonly string[] {
    return this.regionList;
  }

  isConfigured(region: string): boolean {
    return this.byRegion.has(region);
  }

  start(): void {
    this.timer = setInterval(() => this.expire(), 1000);
    this.timer.unref();
    this.rebalance();
  }

  stop(): void {
    clearInterval(this.timer);
    for (const w of this.waiters) w.wake();
    this.waiters.clear();
  }

  /** Any authenticated request: the agent is live from now. */
  seen(info: AgentInfo, agentTime?: number): void {
    const now = this.opts.clock.now();
    const prev = this.live.get(info.id);
    const offset = agentTime !== undefined ? now - agentTime : (prev?.clockOffsetMs ?? 0);
    // Thresholds are real time: at the demo's accelerated speeds a millisecond of latency is many clock milliseconds.
    const realOffset = offset / this.speed();
    this.live.set(info.id, {
      info,
      seenAt: now,
      heardAt: performance.now(),
      clockOffsetMs: offset,
      version: prev?.version ?? '',
      backlog: prev?.backlog ?? 0,
      dropped: prev?.dropped ?? 0,
      checksPerS: prev?.checksPerS ?? 0,
    });
    if (Math.abs(realOffset) > FLAG_OFFSET_MS && !this.flagged.has(info.id)) {
      this.flagged.add(info.id);
      this.opts.log.warn({ agent: info.name, region: info.region, clockOffsetMs: offset }, 'agent clock is off; its check times are corrected to the server clock');
    } else if (Math.abs(realOffset) <= FLAG_OFFSET_MS) this.flagged.delete(info.id);
    if (!prev) {
      this.opts.log.info({ agent: info.name, region: info.region }, 'agent connected');
      this.rebalance();
    }
  }

  async heartbeat(info: AgentInfo, body: HeartbeatBody): Promise<{ serverTime: number; clockOffsetMs: number; flagged: boolean; assignment: string }> {
    this.seen(info, body.agent_time);
    const l = this.live.get(info.id)!;
    Object.assign(l, { version: body.version, backlog: body.backlog, dropped: body.dropped, checksPerS: body.checks_per_s });
    await this.opts.store.recordHealth(info.id, {
      lastSeenAt: l.seenAt,
      version: body.version,
      clockOffsetMs: l.clockOffsetMs,
      backlog: body.backlog,
      dropped: body.dropped,
      checksPerS: body.checks_per_s,
    });
    return { serverTime: this.opts.clock.now(), clockOffsetMs: l.clockOffsetMs, flagged: this.flagged.has(info.id), assignment: this.assignmentVersion(info.id) };
  }

  /**
   * The agents other cluster nodes hear from (src/cluster): every node then splits each region
   * between the same agents, so an agent gets the same assignment whichever node it talks to.
   */
  setPeers(list: readonly { id: string; region: string }[]): void {
    const next = new Map(list.filter((a) => !this.revoked.has(a.id)).map((a) => [a.id, a] as const));
    if (next.size === this.peers.size && [...next.keys()].every((id) => this.peers.has(id))) return;
    this.peers = next;
    this.rebalance();
  }

  /** Stops serving a revoked agent at once: its monitors move to the region's other agents. */
  forget(agentId: string): void {
    this.revoked.add(agentId);
    this.live.delete(agentId);
    this.rebalance();
  }

  isRevoked(agentId: string): boolean {
    return this.revoked.has(agentId);
  }

  assignmentVersion(agentId: string): string {
    return this.assigned.get(agentId)?.version ?? EMPTY_VERSION;
  }

  assignment(agentId: string): Assignment {
    const l = this.live.get(agentId);
    const a = this.assigned.get(agentId);
    const monitors = (a?.ids ?? []).flatMap((id) => {
      const m = this.monitors.get(id);
      return m ? [wireMonitor(m)] : [];
    });
    return {
      agent_id: agentId,
      region: l?.info.region ?? '',
      version: a?.version ?? EMPTY_VERSION,
      server_time: this.opts.clock.now(),
      heartbeat_ms: this.heartbeatMs,
      clock_speed: this.speed(),
      monitors,
    };
  }

  /** Resolves when the agent's assignment is no longer `version`, after `timeoutMs`, or when `signal` aborts. */
  waitForChange(agentId: string, version: string, timeoutMs: number, signal: AbortSignal): Promise<void> {
    if (this.assignmentVersion(agentId) !== version || timeoutMs <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const w: Waiter = { agentId, wake: () => done() };
      const t = setTimeout(() => done(), timeoutMs);
      const done = () => {
        clearTimeout(t);
        signal.removeEventListener('abort', done);
        this.waiters.delete(w);
        resolve();
      };
      signal.addEventListener('abort', done, { once: true });
      this.waiters.add(w);
    });
  }

  /** Stores a batch once and hands its new observations to detection. Throws ResultError for a bad field. */
  async results(info: AgentInfo, body: ResultsBody): Promise<ResultsReply> {
    this.seen(info, body.agent_time);
    // A retry of a batch already stored (its answer was lost): nothing to prepare or store again.
    if (info.stream === body.stream && body.seq <= info.lastSeq) return { seq: body.seq, stored: false, duplicate: true, accepted: 0, ignored: 0 };
    const now = this.opts.clock.now();
    const offset = this.live.get(info.id)?.clockOffsetMs ?? 0;
    const shift = Math.abs(offset) > CORRECT_OFFSET_MS * this.speed() ? offset : 0;
    const kept: { m: RemoteMonitor; o: Observation }[] = [];
    let ignored = 0;
    body.observations.forEach((w, i) => {
      const m = this.monitors.get(w.monitor_id);
      // A monitor removed from the config, or moved to another region, while the agent was buffering.
      if (!m || m.region !== info.region) {
        ignored++;
        return;
      }
      const at = Math.round(w.at + shift);
      if (at > now + 60_000) throw new ResultError(`observations.${i}.at`, `is ${Math.round((at - now) / 1000)} s in the future of the server clock`);
      kept.push({ m, o: toObservation(w, m.region, at) });
    });
    for (const { m, o } of kept) this.opts.prepare(m, o);
    const outcome = await this.opts.store.acceptBatch(
      info.id,
      body.stream,
      body.seq,
      kept.map((k) => k.o),
    );
    if (outcome === 'stored') for (const { o } of kept.sort((a, b) => a.o.at - b.o.at)) this.opts.observed(o);
    return { seq: body.seq, stored: outcome === 'stored', duplicate: outcome === 'duplicate', accepted: outcome === 'stored' ? kept.length : 0, ignored };
  }

  /** Live agents and what they report, for the admin API and /metrics. */
  liveAgents(): { id: string; name: string; region: string; seenAt: number; clockOffsetMs: number; version: string; backlog: number; dropped: number; checksPerS: number; monitors: number }[] {
    return [...this.live.values()].map((l) => ({
      id: l.info.id,
      name: l.info.name,
      region: l.info.region,
      seenAt: l.seenAt,
      clockOffsetMs: l.clockOffsetMs,
      version: l.version,
      backlog: l.backlog,
      dropped: l.dropped,
      checksPerS: l.checksPerS,
      monitors: this.assigned.get(l.info.id)?.ids.length ?? 0,
    }));
  }

  isClockFlagged(agentId: string): boolean {
    return this.flagged.has(agentId);
  }

  private speed(): number {
    return Number.isFinite(this.opts.clock.speed) && this.opts.clock.speed > 0 ? this.opts.clock.speed : 1;
  }

  isLive(agentId: string): boolean {
    return this.live.has(agentId);
  }

  /** Agent regions with no live agent now. */
  silentRegions(): ReadonlySet<string> {
    return this.silent;
  }

  private expire(): void {
    const now = performance.now();
    let changed = false;
    for (const [id, l] of this.live)
      if (now - l.heardAt > this.liveForMs) {
        this.live.delete(id);
        changed = true;
        this.opts.log.warn({ agent: l.info.name, region: l.info.region, silentForMs: Math.round(now - l.heardAt) }, 'agent silent: its monitors move to the region’s other agents');
      }
    if (changed) this.rebalance();
  }

  private rebalance(): void {
    const next = new Map<string, { ids: string[]; version: string }>();
    const silent = new Set<string>();
    for (const [region, list] of this.byRegion) {
      const ids = new Set([...this.live.values()].filter((l) => l.info.region === region).map((l) => l.info.id));
      for (const p of this.peers.values()) if (p.region === region) ids.add(p.id);
      const agents = [...ids].sort();
      if (agents.length === 0) silent.add(region);
      for (const [agentId, ids] of rendezvous(list.map((m) => m.id), agents)) {
        ids.sort();
        next.set(agentId, { ids, version: digest(ids.map((id) => this.monitors.get(id)!)) });
      }
    }
    const changedAgents = new Set<string>();
    for (const id of new Set([...next.keys(), ...this.assigned.keys()]))
      if ((next.get(id)?.version ?? EMPTY_VERSION) !== (this.assigned.get(id)?.version ?? EMPTY_VERSION)) changedAgents.add(id);
    this.assigned = next;
    for (const w of [...this.waiters]) if (changedAgents.has(w.agentId) || this.revoked.has(w.agentId)) w.wake();
    const silenceChanged = silent.size !== this.silent.size || [...silent].some((r) => !this.silent.has(r));
    this.silent = silent;
    if (silenceChanged) this.opts.onSilence(silent, this.opts.clock.now());
  }
}

const EMPTY_VERSION = digest([]);

function digest(monitors: RemoteMonitor[]): string {
  const h = createHash('sha1');
  for (const m of monitors) h.update(JSON.stringify(wireMonitor(m))).update('\n');
  return h.digest('hex').slice(0, 16);
}

function wireMonitor(m: RemoteMonitor): AssignedMonitor {
  return {
    id: m.id,
    kind: m.kind,
    target: m.target as unknown as Record<string, unknown>,
    interval_ms: m.intervalMs,
    timeout_ms: m.timeoutMs,
    degraded_after_ms: m.degradedAfterMs,
    host_key: m.hostKey,
  };
}

function toObservation(w: WireObservation, region: string, at: number): Observation {
  const p = w.phases;
  return {
    monitorId: w.monitor_id,
    region,
    at,
    ok: w.ok,
    degraded: w.degraded,
    phases: {
      totalMs: p.total_ms,
      ...(p.dns_ms !== undefined ? { dnsMs: p.dns_ms } : {}),
      ...(p.connect_ms !== undefined ? { connectMs: p.connect_ms } : {}),
      ...(p.tls_ms !== undefined ? { tlsMs: p.tls_ms } : {}),
      ...(p.first_byte_ms !== undefined ? { firstByteMs: p.first_byte_ms } : {}),
    },
    ...(w.status_code !== undefined ? { statusCode: w.status_code } : {}),
    ...(w.error ? { error: w.error } : {}),
  };
}
