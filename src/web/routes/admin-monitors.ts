// Admin API: monitors for the operator console. Reading (the list from memory, one monitor with its
// config, certificate and regions, its series for uPlot, uptime per day, last failures), editing
// app-made monitors (validated by the config loader, src/catalog), pause and resume, and "Test now"
// through the real probe registry. Ids in paths are URL-encoded: "acme%2Fapi%2Fhome%40eu".
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { MonitorEntity } from '../../config/schema.js';
import type { ProbeReport } from '../../probes/types.js';
import type { MonitorBoard } from '../../catalog/board.js';
import { type Catalog, CatalogError, type Unit, type UnitState } from '../../catalog/catalog.js';
import { DAY_MS, rollupSeries, uptimeBars, dayBars } from '../../store/rollups.js';
import { lastFailures, observationsBetween } from '../../store/monitor-history.js';
import type { Database } from '../../store/schema.js';
import { AdminError, iso, isoTime, route } from './admin-common.js';
import { maskDeep } from '../../catalog/display.js';

export interface MonitorAdminDeps {
  catalog: Catalog;
  board: MonitorBoard;
  db: Kysely<Database>;
  now: () => number;
  /** Runs one check of a unit now, through the probe registry, within `deadlineMs`. */
  runOnce: (m: MonitorEntity, deadlineMs: number) => Promise<ProbeReport>;
}

/** Called by routes that change something, once the auth branch gives handlers an audit callback. */
export type Audit = (e: { target: string; before: unknown; after: unknown }) => unknown;
export function audit(ctx: object, target: string, before: unknown, after: unknown): void {
  const fn = (ctx as { audit?: Audit }).audit;
  // Entries hold secrets (headers, keys, push tokens): the audit log keeps that they changed, not their values.
  if (typeof fn === 'function') void fn({ target, before: maskDeep(before ?? null), after: maskDeep(after ?? null) });
}

export const STATUSES = ['up', 'down', 'degraded', 'paused', 'unknown'] as const;
const source = z.enum(['config', 'app']);
const t = isoTime.nullable();
const errorOut = z.strictObject({ kind: z.string(), message: z.string() }).nullable();

const monitorItem = z.strictObject({
  id: z.string().meta({ description: 'the unit id: "service/component/name", or "…@region" for a monitor with regions:' }),
  monitor_id: z.string().meta({ description: 'the monitor ("service/component/name"), shared by its regions' }),
  name: z.string(),
  service: z.string(),
  service_name: z.string(),
  component: z.string().meta({ description: '"service/component"' }),
  component_name: z.string(),
  kind: z.string(),
  target: z.string().meta({ description: 'one line, without secrets' }),
  region: z.string(),
  interval_s: z.number(),
  status: z.enum(STATUSES),
  since: t,
  last_check_at: t,
  last_latency_ms: z.number().nullable(),
  last_error: errorOut,
  source,
  paused: z.boolean(),
});

function item(u: Unit, s: UnitState) {
  return {
    id: u.id,
    monitor_id: u.monitorId,
    name: u.name,
    service: u.serviceId,
    service_name: u.serviceName,
    component: u.componentId,
    component_name: u.componentName,
    kind: u.kind,
    target: u.target,
    region: u.region,
    interval_s: u.intervalMs / 1000,
    status: s.status,
    since: iso(s.since),
    last_check_at: iso(s.lastAt),
    last_latency_ms: s.latencyMs,
    last_error: s.error,
    source: u.source,
    paused: u.paused,
  };
}

const idParams = z.strictObject({ id: z.string().min(1).max(500) });

const listQuery = z.strictObject({
  q: z.string().max(200).optional().meta({ description: 'text found in the id, name, target, service or component name (any case)' }),
  status: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return undefined;
      const list = v.split(',').map((x) => x.trim());
      const bad = list.find((x) => !(STATUSES as readonly string[]).includes(x));
      if (bad !== undefined) {
        ctx.addIssue({ code: 'custom', message: `"${bad}" is not a status (one or more of ${STATUSES.join(', ')}, comma-separated)` });
        return z.NEVER;
      }
      return list as (typeof STATUSES)[number][];
    })
    .meta({ description: `one or more of ${STATUSES.join(', ')}, comma-separated` }),
  service: z.string().max(200).optional(),
  region: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(20_000).default(1000),
  cursor: z.string().max(600).optional().meta({ description: 'next_cursor of the previous page' }),
});

