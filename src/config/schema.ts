// The shape of vigie.yaml. One source for validation and for the types the rest of Vigie reads.
// Keys are snake_case, as people write YAML; strict objects so a misspelt key is an error, not a silent default.
import { z } from 'zod';
import { oidcSchema } from '../auth/oidc-config.js';
import { parseDuration } from '../core/duration.js';
import { isTimeZone } from '../core/days.js';
import { type KindAndTarget, monitorSchemas, toKindAndTarget } from './monitors.js';
import { monitorRegionIssues, monitorUnits } from './regions.js';
import { findCycle } from '../core/graph.js';
import { CATALOGUE_KEYS, catalogueEntry } from '../signals/vendor/catalogue.js';
import { gatewaySchema } from '../gateway/config.js';

const SLUG = /^[a-z0-9][a-z0-9_-]*$/;
const slug = z.string().regex(SLUG, 'must be lowercase letters, digits, "-" or "_", starting with a letter or digit');

export const duration = z.union([z.string(), z.number()]).transform((v, ctx) => {
  // A bare number is seconds, as in most monitoring configs.
  const ms = typeof v === 'number' ? v * 1000 : parseDuration(v);
  if (ms === undefined || !Number.isFinite(ms) || ms <= 0) {
    ctx.addIssue({ code: 'custom', message: `"${v}" is not a duration (examples: 500ms, 30s, 5m, 1h)` });
    return z.NEVER;
  }
  return ms;
});

const statusCode = z.number().int().min(100).max(599);
// Links shown on the page: http(s) only, so a config cannot smuggle javascript: into an href.
const webUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });

// The monitor section lives in monitors.ts: one schema per probe kind, chosen by `type` (http when left out).
const monitorKinds = monitorSchemas({ duration, webUrl });
export const httpMonitorSchema = monitorKinds.http;
export const monitorSchema = monitorKinds.monitor;
export type { HttpMonitorConfig, MonitorConfig } from './monitors.js';

export const componentSchema = z.strictObject({
  id: slug,
  name: z.string().min(1),
  description: z.string().optional(),
  group: z.string().min(1).optional(),
  /** Components this one needs: "component" in the same service or "service/component". */
  depends_on: z.array(z.string().regex(/^([a-z0-9][a-z0-9_-]*\/)?[a-z0-9][a-z0-9_-]*$/, 'must be "component" or "service/component"')).default([]),
  monitors: z.array(monitorSchema).default([]),
});
export type ComponentConfig = z.output<typeof componentSchema>;

/** The service's official status page, polled beside our own checks (src/signals/vendor). */
export const vendorObjectSchema = z.strictObject({
  /** A key of the catalogue of well-known pages (src/signals/vendor/catalogue.ts): kind and url then come from it. */
  catalogue: z.string().optional(),
  /** statuspage: /api/v2/summary.json; incidentio: the widget API; instatus: /summary.json or /v2/components.json; feed: Atom or RSS. */
  kind: z.enum(['statuspage', 'incidentio', 'instatus', 'feed']).optional(),
  url: webUrl.optional(),
  interval: duration.default(120_000),
  timeout: duration.optional(),
});
// `vendor: openai` is short for `vendor: { catalogue: openai }`.
export const vendorSchema = z.union([z.string(), vendorObjectSchema]).transform((v, ctx) => {
  const o = typeof v === 'string' ? { catalogue: v, interval: 120_000 } : v;
  const entry = o.catalogue === undefined ? undefined : catalogueEntry(o.catalogue);
  if (o.catalogue !== undefined && !entry) {
    ctx.addIssue({ code: 'custom', path: typeof v === 'string' ? [] : ['catalogue'], message: `"${o.catalogue}" is not in the vendor catalogue (known: ${CATALOGUE_KEYS.join(', ')}); or give kind and url` });
    return z.NEVER;
  }
  const kind = o.kind ?? entry?.kind;
  const url = o.url ?? entry?.url;
  if (kind === undefined || url === undefined) {
    ctx.addIssue({ code: 'custom', path: [kind === undefined ? 'kind' : 'url'], message: 'needs kind and url, or a catalogue key (e.g. vendor: openai)' });
    return z.NEVER;
  }
  return { kind, url, interval: o.interval, ...(o.timeout !== undefined ? { timeout: o.timeout } : {}), ...(o.catalogue !== undefined ? { catalogue: o.catalogue } : {}) };
});
export type VendorConfig = z.output<typeof vendorSchema>;

