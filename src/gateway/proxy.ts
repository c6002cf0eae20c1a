// One client request, end to end: admit the client, check the body, pick the route, try its
// upstreams in order until one starts answering, then relay that answer chunk by chunk.
// Nothing of a request or response body is kept beyond the request; only sizes, timings and outcome are logged.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import type { BoardView } from './cluster.js';
import type { Client, Clients } from './clients.js';
import type { GatewayConfig } from './config.js';
import { type ApiErrorBody, type FailureKind, apiError } from './errors.js';
import type { GatewayMetrics } from './metrics.js';
import { parseClientBody } from './requests.js';
import { type Route, attemptOrder, routeFor, upstreamModel } from './route.js';
import { type Answer, type ClientLink, type StartedCall, countDataLines, startAttempt } from './attempt.js';
import { type Endpoint, upstreamHeaders, upstreamTarget } from './upstream.js';
import { TailRing } from './tail.js';
import { estimateTokens, usageFromJson, usageFromSseBytes } from './usage.js';

export interface ProxyDeps {
  config: GatewayConfig;
  routes: readonly Route[];
  board: BoardView;
  clients: Clients;
  metrics: GatewayMetrics;
  log: Logger;
  dispatcher: Dispatcher;
  /** Per route: whether this request is one of the trickle sent to a recovering upstream. */
  trickle: (route: string) => boolean;
}

const TAIL = 8192;
const JSON_KEEP = 4 * 1024 * 1024;
const PASS_HEADERS = ['retry-after', 'x-request-id', 'openai-processing-ms'];

export async function proxyRequest(d: ProxyDeps, endpoint: Endpoint, req: IncomingMessage, res: ServerResponse, raw: Buffer): Promise<void> {
  const t0 = performance.now();
  const admission = await d.clients.admit(req.headers.authorization);
  if (!admission.ok) {
    d.metrics.clientResponses.inc({ route: '', client: '', code: String(admission.status) });
    return sendError(res, admission.status, apiError(admission.message, admission.type, admission.code), admission.retryAfterS);
  }
  const client = admission.client;
  const parsed = parseClientBody(endpoint, raw);
  if (!parsed.ok) return respondError(d, res, '', client, 400, parsed.error);
  const route = routeFor(d.routes, parsed.model);
  if (!route) return respondError(d, res, '', client, 404, apiError(`The model \`${parsed.model}\` does not exist or you do not have access to it.`, 'invalid_request_error', 'model_not_found', 'model'));

  const link: ClientLink = { gone: false, cancel: undefined };
  res.on('close', () => {
    if (res.writableFinished) return;
    link.gone = true;
    link.cancel?.();
  });
  const retry = d.config.retry;
  const deadline = t0 + retry.deadline;
  const order = attemptOrder(route.upstreams, (id) => d.board.state(id), d.trickle(route.name), retry.max_attempts);
  const tried: string[] = [];
  let lastRateLimit: Answer | undefined;

  for (const u of order) {
    const left = deadline - performance.now();
    if (left <= 0) break;
    const model = upstreamModel(u, parsed.model);
    // The client's bytes go as they came unless the model is renamed for this upstream.
    const body = model === parsed.model ? (nestedDeeperThan(raw, MAX_DEPTH) ? undefined : raw) : serialize(parsed.body, model);
    if (!body) return respondError(d, res, route.name, client, 400, apiError('The request body is nested too deeply.', 'invalid_request_error'));
    const up = d.config.upstreams[u.id]!;
    const target = upstreamTarget(up, endpoint, model);
    const start = await startAttempt({
      origin: target.origin,
      path: target.path,
      headers: upstreamHeaders(up, parsed.stream, body.length),
      body,
      stream: parsed.stream,
      dispatcher: d.dispatcher,
      firstDataMs: Math.min(left, parsed.stream ? retry.first_token_timeout : retry.response_timeout),
      onRateLimit: retry.on_429,
      client: link,
    });
    const labels = { route: route.name, upstream: u.id };
    switch (start.kind) {
      case 'client_gone':
        return;
      case 'failed':
        failedAttempt(d, labels, start.failure);
        tried.push(`${u.id}: ${start.failure} (${start.detail})`);
        if (start.answer) lastRateLimit = { ...start.answer, body: withoutKey(start.answer.body, up.api_key) };
        continue;
      case 'answer': {
        const outcome = start.status === 429 ? 'rate_limited' : 'caller_error';
        d.metrics.requests.inc({ ...labels, outcome });
        relayAnswer(res, u.id, model, start.status, start.headers, withoutKey(start.body, up.api_key));
        countResponse(d, route.name, client, start.status);
        logRequest(d, { route: route.name, client: client.name, upstream: u.id, status: start.status, outcome, t0, bytesIn: raw.length, bytesOut: start.body.length, tried });
        return;
      }
      case 'started':
        return relayStarted(d, { route, client, upstream: u.id, model, stream: parsed.stream, call: start.call, res, t0, bytesIn: raw.length, tried, link });
    }
  }

  // Nothing answered. A 429 returned by every upstream under on_429: failover is still the caller's answer.
  if (lastRateLimit) {
    countResponse(d, route.name, client, 429);
    return relayAnswer(res, '', parsed.model, 429, lastRateLimit.headers, lastRateLimit.body);
  }
  d.board.clientFailed(route.name);
  const why = tried.length > 0 ? tried.join('; ') : 'every upstream is avoided and the deadline passed';
  logRequest(d, { route: route.name, client: client.name, upstream: '', status: 503, outcome: 'no_upstream', t0, bytesIn: raw.length, bytesOut: 0, tried });
  respondError(d, res, route.name, client, 503, apiError(`No upstream could answer for route "${route.name}": ${why}.`, 'upstream_unavailable', 'no_healthy_upstream'));
}

