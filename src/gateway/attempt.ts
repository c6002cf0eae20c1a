// One attempt on one upstream, up to the moment the gateway commits to it: the response has started
// and its first data is in hand. Until then nothing has been sent to the client, so any failure here
// (refused, reset, 5xx, silence before the first token) leaves the request free to try the next upstream.
// After it, the caller pulls the rest chunk by chunk with `next()`, under an idle deadline.
import { performance } from 'node:perf_hooks';
import { type Dispatcher, request } from 'undici';
import { type FailureKind, describeError, statusAction } from './errors.js';

export interface AttemptInput {
  url: string;
  headers: Record<string, string>;
  body: Buffer;
  stream: boolean;
  dispatcher: Dispatcher;
  /** Until the first data event (streams) or the first body byte (the rest). */
  firstDataMs: number;
  onRateLimit: 'return' | 'failover';
  /** Aborted when the client goes away. */
  clientSignal: AbortSignal;
}

export type AttemptStart =
  /** `answer`: the 429 itself, when on_429 is failover (returned if no other upstream answers). */
  | { kind: 'failed'; failure: FailureKind; detail: string; answer?: Answer }
  | { kind: 'client_gone' }
  /** A 4xx (or a 429 returned by policy): the caller's to read, relayed as it is. */
  | ({ kind: 'answer' } & Answer)
  | { kind: 'started'; call: StartedCall };

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface StartedCall {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** What arrived up to and including the first data (streams), or the whole answer up to 8 MiB (the rest). */
  held: Buffer[];
  firstDataMs: number;
  /** The next chunk, or null at the end; rejects after idleMs of silence or when the connection drops. */
  next(idleMs: number): Promise<Buffer | null>;
  abort(): void;
}

const ERROR_BODY_MAX = 64 * 1024;
const DATA_LINE = /(^|\n)data:/;
const HOLD_MAX = 64 * 1024;
const BUFFER_MAX = 8 * 1024 * 1024;

class Timeout extends Error {}

export async function startAttempt(a: AttemptInput): Promise<AttemptStart> {
  const ac = new AbortController();
  const onClient = () => ac.abort(new Error('client gone'));
  if (a.clientSignal.aborted) return { kind: 'client_gone' };
  a.clientSignal.addEventListener('abort', onClient, { once: true });
  const t0 = performance.now();
  let timer: NodeJS.Timeout | undefined = setTimeout(() => ac.abort(new Timeout()), a.firstDataMs);
  const cleanup = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    a.clientSignal.removeEventListener('abort', onClient);
  };
  const failed = (err: unknown, before: FailureKind): AttemptStart => {
    cleanup();
    if (a.clientSignal.aborted) return { kind: 'client_gone' };
    if (ac.signal.reason instanceof Timeout) return { kind: 'failed', failure: 'timeout', detail: `no ${a.stream ? 'first token' : 'response'} within ${a.firstDataMs} ms` };
    return { kind: 'failed', failure: before, detail: describeError(err) };
  };

  let res: Dispatcher.ResponseData;
  try {
    res = await request(a.url, { method: 'POST', headers: a.headers, body: a.body, dispatcher: a.dispatcher, signal: ac.signal, headersTimeout: 0, bodyTimeout: 0 });
  } catch (err) {
    return failed(err, 'connect');
  }
  const action = statusAction(res.statusCode);
  if (action !== 'relay') {
    let body: Buffer;
    try {
      body = await readCapped(res.body, ERROR_BODY_MAX);
    } catch (err) {
      return failed(err, 'connect');
    }
    cleanup();
    if (action === 'retry') return { kind: 'failed', failure: 'http_5xx', detail: `HTTP ${res.statusCode}` };
    if (action === 'rate_limited' && a.onRateLimit === 'failover') return { kind: 'failed', failure: 'rate_limited', detail: `HTTP 429${retryAfter(res.headers)}`, answer: { status: 429, headers: res.headers, body } };
    return { kind: 'answer', status: res.statusCode, headers: res.headers, body };
  }

  // A provider that ignores `stream` and answers JSON is relayed as the JSON it is.
  const sse = a.stream && /event-stream/i.test(String(res.headers['content-type'] ?? ''));
  const it = res.body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const held: Buffer[] = [];
  let text = '';
  let heldBytes = 0;
  let firstDataMs: number | undefined;
  let ended = false;
  try {
    for (;;) {
      const r = await it.next();
      if (r.done) {
        cleanup();
        if (held.length === 0 || (sse && !DATA_LINE.test(text))) return { kind: 'failed', failure: 'empty', detail: 'the response ended before any data' };
        ended = true;
        break;
      }
      held.push(r.value);
      firstDataMs ??= performance.now() - t0;
      heldBytes += r.value.length;
      // A plain answer is read whole before anything goes to the client (up to BUFFER_MAX), so one cut
      // mid-body is retried like any early failure; only streams are committed at their first data.
      if (!sse) {
        if (heldBytes > BUFFER_MAX) break;
        continue;
      }
      // SSE comments (": keep-alive") before the first event are not a first token: keep waiting (within reason).
      text += r.value.toString('latin1');
      if (DATA_LINE.test(text) || text.length > HOLD_MAX) break;
    }
  } catch (err) {
    return failed(err, 'connect');
  }
  cleanup();
  a.clientSignal.addEventListener('abort', onClient, { once: true });
  return {
    kind: 'started',
    call: {
      status: res.statusCode,
      headers: res.headers,
      held,
      firstDataMs: sse ? performance.now() - t0 : (firstDataMs ?? 0),
      async next(idleMs) {
        if (ended) return null;
        const idle = setTimeout(() => ac.abort(new Timeout()), idleMs);
        try {
          const r = await it.next();
          if (r.done) {
            ended = true;
            a.clientSignal.removeEventListener('abort', onClient);
            return null;
          }
          return r.value;
        } catch (err) {
          a.clientSignal.removeEventListener('abort', onClient);
          throw ac.signal.reason instanceof Timeout ? new Error(`the stream stalled for ${idleMs} ms`) : err;
        } finally {
          clearTimeout(idle);
        }
      },
      abort() {
        a.clientSignal.removeEventListener('abort', onClient);
        ac.abort(new Error('aborted by the gateway'));
      },
    },
  };
}

async function readCapped(body: AsyncIterable<Buffer>, max: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of body) {
    if (n < max) parts.push(c.subarray(0, max - n));
    n += c.length;
  }
  return Buffer.concat(parts);
}

function retryAfter(h: Record<string, string | string[] | undefined>): string {
  const v = h['retry-after'];
  return typeof v === 'string' ? ` (Retry-After: ${v})` : '';
}
