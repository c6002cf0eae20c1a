// Finds Vigie's own English on a page that should be French: every piece of the English dictionary
// (strings, and the fixed text of its functions) that differs from the French one and does not appear
// in French wording anyway ("Incident", "API", "UTC"). Used on rendered HTML and on a browser's text.
import { en } from '../../src/i18n/en.js';
import { fr } from '../../src/i18n/fr.js';

const MARK = '\u0001';

/** The fixed pieces of a dictionary value: strings as they are, functions called with markers and with numbers. */
function pieces(v: unknown, out: string[]): void {
  if (typeof v === 'string') out.push(v);
  else if (typeof v === 'function') {
    const f = v as (...a: unknown[]) => string;
    const n = Math.max(f.length, 1);
    // Positional parameters, or one object of named ones (src/i18n/generated.*.ts): every name a marker.
    const named = (v: unknown) => [new Proxy({}, { get: (_t, k) => (typeof k === 'string' ? v : undefined) })];
    for (const args of [Array.from({ length: n }, () => MARK), Array.from({ length: n }, () => 7), Array.from({ length: n }, () => 1), named(MARK), named('7')]) {
      let r: unknown;
      try {
        r = f(...args);
      } catch {
        continue;
      }
      if (typeof r === 'string') out.push(...r.split(/\u0001|\b[17]\b/));
    }
  } else if (v && typeof v === 'object' && !Array.isArray(v)) for (const x of Object.values(v)) pieces(x, out);
}

const norm = (s: string) => s.replace(/[\s\u202f\u00a0]+/g, ' ').trim();
const words = (s: string) => norm(s.replace(/[^\p{L}\p{N}'’ ]+/gu, ' ')).toLowerCase();

function englishOnly(): string[] {
  const frText: string[] = [];
  pieces(fr, frText);
  const frCorpus = ` ${frText.map(words).join(' | ')} `;
  const enText: string[] = [];
  // Only what differs: language names, units and date formats are not wording; badge labels are
  // images served in English at one address each, linked by file name (status.svg, uptime.svg).
  const { lang: _l, languageName: _n, monthFormat: _m, durations: _d, badgeStatus: _s, badgeUptime: _u, ...rest } = en;
  // Region names the report form offers may also be how an operator named a probe region ("asia").
  pieces({ ...rest, reports: { ...rest.reports, region: {} } }, enText);
  const out = new Set<string>();
  for (const p of enText) {
    const w = words(p);
    // Two-letter scraps ("at", "of") say nothing on their own; a piece that is French too is not English.
    if (w.replace(/ /g, '').length < 4) continue;
    if (frCorpus.includes(` ${w} `)) continue;
    out.add(w);
  }
  return [...out].sort((a, b) => b.length - a.length);
}

let cached: string[] | undefined;
/** English pieces of the dictionary found in `text` (visible text of a French page). */
export function englishIn(text: string): string[] {
  cached ??= englishOnly();
  // File and host names (status.svg, summary.json, status.example.org) are addresses, not wording.
  const t = ` ${words(text.replace(/[\w/-]+(?:\.[a-z][\w-]*)+/gi, ' '))} `;
  return cached.filter((p) => t.includes(` ${p} `));
}

/** What a person reads in an HTML document: text, and the titles, labels, alt texts and descriptions. */
export function readableText(html: string): string {
  const attrs = [...html.matchAll(/\s(?:title|aria-label|alt|content|placeholder)="([^"]*)"/g)].map((m) => m[1]!);
  const body = html
    .replace(/<style[\s\S]*?<\/style>/g, ' ')
    .replace(/<script[\s\S]*?<\/script>/g, ' ')
    .replace(/<[^>]+>/g, ' ');
  return decode([body, ...attrs].join(' \n '));
}

const decode = (s: string) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#x27;|&#39;|&apos;/g, "'")
    .replace(/&#(\d+);/g, (_m, n) => String.fromCodePoint(Number(n)))
    .replace(/&amp;/g, '&');
