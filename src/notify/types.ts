// What every channel shares: the message it formats, what it is given to send it, what it answers.
import type { z } from 'zod';
import type { ComponentStatus } from '../core/status.js';
import type { NotifyEvent } from '../store/outbox.js';
import type { HttpClient } from './http.js';

export type Locale = 'en' | 'fr';
export const LOCALES: readonly Locale[] = ['en', 'fr'];

/** trigger: an alert opens; update: it changes; resolve: it ends; reminder: still open; notice: subscriber news. */
export type MessageAction = 'trigger' | 'update' | 'resolve' | 'reminder' | 'notice' | 'confirm' | 'test';
export type Severity = 'critical' | 'error' | 'warning' | 'info';

export interface PageInfo {
  id: string;
  title: string;
  /** Public address of the page, no trailing slash. */
  url: string;
  indicator: string;
  description: string;
  /** Display names by component id ("ChatGPT API"): reasons in messages name components by them. */
  componentNames?: ReadonlyMap<string, string>;
}

/** One message, already worded in its locale; channels only lay it out for their platform. */
export interface Message {
  kind: NotifyEvent['kind'] | 'confirm' | 'test';
  action: MessageAction;
  locale: Locale;
  /** One line. */
  title: string;
  /** Plain text, a few lines. */
  text: string;
  severity: Severity;
  /** Hex colour for platforms that show one (#rrggbb). */
  color: string;
  /** Short facts for cards: label → value. */
  facts: Array<[string, string]>;
  /** Where to read more. */
  url: string;
  /** Stable per alert (component or incident), for PagerDuty dedup_key and Opsgenie alias. */
  alertKey: string;
  at: number;
  componentIds: string[];
  status?: ComponentStatus;
  event: NotifyEvent | null;
  page: PageInfo;
  /** Subscriber mail only. */
  recipient?: string;
  unsubscribeUrl?: string;
  confirmUrl?: string;
  /** Link text for the "read more" link, localised. */
  linkLabel: string;
}

export interface SendContext {
  idempotencyKey: string;
  deliveryId: number;
  attempt: number;
  timeoutMs: number;
  /** The notify secret (signing); channels may have their own. */
  secret: string;
  http: HttpClient;
  now: number;
  signal?: AbortSignal;
}

export interface SendResult {
  ok: boolean;
  /** HTTP status, or SMTP reply code. */
  status?: number;
  /** Start of what the receiver answered. */
  response?: string;
  error?: string;
  /** The receiver asked us to wait (Retry-After). */
  retryAfterMs?: number;
  /**
   * The receiver refused this message in a way the same request will meet again (HTTP 4xx but
   * 408, 425 and 429; SMTP 5xx), as Alertmanager reads them: retrying only delays the dead letter.
   * The operator can still retry it from the admin API once the channel is fixed.
   */
  permanent?: boolean;
}

export interface ChannelDef<C = any> {
  type: string;
  /** Validates the channel's block of the config (type and rate_limit included). */
  schema: z.ZodType<C>;
  send(cfg: C, msg: Message, ctx: SendContext): Promise<SendResult>;
  /** Frees what the channel holds (SMTP pools). */
  close?(cfg: C): Promise<void> | void;
}
