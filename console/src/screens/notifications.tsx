// Notification channels (with "Send test"), their configuration problems, and the outbox's
// deliveries (a dead one can be sent again).
import { useState } from 'preact/hooks';
import type { Key } from '../i18n/index.js';
import { get, post, qs, seg } from '../lib/api.js';
import { useApp } from '../lib/context.js';
import { dateTime } from '../lib/format.js';
import { useAction, useLoad } from '../lib/hooks.js';
import type { ChannelTest, Delivery, NotifyStatus } from '../lib/types.js';
import { List, ListTable } from '../lib/list.js';
import { ErrorBox, Page, Select } from '../lib/ui.js';

const DELIVERY = ['pending', 'delivered', 'dead'];

export function Notifications() {
  const { t, may, lang, say } = useApp();
  const st = useLoad(() => get<NotifyStatus>('/notify'), []);
  const [status, setStatus] = useState('');
  const deliveries = useLoad(() => get<{ deliveries: Delivery[] }>(`/notify/deliveries${qs({ status: status || undefined, limit: 100 })}`), [status]);
  const [sent, setSent] = useState<ChannelTest | undefined>(undefined);
  const test = useAction(async (name: string) => {
    setSent(undefined);
    const r = await post<ChannelTest>(`/notify/channels/${seg(name)}/test`);
    setSent(r);
    say(r.ok ? t('notify.testOk', { name }) : t('notify.testFailed', { name }));
  });
  const retry = useAction(async (id: number) => {
    await post(`/notify/deliveries/${id}/retry`);
    say(t('notify.retried'));
    deliveries.reload();
    st.reload();
  });
  return (
    <Page title={t('notify.title')}>
      <h2>{t('notify.channels')}</h2>
      <ErrorBox error={st.error ?? test.error} />
      {sent ? (
        <div class={`test-result ${sent.ok ? 'ok' : 'bad'}`} role="status">
          <strong>{sent.ok ? t('notify.testOk', { name: sent.channel }) : t('notify.testFailed', { name: sent.channel })}</strong>
          {sent.status !== null ? ` · ${sent.status}` : ''}
          {sent.error ? <p>{sent.error}</p> : null}
          {sent.response ? <pre>{sent.response.slice(0, 500)}</pre> : null}
        </div>
      ) : null}
      <List rows={st.data?.channels} error={st.error ?? test.error} errorShownElsewhere empty={t('notify.noChannels')}>
        {(channels) => (
          <ul class="plain cards">
            {channels.map((c) => (
              <li key={c.name} class="card">
                <strong>{c.name}</strong> <span class="muted">{c.type}</span>{' '}
                {may('testNotifyChannel') ? (
                  <button type="button" class="small" onClick={() => void test.run(c.name)} disabled={test.busy} aria-label={t('notify.sendTestTo', { name: c.name })}>
                    {t('notify.sendTest')}
                  </button>
                ) : null}
                {st.data!.problems
                  .filter((p) => p.channel === c.name)
                  .map((p) => (
                    <p class="error-text" key={p.field}>
                      {p.text}
                    </p>
                  ))}
              </li>
            ))}
          </ul>
        )}
      </List>
      {st.data ? (
        <p class="summary">
          {t('notify.counts', { pending: st.data.deliveries.pending ?? 0, delivered: st.data.deliveries.delivered ?? 0, dead: st.data.deliveries.dead ?? 0, waiting: st.data.events_waiting })}
        </p>
      ) : null}
      <h2>{t('notify.deliveries')}</h2>
      <div class="filters">
        <Select label={t('notify.show')} value={status} onChange={setStatus} options={[['', t('common.all')], ...DELIVERY.map((s): [string, string] => [s, t(`delivery.${s}` as Key)])]} />
      </div>
      <ListTable
        rows={deliveries.data?.deliveries}
        error={deliveries.error ?? retry.error}
        empty={t('notify.noDeliveries')}
        rowKey={(d) => d.id}
        columns={[
          { head: t('notify.target'), class: 'wrap', cell: (d) => d.target },
          { head: t('notify.action'), cell: (d) => d.action },
          {
            head: t('incidents.status'),
            cell: (d) => (
              <>
                {t(`delivery.${d.status}` as Key)}
                {d.last_error ? <div class="muted wrap">{d.last_error}</div> : null}
              </>
            ),
          },
          { head: t('notify.attempts'), cell: (d) => d.attempts },
          { head: t('common.when'), cell: (d) => dateTime(d.delivered_at ?? d.created_at, lang) },
          {
            head: t('common.actions'),
            hidden: true,
            show: may('retryDelivery'),
            cell: (d) =>
              d.status === 'dead' ? (
                <button type="button" class="small" onClick={() => void retry.run(d.id)}>
                  {t('notify.retry')}
                </button>
              ) : null,
          },
        ]}
      />
    </Page>
  );
}
