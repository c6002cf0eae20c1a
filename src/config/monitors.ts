// The monitor section of vigie.yaml: one schema per probe kind, chosen by `type` (http when left
// out), and the target each kind's probe receives. Targets keep only the keys a config set, so a
// monitor written before a key existed keeps the same stored target.
import { z } from 'zod';
import { type Placeholder, parseCondition, parseJsonPath } from '../probes/conditions.js';

const SLUG = /^[a-z0-9][a-z0-9_-]*$/;
const slug = z.string().regex(SLUG, 'must be lowercase letters, digits, "-" or "_", starting with a letter or digit');
const HOST = /^(\[[0-9a-fA-F:.]+\]|[0-9a-fA-F:]*:[0-9a-fA-F:.]+|[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\.?)$/;

export interface MonitorFieldHelpers {
  duration: z.ZodType<number, string | number>;
  webUrl: z.ZodType<string, string>;
}

const host = z.string().regex(HOST, 'must be a host name or an IP address (no scheme, no port)');
const port = z.number().int().min(1).max(65535);
const statusCode = z.number().int().min(100).max(599);
const headers = z.record(z.string(), z.union([z.string(), z.number()]).transform(String)).default({});
const oneOrMany = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).transform((v) => (Array.isArray(v) ? v : [v]));

const conditions = (allowed: readonly Placeholder[]) =>
  z.array(
    z.string().superRefine((text, ctx) => {
      const r = parseCondition(text, allowed);
      if (!r.ok) ctx.addIssue({ code: 'custom', message: r.error });
    }),
  );

const regexText = z.string().superRefine((text, ctx) => {
  try {
    new RegExp(text);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `not a valid regular expression: ${err instanceof Error ? err.message : String(err)}` });
  }
});

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, kb: 1000, mb: 1_000_000, kib: 1024, mib: 1024 ** 2 };
/** A byte count: 65536, "512KiB", "2MiB", "1MB". */
const byteSize = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const m = typeof v === 'number' ? ['', String(v), ''] : /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(v);
  const unit = SIZE_UNITS[(m?.[2] ?? 'x').toLowerCase()];
  const n = m && unit ? Number(m[1]) * unit : NaN;
  if (!Number.isFinite(n) || n < 1 || n > 1024 ** 3) {
    ctx.addIssue({ code: 'custom', message: `"${v}" is not a size from 1 byte to 1GiB (examples: 65536, 512KiB, 2MiB)` });
    return z.NEVER;
  }
  return Math.floor(n);
});

export const DNS_RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'NS', 'TXT', 'SRV', 'PTR', 'CAA', 'SOA'] as const;
export type DnsRecordType = (typeof DNS_RECORD_TYPES)[number];
/** A DNS server as an IP, with an optional port: 127.0.0.1, 127.0.0.1:5353, [::1]:53. */
const RESOLVER = /^(\d{1,3}(\.\d{1,3}){3}(:\d{1,5})?|\[[0-9a-fA-F:.]+\](:\d{1,5})?|[0-9a-fA-F:]*:[0-9a-fA-F:.]+)$/;

