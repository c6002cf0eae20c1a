// The outbox worker: expands events into deliveries, claims due deliveries (the oldest unfinished
// one per order key, leased), sends them through their channel, and records the outcome. Failures
// are retried with exponential backoff and jitter (Retry-After honoured) until dead_after, then
// dead-lettered; each channel has its own token-bucket rate limit. A crash between send and record
// leaves the delivery leased; when the lease runs out it is sent again with the same idempotency
// key, so the receiver can drop the duplicate: at least once, never lost.
import { setMaxListeners } from 'node:events';
import type { Logger } from 'pino';
import type { NotifyConfig } from '../config/schema.js';
import { publicId } from '../core/ids.js';
import { openDeclarations } from '../store/incidents.js';
import { notifyPageStatus } from './page-status.js';
import { type Clock, type TimerHandle, safeTimeout } from '../core/time.js';
import {
  claimDueDeliveries,
  deferDelivery,
  deliveryCounts,
  markDelivered,
  markFailed,
  markSkipped,
  pruneOutbox,
  reclaimExpiredLeases,
  unexpandedEventCount,
  type ClaimedDelivery,
} from '../store/outbox.js';
import type { Store } from '../store/store.js';
import { getSubscriptions, type Subscription } from '../store/subscriptions.js';
import type { WebhookConfig } from './channels/webhook.js';
import { webhook } from './channels/webhook.js';
import { createHttpClient, type HttpClient } from './http.js';
import { buildMessage } from './messages.js';
import { enqueueReminders, expandEvents } from './outbox.js';
import { formatProblem, prepareChannels, type ChannelProblem, type RateLimit, type ReadyChannel } from './registry.js';
import { randomSecret, signToken } from './signing.js';
import type { Locale, Message, PageInfo, SendResult } from './types.js';

export interface SiteInfo {
  title: string;
  /** Public base URL, no trailing slash. */
  baseUrl: string;
}

export interface NotifyWorkerOptions {
  store: Store;
  config: NotifyConfig;
  clock: Clock;
  log: Logger;
  site: () => SiteInfo;
  http?: HttpClient;
  /** Where a failing round is counted and logged once per cause (src/store/health.ts); else every round logs. */
  faults?: { report(where: string, err: unknown): void };
}

/** Token bucket: `count` sends per `perMs`, bursts up to `count`. */
export class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(private rate: RateLimit, now: number) {
    this.tokens = Math.max(1, rate.count);
    this.last = now;
  }
  private refill(now: number) {
    const cap = Math.max(1, this.rate.count);
    this.tokens = Math.min(cap, this.tokens + ((now - this.last) * this.rate.count) / this.rate.perMs);
    this.last = now;
  }
  take(now: number): boolean {
    this.refill(now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
  /** When the next token will be there. */
  nextAt(now: number): number {
    this.refill(now);
    return now + Math.ceil(((1 - this.tokens) * this.rate.perMs) / this.rate.count);
  }
}

/** Exponential backoff with jitter: between half and all of min·2^(attempt-1), capped at max. */
export function backoff(attempt: number, minMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, minMs * 2 ** Math.max(0, attempt - 1));
  return ceiling / 2 + random() * (ceiling / 2);
}

export interface WorkerRound {
  expanded: number;
  claimed: number;
  delivered: number;
  failed: number;
}

export class NotifyWorker {
  channels = new Map<string, ReadyChannel>();
  problems: ChannelProblem[] = [];
  readonly secret: string;
  private config: NotifyConfig;
  private http: HttpClient;
  /** For subscribers' webhooks: refuses private addresses unless allow_private_webhooks. */
  private publicHttp: HttpClient;
  private ownsHttp: boolean;
  private buckets = new Map<string, TokenBucket>();
  private running = false;
  private loopDone: Promise<void> = Promise.resolve();
  private wake: (() => void) | undefined;
  private timer: TimerHandle | undefined;
  private kicked = false;
  private inflight = new AbortController();
  private lastPrune = 0;

