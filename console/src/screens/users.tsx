// People (owner only): add a user with a role, change a role, remove a user.
import { useState } from 'preact/hooks';
import type { Key } from '../i18n/index.js';
import { del, get, patch, post, seg } from '../lib/api.js';
import { useApp } from '../lib/context.js';
import { useAction, useLoad } from '../lib/hooks.js';
import { ROLES, type Role } from '../lib/types.js';
import { ListTable } from '../lib/list.js';
import { ErrorBox, Field, Page, Select } from '../lib/ui.js';

interface UserRow {
  id?: string;
  name: string;
  role: Role;
  totp_enabled?: boolean;
  created_at?: string | null;
  last_sign_in_at?: string | null;
}

export function Users() {
  const { t, may, user, say } = useApp();
  const list = useLoad(() => get<{ users: UserRow[] }>('/users'), []);
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<string>('viewer');
  const add = useAction(async () => {
    await post('/users', { name: name.trim(), password, role });
    setName('');
    setPassword('');
    say(t('common.saved'));
    list.reload();
  });
  const change = useAction(async (u: UserRow, r: string) => {
    await patch(`/users/${seg(u.name)}`, { role: r });
    say(t('users.roleChanged', { name: u.name }));
    list.reload();
  });
  const remove = useAction(async (u: UserRow) => {
    if (!confirm(t('users.confirmRemove', { name: u.name }))) return;
    await del(`/users/${seg(u.name)}`);
    say(t('users.removed', { name: u.name }));
    list.reload();
  });
  const roleOptions = ROLES.map((r): [string, string] => [r, t(`role.${r}` as Key)]);
  return (
    <Page title={t('users.title')}>
      {may('createUser') ? (
        <form class="form inline" noValidate onSubmit={(e) => (e.preventDefault(), void add.run())} aria-labelledby="new-user">
          <h2 id="new-user">{t('users.add')}</h2>
          <ErrorBox error={add.error} fields={['name', 'password', 'role']} />
          <Field label={t('users.name')} value={name} onInput={setName} error={add.error?.forField('name')} autocomplete="off" />
          <Field label={t('users.password')} type="password" value={password} onInput={setPassword} error={add.error?.forField('password')} autocomplete="new-password" />
          <Select label={t('users.role')} value={role} onChange={setRole} options={roleOptions} error={add.error?.forField('role')} />
          <button type="submit" class="primary" disabled={add.busy}>
            {t('users.addButton')}
          </button>
        </form>
      ) : null}
      <ListTable
        rows={list.data?.users}
        error={list.error ?? change.error ?? remove.error}
        empty={t('users.none')}
        rowKey={(u) => u.name}
        columns={[
          { head: t('users.name'), cell: (u) => u.name },
          {
            head: t('users.role'),
            cell: (u) =>
              may('updateUser') && u.name !== user.name ? (
                <Select label={t('users.roleOf', { name: u.name })} class="compact" value={u.role} onChange={(r) => void change.run(u, r)} options={roleOptions} disabled={change.busy} />
              ) : (
                t(`role.${u.role}` as Key)
              ),
          },
          { head: t('users.totp'), cell: (u) => (u.totp_enabled ? t('common.yes') : t('common.no')) },
          {
            head: t('common.actions'),
            hidden: true,
            show: may('removeUser'),
            cell: (u) =>
              u.name !== user.name ? (
                <button type="button" class="small danger" onClick={() => void remove.run(u)} aria-label={t('users.removeOne', { name: u.name })}>
                  {t('users.remove')}
                </button>
              ) : null,
          },
        ]}
      />
    </Page>
  );
}
