// `vigie agent`: runs one region's share of the monitors. It connects out only: long-polls its
// assignment, runs the monitors with the server's own probe registry and scheduler, seals results
// into batches on its own disk, and uploads them oldest first; a batch leaves the disk only once the
// server has acknowledged it, so an outage of the server loses nothing (up to the buffer's bound).
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { KindAndTarget } from '../config/monitors.js';
import type { ProbeReport } from '../probes/types.js';
import { runCheck } from '../probes/registry.js';
import { Scheduler } from '../schedule/scheduler.js';
import { type Clock, acceleratedClock, systemClock } from '../core/time.js';
import { DiskBuffer } from './buffer.js';
import { AgentClient, Refused, Rejected } from './client.js';
import { type AssignedMonitor, type Assignment, MAX_BATCH, type WireObservation, assignment as assignmentSchema, heartbeatReply, resultsReply } from './protocol.js';

export interface AgentOptions {
  server: string;
  token: string;
  region?: string | undefined;
  dataDir: string;
  log: Logger;
  version: string;
  /** Observations kept on disk at most; the oldest batches go first past it. */
  maxBuffer?: number;
  /** How often results are sealed into a batch. */
  sealMs?: number;
}

type Unit = KindAndTarget & { id: string; intervalMs: number; timeoutMs: number; degradedAfterMs: number | null; hostKey: string };

/** Exit codes: a refusal is not something a restart fixes, so supervisors can tell it apart. */
export const EXIT_REFUSED = 2;
export const EXIT_REGION = 3;

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

/** A clock that is whichever clock `current` gives now. */
function followClock(current: () => Clock): Clock {
  return {
    now: () => current().now(),
    at: (t, fn) => current().at(t, fn),
    get speed() {
      return current().speed;
    },
  };
}

function toUnit(m: AssignedMonitor): Unit {
  return { id: m.id, kind: m.kind, target: m.target, intervalMs: m.interval_ms, timeoutMs: m.timeout_ms, degradedAfterMs: m.degraded_after_ms, hostKey: m.host_key } as unknown as Unit;
}

function toWire(id: string, at: number, r: ProbeReport): WireObservation {
  const p = r.phases;
  return {
    monitor_id: id,
    at: Math.round(at),
    ok: r.ok,
    degraded: r.degraded,
    ...(r.statusCode !== undefined ? { status_code: r.statusCode } : {}),
    phases: {
      total_ms: p.totalMs,
      ...(p.dnsMs !== undefined ? { dns_ms: p.dnsMs } : {}),
      ...(p.connectMs !== undefined ? { connect_ms: p.connectMs } : {}),
      ...(p.tlsMs !== undefined ? { tls_ms: p.tlsMs } : {}),
      ...(p.firstByteMs !== undefined ? { first_byte_ms: p.firstByteMs } : {}),
    },
    ...(r.error ? { error: { kind: r.error.kind, message: r.error.message.slice(0, 2000) } } : {}),
  };
}

export class Agent {
  private client: AgentClient;
  readonly buffer: DiskBuffer;
  private scheduler: Scheduler<Unit>;
  private pending: WireObservation[] = [];
  private version: string | undefined;
  private agentId: string | undefined;
  private heartbeatMs = 2000;
  private stopping = new AbortController();
  private uploadWake: (() => void) | undefined;
  private sealTimer: NodeJS.Timeout | undefined;
  private exit: ((code: number) => void) | undefined;
  private checks = 0;
  private rejected = 0;
  private delivered = 0;
  private rate = { at: Date.now(), checks: 0, perS: 0 };
  /** The server's clock: the system clock, or the demo's accelerated one (swapped in when an assignment says so). */
  private inner: Clock = systemClock;
  private readonly clock: Clock = followClock(() => this.inner);

  constructor(private readonly opts: AgentOptions) {
    this.client = new AgentClient({ server: opts.server, token: opts.token, region: opts.region });
    this.buffer = new DiskBuffer(join(opts.dataDir, 'buffer'), opts.maxBuffer);
    this.scheduler = new Scheduler<Unit>({
      clock: this.clock,
      run: (m, at, signal) => this.check(m, at, signal),
      onError: (m, err) => opts.log.error({ err, monitor: m.id }, 'check failed to complete'),
    });
  }

