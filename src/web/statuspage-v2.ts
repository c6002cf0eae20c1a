// Statuspage v2 public API shapes, so existing Statuspage clients read Vigie unchanged.
// Each Vigie service is a Statuspage component group; its components are the group's children.
import type { Snapshot } from './snapshot.js';

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
    // Incidents and maintenance arrive with the incidents work; the keys are here so clients parse.
    incidents: [] as unknown[],
    scheduled_maintenances: [] as unknown[],
    status: v2Status(s).status,
  };
}
