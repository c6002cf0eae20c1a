// Pieces every channel's config schema shares.
import { z } from 'zod';

export const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });
export const locale = z.enum(['en', 'fr']).optional();

/** A strict object with the keys every channel may have (type, rate_limit, locale) plus its own. */
export function channelSchema<T extends string, S extends z.ZodRawShape>(type: T, shape: S) {
  return z.strictObject({ type: z.literal(type), rate_limit: z.unknown().optional(), locale, ...shape });
}

/** base_url + path, without doubling slashes. */
export function join(base: string, path: string): string {
  return base.replace(/\/+$/, '') + '/' + path.replace(/^\/+/, '');
}

export const iso = (ms: number) => new Date(ms).toISOString();
