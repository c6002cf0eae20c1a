// The config Vigie runs: the config file's services, components and monitors, then the app-made
// ones (src/store/catalog.ts) read with the same schemas and appended where they belong. A stored
// entry that no longer fits (its id now taken by vigie.yaml, its parent gone, a schema that changed)
// is left out and named in `problems`; the file always wins. Paused monitors are kept aside: they
// are listed, never scheduled.
import { z } from 'zod';
import { type ComponentConfig, type MonitorConfig, type ServiceConfig, type VigieConfig, componentSchema, monitorSchema, serviceSchema } from '../config/schema.js';
import type { StoredEntry } from '../store/catalog.js';

export type Source = 'config' | 'app';

export interface PausedMonitor {
  /** "service/component/name" */
  id: string;
  componentId: string;
  monitor: MonitorConfig;
}

export interface Merged {
  config: VigieConfig;
  /** Where each service ("s"), component ("s/c") and monitor ("s/c/name") comes from. */
  source: Map<string, Source>;
  paused: PausedMonitor[];
  /** Stored entries left out, and why. */
  problems: { id: string; message: string }[];
}

export const serviceHeadSchema = serviceSchema.omit({ components: true });
export const componentHeadSchema = componentSchema.omit({ monitors: true });

function issues(err: z.ZodError): string {
  return err.issues.map((i) => `${i.path.join('.') || '(entry)'}: ${i.message}`).join('; ');
}

export function mergeCatalog(file: VigieConfig, stored: readonly StoredEntry[]): Merged {
  const source = new Map<string, Source>();
  const problems: Merged['problems'] = [];
  const paused: PausedMonitor[] = [];
  const services: ServiceConfig[] = file.services.map((s) => ({ ...s, components: s.components.map((c) => ({ ...c, monitors: [...c.monitors] })) }));
  for (const s of services) {
    source.set(s.id, 'config');
    for (const c of s.components) {
      source.set(`${s.id}/${c.id}`, 'config');
      for (const m of c.monitors) source.set(`${s.id}/${c.id}/${m.name}`, 'config');
    }
  }
  const serviceById = new Map(services.map((s) => [s.id, s]));
  const componentById = new Map<string, ComponentConfig>(services.flatMap((s) => s.components.map((c) => [`${s.id}/${c.id}`, c] as const)));
  const skip = (e: StoredEntry, message: string) => problems.push({ id: e.id, message });

  for (const e of stored) {
    if (e.level === 'service') {
      if (source.has(e.id)) {
        skip(e, `service "${e.id}" is also defined in vigie.yaml: the file's is used`);
        continue;
      }
      const p = serviceHeadSchema.safeParse(e.entry);
      if (!p.success) {
        skip(e, `stored service no longer reads: ${issues(p.error)}`);
        continue;
      }
      const s: ServiceConfig = { ...p.data, components: [] };
      services.push(s);
      serviceById.set(e.id, s);
      source.set(e.id, 'app');
    } else if (e.level === 'component') {
      const s = serviceById.get(e.parent);
      if (!s) {
        skip(e, `its service "${e.parent}" is gone`);
        continue;
      }
      if (source.has(e.id)) {
        skip(e, `component "${e.id}" is also defined in vigie.yaml: the file's is used`);
        continue;
      }
      const p = componentHeadSchema.safeParse(e.entry);
      if (!p.success) {
        skip(e, `stored component no longer reads: ${issues(p.error)}`);
        continue;
      }
      const c: ComponentConfig = { ...p.data, monitors: [] };
      s.components.push(c);
      componentById.set(e.id, c);
      source.set(e.id, 'app');
    } else {
      const c = componentById.get(e.parent);
      if (!c) {
        skip(e, `its component "${e.parent}" is gone`);
        continue;
      }
      if (source.has(e.id)) {
        skip(e, `monitor "${e.id}" is also defined in vigie.yaml: the file's is used`);
        continue;
      }
      const p = monitorSchema.safeParse(e.entry);
      if (!p.success) {
        skip(e, `stored monitor no longer reads: ${issues(p.error)}`);
        continue;
      }
      source.set(e.id, 'app');
      if (e.paused) paused.push({ id: e.id, componentId: e.parent, monitor: p.data });
      else c.monitors.push(p.data);
    }
  }
  // A service whose every stored component was left out cannot run (the schema wants one); it waits, listed in problems.
  const runnable = services.filter((s) => {
    if (s.components.length > 0) return true;
    problems.push({ id: s.id, message: 'has no component left' });
    return false;
  });
  return { config: { ...file, services: runnable }, source, paused, problems };
}
