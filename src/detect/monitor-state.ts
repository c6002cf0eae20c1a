// Per-monitor hysteresis: one bad check is a blip, a run of them is a fact, and failures that
// keep coming back without ever running together are a slowdown, not an outage.
import type { Observation } from '../core/observation.js';

export type MonitorHealth = 'up' | 'degraded' | 'down';

export interface Hysteresis {
  /** Consecutive failures (or slow checks, for degraded) before the state changes. */
  failuresToDown: number;
  /** Consecutive good checks before a down or degraded monitor counts as up. */
  successesToUp: number;
}

/** How many recent checks the scattered-failure rule looks back over. */
export const RECENT_WINDOW = 10;
/** Failures within that window, never enough in a row to be down, that make a monitor degraded. */
export const SCATTERED_FAILURES = 2;

export interface MonitorState {
  health: MonitorHealth;
  fails: number;
  slows: number;
  goods: number;
  /** The last RECENT_WINDOW outcomes as bits, newest lowest; 1 is a failure. */
  recent: number;
  /** When the current run of failures began (the first failed check), if failing now. */
  failingSince?: number;
  last?: Observation;
}

export const initialMonitorState: MonitorState = { health: 'up', fails: 0, slows: 0, goods: 0, recent: 0 };

const MASK = (1 << RECENT_WINDOW) - 1;

function bits(n: number): number {
  let c = 0;
  for (let x = n; x; x &= x - 1) c++;
  return c;
}

export function nextMonitorState(s: MonitorState, o: Observation, h: Hysteresis): MonitorState {
  const recent = ((s.recent << 1) | (o.ok ? 0 : 1)) & MASK;
  if (!o.ok) {
    const fails = s.fails + 1;
    const scattered = bits(recent) >= SCATTERED_FAILURES;
    const health: MonitorHealth = fails >= h.failuresToDown ? 'down' : s.health === 'up' && scattered ? 'degraded' : s.health;
    return { health, fails, slows: 0, goods: 0, recent, failingSince: s.failingSince ?? o.at, last: o };
  }
  if (o.degraded) {
    const slows = s.slows + 1;
    // A down monitor that answers again, slowly, is degraded once it has answered enough times.
    const health: MonitorHealth =
      s.health === 'down' ? (slows >= h.successesToUp ? 'degraded' : 'down') : slows >= h.failuresToDown ? 'degraded' : s.health;
    return { health, fails: 0, slows, goods: 0, recent: health === 'down' ? recent : s.health === 'down' ? 0 : recent, last: o };
  }
  const goods = s.goods + 1;
  if (s.health === 'down') {
    // Back from an outage: the failures that made it are history, not scattered failures now.
    return goods >= h.successesToUp ? { health: 'up', fails: 0, slows: 0, goods, recent: 0, last: o } : { health: 'down', fails: 0, slows: 0, goods, recent, last: o };
  }
  const stillScattered = bits(recent) >= SCATTERED_FAILURES;
  const health: MonitorHealth = s.health === 'up' || (goods >= h.successesToUp && !stillScattered) ? 'up' : s.health;
  return { health, fails: 0, slows: 0, goods, recent, last: o };
}