/** The monitor schemas, built around the config's own duration and URL types. */
export function monitorSchemas({ duration, webUrl }: MonitorFieldHelpers) {
  const common = {
    name: slug,
    interval: duration.optional(),
    timeout: duration.optional(),
    /** Slower than this and the check counts as degraded, not failed. */
    degraded_after: duration.optional(),
    /** Where the check runs from: one label (the server itself runs it unless the region is in the top-level `regions:`). */
    region: slug.optional(),
    /** The regions that run it, each its own scheduled unit ("local" is the server itself; the others are `vigie agent` regions). */
    regions: z.array(slug).min(1).optional(),
  };
  const minCertDays = z.number().min(0).max(3650).optional();

  const http = z.strictObject({
    ...common,
    type: z.literal('http').default('http'),
    url: webUrl,
    method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']).default('GET'),
    // YAML reads `X-Retries: 3` as a number; a header value is text either way.
    headers,
    body: z.string().optional(),
    expected_status: z.union([statusCode, z.array(statusCode).min(1)]).default([200]).transform((v) => (Array.isArray(v) ? v : [v])),
    follow_redirects: z.boolean().optional(),
    max_redirects: z.number().int().min(0).max(50).optional(),
    body_contains: oneOrMany.optional(),
    body_not_contains: oneOrMany.optional(),
    body_matches: regexText.optional(),
    /** JSON paths into the body and the value each must have: { "status": "UP", "data[0].id": 3 }. */
    json: z
      .record(
        z.string().superRefine((path, ctx) => {
          try {
            parseJsonPath(path);
          } catch (err) {
            ctx.addIssue({ code: 'custom', message: `not a JSON path (examples: status, data[0].id): ${err instanceof Error ? err.message : String(err)}` });
          }
        }),
        z.union([z.string(), z.number(), z.boolean(), z.null()]),
      )
      .optional(),
    conditions: conditions(['STATUS', 'BODY', 'RESPONSE_TIME', 'CERTIFICATE_EXPIRATION', 'CONNECTED', 'IP']).optional(),
    min_cert_days: minCertDays,
    max_body: byteSize.optional(),
    insecure: z.boolean().optional(),
  });
  const tcp = z.strictObject({
    ...common,
    type: z.literal('tcp'),
    host,
    port,
    /** Sent once connected (YAML double quotes take \r\n). */
    send: z.string().min(1).optional(),
    /** Text the peer must send back (a substring of what it sends within the timeout). */
    expect: z.string().min(1).optional(),
    conditions: conditions(['CONNECTED', 'RESPONSE_TIME', 'IP', 'BODY']).optional(),
  });
  const tls = z.strictObject({
    ...common,
    type: z.literal('tls'),
    host,
    port: port.default(443),
    /** The name to ask for (SNI) and check the certificate against, when it differs from host. */
    servername: host.optional(),
    min_cert_days: minCertDays,
    insecure: z.boolean().optional(),
    conditions: conditions(['CONNECTED', 'RESPONSE_TIME', 'IP', 'CERTIFICATE_EXPIRATION']).optional(),
  });
  const dns = z.strictObject({
    ...common,
    type: z.literal('dns'),
    /** The name to look up and the record type to ask for (Gatus's query-name and query-type). */
    query_name: host,
    query_type: z.enum(DNS_RECORD_TYPES).default('A'),
    /** The server to ask, as an IP with an optional port; the system's resolvers when left out. */
    resolver: z.string().regex(RESOLVER, 'must be an IP address with an optional port, such as 9.9.9.9, 127.0.0.1:5353 or [::1]:53').optional(),
    /** Answers that must all be present (A: addresses; MX: "10 mail.example.com"; TXT: the text). */
    expected: oneOrMany.optional(),
    conditions: conditions(['DNS_RCODE', 'BODY', 'RESPONSE_TIME', 'CONNECTED']).optional(),
  });
  const websocket = z.strictObject({
    ...common,
    type: z.literal('websocket'),
    url: z.url({ protocol: /^wss?$/, error: 'must be a ws:// or wss:// URL' }),
    headers,
    subprotocol: z.string().min(1).optional(),
    min_cert_days: minCertDays,
    insecure: z.boolean().optional(),
  });
  const icmp = z.strictObject({
    ...common,
    type: z.literal('icmp'),
    host,
  });
  const llm = z.strictObject({
    ...common,
    type: z.literal('llm'),
    /** The chat completions endpoint, e.g. https://api.openai.com/v1/chat/completions. */
    url: webUrl,
    model: z.string().min(1),
    /** Sent as "Authorization: Bearer ..."; write ${OPENAI_API_KEY} to keep it out of the file. */
    api_key: z.string().min(1).optional(),
    headers,
    prompt: z.string().min(1).default('Reply with the single word: pong'),
    stream: z.boolean().default(false),
    max_tokens: z.number().int().min(1).max(4096).default(16),
    /** Text the answer must contain (case-insensitive); any non-empty answer passes when left out. */
    expect: z.string().min(1).optional(),
  });
  const heartbeat = z.strictObject({
    ...common,
    type: z.literal('heartbeat'),
    /** The secret in the push URL /api/push/<token>. */
    token: z.string().regex(/^[A-Za-z0-9_-]{8,128}$/, 'must be 8 to 128 letters, digits, "-" or "_"'),
    /** How often the job beats; the monitor's interval when left out. */
    period: duration.optional(),
    /** Extra time allowed after a missed period before the monitor fails. */
    grace: duration.optional(),
  });

  const kinds = [http, tcp, tls, dns, websocket, icmp, llm, heartbeat] as const;
  const monitor = z.discriminatedUnion('type', kinds, {
    error: (issue) =>
      issue.code === 'invalid_union'
        ? `type must be one of ${MONITOR_KINDS.map((n) => `"${n}"`).join(', ')} (http when left out); got ${JSON.stringify((issue.input as { type?: unknown } | undefined)?.type)}`
        : undefined,
  });
  return { monitor, http };
}

type Schemas = ReturnType<typeof monitorSchemas>;
export type MonitorConfig = z.output<Schemas['monitor']>;
export type HttpMonitorConfig = z.output<Schemas['http']>;

// --- what each probe receives ---------------------------------------------------------------

export interface HttpTarget {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
  expectedStatus: number[];
  /** Follow 3xx responses (default true), at most maxRedirects (default 10). */
  followRedirects?: boolean;
  maxRedirects?: number;
  bodyContains?: string[];
  bodyNotContains?: string[];
  bodyMatches?: string;
  json?: Record<string, string | number | boolean | null>;
  conditions?: string[];
  minCertDays?: number;
  maxBodyBytes?: number;
  insecure?: boolean;
}
export interface TcpTarget {
  host: string;
  port: number;
  send?: string;
  expect?: string;
  conditions?: string[];
}
export interface TlsTarget {
  host: string;
  port: number;
  servername?: string;
  minCertDays?: number;
  insecure?: boolean;
  conditions?: string[];
}
export interface DnsTarget {
  name: string;
  recordType: DnsRecordType;
  resolver?: string;
  expected?: string[];
  conditions?: string[];
}
export interface WebSocketTarget {
  url: string;
  headers: Record<string, string>;
  subprotocol?: string;
  minCertDays?: number;
  insecure?: boolean;
}
export interface IcmpTarget {
  host: string;
}
export interface LlmTarget {
  url: string;
  model: string;
  apiKey?: string;
  headers: Record<string, string>;
  prompt: string;
  stream: boolean;
  maxTokens: number;
  expect?: string;
}
export interface HeartbeatTarget {
  token: string;
  periodMs: number;
  graceMs: number;
}

