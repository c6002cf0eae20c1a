// Checks an entry sent to the admin API with the config loader itself (src/config/load.ts): the
// entry is placed, as JSON (which is YAML), in a config made of the running catalog's outline
// (every service and component by id, name and dependencies), so the schema, the cross-checks
// (duplicate ids, unknown or looping dependencies) and every message are the file's own. The
// loader's paths (services[2].components[0].monitors[0].url) are turned into the request's
// (body.monitor.url).
import { parseConfigText } from '../config/load.js';
import type { VigieConfig } from '../config/schema.js';

export interface Problem {
  field: string;
  message: string;
}

export type Placement =
  /** A whole service entry (with its components). */
  | { level: 'service'; replaces?: string }
  /** A component entry in service `serviceId`. */
  | { level: 'component'; serviceId: string; replaces?: string }
  /** A monitor entry in component `componentId` ("s/c"). */
  | { level: 'monitor'; componentId: string; replaces?: string };

type Json = Record<string, unknown>;

/** `${` is the file's variable syntax; an API entry means what it says, so each is written as the file's literal `$${`. */
function literal(v: unknown): unknown {
  if (typeof v === 'string') return v.replace(/\$\{/g, () => '$${');
  if (Array.isArray(v)) return v.map(literal);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, literal(x)]));
  return v;
}

/** The running config's outline: enough for the loader to resolve ids and dependencies, no monitors. */
function outline(config: VigieConfig): Json[] {
  return config.services.map((s) => ({
    id: s.id,
    name: s.name,
    depends_on: s.depends_on,
    components: s.components.map((c) => ({ id: c.id, name: c.name, depends_on: c.depends_on.map((d) => (d.includes('/') ? d : `${s.id}/${d}`)) })),
  }));
}

function toField(prefix: string, path: string, where: string): string | undefined {
  if (path === where) return prefix;
  if (!path.startsWith(where) || !/^[.[]/.test(path.slice(where.length))) return undefined;
  const rest = path
    .slice(where.length)
    .replace(/\["((?:[^"\\]|\\.)*)"\]/g, (_m, k: string) => `.${JSON.parse(`"${k}"`) as string}`)
    .replace(/\[(\d+)\]/g, '.$1');
  return prefix + rest;
}

/**
 * Validates `entry` placed as `p` says, against the running config; `prefix` names it in the answer
 * ("body" or "body.monitor"). Returns the loader's problems as request fields, or the parsed config.
 */
export function validateEntry(config: VigieConfig, p: Placement, entry: unknown, prefix: string, scratchService?: Json): { ok: true; config: VigieConfig } | { ok: false; problems: Problem[] } {
  const services = outline(config);
  if (scratchService) services.push(scratchService);
  let where: string;
  if (p.level === 'service') {
    const i = p.replaces === undefined ? -1 : services.findIndex((s) => s.id === p.replaces);
    if (i >= 0) services[i] = entry as Json;
    else services.push(entry as Json);
    where = `services[${i >= 0 ? i : services.length - 1}]`;
  } else {
    const sid = p.level === 'component' ? p.serviceId : p.componentId.split('/')[0]!;
    const si = services.findIndex((s) => s.id === sid);
    if (si < 0) return { ok: false, problems: [{ field: prefix, message: `unknown service "${sid}"` }] };
    const comps = services[si]!.components as Json[];
    if (p.level === 'component') {
      const i = p.replaces === undefined ? -1 : comps.findIndex((c) => c.id === p.replaces);
      if (i >= 0) comps[i] = entry as Json;
      else comps.push(entry as Json);
      where = `services[${si}].components[${i >= 0 ? i : comps.length - 1}]`;
    } else {
      const cid = p.componentId.split('/')[1];
      const ci = comps.findIndex((c) => c.id === cid);
      if (ci < 0) return { ok: false, problems: [{ field: prefix, message: `unknown component "${p.componentId}"` }] };
      comps[ci]!.monitors = [entry];
      where = `services[${si}].components[${ci}].monitors[0]`;
    }
  }
  const r = parseConfigText(JSON.stringify(literal({ regions: config.regions, services })), 'request', {});
  if (r.ok) return { ok: true, config: r.config };
  return {
    ok: false,
    problems: r.errors.map((e) => {
      const field = toField(prefix, e.path, where);
      // A problem outside the entry (a dependency loop it closes, say) is still the entry's doing.
      return field !== undefined ? { field, message: e.message } : { field: prefix, message: e.path ? `${e.path}: ${e.message}` : e.message };
    }),
  };
}

/** The loader's path of a problem, for tests comparing with a config file's errors. */
export const configPathOf = toField;
