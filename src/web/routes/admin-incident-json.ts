// An incident or maintenance as the admin API answers it (snake_case, ISO times, bodies with their
// rendered HTML), and the zod shape of that answer for the OpenAPI document.
import { z } from 'zod';
import { ALL_INCIDENT_STATUSES, CAUSES, IMPACTS } from '../../core/incident.js';
import type { IncidentView } from '../../incidents/engine.js';
import { renderMarkdown } from '../markdown.js';
import { componentStatus, iso, isoTime } from './admin-common.js';

const sec = (ms: number | null) => (ms === null || !Number.isFinite(ms) ? null : Math.round(ms / 1000));

export function incidentJson(v: IncidentView) {
  const f = v.figures;
  return {
    id: v.id,
    kind: v.kind,
    name: v.name,
    status: v.status,
    impact: v.impact,
    cause: v.cause,
    service_id: v.serviceId,
    origin: v.origin,
    human_controlled: v.human,
    created_at: iso(v.createdAt),
    updated_at: iso(v.updatedAt),
    monitoring_at: iso(v.monitoringAt),
    resolved_at: iso(v.resolvedAt),
    scheduled_for: iso(v.scheduledFor),
    scheduled_until: iso(v.scheduledUntil),
    started_at: iso(v.startedAt),
    auto_transitions: v.autoTransitions,
    postmortem: v.postmortemBody === null ? null : { body: v.postmortemBody, html: renderMarkdown(v.postmortemBody), published_at: iso(v.postmortemPublishedAt) },
    components: v.components.map((c) => ({ id: c.componentId, status: c.status, added_at: iso(c.addedAt) })),
    updates: v.updates.map((u) => ({
      id: u.id,
      status: u.status,
      body: u.body,
      html: renderMarkdown(u.body),
      at: iso(u.at),
      author: u.author,
      affected_components: u.affected.map((a) => ({ id: a.componentId, old_status: a.oldStatus, new_status: a.newStatus })),
    })),
    figures: {
      observed_start: iso(f.observedStart),
      opened_at: iso(f.openedAt),
      time_to_detect_seconds: sec(f.timeToDetectMs),
      fault_start: iso(f.faultStart),
      detected_at: iso(f.detectedAt),
      time_to_open_seconds: sec(f.timeToOpenMs),
      vendor_acknowledged_at: iso(f.vendorAcknowledgedAt),
      vendor_acknowledgement_source: f.vendorAcknowledgementSource,
      vendor_acknowledgement_text: f.vendorAcknowledgementText,
      acknowledgement_lag_seconds: sec(f.acknowledgementLagMs),
      time_to_resolve_seconds: sec(f.timeToResolveMs),
      peak_affected_share: f.peakAffectedShare,
      peak_affected_detail: f.peakAffectedDetail,
      silent_vendor: f.silentVendor,
      silent_vendor_at: iso(f.silentVendorAt),
    },
  };
}

const t = isoTime.nullable();
const seconds = z.number().int().nullable();

/** The answer's shape; a test checks real answers against it, so the document cannot drift. */
export const incidentResponse = z
  .strictObject({
    id: z.string(),
    kind: z.enum(['incident', 'maintenance']),
    name: z.string(),
    status: z.enum(ALL_INCIDENT_STATUSES as [string, ...string[]]),
    impact: z.enum(IMPACTS),
    cause: z.enum(CAUSES),
    service_id: z.string().nullable(),
    origin: z.enum(['auto', 'manual']),
    human_controlled: z.boolean().meta({ description: 'a person has written to it: Vigie no longer changes its status or text' }),
    created_at: t,
    updated_at: t,
    monitoring_at: t,
    resolved_at: t,
    scheduled_for: t,
    scheduled_until: t,
    started_at: t,
    auto_transitions: z.boolean(),
    postmortem: z.strictObject({ body: z.string(), html: z.string(), published_at: t }).nullable(),
    components: z.array(z.strictObject({ id: z.string(), status: componentStatus, added_at: t })),
    updates: z
      .array(
        z.strictObject({
          id: z.string(),
          status: z.string(),
          body: z.string().meta({ description: 'Markdown as written' }),
          html: z.string(),
          at: t,
          author: z.string(),
          affected_components: z.array(z.strictObject({ id: z.string(), old_status: componentStatus, new_status: componentStatus })),
        }),
      )
      .meta({ description: 'newest first' }),
    figures: z.strictObject({
      observed_start: t,
      opened_at: t,
      time_to_detect_seconds: seconds.meta({ description: 'start of the problem (fault start where known, else the first failed check) to the first non-operational status' }),
      fault_start: t,
      detected_at: t,
      time_to_open_seconds: seconds.meta({ description: 'start of the problem to the incident opened' }),
      vendor_acknowledged_at: t,
      vendor_acknowledgement_source: z.enum(['feed', 'manual']).nullable(),
      vendor_acknowledgement_text: z.string().nullable(),
      acknowledgement_lag_seconds: seconds,
      time_to_resolve_seconds: seconds,
      peak_affected_share: z.number().nullable(),
      peak_affected_detail: z.string().nullable(),
      silent_vendor: z.boolean(),
      silent_vendor_at: t,
    }),
  })
  .meta({ id: 'Incident' });
