// The vendors' own status pages Vigie reads, and what each said last.
import { get } from '../lib/api.js';
import { useApp } from '../lib/context.js';
import { dateTime } from '../lib/format.js';
import { useLoad } from '../lib/hooks.js';
import type { Vendor } from '../lib/types.js';
import { Empty, ErrorBox, Loading, Page } from '../lib/ui.js';

export function Vendors() {
  const { t, lang } = useApp();
  const list = useLoad(() => get<{ vendors: Vendor[] }>('/vendors'), []);
  return (
    <Page title={t('vendors.title')}>
      <ErrorBox error={list.error} />
      {!list.data ? (
        list.error ? null : <Loading />
      ) : list.data.vendors.length === 0 ? (
        <Empty>{t('vendors.none')}</Empty>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('vendors.service')}</th>
                <th scope="col">{t('vendors.page')}</th>
                <th scope="col">{t('vendors.said')}</th>
                <th scope="col">{t('vendors.read')}</th>
              </tr>
            </thead>
            <tbody>
              {list.data.vendors.map((v) => (
                <tr key={v.service + (v.url ?? '')}>
                  <td>{v.name ?? v.service}</td>
                  <td class="wrap">{v.url ? <code>{v.url}</code> : '—'}</td>
                  <td>
                    {v.status ?? '—'}
                    {v.error ? <div class="error-text">{v.error}</div> : null}
                  </td>
                  <td>{dateTime(v.checked_at, lang)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Page>
  );
}
