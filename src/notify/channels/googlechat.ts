// Google Chat incoming webhook: text with Chat's own markup, one thread per alert (threadKey) so an
// incident's updates stay together.
import { z } from 'zod';
import { postJson } from '../http.js';
import type { ChannelDef } from '../types.js';
import { channelSchema, httpUrl } from './common.js';

export const googleChatSchema = channelSchema('googlechat', { url: httpUrl });
export type GoogleChatConfig = z.output<typeof googleChatSchema>;

export const googlechat: ChannelDef<GoogleChatConfig> = {
  type: 'googlechat',
  schema: googleChatSchema,
  send(cfg, m, ctx) {
    const u = new URL(cfg.url);
    u.searchParams.set('messageReplyOption', 'REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD');
    const text = [`*${m.title}*`, m.text, ...m.facts.map(([k, v]) => `_${k}_: ${v}`), `<${m.url}|${m.linkLabel}>`].join('\n');
    return postJson(ctx.http, u.toString(), { text, thread: { threadKey: m.alertKey } }, ctx);
  },
};
