// Reasons detection recorded as plain English, before reasons were kept as message keys (src/i18n/text.ts):
// recognised here and said through the same keys, so older rows and logs-only reasons read in the page's
// language with display names instead of ids. A phrase not recognised is shown only in English, and
// never when it holds an id or a status key.
import type { ComponentStatus } from '../core/status.js';
import { type Lang, MESSAGES } from './index.js';
import { type GenText, say, text } from './text.js';

/** Display name of a component id ("ChatGPT API" for "chatgpt/api"), when known. */
export type NameOf = (componentId: string) => string | undefined;

const STATUSES: readonly ComponentStatus[] = ['operational', 'degraded_performance', 'partial_outage', 'major_outage', 'under_maintenance'];
const asStatus = (s: string): ComponentStatus | undefined => (s === 'degraded' ? 'degraded_performance' : STATUSES.find((x) => x === s));

/** The message key of a plain-English reason (what detection wrote before reasons were keyed), when recognised. */
export function reasonKey(raw: string, nameOf: NameOf): GenText | undefined {
  const t = raw.trim();
  let x: RegExpExecArray | null;
  if (t === 'no monitors') return text('noMonitors');
  if (t === 'failing') return text('failing');
  if (t === 'all checks passing') return text('allPassing');
  if (t === 'unknown component') return text('unknownComponent');
  if (t === 'scheduled maintenance') return text('maintenanceReason');
  if (t === 'observed before Vigie restarted') return text('beforeRestart');
  if (t.startsWith('users report problems')) return text('crowdDecisive');
  if ((x = /^failing in all (\d+) regions$/.exec(t))) return text('failingAll', { n: Number(x[1]) });
  if ((x = /^failing in (.+) \((\d+) of (\d+) regions\)$/.exec(t))) return text('failingIn', { regions: { list: x[1]!.split(', ') }, down: Number(x[2]), total: Number(x[3]) });
  if ((x = /^slow in (.+)$/.exec(t))) return text('slowIn', { regions: { list: x[1]!.split(', ') } });
  if ((x = /^depends on (\S+) \(([a-z_]+)\)$/.exec(t))) {
    const status = asStatus(x[2]!);
    const name = nameOf(x[1]!);
    if (status && name) return text('dependsOn', { component: name, status: { status }, ref: x[1]! });
  }
  return undefined;
}

/**
 * The reason in `lang`, or undefined when there is nothing to show (empty, or not recognised outside
 * English). A component id without a known name is never shown.
 */
export function reasonText(lang: Lang, raw: string, nameOf: NameOf): string | undefined {
  if (raw.trim() === '') return undefined;
  const key = reasonKey(raw, nameOf);
  if (key) return say(lang, key);
  return lang === 'en' && !/[a-z0-9-]+\/[a-z0-9-]+|_/.test(raw) ? raw.trim() : undefined;
}

/** The incident engine's "2 of 3 regions" in `lang` (undefined when not recognised outside English). */
export function regionsShareText(lang: Lang, raw: string): string | undefined {
  const x = /^(\d+) of (\d+) regions$/.exec(raw.trim());
  if (x) return MESSAGES[lang].regionsShare(Number(x[1]), Number(x[2]));
  return lang === 'en' ? raw : undefined;
}
