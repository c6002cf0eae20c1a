// Statuspage v2 public API shapes, so existing Statuspage clients read Vigie unchanged.
// Each Vigie service is a Statuspage component group; its components are the group's children.
import type { Snapshot, SnapshotIncident } from './snapshot.js';

const iso = (ms: number) => new Date(ms).toISOString();

export function v2Page(s: Snapshot) {
  return { id: s.pageId, name: s.title, url: s.baseUrl, time_zone: 'Etc/UTC', updated_at: iso(s.updatedAt || s.now) };
}

export function v2Components(s: Snapshot) {
  let position = 0;
  return s.services.flatMap((svc) => {
    const group = {
      id: svc.publicId,
      name: svc.name,
      status: svc.status,
      created_at: iso(svc.createdAt),
      updated_at: iso(svc.updatedAt),
      position: ++position,
      description: svc.description,
      showcase: false,
      start_date: null,
      group_id: null,
      page_id: s.pageId,
      group: true,
      only_show_if_degraded: false,
      components: svc.components.map((c) => c.publicId),
    };
    const children = svc.components.map((c) => ({
      id: c.publicId,
      name: c.name,
      status: c.status,
      created_at: iso(c.createdAt),
      updated_at: iso(c.updatedAt),
      position: ++position,
      description: c.description,
      showcase: true,
      start_date: null,
      group_id: svc.publicId,
      page_id: s.pageId,
      group: false,
      only_show_if_degraded: false,
    }));
    return [group, ...children];
  });
}

export function v2Status(s: Snapshot) {
  return { page: v2Page(s), status: { indicator: s.status.indicator, description: s.status.description } };
}

export function v2Summary(s: Snapshot) {
  return {
    page: v2Page(s),
    components: v2Components(s),
    incidents: s.incidents.filter((i) => !CLOSED.has(i.status)).map((i) => v2Incident(s, i)),
    scheduled_maintenances: s.maintenances.filter((m) => !CLOSED.has(m.status)).map((m) => v2Incident(s, m)),
    status: v2Status(s).status,
  };
}

// Incidents and scheduled maintenances, in Statuspage's shapes. Each update lists the components it
// changed (affected_components, with old and new status); the incident lists its components.
const CLOSED = new Set(['resolved', 'postmortem', 'completed']);

export function v2Incident(s: Snapshot, i: SnapshotIncident) {
  const components = v2ComponentsById(s);
  const comp = (id: string) => components.get(id);
  return {
    id: i.id,
    name: i.name,
    status: i.status,
    created_at: iso(i.createdAt),
    updated_at: iso(i.updatedAt),
    monitoring_at: i.monitoringAt === null ? null : iso(i.monitoringAt),
    resolved_at: i.resolvedAt === null ? null : iso(i.resolvedAt),
    // Statuspage gives scheduled maintenance the impact "maintenance".
    impact: i.kind === 'maintenance' ? 'maintenance' : i.impact,
    shortlink: `${s.baseUrl}/incidents/${encodeURIComponent(i.id)}`,
    started_at: iso(i.kind === 'maintenance' ? (i.startedAt ?? i.scheduledFor ?? i.createdAt) : (i.observedStart ?? i.createdAt)),
    page_id: s.pageId,
    incident_updates: i.updates.map((u) => {
      const affected = u.affected
        .filter((a) => comp(a.componentId))
        .map((a) => ({ code: comp(a.componentId)!.id, name: comp(a.componentId)!.name, old_status: a.oldStatus, new_status: a.newStatus }));
      return {
        id: u.id,
        status: u.status,
        body: u.body,
        incident_id: i.id,
        created_at: iso(u.createdAt),
        updated_at: iso(u.createdAt),
        display_at: iso(u.at),
        // Statuspage sends null when an update changed no component.
        affected_components: affected.length > 0 ? affected : null,
        deliver_notifications: true,
        custom_tweet: null,
        tweet_id: null,
      };
    }),
    postmortem_body: i.postmortemBody,
    components: i.componentIds.map(comp).filter((c) => c !== undefined),
    ...(i.kind === 'maintenance'
      ? { scheduled_for: i.scheduledFor === null ? null : iso(i.scheduledFor), scheduled_until: i.scheduledUntil === null ? null : iso(i.scheduledUntil) }
      : {}),
  };
}

type V2Component = ReturnType<typeof v2Components>[number];
const byIdCache = new WeakMap<Snapshot, Map<string, V2Component>>();

/** Full component id → its v2 component object (built once per snapshot). */
function v2ComponentsById(s: Snapshot): Map<string, V2Component> {
  let m = byIdCache.get(s);
  if (m) return m;
  const byPublic = new Map(v2Components(s).filter((c) => !c.group).map((c) => [c.id, c]));
  m = new Map(s.services.flatMap((svc) => svc.components.map((c) => [c.id, byPublic.get(c.publicId)!] as const)));
  byIdCache.set(s, m);
  return m;
}

/** Statuspage lists the 50 most recent. */
const LIST_MAX = 50;

export function v2Incidents(s: Snapshot, which: 'all' | 'unresolved') {
  const list = which === 'all' ? s.incidents.slice(0, LIST_MAX) : s.incidents.filter((i) => !CLOSED.has(i.status));
  return { page: v2Page(s), incidents: list.map((i) => v2Incident(s, i)) };
}

export function v2Maintenances(s: Snapshot, which: 'all' | 'upcoming' | 'active') {
  const list = s.maintenances.filter((m) => which === 'all' || (which === 'upcoming' ? m.status === 'scheduled' : m.status === 'in_progress' || m.status === 'verifying'));
  return { page: v2Page(s), scheduled_maintenances: (which === 'all' ? list.slice(0, LIST_MAX) : list).map((m) => v2Incident(s, m)) };
}
