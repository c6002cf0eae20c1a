// The dashboard's model: monitor units (one per region) folded into one row per monitor, grouped by
// service, filtered; live events change a unit in place.
import type { MonitorRow } from './types.js';

export interface Row {
  key: string;
  name: string;
  service: string;
  serviceName: string;
  component: string;
  kind: string;
  target: string;
  source: 'config' | 'app';
  units: MonitorRow[];
  worst: string;
}
export type Item = { group: string; name: string; count: number } | { row: Row };

const ORDER = ['down', 'degraded', 'unknown', 'paused', 'up'];
const rank = (s: string) => {
  const i = ORDER.indexOf(s);
  return i < 0 ? 2 : i;
};

export const unitStatus = (u: MonitorRow) => (u.paused ? 'paused' : u.status);

export function fold(units: Iterable<MonitorRow>): Row[] {
  const rows = new Map<string, Row>();
  for (const u of units) {
    const key = u.monitor_id;
    let r = rows.get(key);
    if (!r) rows.set(key, (r = { key, name: u.name, service: u.service, serviceName: u.service_name, component: u.component_name, kind: u.kind, target: u.target, source: u.source, units: [], worst: 'up' }));
    r.units.push(u);
    if (rank(unitStatus(u)) < rank(r.worst)) r.worst = unitStatus(u);
  }
  for (const r of rows.values()) if (r.units.length > 1) r.units.sort((a, b) => a.region.localeCompare(b.region));
  return [...rows.values()];
}

export function filterRows(rows: Row[], q: string, status: string): Row[] {
  const needle = q.trim().toLowerCase();
  return rows.filter((r) => {
    if (status && !r.units.some((u) => unitStatus(u) === status)) return false;
    if (!needle) return true;
    return r.key.toLowerCase().includes(needle) || r.name.toLowerCase().includes(needle) || r.target.toLowerCase().includes(needle) || r.serviceName.toLowerCase().includes(needle) || r.component.toLowerCase().includes(needle) || r.units.some((u) => u.region.toLowerCase().includes(needle));
  });
}

export function grouped(rows: Row[]): Item[] {
  const by = new Map<string, Row[]>();
  for (const r of rows) {
    let l = by.get(r.service);
    if (!l) by.set(r.service, (l = []));
    l.push(r);
  }
  const out: Item[] = [];
  const name = (s: string) => by.get(s)![0]!.serviceName;
  for (const s of [...by.keys()].sort((a, b) => name(a).localeCompare(name(b)))) {
    const l = by.get(s)!;
    l.sort((a, b) => rank(a.worst) - rank(b.worst) || a.key.localeCompare(b.key));
    out.push({ group: s, name: name(s), count: l.length });
    for (const r of l) out.push({ row: r });
  }
  return out;
}

export function counts(units: Iterable<MonitorRow>): Record<string, number> {
  const c: Record<string, number> = {};
  for (const u of units) c[unitStatus(u)] = (c[unitStatus(u)] ?? 0) + 1;
  return c;
}
