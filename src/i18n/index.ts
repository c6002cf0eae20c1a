// The page's languages: chosen by ?lang=, then the `lang` cookie, then Accept-Language; English by default.
// Every language's responses are prepared at publish time, so choosing one costs a lookup.
import { type Messages, en } from './en.js';
import { fr } from './fr.js';

export type { Messages } from './en.js';
export const LANGS = ['en', 'fr'] as const;
export type Lang = (typeof LANGS)[number];
export const DEFAULT_LANG: Lang = 'en';
export const MESSAGES: Record<Lang, Messages> = { en, fr };

export function isLang(x: unknown): x is Lang {
  return typeof x === 'string' && (LANGS as readonly string[]).includes(x);
}

/** The best supported language in an Accept-Language header (q-values honoured), or undefined. */
export function fromAcceptLanguage(header: string | undefined): Lang | undefined {
  if (!header) return undefined;
  let best: Lang | undefined;
  let bestQ = 0;
  for (const part of header.split(',')) {
    const [tag = '', ...params] = part.trim().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const qv = q ? Number(q.slice(2)) : 1;
    const primary = tag.trim().toLowerCase().split('-')[0];
    if (isLang(primary) && Number.isFinite(qv) && qv > bestQ) {
      best = primary;
      bestQ = qv;
    }
  }
  return best;
}

/** The `lang` cookie's value, when supported. */
export function fromCookie(header: string | undefined): Lang | undefined {
  if (!header) return undefined;
  const m = /(?:^|;\s*)lang=([a-z]{2})(?:;|$)/.exec(header);
  return m && isLang(m[1]) ? m[1] : undefined;
}

/** A request's language for pages rendered per request: ?lang=, then the cookie, then Accept-Language. */
export function pickLang(query: unknown, cookieHeader: string | undefined, acceptLanguage: string | undefined): Lang {
  return isLang(query) ? query : (fromCookie(cookieHeader) ?? fromAcceptLanguage(acceptLanguage) ?? DEFAULT_LANG);
}

const dateFmt = new Map<string, Intl.DateTimeFormat>();
function fmt(lang: Lang, opts: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = lang + JSON.stringify(opts);
  let f = dateFmt.get(key);
  if (!f) dateFmt.set(key, (f = new Intl.DateTimeFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', { timeZone: 'UTC', ...opts })));
  return f;
}

/** "11 Dec 2024, 23:07 UTC" / "11 déc. 2024, 23:07 UTC". */
export function dateTime(lang: Lang, ms: number): string {
  return `${fmt(lang, { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(ms)} UTC`;
}
/** "23:07 UTC". */
export function timeOnly(ms: number): string {
  return `${new Date(ms).toISOString().slice(11, 16)} UTC`;
}
const dayCache = new Map<string, string>();
/** "11 Dec 2024" (memoised: the bars ask for the same 90 days thousands of times per render). */
export function day(lang: Lang, ms: number): string {
  const key = lang + ms;
  let v = dayCache.get(key);
  if (v === undefined) {
    if (dayCache.size > 5000) dayCache.clear();
    dayCache.set(key, (v = fmt(lang, { day: 'numeric', month: 'short', year: 'numeric' }).format(ms)));
  }
  return v;
}
/** "December 2024" / "décembre 2024". */
export function month(lang: Lang, ms: number): string {
  return fmt(lang, MESSAGES[lang].monthFormat).format(ms);
}
/** "2 h 35 min", "45 s", "3 d 2 h". */
export function duration(lang: Lang, ms: number): string {
  const u = MESSAGES[lang].durations;
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 60) return `${s} ${u.s}`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} ${u.min}`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} ${u.h}${m % 60 ? ` ${m % 60} ${u.min}` : ''}`;
  return `${Math.floor(h / 24)} ${u.d}${h % 24 ? ` ${h % 24} ${u.h}` : ''}`;
}
/** "99.95 %" / "99,95 %". */
export function percent(lang: Lang, share: number): string {
  const v = share * 100;
  const digits = v === 100 || v === 0 ? 0 : v >= 99 ? 2 : 1;
  const n = (Math.floor(v * 10 ** digits) / 10 ** digits).toFixed(digits);
  return `${lang === 'fr' ? n.replace('.', ',') : n}\u202f%`;
}
