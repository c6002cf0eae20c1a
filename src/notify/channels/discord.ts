// Discord channel webhook: one embed with colour, fields and timestamp; mentions disabled so a
// component name cannot ping @everyone. ?wait=true makes Discord answer with the created message.
import { z } from 'zod';
import { postJson } from '../http.js';
import type { ChannelDef } from '../types.js';
import { channelSchema, httpUrl, iso } from './common.js';

export const discordSchema = channelSchema('discord', { url: httpUrl, username: z.string().max(80).optional() });
export type DiscordConfig = z.output<typeof discordSchema>;

export const discord: ChannelDef<DiscordConfig> = {
  type: 'discord',
  schema: discordSchema,
  send(cfg, m, ctx) {
    const u = new URL(cfg.url);
    u.searchParams.set('wait', 'true');
    return postJson(
      ctx.http,
      u.toString(),
      {
        ...(cfg.username ? { username: cfg.username } : {}),
        allowed_mentions: { parse: [] },
        embeds: [
          {
            title: m.title.slice(0, 256),
            description: m.text.slice(0, 4096),
            url: m.url,
            color: parseInt(m.color.slice(1), 16),
            timestamp: iso(m.at),
            fields: m.facts.slice(0, 25).map(([name, value]) => ({ name: name.slice(0, 256), value: value.slice(0, 1024), inline: true })),
          },
        ],
      },
      ctx,
    );
  },
};