  constructor(private opts: NotifyWorkerOptions) {
    this.config = opts.config;
    this.http = opts.http ?? createHttpClient({ connections: Math.max(8, opts.config.delivery.concurrency) });
    this.publicHttp = createHttpClient({ connections: Math.max(8, opts.config.delivery.concurrency), publicOnly: true });
    this.ownsHttp = !opts.http;
    this.secret = opts.config.secret ?? randomSecret();
    if (!opts.config.secret)
      opts.log.warn('notify.secret is not set: webhook signatures and subscription links use a random secret that changes at each start; set notify.secret: ${VIGIE_NOTIFY_SECRET}');
    this.applyChannels();
  }

  /** Applies a reloaded config: channels re-checked, rules and delivery settings from now on. */
  setConfig(config: NotifyConfig): void {
    for (const ch of this.channels.values()) void ch.def.close?.(ch.cfg);
    this.config = config;
    this.buckets.clear();
    this.applyChannels();
  }

  private applyChannels(): void {
    const { channels, problems } = prepareChannels(this.config.channels);
    this.channels = channels;
    this.problems = problems;
    for (const p of problems) this.opts.log.error({ channel: p.channel, field: p.field }, formatProblem(p) + ' (this channel is disabled; the others work)');
  }

  get emailChannel(): ReadyChannel | undefined {
    const name = this.config.subscriptions.email_channel;
    return name ? this.channels.get(name) : undefined;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.inflight = new AbortController();
    setMaxListeners(0, this.inflight.signal); // one listener per send in flight
    this.loopDone = this.loop();
  }

  /** Work is waiting (a change was just recorded): skip the rest of the poll wait. */
  kick(): void {
    this.kicked = true;
    this.wake?.();
  }

  /** Stops after the current round; sends still in flight are aborted and retried later. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.inflight.abort(new Error('vigie is stopping'));
    this.wake?.();
    await this.loopDone;
    for (const ch of this.channels.values()) await ch.def.close?.(ch.cfg);
    if (this.ownsHttp) await this.http.close().catch(() => {});
    await this.publicHttp.close().catch(() => {});
  }

  private async loop(): Promise<void> {
    while (this.running) {
      let busy = false;
      try {
        const r = await this.runOnce();
        busy = r.expanded > 0 || r.claimed > 0;
      } catch (err) {
        if (this.opts.store.closed) return;
        if (this.opts.faults) this.opts.faults.report('notify worker round', err);
        else this.opts.log.error({ err }, 'notify worker round failed');
      }
      if (!busy && this.running) await this.sleep(this.config.delivery.poll);
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.kicked) {
      this.kicked = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        this.timer?.cancel();
        this.wake = undefined;
        this.kicked = false;
        resolve();
      };
      this.wake = done;
      // Real time: polling is about load on the store, not about the (possibly accelerated) clock.
      this.timer = safeTimeout(done, ms);
    });
  }

  /** One round: expand events, enqueue due reminders, send one batch. */
  async runOnce(): Promise<WorkerRound> {
    const { store, clock } = this.opts;
    const d = this.config.delivery;
    const now = Math.round(clock.now());
    await reclaimExpiredLeases(store.db, now);
    const expanded = await expandEvents(store, { notify: this.config, emailReady: this.emailChannel !== undefined }, now);
    await enqueueReminders(store, this.config, now);
    const claimed = await claimDueDeliveries(store.db, store.engine, now, d.batch, d.lease);
    let delivered = 0;
    let failed = 0;
    if (claimed.length > 0) {
      const page = await this.pageInfo();
      const subIds = [...new Set(claimed.filter((c) => c.target.startsWith('sub:')).map((c) => Number(c.target.slice(4))))];
      const subs = subIds.length ? await getSubscriptions(store.db, subIds) : new Map<number, Subscription>();
      let next = 0;
      const lanes = Array.from({ length: Math.min(d.concurrency, claimed.length) }, async () => {
        while (next < claimed.length) {
          const c = claimed[next++]!;
          const ok = await this.deliver(c, page, subs).catch((err) => {
            this.opts.log.error({ err, delivery: c.id }, 'delivery failed to record');
            return false;
          });
          if (ok) delivered++;
          else failed++;
        }
      });
      await Promise.all(lanes);
    }
    if (now - this.lastPrune > 3_600_000) {
      this.lastPrune = now;
      await pruneOutbox(store.db, now - d.retention);
    }
    return { expanded, claimed: claimed.length, delivered, failed };
  }

