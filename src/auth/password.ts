// Password hashes with scrypt (memory-hard, in node:crypto). The parameters are stored with each hash
// ("scrypt$N$r$p$salt$hash"), so raising them later leaves existing hashes verifiable.
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** Thrown when too many hashes are already waiting: the caller answers "busy, retry". */
export class HashingBusyError extends Error {
  override name = 'HashingBusyError';
}

/**
 * Each hash takes 32 MiB for a moment: a burst of sign-ins from many addresses must not take the
 * server's memory, so a few run at once and a bounded queue waits; past that, HashingBusyError.
 */
const MAX_RUNNING = 4;
const MAX_WAITING = 64;
let running = 0;
const waiting: (() => void)[] = [];

async function slot<T>(fn: () => Promise<T>): Promise<T> {
  if (running >= MAX_RUNNING) {
    if (waiting.length >= MAX_WAITING) throw new HashingBusyError('too many password checks at once');
    await new Promise<void>((resolve) => waiting.push(resolve));
  } else running++;
  try {
    return await fn();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}

const scrypt = (password: string, salt: Buffer, keylen: number, opts: ScryptOptions) =>
  slot(() => new Promise<Buffer>((resolve, reject) => scryptCb(password.normalize('NFC'), salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key)))));

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/** 2^15 × 8 × 128 B = 32 MiB per hash: costly for a guesser with a GPU, a few tens of ms here. */
export const DEFAULT_PARAMS: ScryptParams = { N: 2 ** 15, r: 8, p: 1 };
const KEY_LENGTH = 32;
/** Bounds on stored parameters, so a tampered row cannot make a verification take forever. */
const MAX_N = 2 ** 20;

export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 1024;

/** Why a new password is refused, or undefined when it is acceptable. */
export function passwordProblem(pw: string): string | undefined {
  if ([...pw].length < PASSWORD_MIN) return `must be at least ${PASSWORD_MIN} characters`;
  if (pw.length > PASSWORD_MAX) return `must be at most ${PASSWORD_MAX} characters`;
  if (pw.includes('\u0000')) return 'must not contain a NUL character';
  return undefined;
}

const maxmem = (p: ScryptParams) => 128 * p.N * p.r * p.p + 16 * 1024 * 1024;

export async function hashPassword(password: string, params: ScryptParams = DEFAULT_PARAMS): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, KEY_LENGTH, { ...params, maxmem: maxmem(params) });
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** Compares in constant time; false for a malformed stored hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const m = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/.exec(stored);
  if (!m) return false;
  const params = { N: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  if (params.N < 2 || params.N > MAX_N || (params.N & (params.N - 1)) !== 0 || params.r < 1 || params.r > 32 || params.p < 1 || params.p > 16) return false;
  const expected = Buffer.from(m[5]!, 'base64url');
  if (expected.length < 16) return false;
  const key = await scrypt(password, Buffer.from(m[4]!, 'base64url'), expected.length, { ...params, maxmem: maxmem(params) });
  return timingSafeEqual(key, expected);
}

/** A hash to compare against when the user does not exist, so an unknown name costs as long as a wrong password. */
let decoy: Promise<string> | undefined;
export const decoyHash = (): Promise<string> => (decoy ??= hashPassword(randomBytes(16).toString('hex')));

/** True when the stored hash uses weaker parameters than today's (rehash at the next sign-in). */
export function needsRehash(stored: string, params: ScryptParams = DEFAULT_PARAMS): boolean {
  const m = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$/.exec(stored);
  return !m || Number(m[1]) < params.N || Number(m[2]) < params.r || Number(m[3]) < params.p;
}
