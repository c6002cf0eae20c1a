// Failovers and failbacks as events for the status page and notifications. A move of a route's
// traffic (board.ts) becomes one record, worded through src/i18n (English stored for the APIs, the key
// for every language). In-process (`vigie start` with a gateway: section) the record goes straight to
// Vigie; standalone (`vigie gateway --vigie URL`) it is POSTed to the server's admin API
// (reportGatewayEvent) with an API token, retried until the server takes it: the event's id makes a
// retried report land once. A failover's progress reports (progress.ts) follow the same path, in order
// after the event they belong to.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { type Dispatcher, request } from 'undici';
import { english, text } from '../i18n/text.js';
import type { GatewayEventRecord, GatewayProgressRecord } from '../store/gateway.js';
import type { TrafficMove } from './board.js';
import type { GatewayConfig } from './config.js';
import type { GatewayProgressSink } from './progress.js';

export type GatewayEventSink = (e: GatewayEventRecord) => void;

/** The record of one move: who, where to, when, and what the clients saw. */
export function eventOf(m: TrafficMove, c: GatewayConfig, source: string, createdAt: number): GatewayEventRecord {
  const name = (id: string) => c.upstreams[id]?.display_name ?? id;
  // The event belongs with the provider it is about: the one that failed (failover) or came back (failback).
  const about = m.kind === 'failover' ? m.from : m.to;
  const params = { from: name(m.from), to: name(m.to), time: { time: m.at }, route: m.route, failed: m.failedRequests, served: m.servedRequests };
  const t = text(m.kind === 'failover' ? 'gatewayFailover' : 'gatewayFailback', params);
  return {
    id: randomUUID(),
    source,
    route: m.route,
    kind: m.kind,
    fromUpstream: m.from,
    toUpstream: m.to,
    fromName: name(m.from),
    toName: name(m.to),
    component: c.upstreams[about]?.component ?? null,
    reason: m.reason,
    at: m.at,
    failedRequests: m.failedRequests,
    servedRequests: m.kind === 'failback' ? m.servedRequests : null,
    body: english(t),
    bodyText: JSON.stringify(t),
    createdAt,
  };
}

/** The wire form (snake_case, as the admin API takes it). */
export function eventJson(e: GatewayEventRecord) {
  return {
    id: e.id,
    source: e.source,
    route: e.route,
    kind: e.kind,
    from: e.fromUpstream,
    to: e.toUpstream,
    from_name: e.fromName,
    to_name: e.toName,
    component: e.component,
    reason: e.reason,
    at: e.at,
    failed_requests: e.failedRequests,
    served_requests: e.servedRequests,
  };
}

/** The wire form of a progress report (the body of POST /api/admin/gateway/events/{id}/progress). */
export function progressJson(p: GatewayProgressRecord) {
  return { to: p.to, to_name: p.toName, served_requests: p.served, failed_requests: p.failed, as_of: p.asOf, ended: p.ended };
}

type Report = { event: GatewayEventRecord } | { progress: GatewayProgressRecord };

const QUEUE_MAX = 500;
const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 60_000;

export interface EventReporterOptions {
  /** The Vigie server's base URL. */
  url: string;
  /** An admin API token (`vigie token create gateway`), never logged. */
  token: string;
  log: Logger;
  dispatcher: Dispatcher;
}

/**
 * Sends events to a Vigie server in order, one at a time; a failure keeps the event at the head and
 * retries with a growing delay (a gateway outlives a Vigie restart). Past QUEUE_MAX waiting events the
 * oldest are dropped, and said so.
 */
export class EventReporter {
  private queue: Report[] = [];
  private running: Promise<void> | undefined;
  private delay = RETRY_MIN_MS;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly endpoint: string;
  sent = 0;
  progressSent = 0;

  constructor(private readonly o: EventReporterOptions) {
    this.endpoint = `${o.url.replace(/\/+$/, '')}/api/admin/gateway/events`;
  }

  readonly sink: GatewayEventSink = (e) => this.push({ event: e });

