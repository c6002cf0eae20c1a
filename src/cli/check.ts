// `vigie check URL`: one probe from the command line, as a person or a script would use it.
// The URL's scheme picks the probe kind:
//   http(s)://host/path          HTTP (redirects followed; --expect, -X, -H, --no-follow)
//   tcp://host:port              TCP connect
//   tls://host[:port]            TLS handshake and certificate days (port 443 by default)
//   dns://[resolver[:port]]/name?type=A   DNS query (the system resolver when none is given)
//   ws://host/path, wss://...    WebSocket upgrade
//   icmp://host, ping://host     ICMP echo through the system `ping`
// Exit 0 when the check passes, 1 when it fails, 2 for a usage mistake.
import { parseDuration } from '../core/duration.js';
import { DNS_RECORD_TYPES, type DnsRecordType, type KindAndTarget } from '../config/monitors.js';
import { formatProbeResult } from '../probes/format.js';
import { runCheck } from '../probes/registry.js';
import { UsageError } from './logger.js';

export interface CheckOptions {
  timeout: string;
  method: string;
  expect: string;
  degradedAfter?: string;
  header: string[];
  json?: boolean;
  follow?: boolean;
  insecure?: boolean;
}

const SCHEMES = 'http://, https://, tcp://, tls://, dns://, ws://, wss://, icmp:// or ping://';

export async function checkCommand(url: string, o: CheckOptions): Promise<number> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`"${url}" is not a URL (examples: https://example.com/health, tcp://db.internal:5432, dns://9.9.9.9/example.com?type=AAAA)`);
  }
  const timeoutMs = durationOption('--timeout', o.timeout);
  const degradedAfterMs = o.degradedAfter === undefined ? null : durationOption('--degraded-after', o.degradedAfter);
  const check = targetFor(parsed, o);
  const result = await runCheck(check, { timeoutMs, degradedAfterMs });
  const shown = parsed.href;
  process.stdout.write(o.json ? JSON.stringify({ url: shown, kind: check.kind, ...result }) + '\n' : formatProbeResult(shown, result) + '\n');
  return result.ok ? 0 : 1;
}

function targetFor(u: URL, o: CheckOptions): KindAndTarget {
  const host = u.hostname;
  switch (u.protocol) {
    case 'http:':
    case 'https:': {
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
      return {
        kind: 'http',
        target: {
          url: u.href,
          method: o.method.toUpperCase(),
          headers,
          expectedStatus,
          ...(o.follow === false ? { followRedirects: false } : {}),
          ...(o.insecure ? { insecure: true } : {}),
        },
      };
    }
    case 'tcp:':
      if (!host || !u.port) throw new UsageError(`a tcp:// check needs a host and a port (example: tcp://db.internal:5432)`);
      return { kind: 'tcp', target: { host, port: Number(u.port) } };
    case 'tls:':
      if (!host) throw new UsageError('a tls:// check needs a host (example: tls://example.com:443)');
      return { kind: 'tls', target: { host, port: Number(u.port) || 443, ...(o.insecure ? { insecure: true } : {}) } };
    case 'dns:': {
      const name = decodeURIComponent(u.pathname.replace(/^\/+/, ''));
      if (!name) throw new UsageError('a dns:// check needs a name to look up (examples: dns:///example.com, dns://9.9.9.9/example.com?type=MX)');
      const type = (u.searchParams.get('type') ?? 'A').toUpperCase();
      if (!(DNS_RECORD_TYPES as readonly string[]).includes(type)) throw new UsageError(`?type= takes one of ${DNS_RECORD_TYPES.join(', ')} (got "${type}")`);
      return { kind: 'dns', target: { name, recordType: type as DnsRecordType, ...(u.host ? { resolver: u.host } : {}) } };
    }
    case 'ws:':
    case 'wss:':
      return { kind: 'websocket', target: { url: u.href, headers: {}, ...(o.insecure ? { insecure: true } : {}) } };
    case 'icmp:':
    case 'ping:':
      if (!host) throw new UsageError(`an ${u.protocol}// check needs a host (example: icmp://192.0.2.1)`);
      return { kind: 'icmp', target: { host: host.startsWith('[') ? host.slice(1, -1) : host } };
    default:
      throw new UsageError(`cannot check ${u.protocol}// URLs; use ${SCHEMES}`);
  }
}

function durationOption(flag: string, v: string): number {
  const ms = parseDuration(v) ?? (/^\d+(\.\d+)?$/.test(v) ? Number(v) * 1000 : undefined);
  if (ms === undefined || ms <= 0) throw new UsageError(`${flag} takes a duration such as 500ms, 3s or 1m (got "${v}")`);
  return ms;
}