const RANGES = { '1h': { ms: 3_600_000, res: 'raw' }, '1d': { ms: DAY_MS, res: 'raw' }, '30d': { ms: 30 * DAY_MS, res: 'hour' }, '90d': { ms: 90 * DAY_MS, res: 'day' } } as const;
const nums = z.array(z.number().nullable());
const seriesResponse = z.strictObject({
  id: z.string(),
  range: z.enum(['1h', '1d', '30d', '90d']),
  resolution: z.enum(['raw', 'hour', 'day']).meta({ description: 'raw checks (1h, 1d) or rollups (30d: per hour, 90d: per day; phases are not kept there)' }),
  t: z.array(z.number()).meta({ description: 'epoch seconds' }),
  total_ms: nums.meta({ description: 'raw: each successful check; rollups: mean of the successful checks; null where none' }),
  dns_ms: nums,
  connect_ms: nums,
  tls_ms: nums,
  first_byte_ms: nums,
  ok: nums.meta({ description: 'raw: 1 or 0; rollups: the share of good checks' }),
});

const certOut = z.strictObject({ expires_at: z.string(), days_left: z.number(), subject: z.string().nullable(), issuer: z.string().nullable(), seen_at: t }).nullable();
const regionOut = z.strictObject({ id: z.string(), region: z.string(), status: z.enum(STATUSES), since: t, last_check_at: t, last_latency_ms: z.number().nullable(), last_error: errorOut });
const detailResponse = monitorItem.extend({
  timeout_s: z.number(),
  config: z.record(z.string(), z.unknown()).meta({ description: 'the monitor as vigie.yaml writes it, secrets shown as ********' }),
  certificate: certOut,
  regions: z.array(regionOut),
});
const observationOut = z.strictObject({
  ok: z.boolean(),
  degraded: z.boolean(),
  status_code: z.number().nullable(),
  latency_ms: z.number(),
  phases: z.strictObject({ dns_ms: z.number().nullable(), connect_ms: z.number().nullable(), tls_ms: z.number().nullable(), first_byte_ms: z.number().nullable(), total_ms: z.number() }),
  error: errorOut,
  details: z.record(z.string(), z.unknown()),
});
const testResponse = z.strictObject({ id: z.string(), region: z.string(), at: isoTime, observation: observationOut });

/** A unit of the monitor asked for; a monitor with several regions must be asked by unit. */
function oneUnit(c: Catalog, id: string): Unit {
  const found = c.monitor(id);
  if (!found) throw new AdminError(404, 'not_found', `no monitor "${id}"`);
  if (!found.unit) throw new AdminError(400, 'invalid_request', `runs in several regions: ask for one of ${found.units.map((u) => `"${u.id}"`).join(', ')}`, 'params.id');
  return found.unit;
}

export function catalogError(err: unknown): never {
  if (err instanceof CatalogError) throw new AdminError(err.status, err.code, err.message, undefined, err.problems);
  throw err;
}

function observationJson(r: ProbeReport) {
  return {
    ok: r.ok,
    degraded: r.degraded,
    status_code: r.statusCode ?? null,
    latency_ms: r.phases.totalMs,
    phases: { dns_ms: r.phases.dnsMs ?? null, connect_ms: r.phases.connectMs ?? null, tls_ms: r.phases.tlsMs ?? null, first_byte_ms: r.phases.firstByteMs ?? null, total_ms: r.phases.totalMs },
    error: r.error ? { kind: r.error.kind, message: r.error.message } : null,
    details: { ...(r.details ?? {}) } as Record<string, unknown>,
  };
}

/** "Test now" waits at most this long whatever the monitor's timeout (a request must end). */
export const TEST_DEADLINE_MS = 30_000;

