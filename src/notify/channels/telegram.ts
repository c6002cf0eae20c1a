// Telegram Bot API sendMessage, HTML parse mode. base_url is configurable (tests point it at 127.0.0.1).
import { z } from 'zod';
import { postJson } from '../http.js';
import type { ChannelDef } from '../types.js';
import { channelSchema, httpUrl, join } from './common.js';

export const telegramSchema = channelSchema('telegram', {
  bot_token: z.string().regex(/^\d+:[A-Za-z0-9_-]+$/, 'must look like 123456:ABC-DEF… (from @BotFather)'),
  chat_id: z.union([z.string().min(1), z.number().int()]),
  base_url: httpUrl.default('https://api.telegram.org'),
  message_thread_id: z.number().int().optional(),
});
export type TelegramConfig = z.output<typeof telegramSchema>;

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export const telegram: ChannelDef<TelegramConfig> = {
  type: 'telegram',
  schema: telegramSchema,
  async send(cfg, m, ctx) {
    const text = [`<b>${esc(m.title)}</b>`, esc(m.text), ...m.facts.map(([k, v]) => `<i>${esc(k)}</i>: ${esc(v)}`), `<a href="${esc(m.url)}">${esc(m.linkLabel)}</a>`].join('\n');
    const r = await postJson(
      ctx.http,
      join(cfg.base_url, `bot${cfg.bot_token}/sendMessage`),
      {
        chat_id: cfg.chat_id,
        text: text.slice(0, 4096),
        parse_mode: 'HTML',
        link_preview_options: { is_disabled: true },
        ...(cfg.message_thread_id !== undefined ? { message_thread_id: cfg.message_thread_id } : {}),
      },
      ctx,
    );
    // Telegram says {"ok":false,...} on refusals; keep its description as the error.
    if (r.ok && r.response && /"ok"\s*:\s*false/.test(r.response)) return { ...r, ok: false, error: r.response.slice(0, 200) };
    return r;
  },
};
