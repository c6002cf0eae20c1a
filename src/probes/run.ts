// One probe run: the hard deadline, the caller's abort signal, the phase timings and the
// cleanup of whatever the run opened. Every probe kind goes through runProbe, so none of
// them can outlive its timeout or leave a socket, timer or child process behind.
//
// A probe's work function sets `run.where` as it goes ("connecting to 10.0.0.1:443") so a
// timeout says where it happened, registers what must be closed with `run.defer`, and
// reports a classified failure by throwing `fail(kind, message)` or returning a Failure.
import { performance } from 'node:perf_hooks';
import type { ErrorKind, Phases } from '../core/observation.js';
import type { ProbeContext, ProbeDetails, ProbeReport } from './types.js';

export interface Failure {
  kind: ErrorKind;
  message: string;
}

/** A classified failure thrown from deep inside a probe; runProbe turns it into the result. */
export class ProbeFailure extends Error {
  constructor(readonly failure: Failure) {
    super(failure.message);
    this.name = 'ProbeFailure';
  }
}

export function fail(kind: ErrorKind, message: string): never {
  throw new ProbeFailure({ kind, message });
}

type PhaseKey = Exclude<keyof Phases, 'totalMs'>;

export const round = (ms: number) => Math.round(ms * 100) / 100;

const noop = () => {};

/** The abort reason of every finished run: made once, not a DOMException (with its stack) per check. */
const RUN_OVER = new DOMException('the check is over', 'AbortError');

export class Run {
  private readonly started = performance.now();
  // Made only for the probes that listen for the end (raw socket reads): an AbortController, its
  // signal and abort()'s DOMException cost a few KB per check, 20,000 checks a minute at 10,000 monitors.
  private controller: AbortController | undefined;
  private ended = false;
  private readonly cleanups: (() => unknown)[] = [];
  readonly phases: Partial<Record<PhaseKey, number>> = {};
  readonly details: ProbeDetails = {};
  statusCode: number | undefined;
  /** What the run is doing now, for the timeout message: "resolving example.com", "waiting for first byte". */
  where = 'starting';

  constructor(readonly timeoutMs: number) {}

  /** Aborted once the run is over (deadline, caller's abort, or finished): late steps must stop. */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.ended) this.controller.abort(RUN_OVER);
    }
    return this.controller.signal;
  }

  get over(): boolean {
    return this.ended;
  }

  /** Throws if the run already has its outcome, so a late DNS answer opens no socket. */
  ifStillRunning(): void {
    if (this.over) throw new Error('the check is already over');
  }

  elapsed(): number {
    return performance.now() - this.started;
  }

  /** Times `work` into a phase; phases add up across steps (each hop of a redirect chain). */
  async time<T>(phase: PhaseKey, work: () => Promise<T>): Promise<T> {
    const t = performance.now();
    const out = await work();
    this.phases[phase] = round((this.phases[phase] ?? 0) + performance.now() - t);
    this.ifStillRunning();
    return out;
  }

  /** Registers something to close when the run ends, whatever the outcome; runs in reverse order. */
  defer(fn: () => unknown): void {
    if (this.over) {
      void Promise.resolve().then(fn).catch(noop);
      return;
    }
    this.cleanups.push(fn);
  }

  /** @internal */
  async end(): Promise<void> {
    this.ended = true;
    this.controller?.abort(RUN_OVER);
    for (const fn of this.cleanups.reverse()) {
      try {
        await fn();
      } catch {
        // closing is best effort
      }
    }
    this.cleanups.length = 0;
  }
}

/**
 * Runs `work` under the context's deadline and abort signal and builds the report.
 * `classify` turns an unexpected error into a failure; ProbeFailure needs no classifying.
 */
export async function runProbe(
  ctx: ProbeContext,
  work: (run: Run) => Promise<Failure | undefined>,
  classify: (err: unknown, run: Run) => Failure = (err) => ({ kind: 'protocol', message: `probe error: ${errorText(err)}` }),
): Promise<ProbeReport> {
  const run = new Run(ctx.timeoutMs);
  const finish = (failure: Failure | undefined): ProbeReport => {
    const totalMs = round(run.elapsed());
    const ok = failure === undefined;
    const threshold = ctx.degradedAfterMs;
    const hasDetails = Object.keys(run.details).length > 0;
    return {
      ok,
      degraded: ok && threshold != null && totalMs > threshold,
      phases: { ...run.phases, totalMs },
      ...(run.statusCode !== undefined ? { statusCode: run.statusCode } : {}),
      ...(failure ? { error: failure } : {}),
      ...(hasDetails ? { details: { ...run.details } } : {}),
    };
  };
  if (ctx.signal?.aborted) return finish({ kind: 'timeout', message: 'aborted before the check started' });

  let timer: NodeJS.Timeout | undefined;
  let onAbort = noop;
  const deadline = new Promise<Failure>((resolve) => {
    const ms = Math.min(Math.max(0, ctx.timeoutMs), 2 ** 31 - 1);
    timer = setTimeout(() => resolve({ kind: 'timeout', message: `timed out after ${ctx.timeoutMs} ms ${run.where}` }), ms);
    onAbort = () => resolve({ kind: 'timeout', message: `aborted after ${Math.round(run.elapsed())} ms ${run.where}` });
    ctx.signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    const failure = await Promise.race([
      work(run).catch((err: unknown) => (err instanceof ProbeFailure ? err.failure : classify(err, run))),
      deadline,
    ]);
    return finish(failure);
  } catch (err) {
    // Should be unreachable; a probe still never throws.
    return finish({ kind: 'protocol', message: `probe error: ${errorText(err)}` });
  } finally {
    clearTimeout(timer);
    ctx.signal?.removeEventListener('abort', onAbort);
    await run.end();
  }
}

export function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
