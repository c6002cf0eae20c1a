// A component's status over time, as spans. The recorded status history comes first; an incident's
// declared statuses fill in only where that history shows nothing wrong for the component during
// the incident (a manual incident, or history from before Vigie watched), so an incident that also
// shows in the status history is not counted twice, nor stretched by its resolve hold.
import { type ComponentStatus, severity, worst } from '../core/status.js';
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

/** The component's spans: its status history, plus outages it has no history for. */
export function componentSpans(componentId: string, changes: readonly StatusChangeRecord[], outages: readonly Outage[], now: number): Span[] {
  const own = spansFromChanges(
    changes.filter((c) => c.componentId === componentId),
    now,
  );
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

/** Non-overlapping spans, each instant at the worst status any input span gives it (one sweep, n log n). */
export function flatten(spans: readonly Span[]): Span[] {
  const events: { at: number; status: ComponentStatus; delta: 1 | -1 }[] = [];
  for (const s of spans) {
    if (!(s.end > s.start)) continue;
    events.push({ at: s.start, status: s.status, delta: 1 }, { at: s.end, status: s.status, delta: -1 });
  }
  events.sort((a, b) => a.at - b.at);
  // How many input spans of each status cover the current instant.
  const active = new Map<ComponentStatus, number>();
  const out: Span[] = [];
  let i = 0;
  while (i < events.length) {
    const at = events[i]!.at;
    for (; i < events.length && events[i]!.at === at; i++) active.set(events[i]!.status, (active.get(events[i]!.status) ?? 0) + events[i]!.delta);
    const next = i < events.length ? events[i]!.at : at;
    if (next === at) continue;
    const st = worst([...active].filter(([, n]) => n > 0).map(([s]) => s));
    if (st === 'operational') continue;
    const last = out[out.length - 1];
    if (last && last.end === at && last.status === st) last.end = next;
    else out.push({ start: at, end: next, status: st });
  }
  return out;
}

/** Milliseconds of the spans inside [from, to) whose status passes `keep`. */
export function timeIn(spans: readonly Span[], from: number, to: number, keep: (s: ComponentStatus) => boolean): number {
  let ms = 0;
  for (const s of spans) if (keep(s.status)) ms += Math.max(0, Math.min(s.end, to) - Math.max(s.start, from));
  return ms;
}
