// Per-monitor hysteresis: one bad check is a blip, a run of them is a fact.
import type { Observation } from '../core/observation.js';

export type MonitorHealth = 'up' | 'degraded' | 'down';

export interface Hysteresis {
  /** Consecutive failures (or slow checks, for degraded) before the state changes. */
  failuresToDown: number;
  /** Consecutive good checks before a down or degraded monitor counts as up. */
  successesToUp: number;
}

export interface MonitorState {
  health: MonitorHealth;
  fails: number;
  slows: number;
  goods: number;
  last?: Observation;
}

export const initialMonitorState: MonitorState = { health: 'up', fails: 0, slows: 0, goods: 0 };

export function nextMonitorState(s: MonitorState, o: Observation, h: Hysteresis): MonitorState {
  if (!o.ok) {
    const fails = s.fails + 1;
    return { health: fails >= h.failuresToDown ? 'down' : s.health, fails, slows: 0, goods: 0, last: o };
  }
  if (o.degraded) {
    const slows = s.slows + 1;
    // A down monitor that answers again, slowly, is degraded once it has answered enough times.
    const health: MonitorHealth =
      s.health === 'down' ? (slows >= h.successesToUp ? 'degraded' : 'down') : slows >= h.failuresToDown ? 'degraded' : s.health;
    return { health, fails: 0, slows, goods: 0, last: o };
  }
  const goods = s.goods + 1;
  return { health: s.health === 'up' || goods >= h.successesToUp ? 'up' : s.health, fails: 0, slows: 0, goods, last: o };
}
