// The page status a notification carries, by the page's own rule (core/status.ts): components per
// service, each the worse of observed and what open incidents or maintenance declare, and the impact of
// unresolved incidents. Pure.
import { type ComponentStatus, type IncidentImpact, type PageStatus, pageStatus, worst } from '../core/status.js';

export function notifyPageStatus(observed: ReadonlyMap<string, ComponentStatus>, declared: ReadonlyMap<string, ComponentStatus[]>, impacts: IncidentImpact[]): PageStatus {
  // Component ids are "service/component".
  const byService = new Map<string, ComponentStatus[]>();
  for (const [id, status] of observed) {
    const service = id.split('/')[0]!;
    byService.set(service, [...(byService.get(service) ?? []), worst([status, ...(declared.get(id) ?? [])])]);
  }
  return pageStatus({ services: [...byService.values()], openIncidentImpacts: impacts });
}
