// The channels, chosen by `type` from one map (as blackbox_exporter picks its probers), and the
// check of each configured channel: a malformed one is reported by name and field and left out,
// the others work.
import { discord } from './channels/discord.js';
import { email } from './channels/email.js';
import { googlechat } from './channels/googlechat.js';
import { mattermost } from './channels/mattermost.js';
import { ntfy } from './channels/ntfy.js';
import { opsgenie } from './channels/opsgenie.js';
import { pagerduty } from './channels/pagerduty.js';
import { slack } from './channels/slack.js';
import { teams } from './channels/teams.js';
import { telegram } from './channels/telegram.js';
import { webhook } from './channels/webhook.js';
import type { ChannelDef } from './types.js';

export const CHANNELS: Readonly<Record<string, ChannelDef>> = Object.fromEntries(
  [webhook, email, slack, discord, teams, telegram, ntfy, mattermost, googlechat, pagerduty, opsgenie].map((c) => [c.type, c]),
);

export interface RateLimit {
  count: number;
  perMs: number;
}

export interface ReadyChannel {
  name: string;
  def: ChannelDef;
  cfg: any;
  rate?: RateLimit;
}

export interface ChannelProblem {
  channel: string;
  type: string;
  /** Dotted path inside the channel's block ("smtp.port"), or "" for the block itself. */
  field: string;
  message: string;
}

export function formatProblem(p: ChannelProblem): string {
  return `notify channel "${p.channel}"${p.type ? ` (${p.type})` : ''}: ${p.field ? `field "${p.field}": ` : ''}${p.message}`;
}

/** Checks every configured channel; returns those that are usable and what is wrong with the rest. */
export function prepareChannels(raw: Record<string, { type: string; rate_limit?: RateLimit | undefined } & Record<string, unknown>>): {
  channels: Map<string, ReadyChannel>;
  problems: ChannelProblem[];
} {
  const channels = new Map<string, ReadyChannel>();
  const problems: ChannelProblem[] = [];
  for (const [name, block] of Object.entries(raw)) {
    const def = CHANNELS[block.type];
    if (!def) {
      problems.push({ channel: name, type: block.type, field: 'type', message: `unknown channel type "${block.type}" (known: ${Object.keys(CHANNELS).join(', ')})` });
      continue;
    }
    const parsed = def.schema.safeParse(block);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const field = issue.path.map(String).join('.');
        const message = issue.code === 'unrecognized_keys' ? `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}` : issue.message;
        problems.push({ channel: name, type: block.type, field, message });
      }
      continue;
    }
    channels.set(name, { name, def, cfg: parsed.data, ...(block.rate_limit ? { rate: block.rate_limit } : {}) });
  }
  return { channels, problems };
}