export interface Targets {
  http: HttpTarget;
  tcp: TcpTarget;
  tls: TlsTarget;
  dns: DnsTarget;
  websocket: WebSocketTarget;
  icmp: IcmpTarget;
  llm: LlmTarget;
  heartbeat: HeartbeatTarget;
}
export type MonitorKind = keyof Targets;
export const MONITOR_KINDS: readonly MonitorKind[] = ['http', 'tcp', 'tls', 'dns', 'websocket', 'icmp', 'llm', 'heartbeat'];

/** A kind with its target, typed together. */
export type KindAndTarget = { [K in MonitorKind]: { kind: K; target: Targets[K] } }[MonitorKind];

/** Copies the keys whose value is set; undefined ones are left out of the stored target. */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** The probe's target for a monitor as the config states it; `intervalMs` is the monitor's effective interval. */
export function toKindAndTarget(m: MonitorConfig, intervalMs: number): KindAndTarget {
  switch (m.type) {
    case 'http':
      return {
        kind: 'http',
        target: defined<HttpTarget>({
          url: m.url,
          method: m.method,
          headers: m.headers,
          body: m.body,
          expectedStatus: m.expected_status,
          followRedirects: m.follow_redirects,
          maxRedirects: m.max_redirects,
          bodyContains: m.body_contains,
          bodyNotContains: m.body_not_contains,
          bodyMatches: m.body_matches,
          json: m.json,
          conditions: m.conditions,
          minCertDays: m.min_cert_days,
          maxBodyBytes: m.max_body,
          insecure: m.insecure,
        }),
      };
    case 'tcp':
      return { kind: 'tcp', target: defined<TcpTarget>({ host: m.host, port: m.port, send: m.send, expect: m.expect, conditions: m.conditions }) };
    case 'tls':
      return {
        kind: 'tls',
        target: defined<TlsTarget>({ host: m.host, port: m.port, servername: m.servername, minCertDays: m.min_cert_days, insecure: m.insecure, conditions: m.conditions }),
      };
    case 'dns':
      return { kind: 'dns', target: defined<DnsTarget>({ name: m.query_name, recordType: m.query_type, resolver: m.resolver, expected: m.expected, conditions: m.conditions }) };
    case 'websocket':
      return {
        kind: 'websocket',
        target: defined<WebSocketTarget>({ url: m.url, headers: m.headers, subprotocol: m.subprotocol, minCertDays: m.min_cert_days, insecure: m.insecure }),
      };
    case 'icmp':
      return { kind: 'icmp', target: { host: m.host } };
    case 'llm':
      return {
        kind: 'llm',
        target: defined<LlmTarget>({ url: m.url, model: m.model, apiKey: m.api_key, headers: m.headers, prompt: m.prompt, stream: m.stream, maxTokens: m.max_tokens, expect: m.expect }),
      };
    case 'heartbeat':
      return { kind: 'heartbeat', target: { token: m.token, periodMs: m.period ?? intervalMs, graceMs: m.grace ?? 0 } };
  }
}

/** Keys a stored target of each kind must have; the store checks rows against this. */
export const REQUIRED_TARGET_KEYS: Record<MonitorKind, readonly string[]> = {
  http: ['url', 'method', 'headers', 'expectedStatus'],
  tcp: ['host', 'port'],
  tls: ['host', 'port'],
  dns: ['name', 'recordType'],
  websocket: ['url', 'headers'],
  icmp: ['host'],
  llm: ['url', 'model', 'headers', 'prompt', 'stream', 'maxTokens'],
  heartbeat: ['token', 'periodMs', 'graceMs'],
};

export function isMonitorKind(v: unknown): v is MonitorKind {
  return typeof v === 'string' && (MONITOR_KINDS as readonly string[]).includes(v);
}

/** The host a monitor's checks go to, for the scheduler's per-host politeness; undefined when none (heartbeat). */
export function targetHost(m: KindAndTarget): string | undefined {
  switch (m.kind) {
    case 'http':
    case 'websocket':
    case 'llm':
      try {
        return new URL(m.target.url).host;
      } catch {
        return undefined;
      }
    case 'tcp':
    case 'tls':
      return `${m.target.host}:${m.target.port}`;
    case 'icmp':
      return m.target.host;
    case 'dns':
      return m.target.resolver ?? 'system-resolver';
    case 'heartbeat':
      return undefined;
  }
}
