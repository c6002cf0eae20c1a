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

/** The longest delay setTimeout honours (2^31-1 ms, 24.8 days); a longer one fires after 1 ms, over and over. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * setTimeout for a computed delay: NaN and negative delays fire at once (as setTimeout does), an
 * infinite one never fires, and one past MAX_TIMER_MS is slept in pieces instead of firing at once.
 * `unref` keeps a far timer from holding the process open.
 */
export function safeTimeout(fn: () => void, ms: number, opts: { unref?: boolean } = {}): TimerHandle {
  return untilDue(() => Date.now(), Date.now() + (ms === ms ? Math.max(0, ms) : 0), fn, 1, MAX_TIMER_MS, opts.unref ?? false);
}

/**
 * Calls fn once `now()` reaches `due` or, whichever comes first, once the delay it had when armed has
 * passed in real (monotonic) time. It sleeps at most `chunkMs` at a time and looks again after each
 * sleep, so a deadline years ahead is slept in pieces, a wall clock stepped forward is caught up at the
 * next look, and one stepped back (NTP) does not freeze every timer until the clock shows the old time.
 */
function untilDue(now: () => number, due: number, fn: () => void, speed: number, chunkMs: number, unref: boolean): TimerHandle {
  let t: NodeJS.Timeout | undefined;
  let live = true;
  const never = due !== due || due === Infinity;
  const realDeadline = performance.now() + Math.max(0, (due - now()) / speed);
  const left = () => Math.min((due - now()) / speed, realDeadline - performance.now());
  const arm = () => {
    if (!live || never) return;
    const ms = left();
    if (!(ms > 0)) {
      live = false;
      fn();
      return;
    }
    t = setTimeout(arm, Math.min(Math.ceil(ms), chunkMs));
    if (unref) t.unref();
  };
  // Always through the event loop, as setTimeout would: callers may rely on fn not running inside at().
  t = setTimeout(arm, never ? chunkMs : Math.min(Math.max(0, Math.ceil(left()) || 0), chunkMs));
  if (unref) t.unref();
  return {
    cancel: () => {
      live = false;
      clearTimeout(t);
    },
  };
}

/** Wall-clock timers look at the clock at least this often, so a clock stepped forward is noticed within a second. */
const WALL_CHUNK_MS = 1_000;

export const systemClock: Clock = {
  speed: 1,
  now: () => Date.now(),
  at(atMs, fn) {
    return untilDue(() => Date.now(), atMs, fn, 1, WALL_CHUNK_MS, false);
  },
};

export interface AcceleratedClock extends Clock {
  /** Starts over from `start` now: for a replay whose clock must not run while the system it feeds is still starting. */
  rebase(): void;
  /** Stands at `start` until rebase(): the system it feeds can start (seconds, on a loaded machine) without scenario time going by unwatched. */
  hold(): void;
}

/** A clock that starts at `start` and runs `speed` times faster than the real one. */
export function acceleratedClock(start: number, speed: number, realNow: () => number = Date.now): AcceleratedClock {
  let realStart = realNow();
  let held = false;
  const now = () => (held ? start : start + (realNow() - realStart) * speed);
  return {
    speed,
    now,
    rebase() {
      realStart = realNow();
      held = false;
    },
    hold() {
      held = true;
    },
    at(atMs, fn) {
      return untilDue(now, atMs, fn, speed > 0 ? speed : 1, MAX_TIMER_MS, false);
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
