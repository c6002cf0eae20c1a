// The vendors' own status pages Vigie reads, and what each said last (or why it could not be read).
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
                <tr key={v.service}>
                  <td>{v.service_name}</td>
                  <td class="wrap">
                    <code>{v.url}</code>
                    <div class="muted">
                      {v.kind} · {t('vendors.every', { n: v.interval_s })}
                    </div>
                  </td>
                  <td>
                    {!v.last ? (
                      t('vendors.notYet')
                    ) : !v.last.reachable || v.last.problem ? (
                      <span class="error-text">{v.last.problem ?? t('vendors.unreachable')}</span>
                    ) : (
                      <>
                        <span class={`badge ${v.last.says_operational ? 's-up' : v.last.says_operational === false ? 's-down' : 's-unknown'}`}>
                          {v.last.says_operational ? t('vendors.allWell') : v.last.says_operational === false ? t('vendors.problem') : t('status.unknown')}
                        </span>{' '}
                        {v.last.description ?? ''}
                        {v.last.open_incidents.length > 0 ? (
                          <ul class="plain">
                            {v.last.open_incidents.map((i) => (
                              <li key={i.name}>
                                {i.name} <span class="muted">({i.status})</span>
                              </li>
                            ))}
                          </ul>
                        ) : null}
                      </>
                    )}
                  </td>
                  <td>{dateTime(v.last?.at, lang)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Page>
  );
}
