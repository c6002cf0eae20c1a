// The vendors' own status pages Vigie reads, and what each said last (or why it could not be read).
import { get } from '../lib/api.js';
import { useApp } from '../lib/context.js';
import { dateTime } from '../lib/format.js';
import { useLoad } from '../lib/hooks.js';
import type { Vendor } from '../lib/types.js';
import { ListTable } from '../lib/list.js';
import { Page } from '../lib/ui.js';

export function Vendors() {
  const { t, lang } = useApp();
  const list = useLoad(() => get<{ vendors: Vendor[] }>('/vendors'), []);
  return (
    <Page title={t('vendors.title')}>
      <ListTable
        rows={list.data?.vendors}
        error={list.error}
        empty={t('vendors.none')}
        rowKey={(v) => v.service}
        columns={[
          { head: t('vendors.service'), cell: (v) => v.service_name },
          {
            head: t('vendors.page'),
            class: 'wrap',
            cell: (v) => (
              <>
                <code>{v.url}</code>
                <div class="muted">
                  {v.kind} · {t('vendors.every', { n: v.interval_s })}
                </div>
              </>
            ),
          },
          { head: t('vendors.said'), cell: (v) => <Said v={v} /> },
          { head: t('vendors.read'), cell: (v) => dateTime(v.last?.at, lang) },
        ]}
      />
    </Page>
  );
}

/** What the vendor's page said last, or why it could not be read. */
function Said(props: { v: Vendor }) {
  const { t } = useApp();
  const last = props.v.last;
  if (!last) return <>{t('vendors.notYet')}</>;
  if (!last.reachable || last.problem) return <span class="error-text">{last.problem ?? t('vendors.unreachable')}</span>;
  return (
    <>
      <span class={`badge ${last.says_operational ? 's-up' : last.says_operational === false ? 's-down' : 's-unknown'}`}>
        {last.says_operational ? t('vendors.allWell') : last.says_operational === false ? t('vendors.problem') : t('status.unknown')}
      </span>{' '}
      {last.description ?? ''}
      {last.open_incidents.length > 0 ? (
        <ul class="plain">
          {last.open_incidents.map((i) => (
            <li key={i.name}>
              {i.name} <span class="muted">({i.status})</span>
            </li>
          ))}
        </ul>
      ) : null}
    </>
  );
}
