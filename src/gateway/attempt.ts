// One attempt on one upstream, up to the moment the gateway commits to it: the response has started
// and its first data is in hand. Until then nothing has been sent to the client, so any failure here
// (refused, reset, 5xx, silence before the first token) leaves the request free to try the next upstream.
// After it, the caller relays the rest with `relay(sink)`, under an idle deadline.
//
// Built on undici's dispatch handler (callbacks per event), not on `request()`: no body stream, no
// async iterator, no promise, timer or AbortController per chunk. Each upstream chunk is handed to the
// sink as the Buffer undici read (the very bytes go to the client); a sink that returns false (the
// client's socket is full) pauses the upstream socket until `resume()`.
import { performance } from 'node:perf_hooks';
import type { Dispatcher } from 'undici';
import { type FailureKind, describeError, statusAction } from './errors.js';

/** The client's side of an attempt: whether it is gone, and where to cut the attempt when it goes. */
export interface ClientLink {
  gone: boolean;
  /** Set by the attempt while it runs; the proxy calls it when the client goes away. */
  cancel: (() => void) | undefined;
}

export interface AttemptInput {
  origin: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer;
  stream: boolean;
  dispatcher: Dispatcher;
  /** Until the first data event (streams) or the whole answer (the rest). */
  firstDataMs: number;
  onRateLimit: 'return' | 'failover';
  client: ClientLink;
}

export type AttemptStart =
  /** `answer`: the 429 itself, when on_429 is failover (returned if no other upstream answers). */
  | { kind: 'failed'; failure: FailureKind; detail: string; answer?: Answer }
  | { kind: 'client_gone' }
  /** A 4xx (or a 429 returned by policy): the caller's to read, relayed as it is. */
  | ({ kind: 'answer' } & Answer)
  | { kind: 'started'; call: StartedCall };

export type Headers = Record<string, string | string[] | undefined>;

export interface Answer {
  status: number;
  headers: Headers;
  body: Buffer;
}

export interface StartedCall {
  status: number;
  headers: Headers;
  /** What arrived up to and including the first data (streams), or the whole answer up to 8 MiB (the rest). */
  held: Buffer[];
  firstDataMs: number;
  /** Whether the whole answer is already in `held`. */
  readonly ended: boolean;
  /**
   * Hands every further chunk to `sink` as it arrives (false from the sink pauses the upstream until
   * `resume()`); resolves at the end, rejects when the upstream is silent for idleMs while not paused,
   * or the connection drops.
   */
  relay(sink: (chunk: Buffer) => boolean, idleMs: number): Promise<void>;
  resume(): void;
  abort(): void;
}

const ERROR_BODY_MAX = 64 * 1024;
const HOLD_MAX = 64 * 1024;
const BUFFER_MAX = 8 * 1024 * 1024;
const DATA = Buffer.from('data:');

class Timeout extends Error {}
class Gone extends Error {}

/** Whether `buf` holds "data:" at the start of a line (`prev`: the byte before it, 10 at the start of the answer). */
export function hasDataLine(buf: Buffer, prev: number): boolean {
  for (let i = buf.indexOf(DATA); i !== -1; i = buf.indexOf(DATA, i + 5)) if ((i === 0 ? prev : buf[i - 1]) === 10) return true;
  return false;
}

/** Data events starting in `buf` (same rule as hasDataLine). */
export function countDataLines(buf: Buffer, prev: number): number {
  let n = 0;
  for (let i = buf.indexOf(DATA); i !== -1; i = buf.indexOf(DATA, i + 5)) if ((i === 0 ? prev : buf[i - 1]) === 10) n++;
  return n;
}

