// Text Vigie writes by itself (incident titles and drafted updates, reasons for status changes,
// vendor disagreements) is kept as a message key and its parameters, so every language renders it
// from the same record. The English rendering is also stored as plain text for the APIs and for
// readers that know nothing of keys.
import type { ComponentStatus } from '../core/status.js';
import { type Lang, MESSAGES, duration, timeOnly } from './index.js';
import type { GenMessages } from './generated.en.js';

export type GenKey = keyof GenMessages;

/** A parameter: plain words (names, as shown), or something each language words its own way. */
export type TextParam =
  | string
  | number
  | { status: ComponentStatus }
  | { time: number }
  | { duration: number }
  | { list: string[] }
  | { text: GenText }
  | { texts: GenText[]; sep: string };

export interface GenText {
  key: GenKey;
  params?: Record<string, TextParam>;
}

export function text(key: GenKey, params?: Record<string, TextParam>): GenText {
  return params ? { key, params } : { key };
}

function renderParam(lang: Lang, p: TextParam): string {
  if (typeof p === 'string') return p;
  if (typeof p === 'number') return String(p);
  if ('status' in p) return MESSAGES[lang].status[p.status].toLowerCase();
  if ('time' in p) return timeOnly(p.time);
  if ('duration' in p) return duration(lang, p.duration);
  if ('list' in p) return listing(lang, p.list);
  if ('text' in p) return say(lang, p.text);
  return p.texts.map((t) => say(lang, t)).join(p.sep);
}

/** "A", "A and B", "A, B and C" (« A, B et C »). */
export function listing(lang: Lang, names: string[]): string {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} ${MESSAGES[lang].gen.and} ${names.at(-1)}`;
}

/** The text in a language. An unknown key (a record from a newer version) renders as its key. */
export function say(lang: Lang, t: GenText): string {
  const f = MESSAGES[lang].gen[t.key] as unknown;
  if (typeof f !== 'function') return typeof f === 'string' ? f : t.key;
  const p: Record<string, string> = {};
  for (const [k, v] of Object.entries(t.params ?? {})) p[k] = renderParam(lang, v);
  return (f as (p: Record<string, string>) => string)(p);
}

/** English, for the plain-text columns and logs. */
export const english = (t: GenText) => say('en', t);

/** A stored text back (null for rows written before keys were kept, or unreadable ones). */
export function parseText(json: string | null | undefined): GenText | null {
  if (!json) return null;
  try {
    const v = JSON.parse(json) as unknown;
    return v && typeof v === 'object' && typeof (v as GenText).key === 'string' ? (v as GenText) : null;
  } catch {
    return null;
  }
}