  /** Runs until stop() (exit code 0) or a refusal from the server (non-zero). */
  run(): Promise<number> {
    const done = new Promise<number>((resolve) => (this.exit = resolve));
    const saved = this.loadAssignment();
    if (saved) this.apply(saved, 'from the data directory (until the server answers)');
    this.scheduler.start();
    this.sealTimer = setInterval(() => this.seal(), this.opts.sealMs ?? 1000);
    void this.loop('assignment', () => this.pollAssignment());
    void this.loop('heartbeat', () => this.heartbeat());
    void this.loop('upload', () => this.upload());
    this.opts.log.info({ server: this.opts.server, stream: this.buffer.stream, backlog: this.buffer.backlog }, 'agent started');
    return done;
  }

  /** Stops checking, seals what it has, tries to deliver the backlog for up to `flushMs`, then ends run() with 0. */
  async stop(flushMs = 3000): Promise<{ checks: number; delivered: number; backlog: number; dropped: number; rejected: number }> {
    await this.scheduler.stop();
    clearInterval(this.sealTimer);
    this.seal();
    const until = Date.now() + flushMs;
    while (this.buffer.backlog > 0 && Date.now() < until && !this.stopping.signal.aborted) {
      const before = this.buffer.backlog;
      this.uploadWake?.();
      await new Promise((r) => setTimeout(r, 50));
      if (this.buffer.backlog === before && Date.now() >= until) break;
    }
    this.stopping.abort();
    this.exit?.(0);
    return this.summary();
  }

  summary() {
    return { checks: this.checks, delivered: this.delivered, backlog: this.buffer.backlog, dropped: this.buffer.dropped, rejected: this.rejected };
  }

  private finish(code: number, message: string): void {
    if (this.stopping.signal.aborted) return;
    this.opts.log.error(message);
    process.stderr.write(`vigie agent: ${message}\n`);
    this.stopping.abort();
    clearInterval(this.sealTimer);
    void this.scheduler.stop().then(() => {
      this.seal();
      this.exit?.(code);
    });
  }

  /** Runs one of the agent's loops until it stops; refusals end the agent, anything else is retried after a pause. */
  private async loop(name: string, step: () => Promise<void>): Promise<void> {
    let backoff = 500;
    while (!this.stopping.signal.aborted) {
      try {
        await step();
        backoff = 500;
      } catch (err) {
        if (this.stopping.signal.aborted) return;
        if (err instanceof Refused) {
          const region = err.code === 'region_not_configured' || err.code === 'region_mismatch';
          return this.finish(region ? EXIT_REGION : EXIT_REFUSED, `the server refused this agent (${err.code}): ${err.message}`);
        }
        this.opts.log.warn({ err: err instanceof Error ? err.message : String(err), loop: name, retryInMs: backoff }, 'server unreachable or failing; retrying');
        await sleep(backoff, this.stopping.signal);
        backoff = Math.min(backoff * 2, 5000);
      }
    }
  }

  private async pollAssignment(): Promise<void> {
    const q = this.version ? `?version=${encodeURIComponent(this.version)}&wait_s=20` : '?wait_s=0';
    const a = assignmentSchema.parse(await this.client.call('GET', `/assignment${q}`, undefined, 30_000, this.stopping.signal));
    this.heartbeatMs = a.heartbeat_ms;
    if (a.version !== this.version) {
      this.apply(a, 'from the server');
      this.saveAssignment(a);
    }
  }

