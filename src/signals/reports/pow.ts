// Making scripted floods cost something.
//
// API clients solve a hashcash: GET /api/reports/challenge gives a signed challenge (valid for two
// 5-minute epochs) and a difficulty d; a report carries a nonce such that
//   sha256(challenge + ":" + service_id + ":" + nonce)
// starts with d zero bits. Expected cost: 2^d hashes (d = 16: ~65,000 SHA-256, about 40-80 ms of one
// core in Node, somewhat more in a browser); checking it costs us one HMAC and one SHA-256. Each
// solution is spent once (kept until its challenge expires), so one solved nonce cannot be replayed.
//
// The HTML form (which must work without JavaScript) carries a signed token instead, bound to the
// reporter's hash and valid 30 minutes: a script must fetch the page from each address it reports
// from, and the per-reporter and per-prefix limits apply to it as to everyone.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export type PowVerdict = 'ok' | 'pow_missing' | 'pow_invalid' | 'pow_expired' | 'pow_reused';
export type TokenVerdict = 'ok' | 'token_invalid' | 'token_expired';

export const POW_EPOCH_MS = 5 * 60_000;
const FORM_EPOCH_MS = 10 * 60_000;

export function leadingZeroBits(d: Buffer): number {
  let n = 0;
  for (let i = 0; i < d.length; i++) {
    const b = d[i]!;
    if (b === 0) {
      n += 8;
      continue;
    }
    return n + Math.clz32(b) - 24;
  }
  return n;
}

export function powDigest(challenge: string, serviceId: string, nonce: string): Buffer {
  return createHash('sha256').update(`${challenge}:${serviceId}:${nonce}`).digest();
}

/** Finds a nonce for the challenge (what a client does); `start` varies the search between callers. */
export function solvePow(challenge: string, serviceId: string, difficulty: number, start = 0): string {
  for (let i = start; ; i++) {
    const nonce = i.toString(36);
    if (leadingZeroBits(powDigest(challenge, serviceId, nonce)) >= difficulty) return nonce;
  }
}

function sign(key: Buffer, text: string): string {
  return createHmac('sha256', key).update(text).digest('base64url').slice(0, 22);
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export class ProofOfWork {
  private readonly key: Buffer;
  /** Spent solutions by challenge epoch. */
  private spent = new Map<number, Set<number>>();
  private checked = new Map<string, number>();

  constructor(
    secret: Buffer,
    readonly difficulty: number,
  ) {
    this.key = createHmac('sha256', secret).update('vigie-pow').digest();
  }

  challenge(now: number): { challenge: string; difficulty: number; expires_at: string; algorithm: string } {
    const epoch = Math.floor(now / POW_EPOCH_MS);
    return {
      challenge: `c1.${epoch}.${sign(this.key, `pow:${epoch}`)}`,
      difficulty: this.difficulty,
      expires_at: new Date((epoch + 2) * POW_EPOCH_MS).toISOString(),
      algorithm: 'sha256(challenge + ":" + service_id + ":" + nonce) must start with `difficulty` zero bits',
    };
  }

  verify(challenge: unknown, serviceId: string, nonce: unknown, now: number): PowVerdict {
    if (typeof challenge !== 'string' || typeof nonce !== 'string' || challenge === '' || nonce === '') return 'pow_missing';
    if (nonce.length > 64 || challenge.length > 64) return 'pow_invalid';
    // Challenges are few (one per epoch) and reused by every client: check each signature once.
    let epoch = this.checked.get(challenge);
    if (epoch === undefined) {
      const parts = challenge.split('.');
      if (parts.length !== 3 || parts[0] !== 'c1') return 'pow_invalid';
      epoch = Number(parts[1]);
      if (!Number.isInteger(epoch) || !sameText(parts[2]!, sign(this.key, `pow:${epoch}`))) return 'pow_invalid';
      if (this.checked.size > 16) this.checked.clear();
      this.checked.set(challenge, epoch);
    }
    const cur = Math.floor(now / POW_EPOCH_MS);
    if (epoch < cur - 1 || epoch > cur) return 'pow_expired';
    const d = powDigest(challenge, serviceId, nonce);
    if (leadingZeroBits(d) < this.difficulty) return 'pow_invalid';
    for (const e of this.spent.keys()) if (e < cur - 1) this.spent.delete(e);
    let set = this.spent.get(epoch);
    if (!set) this.spent.set(epoch, (set = new Set()));
    const key = d.readUIntBE(4, 6);
    if (set.has(key)) return 'pow_reused';
    set.add(key);
    return 'ok';
  }
}

export class FormTokens {
  private readonly key: Buffer;
  constructor(secret: Buffer) {
    this.key = createHmac('sha256', secret).update('vigie-form').digest();
  }

  issue(reporter: string, now: number): string {
    const epoch = Math.floor(now / FORM_EPOCH_MS);
    return `f1.${epoch}.${sign(this.key, `form:${epoch}:${reporter}`)}`;
  }

  verify(token: unknown, reporter: string, now: number): TokenVerdict {
    if (typeof token !== 'string' || token.length > 64) return 'token_invalid';
    const parts = token.split('.');
    if (parts.length !== 3 || parts[0] !== 'f1') return 'token_invalid';
    const epoch = Number(parts[1]);
    if (!Number.isInteger(epoch) || !sameText(parts[2]!, sign(this.key, `form:${epoch}:${reporter}`))) return 'token_invalid';
    const cur = Math.floor(now / FORM_EPOCH_MS);
    if (epoch < cur - 2 || epoch > cur) return 'token_expired';
    return 'ok';
  }
}
