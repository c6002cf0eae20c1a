// Admin API: services and components, as a tree with where each comes from ("config": vigie.yaml,
// read-only here; "app": made through this API), and the app-made ones' creation, edits and
// deletion. Entries have the config file's shape and are checked by its loader (src/catalog).
import { z } from 'zod';
import type { Catalog } from '../../catalog/catalog.js';
import { AdminError, route } from './admin-common.js';
import { audit, catalogError } from './admin-monitors.js';

const source = z.enum(['config', 'app']);
const entry = z.record(z.string(), z.unknown());

const monitorRef = z.strictObject({ id: z.string(), monitor_id: z.string(), name: z.string(), region: z.string(), kind: z.string(), source, paused: z.boolean() });
const componentOut = z.strictObject({
  id: z.string().meta({ description: '"service/component"' }),
  name: z.string(),
  description: z.string().nullable(),
  group: z.string().nullable(),
  depends_on: z.array(z.string()),
  source,
  entry: entry.nullable().meta({ description: 'app-made: the stored entry (without monitors), to edit' }),
  monitors: z.array(monitorRef),
});
const serviceOut = z.strictObject({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  url: z.string().nullable(),
  source,
  entry: entry.nullable().meta({ description: 'app-made: the stored entry (without components), to edit' }),
  components: z.array(componentOut),
});

const idParams = z.strictObject({ id: z.string().min(1).max(300) });
const cascadeQuery = z.strictObject({ cascade: z.enum(['true', 'false']).default('false').transform((v) => v === 'true') });

export function catalogAdminRoutes(o: { catalog: Catalog }) {
  const c = o.catalog;
  const serviceJson = (id: string) => {
    const s = tree().find((x) => x.id === id);
    if (!s) throw new AdminError(404, 'not_found', `no service "${id}"`);
    return s;
  };
  const tree = () =>
    c.tree().map((s) => ({
      id: s.service.id,
      name: s.service.name,
      description: s.service.description ?? null,
      url: s.service.url ?? null,
      source: s.source,
      entry: s.entry,
      components: s.components.map((x) => ({
        id: x.id,
        name: x.component.name,
        description: x.component.description ?? null,
        group: x.component.group ?? null,
        depends_on: x.component.depends_on,
        source: x.source,
        entry: x.entry,
        monitors: x.units.map((u) => ({ id: u.id, monitor_id: u.monitorId, name: u.name, region: u.region, kind: u.kind, source: u.source, paused: u.paused })),
      })),
    }));
  const componentJson = (id: string) => {
    const comp = tree().flatMap((s) => s.components).find((x) => x.id === id);
    if (!comp) throw new AdminError(404, 'not_found', `no component "${id}"`);
    return comp;
  };
  return [
    route({
      method: 'GET',
      url: '/services',
      operationId: 'listServices',
      summary: 'Services, their components and their monitors, each marked config (vigie.yaml, read-only) or app',
      tag: 'catalog',
      response: z.strictObject({ services: z.array(serviceOut), problems: z.array(z.strictObject({ id: z.string(), message: z.string() })).meta({ description: 'stored entries left out (their id now in vigie.yaml, a parent gone)' }) }),
      handler: async () => ({ services: tree(), problems: c.problems }),
    }),
    route({
      method: 'POST',
      url: '/services',
      operationId: 'createService',
      summary: 'Add a service: an entry as in vigie.yaml, with at least one component (and their monitors)',
      tag: 'catalog',
      body: entry,
      okStatus: 201,
      response: serviceOut,
      handler: async (ctx) => {
        const id = await c.createService(ctx.body).catch(catalogError);
        audit(ctx, `service:${id}`, null, ctx.body);
        return serviceJson(id);
      },
    }),
    route({
      method: 'PATCH',
      url: '/services/:id',
      operationId: 'updateService',
      summary: 'Change an app-made service: the fields given replace the stored ones (null removes one); components through /components',
      tag: 'catalog',
      params: idParams,
      body: entry,
      response: serviceOut,
      handler: async (ctx) => {
        const before = c.storedEntry('service', ctx.params.id);
        await c.updateService(ctx.params.id, ctx.body).catch(catalogError);
        audit(ctx, `service:${ctx.params.id}`, before, c.storedEntry('service', ctx.params.id));
        return serviceJson(ctx.params.id);
      },
    }),
    route({
      method: 'DELETE',
      url: '/services/:id',
      operationId: 'deleteService',
      summary: 'Delete an app-made service and its components; refused while it has monitors unless ?cascade=true',
      tag: 'catalog',
      params: idParams,
      query: cascadeQuery,
      response: z.strictObject({ removed: z.array(z.string()) }),
      handler: async (ctx) => {
        const before = c.storedEntry('service', ctx.params.id);
        const r = await c.deleteService(ctx.params.id, ctx.query.cascade).catch(catalogError);
        audit(ctx, `service:${ctx.params.id}`, before, null);
        return r;
      },
    }),
    route({
      method: 'POST',
      url: '/services/:id/components',
      operationId: 'createComponent',
      summary: 'Add a component to a service (from vigie.yaml or the app): an entry as in vigie.yaml, monitors included',
      tag: 'catalog',
      params: idParams,
      body: entry,
      okStatus: 201,
      response: componentOut,
      handler: async (ctx) => {
        const id = await c.createComponent(ctx.params.id, ctx.body).catch(catalogError);
        audit(ctx, `component:${id}`, null, ctx.body);
        return componentJson(id);
      },
    }),
    route({
      method: 'PATCH',
      url: '/components/:id',
      operationId: 'updateComponent',
      summary: 'Change an app-made component ("service/component", URL-encoded): the fields given replace the stored ones',
      tag: 'catalog',
      params: idParams,
      body: entry,
      response: componentOut,
      handler: async (ctx) => {
        const before = c.storedEntry('component', ctx.params.id);
        await c.updateComponent(ctx.params.id, ctx.body).catch(catalogError);
        audit(ctx, `component:${ctx.params.id}`, before, c.storedEntry('component', ctx.params.id));
        return componentJson(ctx.params.id);
      },
    }),
    route({
      method: 'DELETE',
      url: '/components/:id',
      operationId: 'deleteComponent',
      summary: 'Delete an app-made component; refused while it has monitors unless ?cascade=true',
      tag: 'catalog',
      params: idParams,
      query: cascadeQuery,
      response: z.strictObject({ removed: z.array(z.string()) }),
      handler: async (ctx) => {
        const before = c.storedEntry('component', ctx.params.id);
        const r = await c.deleteComponent(ctx.params.id, ctx.query.cascade).catch(catalogError);
        audit(ctx, `component:${ctx.params.id}`, before, null);
        return r;
      },
    }),
  ];
}
