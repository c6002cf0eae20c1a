// API tokens: listed by name and dates (never the token), created with a role (the token shown
// once), revoked.
import { useState } from 'preact/hooks';
import type { Key } from '../i18n/index.js';
import { del, get, post, seg } from '../lib/api.js';
import { useApp } from '../lib/context.js';
import { dateTime } from '../lib/format.js';
import { useAction, useLoad } from '../lib/hooks.js';
import { ROLES, type Token } from '../lib/types.js';
import { ListTable } from '../lib/list.js';
import { ErrorBox, Field, Page, Select } from '../lib/ui.js';
import { SecretOnce } from './secret.js';

export function Tokens() {
  const { t, may, lang, say } = useApp();
  const list = useLoad(() => get<{ tokens: Token[] }>('/tokens'), []);
  const [name, setName] = useState('');
  const [role, setRole] = useState('viewer');
  const [made, setMade] = useState<{ name: string; token: string } | undefined>(undefined);
  const create = useAction(async () => {
    const r = await post<{ name: string; token: string }>('/tokens', { name: name.trim(), role });
    setMade(r);
    setName('');
    say(t('tokens.created', { name: r.name }));
    list.reload();
  });
  const revoke = useAction(async (tok: Token) => {
    if (!confirm(t('tokens.confirmRevoke', { name: tok.name }))) return;
    await del(`/tokens/${seg(tok.name)}`);
    say(t('tokens.revoked', { name: tok.name }));
    list.reload();
  });
  return (
    <Page title={t('tokens.title')}>
      {may('createToken') ? (
        <form class="form inline" noValidate onSubmit={(e) => (e.preventDefault(), void create.run())} aria-labelledby="new-token">
          <h2 id="new-token">{t('tokens.new')}</h2>
          <ErrorBox error={create.error} fields={['name', 'role']} />
          <Field label={t('tokens.name')} value={name} onInput={setName} error={create.error?.forField('name')} hint={t('tokens.nameHint')} />
          <Select label={t('tokens.role')} value={role} onChange={setRole} options={ROLES.map((r): [string, string] => [r, t(`role.${r}` as Key)])} error={create.error?.forField('role')} />
          <button type="submit" class="primary" disabled={create.busy}>
            {t('tokens.create')}
          </button>
        </form>
      ) : null}
      {made ? <SecretOnce label={t('tokens.token', { name: made.name })} value={made.token} /> : null}
      <ListTable
        rows={list.data?.tokens}
        error={list.error ?? revoke.error}
        empty={t('tokens.none')}
        rowKey={(x) => x.name}
        columns={[
          { head: t('tokens.name'), cell: (x) => x.name },
          { head: t('tokens.role'), cell: (x) => (x.role ? t(`role.${x.role}` as Key) : '—') },
          { head: t('tokens.createdAt'), cell: (x) => dateTime(x.created_at, lang) },
          { head: t('tokens.lastUsed'), cell: (x) => dateTime(x.last_used_at, lang) },
          { head: t('incidents.status'), cell: (x) => (x.revoked_at ? t('tokens.revokedAt', { at: dateTime(x.revoked_at, lang) }) : t('tokens.active')) },
          {
            head: t('common.actions'),
            hidden: true,
            show: may('revokeToken'),
            cell: (x) =>
              !x.revoked_at ? (
                <button type="button" class="small danger" onClick={() => void revoke.run(x)} aria-label={t('tokens.revokeOne', { name: x.name })}>
                  {t('tokens.revoke')}
                </button>
              ) : null,
          },
        ]}
      />
    </Page>
  );
}
