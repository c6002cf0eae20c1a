// The shape of vigie.yaml. One source for validation and for the types the rest of Vigie reads.
// Keys are snake_case, as people write YAML; strict objects so a misspelt key is an error, not a silent default.
import { z } from 'zod';
import { parseDuration } from '../core/duration.js';
import { findCycle } from '../core/graph.js';

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

export const httpMonitorSchema = z.strictObject({
  name: slug,
  type: z.literal('http').default('http'),
  url: webUrl,
  method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']).default('GET'),
  // YAML reads `X-Retries: 3` as a number; a header value is text either way.
  headers: z.record(z.string(), z.union([z.string(), z.number()]).transform(String)).default({}),
  body: z.string().optional(),
  expected_status: z.union([statusCode, z.array(statusCode).min(1)]).default([200]).transform((v) => (Array.isArray(v) ? v : [v])),
  interval: duration.optional(),
  timeout: duration.optional(),
  /** Slower than this and the check counts as degraded, not failed. */
  degraded_after: duration.optional(),
  /** Where the check runs from; one label per monitor for now. */
  region: slug.default('local'),
});
export type HttpMonitorConfig = z.output<typeof httpMonitorSchema>;
export const monitorSchema = httpMonitorSchema;
export type MonitorConfig = HttpMonitorConfig;

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

export const serviceSchema = z.strictObject({
  id: slug,
  name: z.string().min(1),
  description: z.string().optional(),
  url: webUrl.optional(),
  components: z.array(componentSchema).min(1),
});
export type ServiceConfig = z.output<typeof serviceSchema>;

export const configSchema = z
  .strictObject({
    site: z
      .strictObject({
        title: z.string().min(1).default('Vigie'),
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(8080),
        /** Public address, for links in feeds and messages. */
        base_url: webUrl.optional(),
      })
      .prefault({}),
    store: z
      .strictObject({
        /** SQLite file; ignored when DATABASE_URL or url is set. */
        path: z.string().default('./data/vigie.db'),
        url: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').optional(),
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
export interface MonitorEntity {
  id: string; // service/component/monitor
  componentId: string;
  kind: 'http';
  region: string;
  intervalMs: number;
  timeoutMs: number;
  degradedAfterMs: number | null;
  target: HttpTarget;
}
export interface HttpTarget {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
  expectedStatus: number[];
}

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
        out.monitors.push({
          id: `${cid}/${m.name}`,
          componentId: cid,
          kind: m.type,
          region: m.region,
          intervalMs: m.interval ?? cfg.defaults.interval,
          timeoutMs: m.timeout ?? cfg.defaults.timeout,
          degradedAfterMs: m.degraded_after ?? null,
          target: { url: m.url, method: m.method, headers: m.headers, ...(m.body !== undefined ? { body: m.body } : {}), expectedStatus: m.expected_status },
        });
      }
    });
  });
  return out;
}
