// The subscription form (notifications: src/web/routes/subscriptions.ts), shown only when this page can
// send e-mail (a form that answers 404 is worse than none). Webhook subscriptions are for developers:
// the README documents them, the public page does not.
import { type Lang, MESSAGES } from '../../i18n/index.js';
import type { Snapshot } from '../snapshot.js';

export function Subscribe({ s, lang }: { s: Snapshot; lang: Lang }) {
  if (!s.emailSubscriptions) return null;
  const m = MESSAGES[lang];
  return (
    <section aria-labelledby="subscribe-title" class="subscribe">
      <h2 id="subscribe-title">{m.subscribeTitle}</h2>
      <form method="post" action="/subscriptions">
        <input type="hidden" name="locale" value={lang} />
        <label>
          {m.subscribeEmail} <input type="email" name="email" required autocomplete="email" />
        </label>{' '}
        <select name="component" aria-label={m.subscribeWhat}>
          <option value="">{m.subscribeAll}</option>
          {s.services.flatMap((svc) => svc.components.map((c) => <option value={c.id}>{`${svc.name} ${c.name}`}</option>))}
        </select>{' '}
        <button type="submit">{m.subscribeButton}</button>
      </form>
      <p class="now">{m.subscribeNote}</p>
    </section>
  );
}
