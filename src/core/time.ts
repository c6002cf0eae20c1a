// Time is injected everywhere so the demo can run accelerated and tests can step it by hand.

export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Epoch milliseconds in this clock's time. */
  now(): number;
  /** Calls fn once, when this clock reaches atMs (at once if it already has). */
  at(atMs: number, fn: () => void): TimerHandle;
  /** How many clock milliseconds pass per real millisecond. */
  readonly speed: number;
}

export const systemClock: Clock = {
  speed: 1,
  now: () => Date.now(),
  at(atMs, fn) {
    const t = setTimeout(fn, Math.max(0, atMs - Date.now()));
    return { cancel: () => clearTimeout(t) };
  },
};

export interface AcceleratedClock extends Clock {
  /** Starts over from `start` now: for a replay whose clock must not run while the system it feeds is still starting. */
  rebase(): void;
}

/** A clock that starts at `start` and runs `speed` times faster than the real one. */
export function acceleratedClock(start: number, speed: number, realNow: () => number = Date.now): AcceleratedClock {
  let realStart = realNow();
  const now = () => start + (realNow() - realStart) * speed;
  return {
    speed,
    now,
    rebase() {
      realStart = realNow();
    },
    at(atMs, fn) {
      const t = setTimeout(fn, Math.max(0, (atMs - now()) / speed));
      return { cancel: () => clearTimeout(t) };
    },
  };
}

/** A clock that moves only when told to: for tests and simulated-time replays. */
export class ManualClock implements Clock {
  readonly speed = Infinity;
  private timers: { at: number; seq: number; fn: () => void; live: boolean }[] = [];
  private seq = 0;
  constructor(private t: number) {}
  now(): number {
    return this.t;
  }
  at(atMs: number, fn: () => void): TimerHandle {
    const timer = { at: atMs, seq: this.seq++, fn, live: true };
    this.timers.push(timer);
    return { cancel: () => void (timer.live = false) };
  }
  /** Moves time forward to `to`, firing due timers in order; returns how many fired. */
  advanceTo(to: number): number {
    let fired = 0;
    for (;;) {
      this.timers = this.timers.filter((x) => x.live);
      const next = this.timers.reduce<(typeof this.timers)[number] | undefined>(
        (a, b) => (a === undefined || b.at < a.at || (b.at === a.at && b.seq < a.seq) ? b : a),
        undefined,
      );
      if (!next || next.at > to) break;
      next.live = false;
      this.t = Math.max(this.t, next.at);
      next.fn();
      fired++;
    }
    this.t = Math.max(this.t, to);
    return fired;
  }
  /** Moves time forward without firing anything, as a blocked event loop would; due timers fire late on the next advance. */
  stall(ms: number): void {
    this.t += ms;
  }
  advance(ms: number): number {
    return this.advanceTo(this.t + ms);
  }
}
