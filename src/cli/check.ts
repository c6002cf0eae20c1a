// `vigie check URL`: one probe from the command line, as a person or a script would use it.
import { parseDuration } from '../core/duration.js';
import { httpProbe } from '../probes/http.js';
import { formatProbeResult } from '../probes/format.js';
import { UsageError } from './logger.js';

export interface CheckOptions {
  timeout: string;
  method: string;
  expect: string;
  degradedAfter?: string;
  header: string[];
  json?: boolean;
}

export async function checkCommand(url: string, o: CheckOptions): Promise<number> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`"${url}" is not a URL (example: https://example.com/health)`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new UsageError(`only http:// and https:// URLs can be checked for now (got ${parsed.protocol})`);
  const timeoutMs = durationOption('--timeout', o.timeout);
  const degradedAfterMs = o.degradedAfter === undefined ? null : durationOption('--degraded-after', o.degradedAfter);
  const expectedStatus = o.expect.split(',').map((s) => {
    const n = Number(s.trim());
    if (!Number.isInteger(n) || n < 100 || n > 599) throw new UsageError(`--expect takes HTTP status codes separated by commas (got "${o.expect}")`);
    return n;
  });
  const headers: Record<string, string> = {};
  for (const h of o.header) {
    const i = h.indexOf(':');
    if (i <= 0) throw new UsageError(`--header takes "Name: value" (got "${h}")`);
    headers[h.slice(0, i).trim()] = h.slice(i + 1).trim();
  }
  const result = await httpProbe({ url: parsed.href, method: o.method.toUpperCase(), headers, expectedStatus }, { timeoutMs, degradedAfterMs });
  process.stdout.write(o.json ? JSON.stringify({ url: parsed.href, ...result }) + '\n' : formatProbeResult(parsed.href, result) + '\n');
  return result.ok ? 0 : 1;
}

function durationOption(flag: string, v: string): number {
  const ms = parseDuration(v) ?? (/^\d+(\.\d+)?$/.test(v) ? Number(v) * 1000 : undefined);
  if (ms === undefined || ms <= 0) throw new UsageError(`${flag} takes a duration such as 500ms, 3s or 1m (got "${v}")`);
  return ms;
}
