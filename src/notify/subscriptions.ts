// Public subscriptions: asking (e-mail: double opt-in; webhook: active at once, with its own signing
// secret given back once), confirming and unsubscribing through signed links. The answers never say
// whether an address was already subscribed, and never show any address but the caller's own.
import type { NotifyConfig } from '../config/schema.js';
import { insertDeliveries } from '../store/outbox.js';
import type { Store } from '../store/store.js';
import { confirmSubscription, getSubscription, unsubscribe, upsertSubscription } from '../store/subscriptions.js';
import { isPrivateHost } from './addresses.js';
import { idempotencyKey } from './outbox.js';
import { randomSecret, verifyToken } from './signing.js';

/** At most one confirmation e-mail per address in this window, however often the form is sent. */
const CONFIRM_EVERY_MS = 10 * 60_000;

export class SubscriptionError extends Error {
  constructor(
    readonly field: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export interface SubscribeInput {
  email?: string | undefined;
  webhook?: string | undefined;
  /** Component ids ("service/component"); none = the whole page. */
  components?: string[] | undefined;
  locale?: string | undefined;
}

export type SubscribeResult =
  | { kind: 'email'; status: 'pending' | 'active' }
  | { kind: 'webhook'; status: 'active'; id: number; secret: string | null; created: boolean };

const EMAIL = /^[^\s@<>()",;:]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

export class Subscriptions {
  constructor(
    private opts: {
      store: Store;
      config: () => NotifyConfig;
      secret: () => string;
      now: () => number;
      componentIds: () => Set<string>;
      emailReady: () => boolean;
      /** Work is waiting for the worker. */
      kick?: () => void;
    },
  ) {}

  async subscribe(i: SubscribeInput): Promise<SubscribeResult> {
    const cfg = this.opts.config().subscriptions;
    if (!cfg.enabled) throw new SubscriptionError('', 'subscriptions are turned off on this page', 404);
    if ((i.email ? 1 : 0) + (i.webhook ? 1 : 0) !== 1) throw new SubscriptionError('email', 'give either an e-mail address (email) or a webhook URL (webhook)');
    const known = this.opts.componentIds();
    const components = [...new Set((i.components ?? []).filter((c) => c !== ''))];
    for (const c of components) if (!known.has(c)) throw new SubscriptionError('components', `unknown component "${c}"`);
    const locale = i.locale === 'fr' ? 'fr' : 'en';
    const now = Math.round(this.opts.now());
    const { store } = this.opts;
    if (i.email !== undefined) {
      const address = i.email.trim().toLowerCase();
      if (address.length > 254 || !EMAIL.test(address)) throw new SubscriptionError('email', 'is not an e-mail address');
      if (!this.opts.emailReady()) throw new SubscriptionError('email', 'e-mail subscriptions are not available on this page', 404);
      return store.db.transaction().execute(async (trx) => {
        const { subscription: s } = await upsertSubscription(trx, { kind: 'email', address, componentIds: components, locale, status: 'pending', secret: null }, now);
        // Double opt-in: the confirmation goes through the outbox like everything else.
        if (s.status === 'pending') {
          const target = `sub:${s.id}`;
          await insertDeliveries(trx, [{ eventId: null, target, action: 'confirm', orderKey: `${target}|confirm`, idempotencyKey: idempotencyKey('confirm', s.id, Math.floor(now / CONFIRM_EVERY_MS)) }], now);
        }
        this.opts.kick?.();
        return { kind: 'email' as const, status: s.status === 'active' ? ('active' as const) : ('pending' as const) };
      });
    }
    if (!cfg.webhooks) throw new SubscriptionError('webhook', 'webhook subscriptions are not available on this page', 404);
    let url: URL;
    try {
      url = new URL(i.webhook!.trim());
    } catch {
      throw new SubscriptionError('webhook', 'is not a URL');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new SubscriptionError('webhook', 'must be an http:// or https:// URL');
    if (url.username || url.password) throw new SubscriptionError('webhook', 'must not carry a user name or password');
    if (!cfg.allow_private_webhooks && isPrivateHost(url.hostname)) throw new SubscriptionError('webhook', 'must be a public address');
    const { subscription: s, created } = await upsertSubscription(store.db, { kind: 'webhook', address: url.toString(), componentIds: components, locale, status: 'active', secret: randomSecret() }, now);
    // The secret is shown to whoever creates the subscription, once; a second ask does not reveal it.
    return { kind: 'webhook', status: 'active', id: s.id, secret: created ? s.secret : null, created };
  }

  /** Confirms by the token from the e-mail; false when the token is not valid. */
  async confirm(token: string): Promise<boolean> {
    const id = verifyToken(this.opts.secret(), 'confirm', token);
    if (id === undefined) return false;
    return confirmSubscription(this.opts.store.db, id, Math.round(this.opts.now()));
  }

  /** Unsubscribes by the signed token; true when the token is valid (already unsubscribed counts). */
  async unsubscribe(token: string): Promise<boolean> {
    const id = verifyToken(this.opts.secret(), 'unsubscribe', token);
    if (id === undefined) return false;
    await unsubscribe(this.opts.store.db, id, Math.round(this.opts.now()));
    return true;
  }

  /** Whether a token is a valid unsubscribe token of an existing subscription. */
  async canUnsubscribe(token: string): Promise<boolean> {
    const id = verifyToken(this.opts.secret(), 'unsubscribe', token);
    return id !== undefined && (await getSubscription(this.opts.store.db, id)) !== undefined;
  }
}