function failedAttempt(d: ProxyDeps, labels: { route: string; upstream: string }, failure: FailureKind): void {
  d.metrics.requests.inc({ ...labels, outcome: failure === 'rate_limited' ? 'rate_limited' : 'failed' });
  d.metrics.errors.inc({ ...labels, kind: failure });
  // A 429 is about the account, not the provider's health.
  if (failure !== 'rate_limited') d.board.outcome(labels.upstream, { ok: false });
}

interface Relay {
  route: Route;
  client: Client;
  upstream: string;
  model: string;
  stream: boolean;
  call: StartedCall;
  res: ServerResponse;
  t0: number;
  bytesIn: number;
  tried: string[];
  link: ClientLink;
}

async function relayStarted(d: ProxyDeps, r: Relay): Promise<void> {
  const { call, res } = r;
  const labels = { route: r.route.name, upstream: r.upstream };
  d.metrics.ttft.observe(labels, call.firstDataMs / 1000);
  const headers: Record<string, string> = { 'content-type': headerText(call.headers['content-type']) ?? (r.stream ? 'text/event-stream' : 'application/json'), ...routingHeaders(r.upstream, r.model) };
  if (r.stream) Object.assign(headers, { 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
  copyHeaders(call.headers, headers);
  res.writeHead(call.status, headers);
  // Per chunk: its bytes are written as they came (no text), data events are counted in the Buffer,
  // and the last TAIL bytes are copied aside for the usage at the end (tail.ts says why a copy).
  let bytesOut = 0;
  let events = 0;
  let prev = 10;
  const tail = new TailRing(TAIL);
  let kept: Buffer[] | undefined = r.stream ? undefined : [];
  let waiting = false;
  const onDrain = () => {
    waiting = false;
    call.resume();
  };
  const take = (c: Buffer) => {
    bytesOut += c.length;
    if (r.stream) {
      events += countDataLines(c, prev);
      prev = c[c.length - 1] ?? prev;
      tail.push(c);
    } else if (kept) {
      if (bytesOut <= JSON_KEEP) kept.push(c);
      else kept = undefined;
    }
  };
  const sink = (c: Buffer): boolean => {
    if (res.destroyed) return true;
    take(c);
    const socket = direct ? res.socket : null;
    // Once the headers are out, a chunk is framed here and written to the socket in one call (one
    // write, no http bookkeeping per chunk); the end still goes through res.end().
    if (socket && chunkedIdle(res)) {
      if (socket.write(frameChunk(c))) return true;
      if (!waiting) {
        waiting = true;
        socket.once('drain', onDrain);
      }
      return false;
    }
    if (res.write(c)) return true;
    if (!waiting) {
      waiting = true;
      res.once('drain', onDrain);
    }
    return false;
  };
  let direct = false;
  try {
    for (const c of call.held) sink(c);
    direct = r.stream;
    await call.relay(sink, d.config.retry.idle_timeout);
  } catch (err) {
    res.off('drain', onDrain);
    res.socket?.off('drain', onDrain);
    if (r.link.gone) return;
    d.metrics.requests.inc({ ...labels, outcome: 'stream_broken' });
    d.metrics.errors.inc({ ...labels, kind: 'stream_broken' });
    d.board.outcome(r.upstream, { ok: false });
    d.board.clientFailed(r.route.name);
    const message = `The upstream "${r.upstream}" failed after the response had started (${err instanceof Error ? err.message : 'error'}); it was not retried, to avoid a duplicate answer.`;
    if (r.stream) {
      // Close the event the upstream may have left half-written, then a clean error event.
      const end = tail.last(2);
      const sep = bytesOut === 0 || end === '\n\n' ? '' : end.endsWith('\n') ? '\n' : '\n\n';
      res.end(`${sep}data: ${JSON.stringify(apiError(message, 'upstream_error', 'stream_interrupted'))}\n\n`);
    } else res.destroy();
    countResponse(d, r.route.name, r.client, call.status);
    logRequest(d, { route: r.route.name, client: r.client.name, upstream: r.upstream, status: call.status, outcome: 'stream_broken', t0: r.t0, bytesIn: r.bytesIn, bytesOut, tried: r.tried, ttftMs: call.firstDataMs });
    return;
  }
  res.off('drain', onDrain);
  res.socket?.off('drain', onDrain);
  if (r.link.gone) return;
  res.end();
  d.metrics.requests.inc({ ...labels, outcome: 'ok' });
  d.board.clientServed(r.route.name);
  d.board.outcome(r.upstream, { ok: true, ...(r.stream ? { firstTokenMs: call.firstDataMs } : {}) });
  const used = (r.stream ? usageFromSseBytes(tail.bytes()) : kept && kept.length > 0 ? usageFromJson(Buffer.concat(kept).toString('utf8')) : undefined) ?? estimateTokens(r.bytesIn, bytesOut, r.stream ? events : undefined);
  d.clients.charge(r.client, used);
  countResponse(d, r.route.name, r.client, call.status);
  logRequest(d, { route: r.route.name, client: r.client.name, upstream: r.upstream, status: call.status, outcome: 'ok', t0: r.t0, bytesIn: r.bytesIn, bytesOut, tried: r.tried, ttftMs: call.firstDataMs, tokens: used });
}

/** Whether `res` is a chunked response whose headers are sent and nothing of it waits in http's own buffer. */
function chunkedIdle(res: ServerResponse): boolean {
  const r = res as ServerResponse & { _headerSent?: boolean; chunkedEncoding?: boolean; outputData?: unknown[] };
  return r._headerSent === true && r.chunkedEncoding === true && (r.outputData?.length ?? 0) === 0 && !res.writableEnded;
}

/** One HTTP/1.1 chunk: size in hex, CRLF, the bytes, CRLF. */
function frameChunk(c: Buffer): Buffer {
  const size = c.length.toString(16);
  const out = Buffer.allocUnsafe(size.length + c.length + 4);
  out.write(size, 0, "latin1");
  let i = size.length;
  out[i++] = 13;
  out[i++] = 10;
  c.copy(out, i);
  i += c.length;
  out[i++] = 13;
  out[i] = 10;
  return out;
}

/** Deeper than any API needs; a body nested deeper is refused rather than passed to a provider. */
const MAX_DEPTH = 512;

/** Whether JSON text nests arrays/objects deeper than `max` (a scan of the bytes; strings skipped). */
export function nestedDeeperThan(raw: Buffer, max: number): boolean {
  if (raw.length <= 2 * max) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i]!;
    if (inString) {
      if (b === 0x5c) i++;
      else if (b === 0x22) inString = false;
    } else if (b === 0x22) inString = true;
    else if (b === 0x5b || b === 0x7b) {
      if (++depth > max) return true;
    } else if (b === 0x5d || b === 0x7d) depth--;
  }
  return false;
}

