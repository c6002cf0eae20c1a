// `vigie export`: the app-made services, components and monitors as vigie.yaml writes them, so a
// team can move what it made in the console into config as code. A component or monitor made in
// the app under a service or component of vigie.yaml comes with that parent's id and name only
// (marked by a comment): merge its children into the file's entry. Entries are written as stored,
// secrets included: replace them with ${VARIABLES} before committing the file.
import { type Document, isMap, isSeq, parseDocument, stringify } from 'yaml';
import type { VigieConfig } from '../config/schema.js';
import type { StoredEntry } from '../store/catalog.js';
import { maskEntry } from './display.js';

type Json = Record<string, unknown>;

export interface ExportResult {
  yaml: string;
  services: number;
  components: number;
  monitors: number;
  /** Stored monitors whose entries hold a secret (a header, a key, a password, a push token). */
  secrets: string[];
  /** Stored entries left out: their parent is neither stored nor in vigie.yaml any more. */
  orphans: string[];
}

export function exportCatalog(file: VigieConfig, stored: readonly StoredEntry[], at: number): ExportResult {
  const services: (Json & { components: Json[] })[] = [];
  const stubs = new Set<Json>();
  const paused = new Set<Json>();
  const serviceOf = new Map<string, Json & { components: Json[] }>();
  const componentOf = new Map<string, Json & { monitors?: Json[] }>();
  const service = (id: string) => {
    let s = serviceOf.get(id);
    if (s) return s;
    const fromFile = file.services.find((x) => x.id === id);
    if (!fromFile) return undefined;
    s = { id, name: fromFile.name, components: [] };
    stubs.add(s);
    serviceOf.set(id, s);
    services.push(s);
    return s;
  };
  const component = (id: string) => {
    let c = componentOf.get(id);
    if (c) return c;
    const [sid, cid] = id.split('/');
    const fromFile = file.services.find((x) => x.id === sid)?.components.find((x) => x.id === cid);
    const s = service(sid!);
    if (!fromFile || !s) return undefined;
    c = { id: cid, name: fromFile.name };
    stubs.add(c);
    componentOf.set(id, c);
    s.components.push(c);
    return c;
  };
  const counts = { services: 0, components: 0, monitors: 0 };
  const secrets: string[] = [];
  const orphans: string[] = [];
  for (const e of stored) {
    if (e.level === 'service') {
      const s = { ...e.entry, components: [] as Json[] };
      serviceOf.set(e.id, s);
      services.push(s);
      counts.services++;
    } else if (e.level === 'component') {
      const s = serviceOf.get(e.parent) ?? service(e.parent);
      if (!s) {
        orphans.push(e.id);
        continue;
      }
      const c = { ...e.entry };
      s.components.push(c);
      componentOf.set(e.id, c);
      counts.components++;
    } else {
      const c = componentOf.get(e.parent) ?? component(e.parent);
      if (!c) {
        orphans.push(e.id);
        continue;
      }
      const m = { ...e.entry };
      (c.monitors ??= []).push(m);
      if (e.paused) paused.add(m);
      if (JSON.stringify(maskEntry(e.entry)) !== JSON.stringify(e.entry)) secrets.push(e.id);
      counts.monitors++;
    }
  }
  const doc: Document = parseDocument(stringify({ services }, { lineWidth: 0 }));
  doc.commentBefore = ` Made in the Vigie app; written by \`vigie export\` on ${new Date(at).toISOString()}.\n Add these services to vigie.yaml (those marked "defined in vigie.yaml" are already there: merge their children into them).`;
  // Comments on the nodes built from stubs and paused monitors, found by walking the same shape.
  const list = doc.get('services', true);
  if (isSeq(list))
    list.items.forEach((sn, si) => {
      const s = services[si]!;
      if (isMap(sn) && stubs.has(s)) sn.commentBefore = ` service "${String(s.id)}" is defined in vigie.yaml: add the components below to it`;
      const comps = isMap(sn) ? sn.get('components', true) : undefined;
      if (!isSeq(comps)) return;
      comps.items.forEach((cn, ci) => {
        const c = s.components[ci] as Json & { monitors?: Json[] };
        if (isMap(cn) && stubs.has(c)) cn.commentBefore = ` component "${String(s.id)}/${String(c.id)}" is defined in vigie.yaml: add the monitors below to it`;
        const mons = isMap(cn) ? cn.get('monitors', true) : undefined;
        if (!isSeq(mons)) return;
        mons.items.forEach((mn, mi) => {
          if (isMap(mn) && paused.has(c.monitors![mi]!)) mn.commentBefore = ' paused in the app (a file has no pause: remove it or keep it running)';
        });
      });
    });
  return { yaml: doc.toString({ lineWidth: 0 }), ...counts, secrets, orphans };
}
