// My account: change my password; turn on TOTP (the otpauth URI and secret shown as text to put in
// an authenticator app, then a code to confirm) or turn it off.
import { useState } from 'preact/hooks';
import { call, post } from '../lib/api.js';
import { useApp } from '../lib/context.js';
import { useAction } from '../lib/hooks.js';
import { ErrorBox, Field, Page } from '../lib/ui.js';

export function Account() {
  const { t, user, say } = useApp();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [enrol, setEnrol] = useState<{ secret: string; uri: string } | undefined>(undefined);
  const [code, setCode] = useState('');
  const [totpOn, setTotpOn] = useState(user.totp_enabled);
  const pw = useAction(async () => {
    await post('/me/password', { current_password: current, new_password: next });
    setCurrent('');
    setNext('');
    say(t('account.passwordChanged'));
  });
  const start = useAction(async () => setEnrol(await post<{ secret: string; uri: string }>('/me/totp')));
  const confirmIt = useAction(async () => {
    await post('/me/totp/confirm', { code: code.trim() });
    setEnrol(undefined);
    setCode('');
    setTotpOn(true);
    say(t('account.totpOn'));
  });
  const [offPassword, setOffPassword] = useState('');
  const off = useAction(async () => {
    await call('DELETE', '/me/totp', { password: offPassword });
    setOffPassword('');
    setTotpOn(false);
    say(t('account.totpOff'));
  });
  return (
    <Page title={t('account.title')}>
      <p>{t('account.signedInAs', { name: user.name, role: t(`role.${user.role}`) })}</p>
      <form class="form" noValidate onSubmit={(e) => (e.preventDefault(), void pw.run())} aria-labelledby="pw">
        <h2 id="pw">{t('account.password')}</h2>
        <ErrorBox error={pw.error} fields={['current_password', 'new_password']} />
        <Field label={t('account.current')} type="password" value={current} onInput={setCurrent} error={pw.error?.forField('current_password')} autocomplete="current-password" />
        <Field label={t('account.new')} type="password" value={next} onInput={setNext} error={pw.error?.forField('new_password')} autocomplete="new-password" hint={t('account.newHint')} />
        <button type="submit" class="primary" disabled={pw.busy}>
          {t('account.change')}
        </button>
      </form>
      <section class="form" aria-labelledby="totp">
        <h2 id="totp">{t('account.totp')}</h2>
        <p>{totpOn ? t('account.totpIsOn') : t('account.totpIsOff')}</p>
        <ErrorBox error={start.error} />
        {!totpOn && !enrol ? (
          <button type="button" onClick={() => void start.run()} disabled={start.busy}>
            {t('account.totpStart')}
          </button>
        ) : null}
        {enrol ? (
          <form noValidate onSubmit={(e) => (e.preventDefault(), void confirmIt.run())}>
            <p>{t('account.totpScan')}</p>
            <p>
              <code class="secret-value" data-otpauth>
                {enrol.uri}
              </code>
            </p>
            <p>
              {t('account.totpSecret')} <code class="secret-value">{enrol.secret}</code>
            </p>
            <ErrorBox error={confirmIt.error} fields={['code']} />
            <Field label={t('account.totpCode')} value={code} onInput={setCode} error={confirmIt.error?.forField('code')} inputMode="numeric" autocomplete="one-time-code" />
            <button type="submit" class="primary" disabled={confirmIt.busy}>
              {t('account.totpConfirm')}
            </button>
          </form>
        ) : null}
        {totpOn ? (
          <form noValidate onSubmit={(e) => (e.preventDefault(), void off.run())}>
            <ErrorBox error={off.error} fields={['password', 'code']} />
            <Field label={t('account.current')} type="password" value={offPassword} onInput={setOffPassword} error={off.error?.forField('password')} autocomplete="current-password" hint={t('account.totpOffHint')} />
            <button type="submit" class="danger" disabled={off.busy}>
              {t('account.totpDisable')}
            </button>
          </form>
        ) : null}
      </section>
    </Page>
  );
}
