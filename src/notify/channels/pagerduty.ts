// PagerDuty Events API v2: trigger while an alert is open (updates and reminders re-trigger the
// same dedup_key, which PagerDuty folds into the open alert), resolve when it ends.
import { z } from 'zod';
import { postJson } from '../http.js';
import type { ChannelDef } from '../types.js';
import { channelSchema, httpUrl, iso, join } from './common.js';

export const pagerdutySchema = channelSchema('pagerduty', {
  routing_key: z.string().min(1),
  base_url: httpUrl.default('https://events.pagerduty.com'),
  source: z.string().min(1).default('vigie'),
});
export type PagerDutyConfig = z.output<typeof pagerdutySchema>;

export const pagerduty: ChannelDef<PagerDutyConfig> = {
  type: 'pagerduty',
  schema: pagerdutySchema,
  send(cfg, m, ctx) {
    const url = join(cfg.base_url, '/v2/enqueue');
    if (m.action === 'resolve') return postJson(ctx.http, url, { routing_key: cfg.routing_key, event_action: 'resolve', dedup_key: m.alertKey }, ctx);
    return postJson(
      ctx.http,
      url,
      {
        routing_key: cfg.routing_key,
        event_action: 'trigger',
        dedup_key: m.alertKey,
        payload: {
          summary: m.title.slice(0, 1024),
          source: cfg.source,
          severity: m.severity,
          timestamp: iso(m.at),
          ...(m.componentIds[0] ? { component: m.componentIds[0], group: m.componentIds[0].split('/')[0] } : {}),
          class: m.kind,
          custom_details: { text: m.text, ...Object.fromEntries(m.facts) },
        },
        client: m.page.title,
        client_url: m.page.url + '/',
        links: [{ href: m.url, text: m.linkLabel }],
      },
      ctx,
    );
  },
};
