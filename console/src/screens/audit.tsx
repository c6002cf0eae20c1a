// The audit log: every change made in the app or through the API (who, when, what, before and
// after), filtered by actor, action, target and time, a page at a time.
import { useState } from 'preact/hooks';
import { get, qs } from '../lib/api.js';
import { useApp } from '../lib/context.js';
import { dateTime, fromLocalInput } from '../lib/format.js';
import { useLoad } from '../lib/hooks.js';
import type { AuditEntry } from '../lib/types.js';
import { Empty, ErrorBox, Field, Loading, Page } from '../lib/ui.js';

interface Filters {
  actor: string;
  action: string;
  target: string;
  since: string;
  until: string;
}
const NONE: Filters = { actor: '', action: '', target: '', since: '', until: '' };

export function Audit() {
  const { t, lang } = useApp();
  const [draft, setDraft] = useState<Filters>(NONE);
  const [applied, setApplied] = useState<Filters>(NONE);
  // The cursors of the pages seen so far: "previous" pops one.
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const cursor = cursors[cursors.length - 1] ?? null;
  const page = useLoad(
    () =>
      get<{ entries: AuditEntry[]; next_cursor: string | null }>(
        `/audit${qs({ actor: applied.actor.trim(), action: applied.action.trim(), target: applied.target.trim(), since: fromLocalInput(applied.since), until: fromLocalInput(applied.until), cursor })}`,
      ),
    [applied, cursor],
  );
  const set = (k: keyof Filters) => (v: string) => setDraft((d) => ({ ...d, [k]: v }));
  const fe = (k: string) => page.error?.forField(k);
  return (
    <Page title={t('audit.title')}>
      <form
        class="filters"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied(draft);
          setCursors([null]);
        }}
      >
        <Field label={t('audit.actor')} value={draft.actor} onInput={set('actor')} error={fe('actor')} />
        <Field label={t('audit.action')} value={draft.action} onInput={set('action')} error={fe('action')} />
        <Field label={t('audit.target')} value={draft.target} onInput={set('target')} error={fe('target')} />
        <Field label={t('audit.since')} type="datetime-local" value={draft.since} onInput={set('since')} error={fe('since')} />
        <Field label={t('audit.until')} type="datetime-local" value={draft.until} onInput={set('until')} error={fe('until')} />
        <div class="buttons">
          <button type="submit" class="primary">
            {t('audit.filter')}
          </button>
          <button
            type="button"
            onClick={() => {
              setDraft(NONE);
              setApplied(NONE);
              setCursors([null]);
            }}
          >
            {t('audit.clear')}
          </button>
        </div>
      </form>
      <ErrorBox error={page.error} fields={['actor', 'action', 'target', 'since', 'until']} />
      {!page.data ? (
        page.error ? null : <Loading />
      ) : page.data.entries.length === 0 ? (
        <Empty>{t('audit.none')}</Empty>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('common.when')}</th>
                <th scope="col">{t('audit.actor')}</th>
                <th scope="col">{t('audit.action')}</th>
                <th scope="col">{t('audit.target')}</th>
                <th scope="col">{t('audit.change')}</th>
              </tr>
            </thead>
            <tbody>
              {page.data.entries.map((e) => (
                <tr key={String(e.id)}>
                  <td>{dateTime(e.at, lang)}</td>
                  <td>
                    {e.actor.name} <span class="muted">({e.actor.kind})</span>
                  </td>
                  <td>
                    <code>{e.action}</code>
                    {e.outcome !== 'ok' ? <div class="error-text">{e.outcome} ({e.status})</div> : null}
                  </td>
                  <td class="wrap">{e.target ? <code>{e.target}</code> : '—'}</td>
                  <td>
                    {(e.before !== undefined && e.before !== null) || (e.after !== undefined && e.after !== null) ? (
                      <details>
                        <summary>{t('audit.show')}</summary>
                        <p>{t('audit.before')}</p>
                        <pre>{JSON.stringify(e.before ?? null, null, 2)}</pre>
                        <p>{t('audit.after')}</p>
                        <pre>{JSON.stringify(e.after ?? null, null, 2)}</pre>
                      </details>
                    ) : (
                      '—'
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <nav class="pager" aria-label={t('audit.pages')}>
        <button type="button" disabled={cursors.length <= 1} onClick={() => setCursors((c) => c.slice(0, -1))}>
          {t('audit.newer')}
        </button>
        <button type="button" disabled={!page.data?.next_cursor} onClick={() => page.data?.next_cursor && setCursors((c) => [...c, page.data!.next_cursor])}>
          {t('audit.older')}
        </button>
      </nav>
    </Page>
  );
}
