// Subscribers to the public page: how many, and removing one (nothing more is sent to it).
import { useMemo, useState } from 'preact/hooks';
import type { Key } from '../i18n/index.js';
import { del, get, qs } from '../lib/api.js';
import { useApp } from '../lib/context.js';
import { dateTime } from '../lib/format.js';
import { useAction, useLoad } from '../lib/hooks.js';
import type { Subscription } from '../lib/types.js';
import { Empty, ErrorBox, Loading, Page, Select } from '../lib/ui.js';

export function Subscribers() {
  const { t, can, lang, say } = useApp();
  const [status, setStatus] = useState('');
  const list = useLoad(() => get<{ subscriptions: Subscription[] }>(`/subscriptions${qs({ limit: 10000 })}`), []);
  const counts = useMemo(() => {
    const c = { active: 0, pending: 0, unsubscribed: 0 };
    for (const s of list.data?.subscriptions ?? []) c[s.status]++;
    return c;
  }, [list.data]);
  const remove = useAction(async (s: Subscription) => {
    if (!confirm(t('subscribers.confirmRemove', { address: s.address }))) return;
    await del(`/subscriptions/${s.id}`);
    say(t('subscribers.removed'));
    list.reload();
  });
  const shown = (list.data?.subscriptions ?? []).filter((s) => !status || s.status === status);
  return (
    <Page title={t('subscribers.title')}>
      <p class="summary">{t('subscribers.counts', counts)}</p>
      <div class="filters">
        <Select label={t('subscribers.show')} value={status} onChange={setStatus} options={[['', t('common.all')], ...(['active', 'pending', 'unsubscribed'] as const).map((s): [string, string] => [s, t(`sub.${s}` as Key)])]} />
      </div>
      <ErrorBox error={list.error ?? remove.error} />
      {!list.data ? (
        list.error ? null : <Loading />
      ) : shown.length === 0 ? (
        <Empty>{t('subscribers.none')}</Empty>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('subscribers.address')}</th>
                <th scope="col">{t('subscribers.kind')}</th>
                <th scope="col">{t('incidents.status')}</th>
                <th scope="col">{t('subscribers.since')}</th>
                {can('editor') ? <th scope="col"><span class="sr-only">{t('common.actions')}</span></th> : null}
              </tr>
            </thead>
            <tbody>
              {shown.map((s) => (
                <tr key={s.id}>
                  <td class="wrap">{s.address}</td>
                  <td>{s.kind === 'email' ? t('subscribers.email') : t('subscribers.webhook')}</td>
                  <td>{t(`sub.${s.status}` as Key)}</td>
                  <td>{dateTime(s.created_at, lang)}</td>
                  {can('editor') ? (
                    <td>
                      {s.status !== 'unsubscribed' ? (
                        <button type="button" class="small danger" onClick={() => void remove.run(s)} aria-label={t('subscribers.removeOne', { address: s.address })}>
                          {t('subscribers.remove')}
                        </button>
                      ) : null}
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Page>
  );
}
