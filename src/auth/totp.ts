// TOTP second factor (RFC 6238 through the otpauth package): 6 digits, 30 s steps, one step of clock
// drift either way. A code is accepted once: the step it belongs to is recorded, and a code of that
// step or an earlier one is refused afterwards.
import { Secret, TOTP } from 'otpauth';

const PERIOD = 30;

function totp(secret: string, label = 'vigie', issuer = 'Vigie'): TOTP {
  return new TOTP({ issuer, label, algorithm: 'SHA1', digits: 6, period: PERIOD, secret: Secret.fromBase32(secret) });
}

export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The otpauth:// URI an authenticator app reads (as a QR code or pasted). */
export function totpUri(secret: string, user: string, issuer: string): string {
  return totp(secret, user, issuer).toString();
}

/** The time step the code belongs to, or undefined when it is not valid around `at`. */
export function totpStep(secret: string, code: string, at: number): number | undefined {
  if (!/^\d{6}$/.test(code)) return undefined;
  const delta = totp(secret).validate({ token: code, timestamp: at, window: 1 });
  if (delta === null) return undefined;
  return Math.floor(at / 1000 / PERIOD) + delta;
}

/** The code for `at` (tests, and nothing else: a server never needs to say a code). */
export function totpCode(secret: string, at: number): string {
  return totp(secret).generate({ timestamp: at });
}
