// A scenario's vendor statements turned into the official status page the vendor would have shown:
// a Statuspage v2 summary.json per service, built from the statements made up to time t. The replay
// reads it through the real Statuspage parser, and the demo's simulated services serve it.
//
// Statements about a stage (investigating, identified, monitoring, resolved) are updates of one
// incident that runs until "resolved"; statements of a component status set that component (or, for
// the service as a whole, every component). While an incident is open the page is not green.
import { type ComponentStatus, pageStatus } from '../core/status.js';
import { publicId } from '../core/ids.js';
import type { Scenario, VendorStatement } from '../demo/scenario.js';
import { vendorStatementsUntil } from '../demo/faults.js';

const STAGES = new Set(['investigating', 'identified', 'monitoring', 'resolved']);
const iso = (t: number) => new Date(t).toISOString();

interface PageIncident {
  id: string;
  statements: VendorStatement[];
}

/** The Statuspage v2 summary.json of `serviceId` at scenario time t (a plain object, ready for JSON.stringify). */
export function statuspageSummaryAt(scenario: Scenario, serviceId: string, t: number): Record<string, unknown> {
  const service = scenario.services.find((s) => s.id === serviceId);
  if (!service) throw new Error(`no service "${serviceId}" in scenario ${scenario.name}`);
  const pageId = publicId('sim-page', `${scenario.name}/${serviceId}`);
  const statuses = new Map<string, ComponentStatus>(service.components.map((c) => [c.id, 'operational']));
  const updatedAt = new Map<string, number>(service.components.map((c) => [c.id, scenario.start]));
  const incidents: PageIncident[] = [];
  let open: PageIncident | null = null;
  for (const s of vendorStatementsUntil(scenario, serviceId, t)) {
    if (STAGES.has(s.status)) {
      if (!open) {
        open = { id: publicId('sim-incident', `${scenario.name}/${serviceId}/${s.at}`), statements: [] };
        incidents.push(open);
      }
      open.statements.push(s);
      if (s.status === 'resolved') {
        open = null;
        for (const c of service.components) if (statuses.get(c.id) !== 'operational') (statuses.set(c.id, 'operational'), updatedAt.set(c.id, s.at));
      }
    } else {
      for (const c of service.components)
        if (s.component === null || s.component === c.id) (statuses.set(c.id, s.status as ComponentStatus), updatedAt.set(c.id, s.at));
    }
  }
  const openIncidents = incidents.filter((i) => i.statements.at(-1)!.status !== 'resolved');
  let status = pageStatus(statuses.values());
  if (openIncidents.length > 0 && (status.indicator === 'none' || status.indicator === 'maintenance')) status = { indicator: 'major', description: 'Partial System Outage' };
  const last = Math.max(scenario.start, ...vendorStatementsUntil(scenario, serviceId, t).map((s) => s.at));
  const incident = (i: PageIncident) => {
    const first = i.statements[0]!;
    const latest = i.statements.at(-1)!;
    return {
      id: i.id,
      // A short title, as vendors write them; the statements themselves are the updates' bodies.
      name: `Problems with ${service.name}`,
      status: latest.status,
      created_at: iso(first.at),
      updated_at: iso(latest.at),
      monitoring_at: i.statements.find((s) => s.status === 'monitoring') ? iso(i.statements.find((s) => s.status === 'monitoring')!.at) : null,
      resolved_at: latest.status === 'resolved' ? iso(latest.at) : null,
      impact: 'major',
      shortlink: `https://stspg.io/${i.id}`,
      started_at: iso(first.at),
      page_id: pageId,
      incident_updates: [...i.statements].reverse().map((s) => ({
        id: publicId('sim-update', `${i.id}/${s.at}/${s.status}`),
        status: s.status,
        body: s.body ?? '',
        incident_id: i.id,
        created_at: iso(s.at),
        updated_at: iso(s.at),
        display_at: iso(s.at),
        affected_components: null,
        deliver_notifications: true,
      })),
      components: [],
    };
  };
  return {
    page: { id: pageId, name: service.name, url: `https://status.${serviceId}.example`, time_zone: 'Etc/UTC', updated_at: iso(last) },
    components: service.components.map((c, position) => ({
      id: publicId('sim-component', `${scenario.name}/${serviceId}/${c.id}`),
      name: c.name,
      status: statuses.get(c.id)!,
      created_at: iso(scenario.start),
      updated_at: iso(updatedAt.get(c.id)!),
      position: position + 1,
      description: c.description ?? null,
      showcase: false,
      start_date: null,
      group_id: null,
      page_id: pageId,
      group: false,
      only_show_if_degraded: false,
    })),
    incidents: openIncidents.map(incident),
    scheduled_maintenances: [],
    status,
  };
}
