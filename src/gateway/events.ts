// Failovers and failbacks as events for the status page and notifications. A move of a route's
// traffic (board.ts) becomes one record, worded through src/i18n (English stored for the APIs, the key
// for every language). In-process (`vigie start` with a gateway: section) the record goes straight to
// Vigie; standalone (`vigie gateway --vigie URL`) it is POSTed to the server's admin API
// (reportGatewayEvent) with an API token, retried until the server takes it: the event's id makes a
// retried report land once.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { type Dispatcher, request } from 'undici';
import { english, text } from '../i18n/text.js';
import type { GatewayEventRecord } from '../store/gateway.js';
import type { TrafficMove } from './board.js';
import type { GatewayConfig } from './config.js';

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
  private queue: GatewayEventRecord[] = [];
  private running: Promise<void> | undefined;
  private delay = RETRY_MIN_MS;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly endpoint: string;
  sent = 0;

  constructor(private readonly o: EventReporterOptions) {
    this.endpoint = `${o.url.replace(/\/+$/, '')}/api/admin/gateway/events`;
  }

  readonly sink: GatewayEventSink = (e) => {
    this.queue.push(e);
    if (this.queue.length > QUEUE_MAX) {
      const dropped = this.queue.splice(0, this.queue.length - QUEUE_MAX);
      this.o.log.warn({ event: 'gateway.events_dropped', count: dropped.length }, 'too many gateway events waiting for the Vigie server: the oldest were dropped');
    }
    this.kick();
  };

  get pending(): number {
    return this.queue.length;
  }

  private kick(): void {
    if (this.running || this.timer || this.stopped) return;
    this.running = this.drain().finally(() => (this.running = undefined));
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0 && !this.stopped) {
      const problem = await this.post(this.queue[0]!);
      if (problem === undefined) {
        this.queue.shift();
        this.sent++;
        this.delay = RETRY_MIN_MS;
        continue;
      }
      if (problem.permanent) {
        // The server refused this event as it is (a 4xx other than 401/403/408/429): sending it again changes nothing.
        this.o.log.error({ event: 'gateway.event_refused', status: problem.status, detail: problem.detail }, 'the Vigie server refused a gateway event; it is dropped');
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

  private async post(e: GatewayEventRecord): Promise<{ permanent: boolean; status?: number; detail: string } | undefined> {
    try {
      const res = await request(this.endpoint, {
        method: 'POST',
        dispatcher: this.o.dispatcher,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.o.token}` },
        body: JSON.stringify(eventJson(e)),
        headersTimeout: 10_000,
        bodyTimeout: 10_000,
      });
      const body = await res.body.text();
      if (res.statusCode >= 200 && res.statusCode < 300) return undefined;
      const permanent = res.statusCode >= 400 && res.statusCode < 500 && ![401, 403, 408, 425, 429].includes(res.statusCode);
      return { permanent, status: res.statusCode, detail: `HTTP ${res.statusCode}: ${body.slice(0, 200)}` };
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
    if (this.queue.length > 0) this.o.log.warn({ event: 'gateway.events_unsent', count: this.queue.length }, 'gateway events not reported to the Vigie server before stopping');
  }
}
