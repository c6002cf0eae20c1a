// Signatures: webhook bodies (HMAC-SHA256 over "timestamp.body", as Stripe does, so a receiver can
// refuse replays older than a few minutes) and the tokens in subscription links.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-vigie-signature';
export const TIMESTAMP_HEADER = 'x-vigie-timestamp';

/** "t=<unix seconds>,v1=<hex hmac-sha256(secret, `${t}.${body}`)>" */
export function signBody(secret: string, body: string, nowMs: number): { timestamp: string; signature: string } {
  const t = String(Math.floor(nowMs / 1000));
  const v1 = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  return { timestamp: t, signature: `t=${t},v1=${v1}` };
}

/** What a receiver does: recompute, compare in constant time, refuse old timestamps. */
export function verifyBody(secret: string, body: string, header: string, nowMs: number, toleranceSec = 300): boolean {
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=', 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isFinite(t) || Math.abs(nowMs / 1000 - t) > toleranceSec || !parts.v1) return false;
  const want = Buffer.from(createHmac('sha256', secret).update(`${parts.t}.${body}`).digest('hex'));
  const got = Buffer.from(parts.v1);
  return want.length === got.length && timingSafeEqual(want, got);
}

const b64url = (b: Buffer) => b.toString('base64url');

/** A link token: "<id>.<hmac(purpose:id)>", so links need no table and cannot be forged. */
export function signToken(secret: string, purpose: string, id: number): string {
  return `${id}.${b64url(createHmac('sha256', secret).update(`${purpose}:${id}`).digest()).slice(0, 32)}`;
}

export function verifyToken(secret: string, purpose: string, token: string): number | undefined {
  const m = /^(\d{1,15})\.([A-Za-z0-9_-]{32})$/.exec(token);
  if (!m) return undefined;
  const id = Number(m[1]);
  const want = Buffer.from(signToken(secret, purpose, id));
  const got = Buffer.from(token);
  return want.length === got.length && timingSafeEqual(want, got) ? id : undefined;
}

export function randomSecret(): string {
  return b64url(randomBytes(24));
}
