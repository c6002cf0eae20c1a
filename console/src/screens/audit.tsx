// The audit log: every change made in the app or through the API (who, when, what, before and
// after), filtered by actor, action, target and time, a page at a time.
import { useState } from 'preact/hooks';
import { get, qs } from '../lib/api.js';
import { useApp } from '../lib/context.js';
import { dateTime, fromLocalInput } from '../lib/format.js';
import { useLoad } from '../lib/hooks.js';
import type { AuditEntry } from '../lib/types.js';
import { ListTable, useCursors } from '../lib/list.js';
import { Field, Page } from '../lib/ui.js';

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
  const pages = useCursors();
  const cursor = pages.cursor;
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
          pages.reset();
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
              pages.reset();
            }}
          >
            {t('audit.clear')}
          </button>
        </div>
      </form>
      <ListTable
        rows={page.data?.entries}
        error={page.error}
        errorFields={['actor', 'action', 'target', 'since', 'until']}
        empty={t('audit.none')}
        rowKey={(e) => String(e.id)}
        columns={[
          { head: t('common.when'), cell: (e) => dateTime(e.at, lang) },
          {
            head: t('audit.actor'),
            cell: (e) => (
              <>
                {e.actor.name} <span class="muted">({e.actor.kind})</span>
              </>
            ),
          },
          {
            head: t('audit.action'),
            cell: (e) => (
              <>
                <code>{e.action}</code>
                {e.outcome !== 'ok' ? <div class="error-text">{e.outcome} ({e.status})</div> : null}
              </>
            ),
          },
          { head: t('audit.target'), class: 'wrap', cell: (e) => (e.target ? <code>{e.target}</code> : '—') },
          {
            head: t('audit.change'),
            cell: (e) =>
              (e.before !== undefined && e.before !== null) || (e.after !== undefined && e.after !== null) ? (
                <details>
                  <summary>{t('audit.show')}</summary>
                  <p>{t('audit.before')}</p>
                  <pre>{JSON.stringify(e.before ?? null, null, 2)}</pre>
                  <p>{t('audit.after')}</p>
                  <pre>{JSON.stringify(e.after ?? null, null, 2)}</pre>
                </details>
              ) : (
                '—'
              ),
          },
        ]}
        pager={{
          label: t('audit.pages'),
          newer: t('audit.newer'),
          older: t('audit.older'),
          hasNewer: pages.hasNewer,
          hasOlder: !!page.data?.next_cursor,
          onNewer: pages.newer,
          onOlder: () => pages.older(page.data?.next_cursor),
        }}
      />
    </Page>
  );
}
