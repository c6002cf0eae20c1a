// The peer certificate's dates, for the http, tls and websocket probes: days to expiry go into
// the result's details, and a certificate closer to expiry than the monitor's min_cert_days fails
// the check as 'tls' (an expired or untrusted one already failed the handshake).
import type tls from 'node:tls';
import type { Run } from './run.js';
import { fail } from './run.js';

const DAY_MS = 86_400_000;

/** Reads the leaf certificate into run.details; returns the milliseconds left before it expires. */
export function recordCert(run: Run, socket: tls.TLSSocket, now: number = Date.now()): number | undefined {
  const cert = socket.getPeerCertificate();
  if (!cert || !cert.valid_to) return undefined;
  const expires = Date.parse(cert.valid_to);
  if (!Number.isFinite(expires)) return undefined;
  const leftMs = expires - now;
  run.details.certDaysLeft = Math.round((leftMs / DAY_MS) * 100) / 100;
  run.details.certExpiresAt = new Date(expires).toISOString();
  const subject = cert.subject?.CN;
  const issuer = cert.issuer?.CN ?? cert.issuer?.O;
  if (subject) run.details.certSubject = String(subject);
  if (issuer) run.details.certIssuer = String(issuer);
  return leftMs;
}

/** Fails as 'tls' when the certificate expires within minDays. */
export function checkCertDays(run: Run, host: string, minDays: number | undefined): void {
  const left = run.details.certDaysLeft;
  if (minDays === undefined || left === undefined) return;
  if (left < minDays)
    fail('tls', `certificate of ${host} expires in ${left.toFixed(1)} days (${run.details.certExpiresAt}), under min_cert_days ${minDays}`);
}