  /**
   * A newer report of a failover replaces its older ones still waiting (not the one being sent): a Vigie
   * server away for hours would otherwise find hundreds of stale figures ahead of the next event.
   */
  readonly progressSink: GatewayProgressSink = (p) => {
    for (let i = this.queue.length - 1; i >= (this.running ? 1 : 0); i--) {
      const q = this.queue[i]!;
      if ('progress' in q && q.progress.eventId === p.eventId && !q.progress.ended) this.queue.splice(i, 1);
    }
    this.push({ progress: p });
  };

  private push(r: Report): void {
    this.queue.push(r);
    if (this.queue.length > QUEUE_MAX) {
      const dropped = this.queue.splice(0, this.queue.length - QUEUE_MAX);
      this.o.log.warn({ event: 'gateway.events_dropped', count: dropped.length }, 'too many gateway events waiting for the Vigie server: the oldest were dropped');
    }
    this.kick();
  }

  /** Events waiting to be sent. */
  get pending(): number {
    return this.queue.filter((q) => 'event' in q).length;
  }

  /** Progress reports waiting to be sent. */
  get progressPending(): number {
    return this.queue.length - this.pending;
  }

  private kick(): void {
    if (this.running || this.timer || this.stopped) return;
    this.running = this.drain().finally(() => (this.running = undefined));
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0 && !this.stopped) {
      const head = this.queue[0]!;
      const problem = await this.post(head);
      if (problem === undefined) {
        this.queue.shift();
        if ('event' in head) this.sent++;
        else this.progressSent++;
        this.delay = RETRY_MIN_MS;
        continue;
      }
      if (problem.permanent) {
        // The server refused this event as it is (a 4xx other than 401/403/408/429): sending it again changes nothing.
        // A progress report of an event the server does not have (it refused the event, or it was dropped here) is refused the same way.
        if ('event' in head) this.o.log.error({ event: 'gateway.event_refused', status: problem.status, detail: problem.detail }, 'the Vigie server refused a gateway event; it is dropped');
        else this.o.log.warn({ event: 'gateway.progress_refused', event_id: head.progress.eventId, status: problem.status, detail: problem.detail }, 'the Vigie server refused a failover’s progress report; it is dropped');
        this.queue.shift();
        continue;
      }
      this.o.log.warn({ event: 'gateway.event_report_failed', url: this.endpoint, detail: problem.detail, retry_in_ms: this.delay }, 'could not report a gateway event to the Vigie server; retrying');
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.kick();
      }, this.delay);
      this.timer.unref();
      this.delay = Math.min(RETRY_MAX_MS, this.delay * 2);
      return;
    }
  }

  private async post(r: Report): Promise<{ permanent: boolean; status?: number; detail: string } | undefined> {
    try {
      const [url, body] = 'event' in r ? [this.endpoint, eventJson(r.event)] : [`${this.endpoint}/${encodeURIComponent(r.progress.eventId)}/progress`, progressJson(r.progress)];
      const res = await request(url, {
        method: 'POST',
        dispatcher: this.o.dispatcher,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.o.token}` },
        body: JSON.stringify(body),
        headersTimeout: 10_000,
        bodyTimeout: 10_000,
      });
      const text = await res.body.text();
      if (res.statusCode >= 200 && res.statusCode < 300) return undefined;
      const permanent = res.statusCode >= 400 && res.statusCode < 500 && ![401, 403, 408, 425, 429].includes(res.statusCode);
      return { permanent, status: res.statusCode, detail: `HTTP ${res.statusCode}: ${text.slice(0, 200)}` };
    } catch (err) {
      return { permanent: false, detail: err instanceof Error ? ((err as { code?: string }).code ?? err.message) : String(err) };
    }
  }

  /** Tries to send what is waiting (bounded), then stops. */
  async stop(graceMs = 3000): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.kick();
    }
    await Promise.race([this.running ?? Promise.resolve(), new Promise((r) => setTimeout(r, graceMs).unref())]);
    this.stopped = true;
    if (this.queue.length > 0) this.o.log.warn({ event: 'gateway.events_unsent', count: this.pending, progress: this.progressPending }, 'gateway events not reported to the Vigie server before stopping');
  }
}
