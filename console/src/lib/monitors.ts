// The dashboard's model: monitor units (one per region) folded into one row per monitor, grouped by
// service, filtered; live events change a unit in place.
import type { MonitorRow } from './types.js';

export interface Row {
  key: string;
  name: string;
  service: string;
  component: string;
  kind: string;
  target: string;
  source: 'config' | 'app';
  units: MonitorRow[];
  worst: string;
}
export type Item = { group: string; count: number } | { row: Row };

const ORDER = ['down', 'degraded', 'unknown', 'paused', 'up'];
const rank = (s: string) => {
  const i = ORDER.indexOf(s);
  return i < 0 ? 2 : i;
};

/** "svc/comp/name@region" → "svc/comp/name". */
export const baseId = (id: string) => {
  const at = id.lastIndexOf('@');
  return at > 0 ? id.slice(0, at) : id;
};

export const unitStatus = (u: MonitorRow) => (u.paused ? 'paused' : u.status);

export function fold(units: Iterable<MonitorRow>): Row[] {
  const rows = new Map<string, Row>();
  for (const u of units) {
    const key = baseId(u.id);
    let r = rows.get(key);
    if (!r) rows.set(key, (r = { key, name: u.name, service: u.service, component: u.component, kind: u.kind, target: u.target, source: u.source, units: [], worst: 'up' }));
    r.units.push(u);
    if (rank(unitStatus(u)) < rank(r.worst)) r.worst = unitStatus(u);
  }
  return [...rows.values()];
}

export function filterRows(rows: Row[], q: string, status: string): Row[] {
  const needle = q.trim().toLowerCase();
  return rows.filter((r) => {
    if (status && !r.units.some((u) => unitStatus(u) === status)) return false;
    if (!needle) return true;
    return r.key.toLowerCase().includes(needle) || r.name.toLowerCase().includes(needle) || r.target.toLowerCase().includes(needle) || r.units.some((u) => (u.region ?? '').toLowerCase().includes(needle));
  });
}

export function grouped(rows: Row[], serviceName: (id: string) => string): Item[] {
  const by = new Map<string, Row[]>();
  for (const r of rows) {
    let l = by.get(r.service);
    if (!l) by.set(r.service, (l = []));
    l.push(r);
  }
  const out: Item[] = [];
  for (const s of [...by.keys()].sort((a, b) => serviceName(a).localeCompare(serviceName(b)))) {
    const l = by.get(s)!;
    l.sort((a, b) => rank(a.worst) - rank(b.worst) || a.key.localeCompare(b.key));
    out.push({ group: s, count: l.length });
    for (const r of l) out.push({ row: r });
  }
  return out;
}

export function counts(units: Iterable<MonitorRow>): Record<string, number> {
  const c: Record<string, number> = {};
  for (const u of units) c[unitStatus(u)] = (c[unitStatus(u)] ?? 0) + 1;
  return c;
}