export function monitorReadRoutes(o: MonitorAdminDeps) {
  const c = o.catalog;
  return [
    route({
      method: 'GET',
      url: '/monitors',
      operationId: 'listMonitors',
      summary: 'Monitor units with their live status, filtered and paged (from memory)',
      tag: 'monitors',
      query: listQuery,
      response: z.strictObject({ monitors: z.array(monitorItem), next_cursor: z.string().nullable(), total: z.number().int() }),
      handler: async ({ query: q }) => {
        try {
          const page = c.list({ limit: q.limit, ...(q.q !== undefined ? { q: q.q } : {}), ...(q.status ? { status: q.status } : {}), ...(q.service !== undefined ? { service: q.service } : {}), ...(q.region !== undefined ? { region: q.region } : {}), ...(q.cursor !== undefined ? { cursor: q.cursor } : {}) });
          return { monitors: page.units.map((x) => item(x.unit, x.state)), next_cursor: page.next, total: c.units.length };
        } catch (err) {
          return catalogError(err);
        }
      },
    }),
    route({
      method: 'GET',
      url: '/monitors/:id',
      operationId: 'getMonitor',
      summary: 'One monitor (by its id or a unit id): config with secrets masked, status, certificate, region states',
      tag: 'monitors',
      params: idParams,
      response: detailResponse,
      handler: async ({ params }) => {
        const found = c.monitor(params.id);
        if (!found) throw new AdminError(404, 'not_found', `no monitor "${params.id}"`);
        const u = found.unit ?? found.units[0]!;
        const state = found.unit ? c.stateOf(found.unit) : c.worst(found.units);
        const certs = (found.unit ? [found.unit] : found.units).map((x) => o.board.cert(x.id)).filter((x) => x !== undefined);
        const cert = certs.sort((a, b) => b.at - a.at)[0];
        return {
          ...item(u, state),
          id: params.id,
          region: found.unit ? u.region : found.units.map((x) => x.region).join(','),
          timeout_s: u.timeoutMs / 1000,
          config: c.entryOf(u.monitorId) ?? {},
          certificate: cert ? { expires_at: cert.expiresAt, days_left: cert.daysLeft, subject: cert.subject, issuer: cert.issuer, seen_at: iso(cert.at) } : null,
          regions: found.units.map((x) => {
            const s = c.stateOf(x);
            return { id: x.id, region: x.region, status: s.status, since: iso(s.since), last_check_at: iso(s.lastAt), last_latency_ms: s.latencyMs, last_error: s.error };
          }),
        };
      },
    }),
    route({
      method: 'GET',
      url: '/monitors/:id/series',
      operationId: 'getMonitorSeries',
      summary: 'Response time and its phases over 1h, 1d (raw checks), 30d (hourly) or 90d (daily), as columns for uPlot',
      tag: 'monitors',
      params: idParams,
      query: z.strictObject({ range: z.enum(['1h', '1d', '30d', '90d']).default('1h') }),
      response: seriesResponse,
      handler: async ({ params, query }) => {
        const u = oneUnit(c, params.id);
        const now = o.now();
        const r = RANGES[query.range];
        const out = { id: u.id, range: query.range, resolution: r.res, t: [] as number[], total_ms: [] as (number | null)[], dns_ms: [] as (number | null)[], connect_ms: [] as (number | null)[], tls_ms: [] as (number | null)[], first_byte_ms: [] as (number | null)[], ok: [] as (number | null)[] };
        if (r.res === 'raw') {
          for (const ob of await observationsBetween(o.db, u.id, now - r.ms, now + 1)) {
            out.t.push(Math.floor(ob.at / 1000));
            const good = ob.ok;
            out.total_ms.push(good ? ob.phases.totalMs : null);
            out.dns_ms.push(good ? (ob.phases.dnsMs ?? null) : null);
            out.connect_ms.push(good ? (ob.phases.connectMs ?? null) : null);
            out.tls_ms.push(good ? (ob.phases.tlsMs ?? null) : null);
            out.first_byte_ms.push(good ? (ob.phases.firstByteMs ?? null) : null);
            out.ok.push(good ? 1 : 0);
          }
        } else {
          const step = r.res === 'hour' ? 3_600_000 : DAY_MS;
          const from = Math.floor((now - r.ms) / step) * step;
          for (const x of await rollupSeries(o.db, u.id, r.res, from, now + 1)) {
            const timed = x.histogram.reduce((a, b) => a + b, 0);
            out.t.push(Math.floor(x.bucket / 1000));
            out.total_ms.push(timed > 0 ? Math.round((x.latencySumMs / timed) * 100) / 100 : null);
            out.dns_ms.push(null);
            out.connect_ms.push(null);
            out.tls_ms.push(null);
            out.first_byte_ms.push(null);
            out.ok.push(x.count > 0 ? x.okCount / x.count : null);
          }
        }
        return out;
      },
    }),
    route({
      method: 'GET',
      url: '/monitors/:id/days',
      operationId: 'getMonitorDays',
      summary: 'Uptime per UTC day (from the day rollups), oldest first',
      tag: 'monitors',
      params: idParams,
      query: z.strictObject({ days: z.coerce.number().int().min(1).max(400).default(90) }),
      response: z.strictObject({ id: z.string(), days: z.array(z.strictObject({ day: z.string(), checks: z.number().int(), ok: z.number().int(), degraded: z.number().int(), uptime: z.number().nullable() })) }),
      handler: async ({ params, query }) => {
        const u = oneUnit(c, params.id);
        const bars = (await uptimeBars(o.db, { monitorIds: [u.id] }, { days: query.days, now: o.now() })).get(u.id)!;
        return { id: u.id, days: dayBars(bars).map((d) => ({ day: iso(d.day)!.slice(0, 10), checks: d.count, ok: d.okCount, degraded: d.degradedCount, uptime: d.uptime })) };
      },
    }),
    route({
      method: 'GET',
      url: '/monitors/:id/failures',
      operationId: 'listMonitorFailures',
      summary: 'The last failed checks (30 days at most), newest first, with their classified error and region',
      tag: 'monitors',
      params: idParams,
      query: z.strictObject({ limit: z.coerce.number().int().min(1).max(500).default(50) }),
      response: z.strictObject({ id: z.string(), failures: z.array(z.strictObject({ at: isoTime, region: z.string(), error_kind: z.string().nullable(), error_message: z.string().nullable(), status_code: z.number().nullable(), latency_ms: z.number() })) }),
      handler: async ({ params, query }) => {
        const u = oneUnit(c, params.id);
        const now = o.now();
        const list = await lastFailures(o.db, u.id, query.limit, now - 30 * DAY_MS);
        return { id: u.id, failures: list.map((f) => ({ at: iso(f.at)!, region: f.region, error_kind: f.error?.kind ?? null, error_message: f.error?.message ?? null, status_code: f.statusCode ?? null, latency_ms: f.phases.totalMs })) };
      },
    }),
  ];
}

