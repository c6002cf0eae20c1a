// What the audit log keeps of a request: secrets removed from anything stored, and a target named
// from the route's path parameters when the handler does not name one.
import type { FastifyRequest } from 'fastify';

/** Keys whose values are never stored: passwords, tokens, TOTP secrets and codes, keys. */
const SECRET_KEY = /pass(word)?|secret|token|^totp$|^code$|otpauth|api_?key|authorization|private|credential|cookie|hash/i;

export function redact(v: unknown, depth = 0): unknown {
  if (depth > 20) return '[deep]';
  if (Array.isArray(v)) return v.map((x) => redact(x, depth + 1));
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = SECRET_KEY.test(k) ? '[redacted]' : redact(x, depth + 1);
  return out;
}

/** The entity a request is about, from its path parameters (id, name, or the last one). */
export function targetOf(params: unknown): string | null {
  if (params === null || typeof params !== 'object') return null;
  const p = params as Record<string, unknown>;
  const v = p.id ?? p.name ?? Object.values(p).at(-1);
  return typeof v === 'string' && v !== '' ? v.slice(0, 200) : null;
}

/** The path without its query string (a query may carry a token). */
export const pathOf = (req: FastifyRequest): string => req.url.split('?')[0]!.slice(0, 500);