  private async pageInfo(): Promise<PageInfo> {
    const site = this.opts.site();
    const statuses = await this.opts.store.componentStatuses();
    const open = await openDeclarations(this.opts.store.db);
    const ps = notifyPageStatus(new Map([...statuses].map(([id, st]) => [id, st.status])), open.declared, open.impacts);
    // Display names for the reasons messages give (a dependency is named, never its id).
    const model = await this.opts.store.pageModel();
    const componentNames = new Map(model.services.flatMap((s) => s.components.map((c) => [c.id, `${s.name} ${c.name}`] as const)));
    return { id: publicId('page', site.title), title: site.title, url: site.baseUrl.replace(/\/+$/, ''), indicator: ps.indicator, description: ps.description, componentNames };
  }

  private rateOk(key: string, rate: RateLimit | undefined, now: number): number | true {
    if (!rate) return true;
    let b = this.buckets.get(key);
    if (!b) this.buckets.set(key, (b = new TokenBucket(rate, now)));
    return b.take(now) ? true : b.nextAt(now);
  }

  /** Sends one claimed delivery and records the outcome; true when delivered (or nothing to do). */
  private async deliver(c: ClaimedDelivery, page: PageInfo, subs: Map<number, Subscription>): Promise<boolean> {
    const { store, clock } = this.opts;
    const d = this.config.delivery;
    const now = Math.round(clock.now());
    let send: (m: Message) => Promise<SendResult>;
    let locale: Locale = this.config.locale;
    let rateKey: string;
    let rate: RateLimit | undefined;
    const extra: Partial<Message> = {};
    const ctx = { idempotencyKey: c.idempotencyKey, deliveryId: c.id, attempt: c.attempts, timeoutMs: d.timeout, secret: this.secret, http: this.http, now, signal: this.inflight.signal };

    if (c.target.startsWith('channel:')) {
      const name = c.target.slice('channel:'.length);
      const ch = this.channels.get(name);
      if (!ch) {
        const why = this.problems.filter((p) => p.channel === name).map(formatProblem).join('; ') || `notify channel "${name}" is not configured`;
        await this.recordFailure(c, now, { ok: false, error: `${why}; will retry` });
        return false;
      }
      locale = (ch.cfg.locale as Locale | undefined) ?? locale;
      rateKey = c.target;
      rate = ch.rate;
      send = (m) => ch.def.send(ch.cfg, m, ctx);
    } else if (c.target.startsWith('sub:')) {
      const sub = subs.get(Number(c.target.slice(4)));
      const wanted = c.action === 'confirm' ? 'pending' : 'active';
      if (!sub || sub.status !== wanted) {
        await markSkipped(store.db, c.id, now, !sub ? 'subscription removed' : `subscription is ${sub.status}`);
        return true;
      }
      locale = sub.locale === 'fr' ? 'fr' : 'en';
      const base = page.url;
      // The pages these links open speak the subscriber's language.
      extra.unsubscribeUrl = `${base}/subscriptions/unsubscribe?token=${signToken(this.secret, 'unsubscribe', sub.id)}&lang=${locale}`;
      if (sub.kind === 'email') {
        const ch = this.emailChannel;
        if (!ch) {
          await this.recordFailure(c, now, { ok: false, error: 'no usable e-mail channel for subscribers (notify.subscriptions.email_channel); will retry' });
          return false;
        }
        extra.recipient = sub.address;
        if (c.action === 'confirm') extra.confirmUrl = `${base}/subscriptions/confirm?token=${signToken(this.secret, 'confirm', sub.id)}&lang=${locale}`;
        rateKey = 'subscribers:email';
        rate = this.config.subscriptions.email_rate_limit ?? ch.rate;
        send = (m) => ch.def.send(ch.cfg, m, ctx);
      } else {
        const cfg: WebhookConfig = { type: 'webhook', url: sub.address, secret: sub.secret ?? this.secret, format: 'statuspage', headers: {} };
        rateKey = 'subscribers:webhook';
        rate = this.config.subscriptions.webhook_rate_limit;
        const http = this.config.subscriptions.allow_private_webhooks ? this.http : this.publicHttp;
        send = (m) => webhook.send(cfg, m, { ...ctx, http });
      }
    } else {
      await markSkipped(store.db, c.id, now, `unknown target "${c.target}"`);
      return true;
    }

    const allowed = this.rateOk(rateKey, rate, now);
    if (allowed !== true) {
      await deferDelivery(store.db, c.id, now, allowed);
      return false;
    }
    const msg: Message = {
      ...buildMessage({ event: c.event, action: c.action as Message['action'], locale, page, context: { ...c.context, ...(extra.confirmUrl ? { confirmUrl: extra.confirmUrl } : {}) }, now }),
      ...extra,
    };
    if (c.action === 'confirm') msg.kind = 'confirm';
    const r = await send(msg);
    const done = Math.round(clock.now());
    if (r.ok) {
      await markDelivered(store.db, c.id, done, { ...(r.status !== undefined ? { status: r.status } : {}), ...(r.response !== undefined ? { response: r.response } : {}) });
      return true;
    }
    await this.recordFailure(c, done, r);
    return false;
  }

