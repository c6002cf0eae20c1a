// Probe agents: their regions and health, registering one (its token shown once), revoking one.
import { useState } from 'preact/hooks';
import { del, get, post, seg } from '../lib/api.js';
import { useApp } from '../lib/context.js';
import { dateTime } from '../lib/format.js';
import { useAction, useLoad } from '../lib/hooks.js';
import type { Agent } from '../lib/types.js';
import { ListTable } from '../lib/list.js';
import { ErrorBox, Field, Page } from '../lib/ui.js';
import { SecretOnce } from './secret.js';

export function Agents() {
  const { t, may, lang, say } = useApp();
  const list = useLoad(() => get<{ regions: { name: string; silent: boolean }[]; agents: Agent[] }>('/agents'), []);
  const [name, setName] = useState('');
  const [region, setRegion] = useState('');
  const [token, setToken] = useState('');
  const add = useAction(async () => {
    const r = await post<{ token: string }>('/agents', { name: name.trim(), region: region.trim() });
    setToken(r.token);
    setName('');
    list.reload();
  });
  const revoke = useAction(async (a: Agent) => {
    if (!confirm(t('agents.confirmRevoke', { name: a.name }))) return;
    await del(`/agents/${seg(a.name)}`);
    say(t('agents.revoked'));
    list.reload();
  });
  return (
    <Page title={t('agents.title')}>
      <ErrorBox error={list.error ?? revoke.error} />
      {list.data ? (
        <p class="summary">
          {t('agents.regions')}:{' '}
          {list.data.regions.length === 0
            ? '—'
            : list.data.regions.map((r) => (
                <span key={r.name} class={`tag ${r.silent ? 'bad' : 'good'}`}>
                  {r.name} · {r.silent ? t('agents.silent') : t('agents.covered')}
                </span>
              ))}
        </p>
      ) : null}
      {may('registerAgent') ? (
        <form class="form inline" noValidate onSubmit={(e) => (e.preventDefault(), void add.run())} aria-labelledby="new-agent">
          <h2 id="new-agent">{t('agents.register')}</h2>
          <ErrorBox error={add.error} fields={['name', 'region']} />
          <Field label={t('agents.name')} value={name} onInput={setName} error={add.error?.forField('name')} />
          <Field label={t('agents.region')} value={region} onInput={setRegion} error={add.error?.forField('region')} />
          <button type="submit" class="primary" disabled={add.busy}>
            {t('agents.registerButton')}
          </button>
        </form>
      ) : null}
      {token ? <SecretOnce label={t('agents.token')} value={token} /> : null}
      <ListTable
        rows={list.data?.agents}
        error={list.error ?? revoke.error}
        errorShownElsewhere
        empty={t('agents.none')}
        rowKey={(a) => a.id}
        columns={[
          { head: t('agents.name'), cell: (a) => a.name },
          { head: t('agents.region'), cell: (a) => a.region },
          {
            head: t('agents.state'),
            cell: (a) => (
              <>
                {a.revoked_at ? t('agents.revokedState') : a.live ? t('agents.live') : t('agents.offline')}
                {a.clock_flagged ? <div class="error-text">{t('agents.clock')}</div> : null}
              </>
            ),
          },
          { head: t('agents.lastSeen'), cell: (a) => dateTime(a.last_seen_at, lang) },
          { head: t('agents.monitors'), cell: (a) => a.monitors },
          {
            head: t('common.actions'),
            hidden: true,
            show: may('revokeAgent'),
            cell: (a) =>
              !a.revoked_at ? (
                <button type="button" class="small danger" onClick={() => void revoke.run(a)} aria-label={t('agents.revokeOne', { name: a.name })}>
                  {t('agents.revoke')}
                </button>
              ) : null,
          },
        ]}
      />
    </Page>
  );
}
