// Detection records why a status changed as a short English phrase (kept as is in the store and the
// logs, which operators read). What a person reads goes through here: the phrase is recognised, its
// component ids become display names, its statuses their translation, and it is said in the page's
// language. A phrase not recognised is shown only in English: an internal string is never shown as if
// it were French. Whoever adds a reason to detection adds its pattern here (test/pagetext-i18n.test.ts).
import type { ComponentStatus } from '../core/status.js';
import { type Lang, MESSAGES } from './index.js';

/** Display name of a component id ("ChatGPT API" for "chatgpt/api"), when known. */
export type NameOf = (componentId: string) => string | undefined;

const STATUSES: readonly ComponentStatus[] = ['operational', 'degraded_performance', 'partial_outage', 'major_outage', 'under_maintenance'];
const asStatus = (s: string): ComponentStatus | undefined => (s === 'degraded' ? 'degraded_performance' : STATUSES.find((x) => x === s));

/** "a, b and c" in the page's language. */
export function listText(lang: Lang, items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} ${MESSAGES[lang].and} ${items[items.length - 1]}`;
}

/**
 * The reason in `lang`, or undefined when there is nothing to show (empty, or not recognised outside
 * English). Ids of components without a known name are shown as "another component" would be: not at all.
 */
export function reasonText(lang: Lang, raw: string, nameOf: NameOf): string | undefined {
  const m = MESSAGES[lang];
  const r = m.reason;
  const text = raw.trim();
  if (text === '') return undefined;
  let x: RegExpExecArray | null;
  if (text === 'no monitors') return r.noMonitors;
  if (text === 'failing') return r.failing;
  if (text === 'all checks passing') return r.allPassing;
  if (text === 'unknown component') return r.unknownComponent;
  if (text === 'scheduled maintenance') return r.maintenance;
  if (text === 'observed before Vigie restarted') return r.beforeRestart;
  if (text.startsWith('users report problems')) return r.crowd;
  if ((x = /^failing in all (\d+) regions$/.exec(text))) return r.failingAll(Number(x[1]));
  if ((x = /^failing in (.+) \((\d+) of (\d+) regions\)$/.exec(text))) return r.failingSome(listText(lang, x[1]!.split(', ')), Number(x[2]), Number(x[3]));
  if ((x = /^slow in (.+)$/.exec(text))) return r.slowIn(listText(lang, x[1]!.split(', ')));
  if ((x = /^depends on (\S+) \(([a-z_]+)\)$/.exec(text))) {
    const st = asStatus(x[2]!);
    const name = nameOf(x[1]!);
    if (st && name) return r.dependsOn(name, m.status[st].toLowerCase());
    return undefined;
  }
  return lang === 'en' && !/[a-z0-9-]+\/[a-z0-9-]+|_/.test(text) ? text : undefined;
}

/** The incident engine's "2 of 3 regions" in `lang` (undefined when not recognised outside English). */
export function regionsShareText(lang: Lang, raw: string): string | undefined {
  const x = /^(\d+) of (\d+) regions$/.exec(raw.trim());
  if (x) return MESSAGES[lang].regionsShare(Number(x[1]), Number(x[2]));
  return lang === 'en' ? raw : undefined;
}
