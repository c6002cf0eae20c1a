// Signing in: name and password, then a TOTP code when the account has one, or the configured
// OpenID Connect provider. Outside the app context (no user yet), so it takes its words as a prop.
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import type { T } from '../i18n/index.js';
import { ApiError, post } from '../lib/api.js';
import type { AuthMethods, SessionAnswer } from '../lib/types.js';

const OIDC_ERRORS = ['expired', 'denied', 'exchange', 'domain', 'no_email', 'conflict', 'provider_unreachable'] as const;

export function SignIn(props: { t: T; methods: AuthMethods; expired: boolean; oidcError: string | null; onSignedIn: (s: SessionAnswer) => void }) {
  const { t } = props;
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [totp, setTotp] = useState('');
  const [step, setStep] = useState<'password' | 'totp'>('password');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const ids = { name: useId(), password: useId(), totp: useId(), err: useId() };
  const first = useRef<HTMLInputElement>(null);
  const code = useRef<HTMLInputElement>(null);

  useEffect(() => {
    document.title = `${t('signIn.title')} · Vigie`;
    (step === 'totp' ? code : first).current?.focus();
  }, [step]);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      const s = await post<SessionAnswer>('/session', { name, password, ...(step === 'totp' ? { totp } : {}) }, { quiet401: true });
      props.onSignedIn(s);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'totp_required') {
        if (step === 'totp') setError(t('signIn.badCode'));
        setStep('totp');
      } else if (err instanceof ApiError && err.status === 401) setError(step === 'totp' ? t('signIn.badCode') : t('signIn.bad'));
      else if (err instanceof ApiError && err.status === 429) setError(t('signIn.slowDown'));
      else setError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="sign-in" aria-labelledby="sign-in-title">
      <h1 id="sign-in-title">{t('signIn.title')}</h1>
      {props.oidcError ? (
        <p class="alert" role="alert">
          {t('signIn.oidcFailed', { provider: props.methods.oidc?.name ?? 'OpenID Connect' })}{' '}
          {(OIDC_ERRORS as readonly string[]).includes(props.oidcError) ? t(`oidc.${props.oidcError as (typeof OIDC_ERRORS)[number]}`) : props.oidcError}
        </p>
      ) : null}
      {props.expired ? (
        <p class="notice" role="status">
          {t('signIn.expired')}
        </p>
      ) : null}
      <form onSubmit={submit} noValidate aria-describedby={error ? ids.err : undefined}>
        {step === 'password' ? (
          <>
            <div class="field">
              <label for={ids.name}>{t('signIn.name')}</label>
              <input id={ids.name} ref={first} name="username" autocomplete="username" required value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
            </div>
            <div class="field">
              <label for={ids.password}>{t('signIn.password')}</label>
              <input id={ids.password} name="password" type="password" autocomplete="current-password" required value={password} onInput={(e) => setPassword((e.target as HTMLInputElement).value)} />
            </div>
          </>
        ) : (
          <div class="field">
            <label for={ids.totp}>{t('signIn.code')}</label>
            <input id={ids.totp} ref={code} name="totp" inputMode="numeric" autocomplete="one-time-code" pattern="[0-9]*" maxLength={8} required value={totp} onInput={(e) => setTotp((e.target as HTMLInputElement).value.trim())} />
            <p class="hint">{t('signIn.codeHint')}</p>
          </div>
        )}
        {error ? (
          <p id={ids.err} class="alert" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit" class="primary" disabled={busy}>
          {step === 'totp' ? t('signIn.verify') : t('signIn.submit')}
        </button>
        {step === 'totp' ? (
          <button type="button" class="link" onClick={() => { setStep('password'); setTotp(''); setError(''); }}>
            {t('common.back')}
          </button>
        ) : null}
      </form>
      {props.methods.oidc ? (
        <p class="oidc">
          <a class="button" href={props.methods.oidc.start_url ?? '/admin/oidc/start'}>
            {t('signIn.with', { provider: props.methods.oidc.name })}
          </a>
        </p>
      ) : null}
    </section>
  );
}
