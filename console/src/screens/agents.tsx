// Probe agents: their regions and health, registering one (its token shown once), revoking one.
import { useState } from 'preact/hooks';
import { del, get, post, seg } from '../lib/api.js';
import { useApp } from '../lib/context.js';
import { dateTime } from '../lib/format.js';
import { useAction, useLoad } from '../lib/hooks.js';
import type { Agent } from '../lib/types.js';
import { Empty, ErrorBox, Field, Loading, Page } from '../lib/ui.js';
import { SecretOnce } from './secret.js';

export function Agents() {
  const { t, can, lang, say } = useApp();
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
      {can('editor') ? (
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
      {!list.data ? (
        list.error ? null : <Loading />
      ) : list.data.agents.length === 0 ? (
        <Empty>{t('agents.none')}</Empty>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('agents.name')}</th>
                <th scope="col">{t('agents.region')}</th>
                <th scope="col">{t('agents.state')}</th>
                <th scope="col">{t('agents.lastSeen')}</th>
                <th scope="col">{t('agents.monitors')}</th>
                {can('editor') ? <th scope="col"><span class="sr-only">{t('common.actions')}</span></th> : null}
              </tr>
            </thead>
            <tbody>
              {list.data.agents.map((a) => (
                <tr key={a.id}>
                  <td>{a.name}</td>
                  <td>{a.region}</td>
                  <td>
                    {a.revoked_at ? t('agents.revokedState') : a.live ? t('agents.live') : t('agents.offline')}
                    {a.clock_flagged ? <div class="error-text">{t('agents.clock')}</div> : null}
                  </td>
                  <td>{dateTime(a.last_seen_at, lang)}</td>
                  <td>{a.monitors}</td>
                  {can('editor') ? (
                    <td>
                      {!a.revoked_at ? (
                        <button type="button" class="small danger" onClick={() => void revoke.run(a)} aria-label={t('agents.revokeOne', { name: a.name })}>
                          {t('agents.revoke')}
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
