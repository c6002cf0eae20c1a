// Shared by the crowd-report tests: a config with reports, and a client that solves the hashcash.
import { request } from 'undici';
import { configSchema } from '../src/config/schema.js';
import { solvePow } from '../src/signals/reports/pow.js';

export const MODERATOR = 'moderator-token-0123456789';

export function reportsConfig(extra: { path?: string } = {}, reports: Record<string, unknown> = {}) {
  return configSchema.parse({
    site: { title: 'Acme status', port: 0 },
    store: extra.path ? { path: extra.path } : {},
    reports: {
      salt: 'test-salt-0123456789abcdef',
      trust_proxy: true,
      pow_difficulty: 6,
      per_reporter_per_minute: 5,
      per_prefix_per_minute: 8,
      prefix_cap: 2,
      comment_max: 40,
      moderator_token: MODERATOR,
      ...reports,
    },
    services: [
      { id: 'acme', name: 'Acme', components: [{ id: 'web', name: 'Web' }] },
      { id: 'quiet', name: 'Quiet', reports: { enabled: false }, components: [{ id: 'web', name: 'Web' }] },
    ],
  });
}

export async function challenge(base: string): Promise<{ challenge: string; difficulty: number }> {
  return (await (await request(`${base}/api/reports/challenge`)).body.json()) as { challenge: string; difficulty: number };
}

let nonceStart = 0;
export async function report(base: string, ch: { challenge: string; difficulty: number }, ip: string, body: Record<string, unknown>, opts: { service?: string; ua?: string; pow?: unknown } = {}) {
  const service = opts.service ?? 'acme';
  const pow = 'pow' in opts ? opts.pow : { challenge: ch.challenge, nonce: solvePow(ch.challenge, service, ch.difficulty, (nonceStart += 100_000)) };
  const res = await request(`${base}/api/services/${service}/reports`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': ip, 'user-agent': opts.ua ?? 'test-agent' },
    body: JSON.stringify({ ...body, pow }),
  });
  return { status: res.statusCode, headers: res.headers, body: (await res.body.json()) as { accepted: boolean; counted?: boolean; error?: string; message?: string; comment?: string } };
}