  private apply(a: Assignment, from: string): void {
    this.version = a.version;
    // Only the server's word: a saved assignment may be from a token this data directory used before.
    if (from === 'from the server') this.agentId = a.agent_id;
    if (a.clock_speed !== this.inner.speed && from === 'from the server') {
      // Times planned on the old clock mean nothing on the new one: plan every monitor afresh.
      this.scheduler.setMonitors([]);
      this.inner = a.clock_speed === 1 ? systemClock : acceleratedClock(a.server_time, a.clock_speed);
      this.opts.log.info({ speed: a.clock_speed }, 'following the server’s clock speed');
    }
    this.scheduler.setMonitors(a.monitors.map(toUnit));
    this.opts.log.info({ version: a.version, monitors: a.monitors.length, region: a.region }, `assignment ${from}`);
  }

  private async heartbeat(): Promise<void> {
    // Before the first assignment the agent does not know the server's clock speed yet: its clock would read as wrong.
    if (this.version === undefined) return sleep(200, this.stopping.signal);
    const now = Date.now();
    const elapsed = (now - this.rate.at) / 1000;
    if (elapsed >= 1) this.rate = { at: now, checks: this.checks, perS: (this.checks - this.rate.checks) / elapsed };
    const reply = heartbeatReply.parse(
      await this.client.call(
        'POST',
        '/heartbeat',
        { agent_time: Math.round(this.clock.now()), version: this.opts.version, assignment: this.version ?? null, backlog: this.buffer.backlog, dropped: this.buffer.dropped, checks_per_s: this.rate.perS },
        10_000,
        this.stopping.signal,
      ),
    );
    if (reply.clock_flagged) this.opts.log.warn({ clockOffsetMs: reply.clock_offset_ms }, 'the server finds this machine’s clock off; check times are corrected by the server, but fix NTP');
    await sleep(this.heartbeatMs, this.stopping.signal);
  }

  private async upload(): Promise<void> {
    const b = this.buffer.oldest();
    if (!b) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, 1000);
        const stop = this.stopping.signal;
        function done() {
          clearTimeout(t);
          stop.removeEventListener('abort', done);
          resolve();
        }
        this.uploadWake = done;
        stop.addEventListener('abort', done, { once: true });
      });
      return;
    }
    try {
      const r = resultsReply.parse(await this.client.call('POST', '/results', { ...(this.agentId ? { agent_id: this.agentId } : {}), stream: this.buffer.stream, seq: b.seq, agent_time: Math.round(this.clock.now()), observations: b.observations }, 30_000, this.stopping.signal));
      if (r.stored) this.delivered += b.observations.length;
      if (r.ignored > 0) this.opts.log.info({ seq: b.seq, ignored: r.ignored }, 'the server no longer has some monitors of this batch');
      this.buffer.ack(b.seq);
    } catch (err) {
      if (!(err instanceof Rejected)) throw err;
      // The server will never take this batch as it is: keeping it would block every later one.
      this.rejected += b.observations.length;
      this.opts.log.error({ seq: b.seq, status: err.status, reason: err.message, observations: b.observations.length }, 'the server rejected a batch; it is dropped');
      this.buffer.ack(b.seq);
    }
  }

  private async check(m: Unit, at: number, signal: AbortSignal): Promise<void> {
    const r = await runCheck(m, { signal, timeoutMs: m.timeoutMs, degradedAfterMs: m.degradedAfterMs, clock: this.clock });
    if (signal.aborted) return;
    this.checks++;
    this.pending.push(toWire(m.id, at, r));
    if (this.pending.length >= MAX_BATCH) this.seal();
  }

  private seal(): void {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    try {
      this.buffer.append(batch);
      this.uploadWake?.();
    } catch (err) {
      this.opts.log.error({ err, observations: batch.length }, 'could not write results to the data directory; they are lost');
    }
  }

  private loadAssignment(): Assignment | undefined {
    const path = join(this.opts.dataDir, 'assignment.json');
    if (!existsSync(path)) return undefined;
    try {
      return assignmentSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
    } catch {
      return undefined;
    }
  }

  private saveAssignment(a: Assignment): void {
    const path = join(this.opts.dataDir, 'assignment.json');
    try {
      writeFileSync(`${path}.tmp`, JSON.stringify(a));
      renameSync(`${path}.tmp`, path);
    } catch (err) {
      this.opts.log.warn({ err }, 'could not keep the assignment in the data directory');
    }
  }
}
