// Mattermost incoming webhook: Markdown text plus a Slack-style attachment with colour and fields.
import { z } from 'zod';
import { postJson } from '../http.js';
import type { ChannelDef } from '../types.js';
import { channelSchema, httpUrl } from './common.js';

export const mattermostSchema = channelSchema('mattermost', { url: httpUrl, channel: z.string().optional(), username: z.string().optional(), icon_url: httpUrl.optional() });
export type MattermostConfig = z.output<typeof mattermostSchema>;

export const mattermost: ChannelDef<MattermostConfig> = {
  type: 'mattermost',
  schema: mattermostSchema,
  send: (cfg, m, ctx) =>
    postJson(
      ctx.http,
      cfg.url,
      {
        text: `#### ${m.title}`,
        ...(cfg.channel ? { channel: cfg.channel } : {}),
        ...(cfg.username ? { username: cfg.username } : {}),
        ...(cfg.icon_url ? { icon_url: cfg.icon_url } : {}),
        attachments: [
          {
            fallback: m.title,
            color: m.color,
            title: m.title,
            title_link: m.url,
            text: m.text,
            fields: m.facts.map(([title, value]) => ({ short: true, title, value })),
          },
        ],
      },
      ctx,
    ),
};
