// What a vendor's official page says, in the page's language: Statuspage's own standard wording
// ("All Systems Operational") is the indicator, so it is translated; the vendor's own words otherwise,
// quoted as theirs.
import { type Lang, MESSAGES } from '../../i18n/index.js';
import type { SnapshotVendor } from '../snapshot.js';

const STANDARD = new Set(Object.values(MESSAGES.en.indicator).map((t) => t.toLowerCase()));

export function vendorSays(lang: Lang, v: Pick<SnapshotVendor, 'indicator' | 'description'>): string {
  const m = MESSAGES[lang];
  const known = v.indicator !== null && v.indicator in m.indicator ? m.indicator[v.indicator as keyof typeof m.indicator] : undefined;
  const words = v.description?.trim() || null;
  if (words === null || STANDARD.has(words.toLowerCase())) return known ?? words ?? '?';
  return known ? `${known} ${m.vendorSaysQuote(words)}` : m.vendorSaysQuote(words);
}
