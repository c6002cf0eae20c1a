// ntfy: JSON publishing (POST to the server root with the topic in the body), priority and tags
// from the severity, click-through to the page.
import { z } from 'zod';
import { postJson } from '../http.js';
import type { ChannelDef, Severity } from '../types.js';
import { channelSchema, httpUrl } from './common.js';

export const ntfySchema = channelSchema('ntfy', {
  base_url: httpUrl.default('https://ntfy.sh'),
  topic: z.string().regex(/^[-_A-Za-z0-9]{1,64}$/, 'must be 1 to 64 letters, digits, "-" or "_"'),
  /** Access token (tk_…) for protected topics. */
  token: z.string().optional(),
});
export type NtfyConfig = z.output<typeof ntfySchema>;

const PRIORITY: Record<Severity, number> = { critical: 5, error: 4, warning: 3, info: 2 };
const TAGS: Record<Severity, string> = { critical: 'rotating_light', error: 'warning', warning: 'warning', info: 'white_check_mark' };

export const ntfy: ChannelDef<NtfyConfig> = {
  type: 'ntfy',
  schema: ntfySchema,
  send: (cfg, m, ctx) =>
    postJson(
      ctx.http,
      cfg.base_url.replace(/\/+$/, '') + '/',
      { topic: cfg.topic, title: m.title, message: m.text, priority: PRIORITY[m.severity], tags: [TAGS[m.severity]], click: m.url },
      ctx,
      cfg.token ? { authorization: `Bearer ${cfg.token}` } : {},
    ),
};
