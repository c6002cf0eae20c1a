// One upstream's health as the gateway sees it: a pure state machine, no I/O, no clock of its own.
//
//   up ──(Vigie says its component is bad, or the live traffic's error rate / time to first token
//         over the window crosses its threshold)──► down
//   down ──(Vigie has not said "bad" for recover_after, and cooldown has passed since a passive trip)──► recovering
//   recovering ──(success_streak successes in a row on the trickle of traffic it gets)──► up
//   recovering ──(one failure, or Vigie says bad again)──► down, and the wait starts over
//
// Why this cannot flap: the only way back to `up` goes through `recovering`, which needs both a
// quiet period on Vigie's signal and a streak of real successes; a signal that alternates faster
// than recover_after keeps the upstream down. Caller errors (400, 401, 429, ...) are not outcomes
// here at all: they say nothing about the provider.

export type HealthState = 'up' | 'recovering' | 'down';
export type DownReason = 'vigie' | 'errors' | 'slow';
/** What Vigie's detection says about the upstream's component: bad (avoid), ok, or unknown (no component, stale, unreachable). */
export type VigieSignal = 'bad' | 'ok' | 'unknown';
export type Outcome = { ok: true; firstTokenMs?: number } | { ok: false };

export interface HealthConfig {
  recoverAfterMs: number;
  windowMs: number;
  minRequests: number;
  errorRate: number;
  slowFirstTokenMs: number;
  cooldownMs: number;
  successStreak: number;
}

/** Requests in one slice of the passive window. */
interface Bucket {
  start: number;
  ok: number;
  failed: number;
  ttftCount: number;
  ttftSum: number;
}

export interface Health {
  readonly state: HealthState;
  /** When the current state began. */
  readonly since: number;
  readonly reason: DownReason | null;
  readonly vigie: VigieSignal;
  /** When Vigie last stopped saying "bad" (null while it says bad). */
  readonly vigieQuietSince: number | null;
  /** When the passive view last tripped (cooldown runs from here). */
  readonly trippedAt: number | null;
  /** Successes in a row while recovering. */
  readonly streak: number;
  readonly buckets: readonly Bucket[];
}

export interface Transition {
  from: HealthState;
  to: HealthState;
  at: number;
  reason: DownReason | 'recovered' | 'quiet';
}

export interface Step {
  health: Health;
  transitions: Transition[];
}

const BUCKETS = 10;

export function initialHealth(now: number): Health {
  return { state: 'up', since: now, reason: null, vigie: 'unknown', vigieQuietSince: now, trippedAt: null, streak: 0, buckets: [] };
}

/** Time-based moves (down -> recovering); call before reading the state. */
export function advance(h: Health, now: number, cfg: HealthConfig): Step {
  if (h.state !== 'down') return { health: h, transitions: [] };
  const quiet = h.vigieQuietSince !== null && now - h.vigieQuietSince >= cfg.recoverAfterMs;
  const cooled = h.trippedAt === null || now - h.trippedAt >= cfg.cooldownMs;
  if (!quiet || !cooled) return { health: h, transitions: [] };
  return move(h, 'recovering', now, 'quiet');
}

/** A reading of Vigie's status for the upstream's component. */
export function onVigie(h0: Health, signal: VigieSignal, now: number, cfg: HealthConfig): Step {
  const a = advance(h0, now, cfg);
  let h = a.health;
  const quietSince = signal === 'bad' ? null : h.vigie === 'bad' || h.vigieQuietSince === null ? now : h.vigieQuietSince;
  h = { ...h, vigie: signal, vigieQuietSince: quietSince };
  if (signal === 'bad' && h.state !== 'down') return chain(a, move(h, 'down', now, 'vigie'));
  return { health: h, transitions: a.transitions };
}

/** The result of one request to the upstream (not counting caller errors, which are not outcomes). */
export function onOutcome(h0: Health, outcome: Outcome, now: number, cfg: HealthConfig): Step {
  const a = advance(h0, now, cfg);
  let h = { ...a.health, buckets: record(a.health.buckets, outcome, now, cfg.windowMs) };
  const slow = outcome.ok && outcome.firstTokenMs !== undefined && outcome.firstTokenMs >= cfg.slowFirstTokenMs;
  if (h.state === 'recovering') {
    if (!outcome.ok || slow) return chain(a, trip(h, slow && outcome.ok ? 'slow' : 'errors', now));
    h = { ...h, streak: h.streak + 1 };
    if (h.streak >= cfg.successStreak) return chain(a, move(h, 'up', now, 'recovered'));
    return { health: h, transitions: a.transitions };
  }
  if (h.state === 'up') {
    const w = windowStats(h.buckets, now, cfg.windowMs);
    if (w.total >= cfg.minRequests && w.failed / w.total >= cfg.errorRate) return chain(a, trip(h, 'errors', now));
    if (w.ttftCount >= cfg.minRequests && w.ttftSum / w.ttftCount >= cfg.slowFirstTokenMs) return chain(a, trip(h, 'slow', now));
  }
  return { health: h, transitions: a.transitions };
}

export interface WindowStats {
  total: number;
  failed: number;
  ttftCount: number;
  ttftSum: number;
}

export function windowStats(buckets: readonly Bucket[], now: number, windowMs: number): WindowStats {
  const out = { total: 0, failed: 0, ttftCount: 0, ttftSum: 0 };
  for (const b of buckets) {
    if (b.start <= now - windowMs) continue;
    out.total += b.ok + b.failed;
    out.failed += b.failed;
    out.ttftCount += b.ttftCount;
    out.ttftSum += b.ttftSum;
  }
  return out;
}

function record(buckets: readonly Bucket[], o: Outcome, now: number, windowMs: number): Bucket[] {
  const width = Math.max(1, Math.floor(windowMs / BUCKETS));
  const start = now - (now % width);
  const kept = buckets.filter((b) => b.start > now - windowMs - width);
  const last = kept[kept.length - 1];
  const add = (b: Bucket): Bucket => ({
    start: b.start,
    ok: b.ok + (o.ok ? 1 : 0),
    failed: b.failed + (o.ok ? 0 : 1),
    ttftCount: b.ttftCount + (o.ok && o.firstTokenMs !== undefined ? 1 : 0),
    ttftSum: b.ttftSum + (o.ok && o.firstTokenMs !== undefined ? o.firstTokenMs : 0),
  });
  if (last && last.start === start) return [...kept.slice(0, -1), add(last)];
  return [...kept, add({ start, ok: 0, failed: 0, ttftCount: 0, ttftSum: 0 })];
}

/** A passive trip: down, the window forgotten (its failures must not trip the upstream again once back). */
function trip(h: Health, reason: 'errors' | 'slow', now: number): Step {
  return move({ ...h, trippedAt: now, buckets: [] }, 'down', now, reason);
}

function move(h: Health, to: HealthState, now: number, why: Transition['reason']): Step {
  const reason = to === 'down' ? (why as DownReason) : null;
  return { health: { ...h, state: to, since: now, reason, streak: 0 }, transitions: [{ from: h.state, to, at: now, reason: why }] };
}

function chain(first: Step, second: Step): Step {
  return { health: second.health, transitions: [...first.transitions, ...second.transitions] };
}