/** A service-level objective: `slo: { target: 99.9, window: 30d }` (src/analytics/reliability.ts). */
export const sloSchema = z.strictObject({
  /** Percent of the window the service must be available. */
  target: z.number().gt(0).lt(100),
  window: duration.default(30 * 86_400_000).refine((ms) => ms >= 86_400_000 && ms <= 366 * 86_400_000, 'must be between 1d and 366d'),
});

// Detection and incidents (src/detect, src/incidents): grace periods, holds, the silent-vendor
// threshold, and how much crowd reports weigh (ignore: recorded only; confirm: with crowd reports
// "detected", one failed check is enough to call a monitor down; decisive: as confirm, and
// "detected" alone puts the service's components in partial outage).
export const crowdWeight = z.enum(['ignore', 'confirm', 'decisive']);
export const detectionSchema = z.strictObject({
  /** An outage must last this long before an incident opens (brief blips open nothing). */
  incident_grace: duration.default(2 * 60_000),
  /** After recovery, everything must stay operational this long before the incident resolves by itself. */
  resolve_hold: duration.default(15 * 60_000),
  /** Observed outage while the vendor's status page stays green this long: the silent-vendor flag. */
  silent_vendor_after: duration.default(30 * 60_000),
  /** A maintenance stays in "verifying" this long after its window before it completes. */
  maintenance_verify: duration.default(5 * 60_000),
  crowd_weight: crowdWeight.default('confirm'),
  /** False alarms per series from chance alone: crowd levels and unusual latency ("1/30d": about one a month). */
  false_alarms: z.string().regex(/^\s*\d+(\.\d+)?\s*\/\s*(\d+(\.\d+)?)?\s*[mhdw]\s*$/, 'must be a rate such as "1/30d" (count / period in m, h, d or w)').refine((v) => !/^\s*0+(\.0+)?\s*\//.test(v), 'must allow more than 0 false alarms (try "1/365d")').default('1/30d'),
  /** Refused: raw z thresholds were replaced by false_alarms. */
  z_threshold: z.unknown().refine(() => false, 'is no longer read: set detection.false_alarms (e.g. "1/30d") instead').optional(),
});
export type DetectionConfig = z.output<typeof detectionSchema>;
export const serviceDetectionSchema = z.strictObject({ crowd_weight: crowdWeight.optional() });

// Crowd reports (src/signals/reports): per service, the problem categories offered and how much
// evidence a level needs; globally, the reporter-hash secret, proxy trust, limits and proof of work.
export const DEFAULT_REPORT_CATEGORIES = ['website', 'app', 'login', 'api', 'slow', 'errors'];
export const serviceReportsSchema = z.strictObject({
  enabled: z.boolean().default(true),
  categories: z.array(slug).min(1).max(20).default(DEFAULT_REPORT_CATEGORIES),
  /** 0..1: 1 is the default evidence; lower needs proportionally more; 0 shows reports but never passes the level to detection. */
  weight: z.number().min(0).max(1).default(1),
  /** Counted reports in the window before "problems detected" (half for "possible problems"). */
  min_reports: z.number().int().min(1).default(10),
  // Category series keep one hour of minutes (signal.ts): a longer window would read past it.
  window: duration.default(3 * 60_000).refine((ms) => ms >= 60_000 && ms <= 3_600_000, 'must be between 1m and 1h'),
  hold: duration.default(45_000),
  cool: duration.default(5 * 60_000),
});
export type ServiceReportsConfig = z.output<typeof serviceReportsSchema>;
export const reportsSchema = z.strictObject({
  /** Secret for reporter hashes, proofs and form tokens (use ${ENV}); random per process when unset (dedup then restarts with it). */
  salt: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Take the client address from the last X-Forwarded-For entry. Only behind a proxy you run. */
  trust_proxy: z.boolean().default(false),
  /** One counted report per reporter per service per this long. */
  dedup_window: duration.default(10 * 60_000),
  per_reporter_per_minute: z.number().int().min(1).default(10),
  per_prefix_per_minute: z.number().int().min(1).default(60),
  /** Counted reports one /24 (IPv4) or /48 (IPv6) may add to a service per dedup window. */
  prefix_cap: z.number().int().min(1).default(3),
  /** Leading zero bits of the API's hashcash (16: ~65,000 SHA-256 per report). 0 checks only the signed challenge. */
  pow_difficulty: z.number().int().min(0).max(28).default(16),
  comment_max: z.number().int().min(0).max(2000).default(280),
  /** Bearer token for the comment moderation API (use ${ENV}); moderation is off when unset. */
  moderator_token: z.string().min(16, 'must be at least 16 characters').optional(),
});
export type ReportsConfig = z.output<typeof reportsSchema>;

export const serviceSchema = z.strictObject({
  id: slug,
  name: z.string().min(1),
  description: z.string().optional(),
  url: webUrl.optional(),
  vendor: vendorSchema.optional(),
  /** Availability objective for the history page (src/analytics). */
  slo: sloSchema.optional(),
  /** Services ("chatgpt") or components ("chatgpt/api") this service needs: an integration of another service. */
  depends_on: z.array(z.string().regex(/^[a-z0-9][a-z0-9_-]*(\/[a-z0-9][a-z0-9_-]*)?$/, 'must be "service" or "service/component"')).default([]),
  detection: serviceDetectionSchema.optional(),
  reports: serviceReportsSchema.prefault({}),
  components: z.array(componentSchema).min(1),
});
export type ServiceConfig = z.output<typeof serviceSchema>;

// Notifications (src/notify): channels, operator alert rules, public subscriptions, delivery.
// Each channel's own fields are checked by its channel module when Vigie starts, so one malformed
// channel is reported by name and field and disabled while the others keep working.
const RATE = /^(\d+(?:\.\d+)?)\s*\/\s*(s|m|h|second|minute|hour)$/;
export const rateLimit = z.string().transform((v, ctx) => {
  const m = RATE.exec(v.trim());
  const per = m ? ({ s: 1000, second: 1000, m: 60_000, minute: 60_000, h: 3_600_000, hour: 3_600_000 } as Record<string, number>)[m[2]!]! : 0;
  if (!m || !(Number(m[1]) > 0)) {
    ctx.addIssue({ code: 'custom', message: `"${v}" is not a rate (examples: 5/s, 30/m, 100/h)` });
    return z.NEVER;
  }
  return { count: Number(m[1]), perMs: per };
});
export const notifyChannelSchema = z.looseObject({ type: z.string().min(1), rate_limit: rateLimit.optional() });
export const notifyRuleSchema = z.strictObject({
  name: slug,
  channels: z.array(slug).min(1),
  /** "service/component", "service/*" or "service"; empty = every component. */
  components: z.array(z.string().min(1)).default([]),
  statuses: z.array(z.enum(['operational', 'degraded_performance', 'partial_outage', 'major_outage', 'under_maintenance'])).min(1).default(['partial_outage', 'major_outage']),
  events: z.array(z.enum(['component', 'incident', 'maintenance', 'gateway'])).min(1).default(['component', 'incident']),
  /** While an alert stays open, say it again this often. */
  reminder_every: duration.optional(),
  /** Send a "resolved" message when the component leaves the alerting statuses. */
  resolved: z.boolean().default(true),
  /** No component alerts while the component is under maintenance. */
  quiet_during_maintenance: z.boolean().default(true),
});
export const notifySchema = z
  .strictObject({
    /** Signs webhooks and subscription links; write it as ${VIGIE_NOTIFY_SECRET}. */
    secret: z.string().min(16, 'must be at least 16 characters').optional(),
    locale: z.enum(['en', 'fr']).default('en'),
    channels: z.record(slug, notifyChannelSchema).default({}),
    rules: z.array(notifyRuleSchema).default([]),
    subscriptions: z
      .strictObject({
        enabled: z.boolean().default(true),
        /** The e-mail channel whose SMTP server sends subscriber mail; no e-mail subscriptions without it. */
        email_channel: slug.optional(),
        webhooks: z.boolean().default(true),
        /** Accept subscriber webhooks on loopback and private addresses (tests, intranets). */
        allow_private_webhooks: z.boolean().default(false),
        webhook_rate_limit: rateLimit.optional(),
        email_rate_limit: rateLimit.optional(),
        /** Subscribe requests one network (/24 IPv4, /48 IPv6) may make; more get 429. */
        per_network: rateLimit.prefault('20/h'),
      })
      .prefault({}),
    delivery: z
      .strictObject({
        poll: duration.default(1000),
        timeout: duration.default(10_000),
        backoff_min: duration.default(1000),
        backoff_max: duration.default(300_000),
        /** Past this age an undelivered message is dead: kept, shown in the admin API, retried only by hand. */
        dead_after: duration.default(86_400_000),
        /** How long a claimed delivery stays reserved to its worker; a crashed worker's come back after it. */
        lease: duration.default(60_000),
        concurrency: z.number().int().min(1).max(1024).default(16),
        batch: z.number().int().min(1).max(5000).default(200),
        retention: duration.default(30 * 86_400_000),
      })
      .prefault({}),
  })
  .superRefine((n, ctx) => {
    n.rules.forEach((r, ri) => {
      if (n.rules.findIndex((o) => o.name === r.name) !== ri) ctx.addIssue({ code: 'custom', path: ['rules', ri, 'name'], message: `duplicate rule name "${r.name}"` });
      r.channels.forEach((c, ci) => {
        if (!(c in n.channels)) ctx.addIssue({ code: 'custom', path: ['rules', ri, 'channels', ci], message: `unknown channel "${c}" (channels: ${Object.keys(n.channels).join(', ') || 'none'})` });
      });
    });
    const ec = n.subscriptions.email_channel;
    if (ec !== undefined && n.channels[ec]?.type !== 'email')
      ctx.addIssue({ code: 'custom', path: ['subscriptions', 'email_channel'], message: `"${ec}" is not an email channel` });
  });
export type NotifyConfig = z.output<typeof notifySchema>;
export type NotifyRuleConfig = z.output<typeof notifyRuleSchema>;

export const configSchema = z
  .strictObject({
    site: z
      .strictObject({
        title: z.string().min(1).default('Vigie'),
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(8080),
        /** Public address, for links in feeds and messages. */
        base_url: webUrl.optional(),
        /** Extra processes sharing site.port that answer the public page and API from the prepared bytes (src/web/workers.ts); unset: VIGIE_WEB_WORKERS, else 0 (this process answers everything). */
        workers: z.number().int().min(0).max(64).optional(),
      })
      .prefault({}),
    store: z
      .strictObject({
        /** SQLite file; ignored when DATABASE_URL or url is set. */
        path: z.string().default('./data/vigie.db'),
        url: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').optional(),
        /** How long raw observations and each rollup resolution are kept (src/store/retention.ts). */
        retention: z
          .strictObject({
            raw: duration.default(7 * 86_400_000).refine((ms) => ms >= 3_600_000, 'must be at least 1h (the rollup job reads raw rows first)'),
            per_minute: duration.default(2 * 86_400_000).refine((ms) => ms >= 3_600_000, 'must be at least 1h'),
            per_hour: duration.default(90 * 86_400_000).refine((ms) => ms >= 90 * 86_400_000, 'must be at least 90d'),
            per_day: duration.default(400 * 86_400_000).refine((ms) => ms >= 90 * 86_400_000, 'must be at least 90d (the 90-day bars)'),
            reports: duration.default(7 * 86_400_000).refine((ms) => ms >= 86_400_000, 'must be at least 1d (dedup and moderation read recent reports)'),
            report_counts: duration.default(42 * 86_400_000).refine((ms) => ms >= 8 * 86_400_000, 'must be at least 8d (the crowd level learns from the last 8 days of report counts)'),
          })
          .prefault({}),
      })
      .prefault({}),
    defaults: z
      .strictObject({
        interval: duration.default(60_000),
        timeout: duration.default(10_000),
        /** Consecutive failed checks before a monitor counts as down. */
        failures_to_down: z.number().int().min(1).default(2),
        /** Consecutive good checks before a down monitor counts as up again. */
        successes_to_up: z.number().int().min(1).default(2),
      })
      .prefault({}),
    services: z.array(serviceSchema).default([]),
    /** Regions served by `vigie agent` processes (src/agent); monitors' own `regions:` lists add theirs. */
    regions: z.array(slug.refine((r) => r !== 'local', '"local" is the server itself, not an agent region')).default([]),
    notify: notifySchema.prefault({}),
    detection: detectionSchema.prefault({}),
    reports: reportsSchema.prefault({}),
    /** The outage history (src/analytics): the zone its days and months are counted in. */
    history: z
      .strictObject({ time_zone: z.string().default('UTC').refine(isTimeZone, 'must be an IANA time zone, e.g. UTC or Europe/Paris') })
      .prefault({}),
    /** `vigie gateway`: the OpenAI-compatible failover proxy (src/gateway/config.ts). */
    gateway: gatewaySchema({ duration, rateLimit }).optional(),
    /** Several `vigie start` on one PostgreSQL sharing the work (src/cluster, docs/scaling.md); present = on. */
    cluster: z
      .strictObject({
        /** Leases the monitors are split into: a few per node at least, so shares stay even. */
        shards: z.number().int().min(1).max(4096).default(64),
        /** A node silent this long loses its shards and roles; takeover within about 1.3× this. */
        lease_ttl: duration.default(6_000).refine((ms) => ms >= 1_000 && ms <= 60_000, 'must be between 1s and 60s'),
      })
      .optional(),
    /** Sign-in to the console (src/auth): OpenID Connect, when set. */
    auth: z.strictObject({ oidc: oidcSchema(webUrl).optional() }).prefault({}),
  })
  .superRefine((cfg, ctx) => {
    // Cross-references: ids unique where they must be, dependencies that resolve.
    const componentIds = new Set<string>();
    cfg.services.forEach((s, si) => {
      if (cfg.services.findIndex((o) => o.id === s.id) !== si) {
        ctx.addIssue({ code: 'custom', path: ['services', si, 'id'], message: `duplicate service id "${s.id}"` });
        return; // its components would all repeat the same complaint
      }
      s.components.forEach((c, ci) => {
        const full = `${s.id}/${c.id}`;
        if (componentIds.has(full))
          ctx.addIssue({ code: 'custom', path: ['services', si, 'components', ci, 'id'], message: `duplicate component id "${c.id}" in service "${s.id}"` });
        componentIds.add(full);
        const names = new Set<string>();
        c.monitors.forEach((m, mi) => {
          if (names.has(m.name))
            ctx.addIssue({ code: 'custom', path: ['services', si, 'components', ci, 'monitors', mi, 'name'], message: `duplicate monitor name "${m.name}" in component "${full}"` });
          names.add(m.name);
          monitorRegionIssues(m).forEach((message) => ctx.addIssue({ code: 'custom', path: ['services', si, 'components', ci, 'monitors', mi, 'regions'], message }));
        });
      });
    });
    cfg.services.forEach((s, si) =>
      s.components.forEach((c, ci) =>
        c.depends_on.forEach((d, di) => {
          const full = d.includes('/') ? d : `${s.id}/${d}`;
          if (!componentIds.has(full))
            ctx.addIssue({ code: 'custom', path: ['services', si, 'components', ci, 'depends_on', di], message: `unknown component "${d}"` });
          else if (full === `${s.id}/${c.id}`)
            ctx.addIssue({ code: 'custom', path: ['services', si, 'components', ci, 'depends_on', di], message: 'a component cannot depend on itself' });
        }),
      ),
    );
    // Service dependencies name a service or a component of another service.
    const serviceIds = new Set(cfg.services.map((s) => s.id));
    cfg.services.forEach((s, si) =>
      s.depends_on.forEach((d, di) => {
        const [sid] = d.split('/');
        const path = ['services', si, 'depends_on', di];
        if (d.includes('/') ? !componentIds.has(d) : !serviceIds.has(d)) ctx.addIssue({ code: 'custom', path, message: `unknown ${d.includes('/') ? 'component' : 'service'} "${d}"` });
        else if (sid === s.id) ctx.addIssue({ code: 'custom', path, message: 'a service cannot depend on itself' });
      }),
    );
    const serviceLoop = findCycle(new Map(cfg.services.map((s) => [s.id, s.depends_on.map((d) => d.split('/')[0]!).filter((d) => d !== s.id)] as const)));
    if (serviceLoop) ctx.addIssue({ code: 'custom', path: ['services', cfg.services.findIndex((s) => s.id === serviceLoop[0]), 'depends_on'], message: `dependency loop: ${serviceLoop.join(' → ')}` });
    // A dependency loop would make every component in it wait on itself.
    const deps = new Map<string, string[]>(cfg.services.flatMap((s) => s.components.map((c) => [`${s.id}/${c.id}`, c.depends_on.map((d) => (d.includes('/') ? d : `${s.id}/${d}`))] as const)));
    const loop = findCycle(deps);
    if (loop) {
      const [sid, cid] = loop[0]!.split('/');
      const si = cfg.services.findIndex((s) => s.id === sid);
      const ci = cfg.services[si]!.components.findIndex((c) => c.id === cid);
      ctx.addIssue({ code: 'custom', path: ['services', si, 'components', ci, 'depends_on'], message: `dependency loop: ${loop.join(' → ')}` });
    }
  });

export type VigieConfig = z.output<typeof configSchema>;

/** The config flattened into the entities the store keeps, with their full ids. */
export interface ServiceEntity {
  id: string;
  name: string;
  description: string | null;
  url: string | null;
  position: number;
}
export interface ComponentEntity {
  id: string; // service/component
  serviceId: string;
  name: string;
  description: string | null;
  groupName: string | null;
  dependsOn: string[]; // full ids
  position: number;
}
/** A monitor with its kind and that kind's target (see monitors.ts for each target's shape). */
export type MonitorEntity = KindAndTarget & {
  id: string; // service/component/monitor
  componentId: string;
  region: string;
  intervalMs: number;
  timeoutMs: number;
  degradedAfterMs: number | null;
};
export type { DnsTarget, HeartbeatTarget, HttpTarget, IcmpTarget, LlmTarget, TcpTarget, TlsTarget, WebSocketTarget } from './monitors.js';

export interface Entities {
  services: ServiceEntity[];
  components: ComponentEntity[];
  monitors: MonitorEntity[];
}

export function toEntities(cfg: VigieConfig): Entities {
  const out: Entities = { services: [], components: [], monitors: [] };
  cfg.services.forEach((s, si) => {
    out.services.push({ id: s.id, name: s.name, description: s.description ?? null, url: s.url ?? null, position: si });
    s.components.forEach((c, ci) => {
      const cid = `${s.id}/${c.id}`;
      out.components.push({
        id: cid,
        serviceId: s.id,
        name: c.name,
        description: c.description ?? null,
        groupName: c.group ?? null,
        dependsOn: c.depends_on.map((d) => (d.includes('/') ? d : `${s.id}/${d}`)),
        position: ci,
      });
      for (const m of c.monitors) {
        const intervalMs = m.interval ?? cfg.defaults.interval;
        for (const { id, region } of monitorUnits(`${cid}/${m.name}`, m))
          out.monitors.push({
            id,
            componentId: cid,
            ...toKindAndTarget(m, intervalMs),
            region,
            intervalMs,
            timeoutMs: m.timeout ?? cfg.defaults.timeout,
            degradedAfterMs: m.degraded_after ?? null,
          });
      }
    });
  });
  return out;
}
