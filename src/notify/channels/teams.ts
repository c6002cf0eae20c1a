// Microsoft Teams through a Workflows (Power Automate) webhook: a message with one Adaptive Card
// attachment, the shape the "Post to a channel when a webhook request is received" flow expects.
import { z } from 'zod';
import { postJson } from '../http.js';
import type { ChannelDef, Severity } from '../types.js';
import { channelSchema, httpUrl } from './common.js';

export const teamsSchema = channelSchema('teams', { url: httpUrl });
export type TeamsConfig = z.output<typeof teamsSchema>;

const COLOR: Record<Severity, string> = { critical: 'Attention', error: 'Attention', warning: 'Warning', info: 'Good' };

export const teams: ChannelDef<TeamsConfig> = {
  type: 'teams',
  schema: teamsSchema,
  send: (cfg, m, ctx) =>
    postJson(
      ctx.http,
      cfg.url,
      {
        type: 'message',
        attachments: [
          {
            contentType: 'application/vnd.microsoft.card.adaptive',
            contentUrl: null,
            content: {
              $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
              type: 'AdaptiveCard',
              version: '1.4',
              body: [
                { type: 'TextBlock', text: m.title, weight: 'Bolder', size: 'Medium', wrap: true, color: COLOR[m.severity] },
                { type: 'TextBlock', text: m.text, wrap: true },
                ...(m.facts.length ? [{ type: 'FactSet', facts: m.facts.map(([title, value]) => ({ title, value })) }] : []),
              ],
              actions: [{ type: 'Action.OpenUrl', title: m.linkLabel, url: m.url }],
              msteams: { width: 'Full' },
            },
          },
        ],
      },
      ctx,
    ),
};
