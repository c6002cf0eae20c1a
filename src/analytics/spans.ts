// A component's status over time, as spans. The recorded status history comes first; an incident's
// declared statuses fill in only where that history shows nothing wrong for the component during
// the incident (a manual incident, or history from before Vigie watched), so an incident that also
// shows in the status history is not counted twice, nor stretched by its resolve hold.
import { type ComponentStatus, severity } from '../core/status.js';
import type { Outage } from './outages.js';
import type { StatusChangeRecord } from './types.js';

export interface Span {
  start: number;
  end: number;
  status: ComponentStatus;
}

/** Spans from a component's status changes, up to `now`; operational spans left out. */
export function spansFromChanges(changes: readonly StatusChangeRecord[], now: number): Span[] {
  const sorted = [...changes].sort((a, b) => a.at - b.at);
  const out: Span[] = [];
  if (sorted.length > 0 && sorted[0]!.from !== 'operational') out.push({ start: -Infinity, end: sorted[0]!.at, status: sorted[0]!.from });
  sorted.forEach((c, i) => {
    const end = Math.min(i + 1 < sorted.length ? sorted[i + 1]!.at : now, now);
    if (c.to !== 'operational' && end > c.at) out.push({ start: c.at, end, status: c.to });
  });
  return out;
}

// Changes grouped by component once per list: every page asks for many components of the same list.
const byComponent = new WeakMap<readonly StatusChangeRecord[], Map<string, StatusChangeRecord[]>>();
function changesOf(changes: readonly StatusChangeRecord[], componentId: string): StatusChangeRecord[] {
  let m = byComponent.get(changes);
  if (!m) {
    m = new Map();
    for (const c of changes) {
      const l = m.get(c.componentId);
      if (l) l.push(c);
      else m.set(c.componentId, [c]);
    }
    byComponent.set(changes, m);
  }
  return m.get(componentId) ?? [];
}

/** The component's spans: its status history, plus outages it has no history for. */
export function componentSpans(componentId: string, changes: readonly StatusChangeRecord[], outages: readonly Outage[], now: number): Span[] {
  const own = spansFromChanges(changesOf(changes, componentId), now);
  const out = [...own];
  for (const o of outages) {
    const s = o.components.get(componentId);
    if (s === undefined || s === 'operational') continue;
    const end = Math.min(o.end ?? now, now);
    if (end <= o.start) continue;
    const seen = own.some((sp) => sp.start < end && sp.end > o.start && severity(sp.status) >= severity('degraded_performance'));
    if (!seen) out.push({ start: o.start, end, status: s });
  }
  return flatten(out);
}

// Statuses from the worst down, for the sweep's "worst active" lookup.
const BY_SEVERITY: ComponentStatus[] = ['major_outage', 'partial_outage', 'degraded_performance', 'under_maintenance'];
const RANK = new Map(BY_SEVERITY.map((st, i) => [st, i]));

/** Non-overlapping spans, each instant at the worst status any input span gives it (one sweep, n log n). */
export function flatten(spans: readonly Span[]): Span[] {
  const at: number[] = [];
  const rank: number[] = [];
  const delta: number[] = [];
  for (const s of spans) {
    const r = RANK.get(s.status);
    if (r === undefined || !(s.end > s.start)) continue; // operational spans change nothing
    at.push(s.start, s.end);
    rank.push(r, r);
    delta.push(1, -1);
  }
  const order = at.map((_, i) => i).sort((x, y) => at[x]! - at[y]!);
  // How many input spans of each status cover the current instant.
  const active = [0, 0, 0, 0];
  const out: Span[] = [];
  let i = 0;
  while (i < order.length) {
    const t = at[order[i]!]!;
    for (; i < order.length && at[order[i]!] === t; i++) active[rank[order[i]!]!]! += delta[order[i]!]!;
    if (i === order.length) break;
    const next = at[order[i]!]!;
    const w = active.findIndex((n) => n > 0);
    if (w < 0) continue;
    const st = BY_SEVERITY[w]!;
    const last = out[out.length - 1];
    if (last && last.end === t && last.status === st) last.end = next;
    else out.push({ start: t, end: next, status: st });
  }
  return out;
}

/** Milliseconds of the spans inside [from, to) whose status passes `keep`. */
export function timeIn(spans: readonly Span[], from: number, to: number, keep: (s: ComponentStatus) => boolean): number {
  let ms = 0;
  for (const s of spans) if (keep(s.status)) ms += Math.max(0, Math.min(s.end, to) - Math.max(s.start, from));
  return ms;
}