function serialize(body: Record<string, unknown>, model: string): Buffer | undefined {
  try {
    return Buffer.from(JSON.stringify({ ...body, model }));
  } catch {
    // JSON.stringify recurses: a body nested thousands deep overflows the stack.
    return undefined;
  }
}

/** Some providers echo the key they were sent in a 401's message: the gateway's callers must never see it. */
function withoutKey(body: Buffer, key: string | undefined): Buffer {
  if (!key || key.length < 4 || body.indexOf(key) === -1) return body;
  return Buffer.from(body.toString('utf8').split(key).join('[redacted]'));
}

function routingHeaders(upstream: string, model: string): Record<string, string> {
  return upstream ? { 'x-vigie-upstream': upstream, 'x-vigie-model': model } : {};
}

function headerText(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function copyHeaders(from: Record<string, string | string[] | undefined>, to: Record<string, string>): void {
  for (const h of PASS_HEADERS) {
    const v = headerText(from[h]);
    if (v !== undefined) to[h] = v;
  }
}

function relayAnswer(res: ServerResponse, upstream: string, model: string, status: number, from: Record<string, string | string[] | undefined>, body: Buffer): void {
  const headers: Record<string, string> = { 'content-type': headerText(from['content-type']) ?? 'application/json', ...routingHeaders(upstream, model) };
  copyHeaders(from, headers);
  headers['content-length'] = String(body.length);
  res.writeHead(status, headers);
  res.end(body);
}

function respondError(d: ProxyDeps, res: ServerResponse, route: string, client: Client, status: number, body: ApiErrorBody): void {
  d.metrics.clientResponses.inc({ route, client: client.name, code: String(status) });
  sendError(res, status, body);
}

export function sendError(res: ServerResponse, status: number, body: ApiErrorBody, retryAfterS?: number): void {
  if (res.headersSent) return void res.destroy();
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...(retryAfterS !== undefined ? { 'retry-after': String(retryAfterS) } : {}) });
  res.end(text);
}

function countResponse(d: ProxyDeps, route: string, client: Client, status: number): void {
  d.metrics.clientResponses.inc({ route, client: client.name, code: String(status) });
}

interface RequestLog {
  route: string;
  client: string;
  upstream: string;
  status: number;
  outcome: string;
  t0: number;
  bytesIn: number;
  bytesOut: number;
  tried: string[];
  ttftMs?: number;
  tokens?: number;
}

function logRequest(d: ProxyDeps, l: RequestLog): void {
  if (!d.log.isLevelEnabled('debug')) return;
  d.log.debug(
    {
      event: 'gateway.request',
      route: l.route,
      client: l.client,
      upstream: l.upstream,
      status: l.status,
      outcome: l.outcome,
      ms: Math.round(performance.now() - l.t0),
      ...(l.ttftMs !== undefined ? { ttft_ms: Math.round(l.ttftMs) } : {}),
      bytes_in: l.bytesIn,
      bytes_out: l.bytesOut,
      ...(l.tokens !== undefined ? { tokens: l.tokens } : {}),
      ...(l.tried.length > 0 ? { failed_attempts: l.tried } : {}),
    },
    'gateway request',
  );
}
