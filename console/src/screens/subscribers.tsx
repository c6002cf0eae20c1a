// Subscribers to the public page: how many, and removing one (nothing more is sent to it).
import { useMemo, useState } from 'preact/hooks';
import type { Key } from '../i18n/index.js';
import { del, get, qs } from '../lib/api.js';
import { useApp } from '../lib/context.js';
import { dateTime } from '../lib/format.js';
import { useAction, useLoad } from '../lib/hooks.js';
import type { Subscription } from '../lib/types.js';
import { ListTable } from '../lib/list.js';
import { Page, Select } from '../lib/ui.js';

export function Subscribers() {
  const { t, may, lang, say } = useApp();
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
      <ListTable
        rows={list.data ? shown : undefined}
        error={list.error ?? remove.error}
        empty={t('subscribers.none')}
        rowKey={(s) => s.id}
        columns={[
          { head: t('subscribers.address'), class: 'wrap', cell: (s) => s.address },
          { head: t('subscribers.kind'), cell: (s) => (s.kind === 'email' ? t('subscribers.email') : t('subscribers.webhook')) },
          { head: t('incidents.status'), cell: (s) => t(`sub.${s.status}` as Key) },
          { head: t('subscribers.since'), cell: (s) => dateTime(s.created_at, lang) },
          {
            head: t('common.actions'),
            hidden: true,
            show: may('deleteSubscription'),
            cell: (s) =>
              s.status !== 'unsubscribed' ? (
                <button type="button" class="small danger" onClick={() => void remove.run(s)} aria-label={t('subscribers.removeOne', { address: s.address })}>
                  {t('subscribers.remove')}
                </button>
              ) : null,
          },
        ]}
      />
    </Page>
  );
}
