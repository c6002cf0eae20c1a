// Browser sessions: a random 32-byte cookie (the store keeps its sha256), an idle timeout and an
// absolute lifetime, a CSRF token per session, and a new id at every sign-in (a cookie that existed
// before sign-in is dropped, never promoted).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { SessionStore, type SessionRow } from '../store/sessions.js';
import type { Store } from '../store/store.js';
import { parseCookies, serializeCookie } from './cookies.js';

export const SESSION_COOKIE = 'vigie_session';
export const IDLE_MS = 12 * 3_600_000;
export const LIFETIME_MS = 7 * 86_400_000;
/** seen_at is written at most this often per session (every request would be a write). */
const TOUCH_EVERY_MS = 60_000;

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

export interface Session extends SessionRow {}

export class Sessions {
  readonly store: SessionStore;
  constructor(
    store: Store,
    private readonly now: () => number,
    readonly idleMs = IDLE_MS,
    readonly lifetimeMs = LIFETIME_MS,
  ) {
    this.store = new SessionStore(store.db);
  }

  /** The session cookie's value in a Cookie header, if it has the shape of one. */
  static cookieValue(header: string | string[] | undefined): string | undefined {
    const v = parseCookies(header).get(SESSION_COOKIE);
    return v !== undefined && /^[A-Za-z0-9_-]{43}$/.test(v) ? v : undefined;
  }

  /** Starts a session; returns the cookie value (never stored) and the row. */
  async start(userId: string, address: string): Promise<{ cookie: string; session: Session }> {
    const at = Math.round(this.now());
    const cookie = randomBytes(32).toString('base64url');
    const session: Session = { idHash: sha256(cookie), userId, csrf: randomBytes(32).toString('base64url'), createdAt: at, seenAt: at, expiresAt: at + this.lifetimeMs, address: address.slice(0, 100) };
    await this.store.create(session);
    return { cookie, session };
  }

  /** The live session for this cookie value; an expired or idle one is deleted. */
  async resolve(cookie: string): Promise<Session | undefined> {
    const at = Math.round(this.now());
    const s = await this.store.get(sha256(cookie));
    if (!s) return undefined;
    if (at >= s.expiresAt || at - s.seenAt >= this.idleMs) {
      await this.store.remove(s.idHash);
      return undefined;
    }
    if (at - s.seenAt >= TOUCH_EVERY_MS) {
      await this.store.touch(s.idHash, at);
      s.seenAt = at;
    }
    return s;
  }

  async end(cookie: string): Promise<void> {
    await this.store.remove(sha256(cookie));
  }

  /** Ends every session of a user but `keep` (an idHash). */
  revokeUser(userId: string, keep?: string): Promise<number> {
    return this.store.removeUser(userId, keep);
  }

  prune(): Promise<number> {
    const at = Math.round(this.now());
    return this.store.prune(at, at - this.idleMs);
  }

  setCookie(cookie: string, secure: boolean): string {
    return serializeCookie(SESSION_COOKIE, cookie, { secure, maxAgeSeconds: this.lifetimeMs / 1000 });
  }

  clearCookie(secure: boolean): string {
    return serializeCookie(SESSION_COOKIE, '', { secure, maxAgeSeconds: 0 });
  }
}
