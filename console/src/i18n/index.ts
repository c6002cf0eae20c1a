// The console's words: every piece of text on screen comes from en.ts / fr.ts through t().
import { en } from './en.js';
import { fr } from './fr.js';

export type Key = keyof typeof en;
export type Lang = 'en' | 'fr';
export const LANGS: readonly Lang[] = ['en', 'fr'];
export type T = (key: Key, params?: Record<string, string | number>) => string;

const dicts: Record<Lang, Record<Key, string>> = { en, fr };

export function translator(lang: Lang): T {
  const d = dicts[lang];
  return (key, params) => {
    const s = d[key] ?? en[key] ?? key;
    return params ? s.replace(/\{(\w+)\}/g, (m, k: string) => (k in params ? String(params[k]) : m)) : s;
  };
}

const STORED = 'vigie-console-lang';

export function initialLang(): Lang {
  try {
    const s = localStorage.getItem(STORED);
    if (s === 'en' || s === 'fr') return s;
  } catch {
    /* storage refused: fall back to the browser's language */
  }
  return (navigator.language || 'en').toLowerCase().startsWith('fr') ? 'fr' : 'en';
}

export function rememberLang(lang: Lang): void {
  try {
    localStorage.setItem(STORED, lang);
  } catch {
    /* not remembered: fine */
  }
}
