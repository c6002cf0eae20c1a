// The page is built from whatever the store holds, and one stored time that no JavaScript Date can
// represent (written before the admin API bounded its times, by hand, or by a bug) would make
// toISOString and Intl throw while rendering: every page would answer 503 for good. So before the
// page is built, each time is checked; a bad one is replaced by a nearby time the row itself
// vouches for, or the row is left out, and the caller is told which rows (to log once).
import { isShowableTime } from '../core/time-range.js';
import type { SnapshotChange, SnapshotIncident, SnapshotIncidentUpdate, SnapshotInput } from './snapshot.js';

/** What was done to one row: "incident abc: updates[2].at 8640000000000001 left out". */
export type RowProblem = string;

const ok = isShowableTime;
/** A duration between two times: finite and within the span a Date can hold. */
const span = (ms: number | null): number | null => (ms === null || (Number.isFinite(ms) && Math.abs(ms) <= 1.728e16) ? ms : null);

const NULLABLE = ['monitoringAt', 'resolvedAt', 'startedAt', 'scheduledFor', 'scheduledUntil', 'observedStart', 'vendorAcknowledgedAt'] as const;

function cleanIncident(i: SnapshotIncident, problems: RowProblem[]): SnapshotIncident | undefined {
  const bad = NULLABLE.some((k) => i[k] !== null && !ok(i[k])) || !ok(i.createdAt) || !ok(i.updatedAt) || i.updates.some((u) => !ok(u.at) || !ok(u.createdAt));
  const figures = i.figures;
  const badFigures = figures !== undefined && [figures.timeToDetectMs, figures.acknowledgementLagMs, figures.timeToResolveMs].some((x) => x !== null && span(x) === null);
  if (!bad && !badFigures) return i;
  const what = `${i.kind} ${i.id}`;
  const updates: SnapshotIncidentUpdate[] = [];
  i.updates.forEach((u, n) => {
    const at = ok(u.at) ? u.at : ok(u.createdAt) ? u.createdAt : undefined;
    if (at === undefined) return void problems.push(`${what}: updates[${n}] has no showable time (at ${u.at}), left out`);
    if (at !== u.at) problems.push(`${what}: updates[${n}].at ${u.at} replaced by its created_at`);
    updates.push({ ...u, at, createdAt: ok(u.createdAt) ? u.createdAt : at });
  });
  const out: SnapshotIncident = { ...i, updates };
  for (const k of NULLABLE) {
    if (i[k] !== null && !ok(i[k])) {
      problems.push(`${what}: ${k} ${i[k]} not shown`);
      out[k] = null;
    }
  }
  if (!ok(i.createdAt)) {
    const earliest = updates.length > 0 ? Math.min(...updates.map((u) => u.at)) : undefined;
    if (earliest === undefined) {
      problems.push(`${what}: created_at ${i.createdAt} and no showable update, left out`);
      return undefined;
    }
    problems.push(`${what}: created_at ${i.createdAt} replaced by its first update's time`);
    out.createdAt = earliest;
  }
  if (!ok(i.updatedAt)) {
    problems.push(`${what}: updated_at ${i.updatedAt} replaced by created_at`);
    out.updatedAt = Math.max(out.createdAt, ...updates.map((u) => u.at));
  }
  if (figures && badFigures) {
    problems.push(`${what}: figures computed from a bad time not shown`);
    out.figures = { ...figures, timeToDetectMs: span(figures.timeToDetectMs), acknowledgementLagMs: span(figures.acknowledgementLagMs), timeToResolveMs: span(figures.timeToResolveMs) };
  }
  return out;
}

/** The same input with every time showable; unchanged (the same objects) when all were. */
export function cleanSnapshotInput(input: SnapshotInput): { input: SnapshotInput; problems: RowProblem[] } {
  const problems: RowProblem[] = [];
  const now = input.now;
  const services = input.services.map((s) => {
    const badService = !ok(s.createdAt) || (s.vendor != null && !ok(s.vendor.at));
    const badComponent = s.components.some((c) => !ok(c.since) || !ok(c.createdAt) || !ok(c.updatedAt) || (c.bars !== undefined && !ok(c.bars.firstDay)));
    if (!badService && !badComponent) return s;
    problems.push(`service ${s.id}: a stored time no date can hold, replaced by now or left out`);
    const { vendor, ...rest } = s;
    return {
      ...rest,
      createdAt: ok(s.createdAt) ? s.createdAt : now,
      ...(vendor === undefined ? {} : { vendor: vendor !== null && !ok(vendor.at) ? null : vendor }),
      components: s.components.map((c) => {
        const { bars, ...cRest } = c;
        return {
          ...cRest,
          since: ok(c.since) ? c.since : now,
          createdAt: ok(c.createdAt) ? c.createdAt : now,
          updatedAt: ok(c.updatedAt) ? c.updatedAt : now,
          ...(bars !== undefined && ok(bars.firstDay) ? { bars } : {}),
        };
      }),
    };
  });
  const changes: SnapshotChange[] = input.changes.filter((c) => ok(c.at) || void problems.push(`status change of ${c.componentId} at ${c.at} left out`));
  const incidents = input.incidents?.flatMap((i) => cleanIncident(i, problems) ?? []);
  const maintenances = input.maintenances?.flatMap((i) => cleanIncident(i, problems) ?? []);
  if (problems.length === 0) return { input, problems };
  return {
    input: { ...input, services, changes, ...(incidents ? { incidents } : {}), ...(maintenances ? { maintenances } : {}) },
    problems,
  };
}

/** Calls `log` with the problems not seen before (the page is rebuilt every minute: say each once). */
export function logOnceEach(log: (fresh: RowProblem[], count: number) => void, max = 10_000): (problems: RowProblem[]) => void {
  const seen = new Set<RowProblem>();
  return (problems) => {
    const fresh = problems.filter((p) => !seen.has(p));
    if (fresh.length === 0) return;
    if (seen.size < max) for (const p of fresh) seen.add(p);
    log(fresh.slice(0, 20), fresh.length);
  };
}
