// What the operator console shows live for each monitor unit: its health as detection sees it,
// since when, the last check's time, latency and error, and the last certificate seen. Held in
// memory and fed by every observation (local checks and agents' uploads), so listing 10,000
// monitors is a walk over a Map, never a query per monitor. Status changes are told at once to
// listeners (the console's event stream); latency updates are gathered and told in batches.
import type { Observation } from '../core/observation.js';
import type { MonitorHealth } from '../detect/monitor-state.js';
import type { ProbeDetails } from '../probes/types.js';

export type MonitorStatus = 'up' | 'down' | 'degraded' | 'paused' | 'unknown';

export interface LiveState {
  status: MonitorHealth;
  /** When the status began; null when not known (read back from the store at start). */
  since: number | null;
  lastAt: number;
  latencyMs: number;
  ok: boolean;
  error: { kind: string; message: string } | null;
  /** Read back from the store at start, not yet confirmed by detection (which starts afresh). */
  seeded?: boolean;
}

export interface CertSeen {
  expiresAt: string;
  daysLeft: number;
  subject: string | null;
  issuer: string | null;
  at: number;
}

export interface BoardListener {
  status(id: string, s: LiveState, from: MonitorStatus): void;
}

export class MonitorBoard {
  private live = new Map<string, LiveState>();
  private certs = new Map<string, CertSeen>();
  /** Units checked since the last drain, for the batched latency updates. */
  private dirty = new Set<string>();
  private listeners = new Set<BoardListener>();

  observe(o: Observation & { details?: ProbeDetails }, health: MonitorHealth): void {
    const prev = this.live.get(o.monitorId);
    // An older check arriving late (an agent's backlog) does not move the board back in time.
    if (prev && o.at < prev.lastAt) return;
    // After a restart detection counts failures afresh and says "up" until it has enough: a monitor
    // last seen failing stays as it was seen until detection has its own word.
    const status: MonitorHealth = prev?.seeded && health === 'up' && !o.ok ? prev.status : health;
    const s: LiveState = {
      status,
      since: prev && prev.status === status ? prev.since : o.at,
      lastAt: o.at,
      latencyMs: o.phases.totalMs,
      ok: o.ok,
      error: o.error ? { kind: o.error.kind, message: o.error.message } : null,
      ...(prev?.seeded && status !== health ? { seeded: true } : {}),
    };
    this.live.set(o.monitorId, s);
    const d = o.details;
    if (d?.certExpiresAt !== undefined && d.certDaysLeft !== undefined)
      this.certs.set(o.monitorId, { expiresAt: d.certExpiresAt, daysLeft: d.certDaysLeft, subject: d.certSubject ?? null, issuer: d.certIssuer ?? null, at: o.at });
    this.dirty.add(o.monitorId);
    if (!prev || prev.status !== status) for (const l of this.listeners) l.status(o.monitorId, s, prev ? prev.status : 'unknown');
  }

  /** The last stored check of units not yet seen since start, so a restart does not blank the list until each runs again. */
  seed(last: Iterable<Observation>): void {
    for (const o of last) {
      if (this.live.has(o.monitorId)) continue;
      const status: MonitorHealth = !o.ok ? 'down' : o.degraded ? 'degraded' : 'up';
      this.live.set(o.monitorId, { status, since: null, lastAt: o.at, latencyMs: o.phases.totalMs, ok: o.ok, error: o.error ? { kind: o.error.kind, message: o.error.message } : null, seeded: true });
    }
  }

  get(id: string): LiveState | undefined {
    return this.live.get(id);
  }

  cert(id: string): CertSeen | undefined {
    return this.certs.get(id);
  }

  /** Units checked since the previous call. */
  drain(): string[] {
    const out = [...this.dirty];
    this.dirty.clear();
    return out;
  }

  /** Forgets units no longer run (deleted or paused), so a resumed one starts as unknown. */
  keep(ids: ReadonlySet<string>): void {
    for (const id of this.live.keys()) if (!ids.has(id)) this.live.delete(id);
    for (const id of this.certs.keys()) if (!ids.has(id)) this.certs.delete(id);
    for (const id of this.dirty) if (!ids.has(id)) this.dirty.delete(id);
  }

  listen(l: BoardListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
}
