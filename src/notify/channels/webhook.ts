// Generic webhook: a JSON POST, signed with HMAC-SHA256 over "timestamp.body" (X-Vigie-Signature:
// t=<unix>,v1=<hex>), with an Idempotency-Key. format: statuspage sends Statuspage's
// component_update / incident payloads so tools written for Statuspage webhooks work unchanged.
import { z } from 'zod';
import { publicId } from '../../core/ids.js';
import type { ComponentStatusPayload, IncidentPayload } from '../../store/outbox.js';
import { postJson } from '../http.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, signBody } from '../signing.js';
import type { ChannelDef, Message, SendContext } from '../types.js';
import { channelSchema, httpUrl, iso } from './common.js';

export const webhookSchema = channelSchema('webhook', {
  url: httpUrl,
  /** Signing secret; defaults to notify.secret. */
  secret: z.string().min(16, 'must be at least 16 characters').optional(),
  format: z.enum(['vigie', 'statuspage']).default('vigie'),
  headers: z.record(z.string(), z.string()).default({}),
});
export type WebhookConfig = z.output<typeof webhookSchema>;

/** Vigie's own shape: the worded message plus the raw event. */
export function vigiePayload(m: Message, ctx: Pick<SendContext, 'idempotencyKey' | 'deliveryId' | 'attempt' | 'now'>) {
  return {
    id: ctx.idempotencyKey,
    type: m.kind,
    action: m.action,
    created_at: iso(m.at),
    sent_at: iso(ctx.now),
    attempt: ctx.attempt,
    page: { id: m.page.id, name: m.page.title, url: m.page.url, status_indicator: m.page.indicator, status_description: m.page.description },
    title: m.title,
    text: m.text,
    severity: m.severity,
    url: m.url,
    alert_key: m.alertKey,
    component_ids: m.componentIds,
    ...(m.status ? { status: m.status } : {}),
    ...(m.event ? { event: m.event.payload } : {}),
    ...(m.unsubscribeUrl ? { unsubscribe_url: m.unsubscribeUrl } : {}),
  };
}

/** Statuspage's webhook payloads (component_update and incident), built from our event. */
export function statuspagePayload(m: Message) {
  const meta = { unsubscribe: m.unsubscribeUrl ?? null, documentation: `${m.page.url}/api/v2/summary.json`, generated_at: iso(m.at) };
  const page = { id: m.page.id, status_indicator: m.page.indicator, status_description: m.page.description };
  const ev = m.event;
  if (ev && (ev.kind === 'component_status' || ev.kind === 'reminder')) {
    const p = ev.payload as ComponentStatusPayload;
    const cid = publicId('component', p.componentId);
    return {
      meta,
      page,
      component_update: {
        created_at: iso(p.at),
        new_status: p.to,
        old_status: p.from,
        id: publicId('component_update', `${p.componentId}@${p.at}`),
        component_id: cid,
        component_type: 'Component',
      },
      component: {
        created_at: iso(p.at),
        id: cid,
        name: p.componentName,
        status: p.to,
        group_id: publicId('service', p.serviceId),
        page_id: m.page.id,
        description: null,
        position: 0,
        showcase: true,
        updated_at: iso(p.at),
      },
    };
  }
  if (ev && (ev.kind === 'incident' || ev.kind === 'maintenance')) {
    const p = ev.payload as IncidentPayload;
    return {
      meta,
      page,
      incident: {
        id: p.incidentId,
        name: p.name,
        status: p.status,
        impact: p.kind === 'maintenance' ? 'maintenance' : p.impact,
        created_at: iso(p.createdAt),
        updated_at: iso(p.updatedAt),
        monitoring_at: null,
        resolved_at: p.resolvedAt === null ? null : iso(p.resolvedAt),
        scheduled_for: p.scheduledFor === null ? null : iso(p.scheduledFor),
        scheduled_until: p.scheduledUntil === null ? null : iso(p.scheduledUntil),
        shortlink: m.url,
        page_id: m.page.id,
        organization_id: m.page.id,
        incident_updates: p.updates.map((u) => ({
          id: u.id,
          incident_id: p.incidentId,
          status: u.status,
          body: u.body,
          created_at: iso(u.at),
          updated_at: iso(u.at),
          display_at: iso(u.at),
          affected_components: p.components.map((c) => ({ code: publicId('component', c.id), name: c.name, new_status: c.status })),
        })),
        components: p.components.map((c) => ({ id: publicId('component', c.id), name: c.name, status: c.status, group_id: publicId('service', c.serviceId), page_id: m.page.id })),
      },
    };
  }
  return { meta, page, message: { title: m.title, text: m.text } };
}

export const webhook: ChannelDef<WebhookConfig> = {
  type: 'webhook',
  schema: webhookSchema,
  async send(cfg, m, ctx) {
    const payload = cfg.format === 'statuspage' ? statuspagePayload(m) : vigiePayload(m, ctx);
    const body = JSON.stringify(payload);
    const secret = cfg.secret ?? ctx.secret;
    const sig = signBody(secret, body, ctx.now);
    return ctx.http.post(
      cfg.url,
      body,
      {
        ...cfg.headers,
        'content-type': 'application/json; charset=utf-8',
        'idempotency-key': ctx.idempotencyKey,
        'x-vigie-event': m.kind,
        'x-vigie-delivery': String(ctx.deliveryId),
        [TIMESTAMP_HEADER]: sig.timestamp,
        [SIGNATURE_HEADER]: sig.signature,
      },
      ctx.timeoutMs,
      ctx.signal,
    );
  },
};

// postJson is re-exported for channels that reuse the webhook's headers.
export { postJson };
