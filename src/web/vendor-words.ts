// The vendor's official status beside Vigie's, in words, both ways: the vendor admits a problem Vigie
// does not observe (or on a component Vigie does not monitor), Vigie observes one the vendor does not
// admit, and a vendor page Vigie cannot read says why ("unreadable: malformed JSON", "unreachable: HTTP 503")
// instead of "?". Pure: the page renders the texts in its language (src/i18n/text.ts).
import { isOutage } from '../core/status.js';
import { type GenText, text } from '../i18n/text.js';
import type { SnapshotService, SnapshotVendor } from './snapshot.js';

/** Why a page could not be read, in words every language has (the raw detail stays in the logs and the admin API). */
export function vendorWhy(error: string): GenText {
  const e = error.replace(/^vendor page unreachable:\s*/, '').replace(/^malformed:\s*/, '');
  const http = /\bHTTP (\d{3})\b/.exec(e);
  if (http) return text('whyHttp', { code: http[1]! });
  if (/within \d+ ms|timed? ?out|ETIMEDOUT|UND_ERR_.*TIMEOUT/i.test(e)) return text('whyTimeout');
  if (/ENOTFOUND|EAI_AGAIN/.test(e)) return text('whyDns');
  if (/ECONNREFUSED/.test(e)) return text('whyRefused');
  if (/ECONNRESET|socket hang up|UND_ERR_SOCKET/.test(e)) return text('whyReset');
  if (/byte cap/.test(e)) return text('whyTooLarge');
  if (/redirects/.test(e)) return text('whyRedirects');
  if (/HTML or XML page/.test(e)) return text('whyHtml');
  if (/not JSON/.test(e)) return text('whyJson');
  if (/XML|Atom|RSS|entry \d+/.test(e)) return text('whyFeed');
  if (/^malformed:/.test(error)) return text('whyShape');
  return text('whyOther');
}

/** What the vendor's page says, as the "Official status" line shows it: its words, or why there are none. */
export function vendorStatusWords(v: SnapshotVendor): GenText | string {
  if (!v.reachable) return text('vendorUnreachable', { why: { text: vendorWhy(v.error ?? '') } });
  if (v.error) return text('vendorUnreadable', { why: { text: vendorWhy(v.error) } });
  if (v.description) return v.description; // the vendor's own words, quoted as they are
  return text('vendorNoWords');
}

/** Disagreements between the vendor's page and what Vigie observes, beyond the silent vendor (shown elsewhere). */
export function vendorDisagreements(svc: SnapshotService): GenText[] {
  const v = svc.vendor;
  if (!v || !v.reachable || v.error || v.saysOperational !== false) return [];
  const out: GenText[] = [];
  const ours = new Map(svc.components.map((c) => [c.name.trim().toLowerCase(), c]));
  const troubled = (v.components ?? []).filter((c) => c.status !== 'operational' && c.status !== 'under_maintenance');
  const unmonitored = troubled.filter((c) => {
    const mine = ours.get(c.name.trim().toLowerCase());
    return !mine || mine.monitored === false;
  });
  if (unmonitored.length > 0) out.push(text('vendorSaysProblemUnmonitored', { service: svc.name, components: { list: unmonitored.map((c) => c.name) } }));
  const observedFine = svc.components.filter((c) => c.monitored !== false).every((c) => !isOutage(c.observed ?? c.status) && (c.observed ?? c.status) !== 'degraded_performance');
  if (observedFine && svc.components.some((c) => c.monitored !== false)) out.push(text('vendorSaysProblem', { service: svc.name, words: v.description ?? v.indicator ?? '' }));
  return out;
}
