// Opsgenie Alert API: create (alias = our alert key, so updates and reminders de-duplicate into
// the open alert), close by alias when it ends. base_url for the EU instance or tests.
import { z } from 'zod';
import { postJson } from '../http.js';
import type { ChannelDef, Severity } from '../types.js';
import { channelSchema, httpUrl, join } from './common.js';

export const opsgenieSchema = channelSchema('opsgenie', {
  api_key: z.string().min(1),
  base_url: httpUrl.default('https://api.opsgenie.com'),
  tags: z.array(z.string()).default([]),
});
export type OpsgenieConfig = z.output<typeof opsgenieSchema>;

const PRIORITY: Record<Severity, string> = { critical: 'P1', error: 'P2', warning: 'P3', info: 'P5' };

export const opsgenie: ChannelDef<OpsgenieConfig> = {
  type: 'opsgenie',
  schema: opsgenieSchema,
  send(cfg, m, ctx) {
    const auth = { authorization: `GenieKey ${cfg.api_key}` };
    if (m.action === 'resolve')
      return postJson(ctx.http, join(cfg.base_url, `/v2/alerts/${encodeURIComponent(m.alertKey)}/close?identifierType=alias`), { source: 'Vigie', note: m.title }, ctx, auth);
    return postJson(
      ctx.http,
      join(cfg.base_url, '/v2/alerts'),
      {
        message: m.title.slice(0, 130),
        alias: m.alertKey.slice(0, 512),
        description: `${m.text}\n\n${m.url}`.slice(0, 15000),
        priority: PRIORITY[m.severity],
        source: 'Vigie',
        tags: ['vigie', ...cfg.tags],
        details: Object.fromEntries(m.facts),
        ...(m.componentIds[0] ? { entity: m.componentIds[0] } : {}),
      },
      ctx,
      auth,
    );
  },
};