function headersOf(raw: Buffer[] | string[] | null): Headers {
  const h: Headers = {};
  if (!raw) return h;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const k = raw[i]!.toString('latin1').toLowerCase();
    const v = raw[i + 1]!.toString('latin1');
    const prev = h[k];
    h[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return h;
}

type Phase = 'head' | 'error_body' | 'holding' | 'started' | 'done';

export function startAttempt(a: AttemptInput): Promise<AttemptStart> {
  if (a.client.gone) return Promise.resolve({ kind: 'client_gone' });
  return new Promise<AttemptStart>((settle) => {
    const t0 = performance.now();
    let phase: Phase = 'head';
    let abortFn: ((err: Error) => void) | undefined;
    let reason: Error | undefined;
    let status = 0;
    let headers: Headers = {};
    let resumeFn: (() => void) | undefined;
    let sse = false;
    let action: ReturnType<typeof statusAction> = 'relay';
    const parts: Buffer[] = [];
    let bytes = 0;
    let prev = 10;
    let firstDataMs: number | undefined;
    // After the start: the relay's sink, chunks that came before it was given, and the idle watch.
    let sink: ((c: Buffer) => boolean) | undefined;
    let early: Buffer[] = [];
    let ended = false;
    let paused = false;
    let lastData = 0;
    let idleMs = 0;
    let relayDone: { resolve: () => void; reject: (e: Error) => void } | undefined;
    let endError: Error | undefined;

    const abort = (err: Error) => {
      reason ??= err;
      if (abortFn) abortFn(err);
      // Not connected yet (a connection still being made): undici cuts the request once it has one;
      // the attempt does not wait for that.
      else if (phase === 'head') fail(err, 'connect');
    };
    let timer: NodeJS.Timeout | undefined = setTimeout(() => abort(new Timeout()), a.firstDataMs);
    const stopTimer = () => {
      if (timer) clearTimeout(timer);
      timer = undefined;
    };
    a.client.cancel = () => abort(new Gone('client gone'));

    const fail = (err: unknown, before: FailureKind) => {
      stopTimer();
      phase = 'done';
      a.client.cancel = undefined;
      if (a.client.gone || reason instanceof Gone) return settle({ kind: 'client_gone' });
      if (reason instanceof Timeout) return settle({ kind: 'failed', failure: 'timeout', detail: `no ${a.stream ? 'first token' : 'response'} within ${a.firstDataMs} ms` });
      settle({ kind: 'failed', failure: before, detail: describeError(err) });
    };

    const watchIdle = () => {
      if (phase !== 'started' || ended) return;
      const quiet = performance.now() - lastData;
      if (paused || quiet < idleMs) {
        timer = setTimeout(watchIdle, paused ? idleMs : idleMs - quiet);
        return;
      }
      abort(new Timeout());
    };

    const call: StartedCall = {
      get status() {
        return status;
      },
      get headers() {
        return headers;
      },
      held: parts,
      get firstDataMs() {
        return firstDataMs ?? 0;
      },
      get ended() {
        return ended;
      },
      relay(s, idle) {
        sink = s;
        idleMs = idle;
        return new Promise<void>((resolve, reject) => {
          for (const c of early) if (!s(c)) paused = true;
          early = [];
          if (endError) return reject(endError);
          if (ended) return resolve();
          relayDone = { resolve, reject };
          lastData = performance.now();
          timer = setTimeout(watchIdle, idleMs);
        });
      },
      resume() {
        if (!paused) return;
        paused = false;
        lastData = performance.now();
        resumeFn?.();
      },
      abort() {
        abort(new Error('aborted by the gateway'));
      },
    };

    const started = () => {
      stopTimer();
      phase = 'started';
      firstDataMs = performance.now() - t0;
      settle({ kind: 'started', call });
    };

    const handler = {
      onConnect(abortCb: (err: Error) => void) {
        abortFn = abortCb;
        if (reason) abortCb(reason);
      },
      onHeaders(code: number, raw: Buffer[] | string[] | null, resume: () => void) {
        status = code;
        headers = headersOf(raw);
        resumeFn = resume;
        action = statusAction(code);
        if (action !== 'relay') phase = 'error_body';
        else {
          // A provider that ignores `stream` and answers JSON is relayed as the JSON it is.
          sse = a.stream && /event-stream/i.test(String(headers['content-type'] ?? ''));
          phase = 'holding';
        }
        return true;
      },
      onData(chunk: Buffer): boolean {
        switch (phase) {
          case 'started':
            lastData = performance.now();
            if (!sink) {
              early.push(chunk);
              return true;
            }
            paused = !sink(chunk);
            return !paused;
          case 'holding':
            parts.push(chunk);
            bytes += chunk.length;
            firstDataMs ??= performance.now() - t0;
            if (!sse) {
              // A plain answer is read whole before anything goes to the client (up to BUFFER_MAX), so one
              // cut mid-body is retried like any early failure; only streams are committed at their first data.
              if (bytes > BUFFER_MAX) started();
              return true;
            }
            // SSE comments (": keep-alive") before the first event are not a first token: keep waiting (within reason).
            if (hasDataLine(chunk, prev) || bytes > HOLD_MAX) started();
            prev = chunk[chunk.length - 1]!;
            return true;
          case 'error_body':
            if (bytes < ERROR_BODY_MAX) parts.push(chunk.subarray(0, ERROR_BODY_MAX - bytes));
            bytes += chunk.length;
            return true;
          default:
            return true;
        }
      },
      onComplete() {
        if (phase === 'started') {
          ended = true;
          stopTimer();
          phase = 'done';
          a.client.cancel = undefined;
          relayDone?.resolve();
          return;
        }
        stopTimer();
        if (phase === 'error_body') {
          phase = 'done';
          a.client.cancel = undefined;
          const body = Buffer.concat(parts);
          if (action === 'retry') return settle({ kind: 'failed', failure: 'http_5xx', detail: `HTTP ${status}` });
          if (action === 'rate_limited' && a.onRateLimit === 'failover') return settle({ kind: 'failed', failure: 'rate_limited', detail: `HTTP 429${retryAfter(headers)}`, answer: { status: 429, headers, body } });
          return settle({ kind: 'answer', status, headers, body });
        }
        // holding (or head: a response with no body at all)
        if (parts.length === 0 || sse) {
          phase = 'done';
          a.client.cancel = undefined;
          return settle({ kind: 'failed', failure: 'empty', detail: 'the response ended before any data' });
        }
        // A whole plain answer.
        ended = true;
        phase = 'started';
        firstDataMs ??= performance.now() - t0;
        settle({ kind: 'started', call });
        phase = 'done';
        a.client.cancel = undefined;
      },
      onError(err: Error) {
        if (phase === 'started') {
          stopTimer();
          phase = 'done';
          a.client.cancel = undefined;
          const e = reason instanceof Timeout ? new Error(`the stream stalled for ${idleMs} ms`) : (reason ?? err);
          if (relayDone) relayDone.reject(e);
          else endError = e;
          return;
        }
        if (phase === 'done') return;
        fail(err, 'connect');
      },
    };

    try {
      a.dispatcher.dispatch({ origin: a.origin, path: a.path, method: 'POST', headers: a.headers, body: a.body, headersTimeout: 0, bodyTimeout: 0 }, handler as unknown as Dispatcher.DispatchHandler);
    } catch (err) {
      fail(err, 'connect');
    }
  });
}

function retryAfter(h: Headers): string {
  const v = h['retry-after'];
  return typeof v === 'string' ? ` (Retry-After: ${v})` : '';
}