  private async recordFailure(c: ClaimedDelivery, now: number, r: SendResult): Promise<void> {
    const d = this.config.delivery;
    let wait = backoff(c.attempts, d.backoff_min, d.backoff_max);
    if (r.retryAfterMs !== undefined) wait = Math.max(wait, Math.min(r.retryAfterMs, 3_600_000));
    const retryAt = Math.ceil(now + wait);
    const dead = r.permanent === true || retryAt - c.createdAt > d.dead_after;
    await markFailed(this.opts.store.db, c.id, now, {
      error: r.error ?? 'failed',
      ...(r.status !== undefined ? { status: r.status } : {}),
      ...(r.response !== undefined ? { response: r.response } : {}),
      retryAt,
      dead,
    });
    this.opts.log[dead ? 'error' : 'warn'](
      { delivery: c.id, target: c.target, attempt: c.attempts, status: r.status, error: r.error, retryInMs: dead ? undefined : Math.round(wait) },
      dead ? (r.permanent ? 'notification refused by the receiver; dead-lettered without retrying' : 'notification dead-lettered') : 'notification failed; will retry',
    );
  }

  /** Counts per delivery status, events not yet expanded, and channel problems: the admin view. */
  async status() {
    const db = this.opts.store.db;
    return {
      deliveries: await deliveryCounts(db),
      events_waiting: await unexpandedEventCount(db),
      channels: [...this.channels.values()].map((c) => ({ name: c.name, type: c.def.type })),
      problems: this.problems.map((p) => ({ ...p, text: formatProblem(p) })),
    };
  }
}

/**
 * Sends a test message through one configured channel, now, outside the outbox (the CLI's
 * `vigie notify test`). Returns what the receiver answered, or the problem with the channel.
 */
export async function sendTestMessage(
  notify: NotifyConfig,
  name: string,
  site: SiteInfo,
  opts: { http?: HttpClient; now?: number; to?: string } = {},
): Promise<{ channel: string; type?: string; result?: SendResult; problems: ChannelProblem[] }> {
  const { channels, problems } = prepareChannels(notify.channels);
  const mine = problems.filter((p) => p.channel === name);
  const ch = channels.get(name);
  if (!ch) return { channel: name, ...(notify.channels[name] ? { type: notify.channels[name]!.type } : {}), problems: mine.length ? mine : [{ channel: name, type: '', field: '', message: `no such channel (configured: ${Object.keys(notify.channels).join(', ') || 'none'})` }] };
  const http = opts.http ?? createHttpClient();
  const now = opts.now ?? Date.now();
  try {
    const page: PageInfo = { id: publicId('page', site.title), title: site.title, url: site.baseUrl.replace(/\/+$/, ''), indicator: 'none', description: 'All Systems Operational' };
    const msg = buildMessage({ event: null, action: 'test', locale: (ch.cfg.locale as Locale | undefined) ?? notify.locale, page, now });
    if (opts.to) msg.recipient = opts.to;
    const result = await ch.def.send(ch.cfg, msg, {
      idempotencyKey: `vigie-test-${now.toString(36)}`,
      deliveryId: 0,
      attempt: 1,
      timeoutMs: notify.delivery.timeout,
      secret: notify.secret ?? randomSecret(),
      http,
      now,
    });
    return { channel: name, type: ch.def.type, result, problems: [] };
  } finally {
    await ch.def.close?.(ch.cfg);
    if (!opts.http) await http.close().catch(() => {});
  }
}