const entry = z.record(z.string(), z.unknown()).meta({ description: 'a monitor entry exactly as in vigie.yaml (type, name, url, interval, …)' });

export function monitorEditRoutes(o: MonitorAdminDeps) {
  const c = o.catalog;
  const run = async (units: MonitorEntity[], region: string | undefined) => {
    const u = units.find((x) => x.region === region) ?? units.find((x) => x.region === 'local') ?? units[0];
    if (!u) throw new AdminError(400, 'invalid_request', 'the monitor has no unit to run', 'body');
    const at = o.now();
    const r = await o.runOnce(u, Math.min(u.timeoutMs, TEST_DEADLINE_MS));
    return { id: u.id, region: u.region, at: iso(at)!, observation: observationJson(r) };
  };
  const detail = async (id: string) => {
    const found = c.monitor(id);
    return found ? { id, source: found.units[0]!.source, config: c.storedEntry('monitor', found.units[0]!.monitorId) ?? null, paused: found.units[0]!.paused } : null;
  };
  const baseId = (id: string) => c.monitor(id)?.units[0]?.monitorId ?? id;
  return [
    route({
      method: 'POST',
      url: '/monitors',
      operationId: 'createMonitor',
      summary: 'Add a monitor to a component (validated as vigie.yaml is); it is scheduled at once',
      tag: 'monitors',
      body: z.strictObject({ service: z.string().min(1), component: z.string().min(1).meta({ description: 'the component\'s id in the service ("api"), or "service/component"' }), monitor: entry }),
      okStatus: 201,
      response: z.strictObject({ id: z.string(), units: z.array(z.string()) }),
      handler: async (ctx) => {
        const { body } = ctx;
        const cid = body.component.includes('/') ? body.component : `${body.service}/${body.component}`;
        if (cid.split('/')[0] !== body.service) throw new AdminError(400, 'invalid_request', `is in service "${cid.split('/')[0]}", not "${body.service}"`, 'body.component');
        const id = await c.createMonitor(cid, body.monitor).catch(catalogError);
        audit(ctx, `monitor:${id}`, null, c.storedEntry('monitor', id));
        return { id, units: (c.monitor(id)?.units ?? []).map((u) => u.id) };
      },
    }),
    route({
      method: 'PATCH',
      url: '/monitors/:id',
      operationId: 'updateMonitor',
      summary: 'Change an app-made monitor: the fields given replace the stored ones (null removes one; ******** keeps a secret)',
      tag: 'monitors',
      params: idParams,
      body: z.strictObject({ monitor: entry }),
      response: z.strictObject({ id: z.string(), units: z.array(z.string()) }),
      handler: async (ctx) => {
        const id = baseId(ctx.params.id);
        const before = c.storedEntry('monitor', id);
        await c.updateMonitor(id, ctx.body.monitor).catch(catalogError);
        audit(ctx, `monitor:${id}`, before, c.storedEntry('monitor', id));
        return { id, units: (c.monitor(id)?.units ?? []).map((u) => u.id) };
      },
    }),
    route({
      method: 'DELETE',
      url: '/monitors/:id',
      operationId: 'deleteMonitor',
      summary: 'Delete an app-made monitor (its history stays in the store)',
      tag: 'monitors',
      params: idParams,
      okStatus: 204,
      handler: async (ctx) => {
        const id = baseId(ctx.params.id);
        const before = c.storedEntry('monitor', id);
        await c.deleteMonitor(id).catch(catalogError);
        audit(ctx, `monitor:${id}`, before, null);
      },
    }),
    ...(['pause', 'resume'] as const).map((action) =>
      route({
        method: 'POST',
        url: `/monitors/:id/${action}`,
        operationId: `${action}Monitor`,
        summary: action === 'pause' ? 'Pause an app-made monitor: not scheduled, shown as paused (not down)' : 'Resume a paused monitor',
        tag: 'monitors',
        params: idParams,
        response: z.strictObject({ id: z.string(), paused: z.boolean() }),
        handler: async (ctx) => {
          const id = baseId(ctx.params.id);
          const before = await detail(id);
          await c.setPaused(id, action === 'pause').catch(catalogError);
          audit(ctx, `monitor:${id}`, before && { paused: before.paused }, { paused: action === 'pause' });
          return { id, paused: action === 'pause' };
        },
      }),
    ),
    route({
      method: 'POST',
      url: '/monitors/test',
      operationId: 'testMonitorEntry',
      summary: 'Run a monitor entry once now, without saving it (validated as vigie.yaml is)',
      tag: 'monitors',
      body: z.strictObject({ monitor: entry, service: z.string().optional(), component: z.string().optional(), region: z.string().optional() }),
      response: testResponse,
      handler: async ({ body }) => {
        const cid = body.component === undefined ? undefined : body.component.includes('/') ? body.component : `${body.service ?? ''}/${body.component}`;
        let units: MonitorEntity[];
        try {
          units = c.trial(body.monitor, cid);
        } catch (err) {
          return catalogError(err);
        }
        return run(units, body.region);
      },
    }),
    route({
      method: 'POST',
      url: '/monitors/:id/test',
      operationId: 'testMonitor',
      summary: 'Test now: run the monitor (or the unit) once through its probe and return the observation (not stored)',
      tag: 'monitors',
      params: idParams,
      response: testResponse,
      handler: async ({ params }) => {
        const found = c.monitor(params.id);
        if (!found) throw new AdminError(404, 'not_found', `no monitor "${params.id}"`);
        return run((found.unit ? [found.unit] : found.units).map((u) => u.entity), found.unit?.region);
      },
    }),
  ];
}
