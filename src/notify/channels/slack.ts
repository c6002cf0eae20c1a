// Slack incoming webhook: Block Kit blocks, with `text` as the notification fallback.
import { z } from 'zod';
import { postJson } from '../http.js';
import type { ChannelDef, Message } from '../types.js';
import { channelSchema, httpUrl } from './common.js';

export const slackSchema = channelSchema('slack', { url: httpUrl, username: z.string().optional(), channel: z.string().optional() });
export type SlackConfig = z.output<typeof slackSchema>;

/** Slack's mrkdwn needs only &, < and > escaped. */
export const slackEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function slackPayload(cfg: { username?: string | undefined; channel?: string | undefined }, m: Message) {
  return {
    text: `${m.title}`,
    ...(cfg.username ? { username: cfg.username } : {}),
    ...(cfg.channel ? { channel: cfg.channel } : {}),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: m.title.slice(0, 150), emoji: true } },
      { type: 'section', text: { type: 'mrkdwn', text: slackEscape(m.text).slice(0, 3000) } },
      ...(m.facts.length ? [{ type: 'section', fields: m.facts.slice(0, 10).map(([k, v]) => ({ type: 'mrkdwn', text: `*${slackEscape(k)}*\n${slackEscape(v)}` })) }] : []),
      { type: 'context', elements: [{ type: 'mrkdwn', text: `<${m.url}|${slackEscape(m.linkLabel)}>` }] },
    ],
  };
}

export const slack: ChannelDef<SlackConfig> = {
  type: 'slack',
  schema: slackSchema,
  send: (cfg, m, ctx) => postJson(ctx.http, cfg.url, slackPayload(cfg, m), ctx),
};
