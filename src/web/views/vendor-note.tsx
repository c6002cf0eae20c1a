// The vendor's official status in words (never "?"), and every disagreement with what Vigie observes
// that the silent-vendor warning does not already say (src/web/vendor-words.ts).
import type { SnapshotService, SnapshotVendor } from '../snapshot.js';
import { type Lang, MESSAGES } from '../../i18n/index.js';
import { say } from '../../i18n/text.js';
import { vendorDisagreements, vendorStatusWords } from '../vendor-words.js';
import { vendorSays } from './vendor.js';

export function VendorStatusText({ lang, v }: { lang: Lang; v: SnapshotVendor }) {
  const m = MESSAGES[lang];
  const w = vendorStatusWords(v);
  // The vendor's words: Statuspage's standard ones ("All Systems Operational") translated, its own quoted (vendor.ts).
  if (typeof w === 'string') return <strong>{vendorSays(lang, v)}</strong>;
  const words = w.key === 'vendorNoWords' && v.indicator && v.indicator in m.indicator ? m.indicator[v.indicator as keyof typeof m.indicator] : say(lang, w);
  return (
    <strong data-vendor-state={!v.reachable ? 'unreachable' : v.error ? 'unreadable' : 'read'}>{words}</strong>
  );
}

export function VendorDisagreements({ lang, svc }: { lang: Lang; svc: SnapshotService }) {
  const list = vendorDisagreements(svc);
  if (list.length === 0) return null;
  return (
    <>
      {list.map((t) => (
        <p class="warn" data-vendor-disagrees={t.key}>
          {say(lang, t)}
        </p>
      ))}
    </>
  );
}
