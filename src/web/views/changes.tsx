// "Recent changes": the last status changes of components, newest first, each with its display name,
// translated status and reason; the last few shown, the earlier ones in a <details> (no script needed).
import { type Lang, MESSAGES } from '../../i18n/index.js';
import { reasonText } from '../../i18n/reasons.js';
import type { Snapshot, SnapshotChange } from '../snapshot.js';
import { Time, componentNames } from './parts.js';

/** Changes shown before the rest is folded away. */
export const CHANGES_SHOWN = 5;
/** Changes listed at most (the snapshot holds a few more). */
export const CHANGES_MAX = 25;

export function RecentChanges({ lang, s }: { lang: Lang; s: Snapshot }) {
  const m = MESSAGES[lang];
  const names = componentNames(s);
  const list = s.changes.slice(0, CHANGES_MAX);
  const item = (ch: SnapshotChange) => {
    // Keyed reasons are already in this language (src/web/localize.ts); older plain-English ones are worded here.
    const reason = ch.reasonText ? ch.reason || undefined : reasonText(lang, ch.reason, (id) => names.get(id));
    return (
      <li data-component={ch.componentId}>
        <Time lang={lang} at={ch.at} /> {m.colon(names.get(ch.componentId) ?? `${ch.serviceName} ${ch.componentName}`)} <span class={`s-${ch.to}`}>{m.status[ch.to]}</span>
        {reason ? ` (${reason})` : ''}
      </li>
    );
  };
  const rest = list.slice(CHANGES_SHOWN);
  return (
    <section aria-labelledby="changes-title">
      <h2 id="changes-title">{m.changesTitle}</h2>
      {list.length === 0 ? (
        <p>{m.changesEmpty}</p>
      ) : (
        <>
          <ol class="changes">{list.slice(0, CHANGES_SHOWN).map(item)}</ol>
          {rest.length > 0 ? (
            <details id="changes-earlier">
              <summary>{m.changesEarlier(rest.length)}</summary>
              <ol class="changes">{rest.map(item)}</ol>
            </details>
          ) : null}
        </>
      )}
    </section>
  );
}
