// The console: who is signed in (the session), the language, the frame (skip link, navigation,
// live region) and which screen the path shows. A 401 from any call ends the session here and
// sends the operator to sign-in, then back where they were.
import type { ComponentType } from 'preact';
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { type Lang, LANGS, initialLang, rememberLang, translator } from './i18n/index.js';
import { del, get, setCsrf, whenUnauthorized } from './lib/api.js';
import { AppContext, type Ctx } from './lib/context.js';
import { type Operation, type Roles, allows, loadRoles } from './lib/roles.js';
import { current, match, navigate, query, useLocation } from './lib/router.js';
import type { AuthMethods, SessionAnswer, User } from './lib/types.js';
import { Link } from './lib/ui.js';
import { SignIn } from './screens/sign-in.js';
import { Dashboard } from './screens/dashboard.js';
import { MonitorPage } from './screens/monitor.js';
import { MonitorForm } from './screens/monitor-form.js';
import { Services } from './screens/services.js';
import { IncidentList, IncidentPage, NewIncident } from './screens/incidents.js';
import { Maintenance } from './screens/maintenance.js';
import { Subscribers } from './screens/subscribers.js';
import { Notifications } from './screens/notifications.js';
import { Vendors } from './screens/vendors.js';
import { Agents } from './screens/agents.js';
import { Users } from './screens/users.js';
import { Account } from './screens/account.js';
import { Tokens } from './screens/tokens.js';
import { Audit } from './screens/audit.js';
import { NotFound } from './screens/not-found.js';
import type { Key } from './i18n/index.js';

type Params = Record<string, string>;
const ROUTES: [string, ComponentType<{ params: Params }>][] = [
  ['/', Dashboard],
  ['/monitors/new', MonitorForm],
  ['/monitors/:id', MonitorPage],
  ['/monitors/:id/edit', MonitorForm],
  ['/services', Services],
  ['/incidents', IncidentList],
  ['/incidents/new', NewIncident],
  ['/incidents/:id', IncidentPage],
  ['/maintenance', Maintenance],
  ['/subscribers', Subscribers],
  ['/notifications', Notifications],
  ['/vendors', Vendors],
  ['/agents', Agents],
  ['/users', Users],
  ['/account', Account],
  ['/tokens', Tokens],
  ['/audit', Audit],
];

// A screen listed for those who may call the operation that fills it.
const NAV: [string, Key, Operation?][] = [
  ['/', 'nav.dashboard'],
  ['/services', 'nav.services'],
  ['/incidents', 'nav.incidents'],
  ['/maintenance', 'nav.maintenance'],
  ['/subscribers', 'nav.subscribers'],
  ['/notifications', 'nav.notifications'],
  ['/vendors', 'nav.vendors'],
  ['/agents', 'nav.agents'],
  ['/users', 'nav.users', 'listUsers'],
  ['/tokens', 'nav.tokens', 'listTokens'],
  ['/audit', 'nav.audit', 'listAudit'],
  ['/account', 'nav.account'],
];

function pick(path: string): [ComponentType<{ params: Params }>, Params] {
  for (const [pattern, C] of ROUTES) {
    const m = match(pattern, path);
    if (m) return [C, m];
  }
  return [NotFound, {}];
}

/** "/sign-in?next=…" keeps where to return, so even a reload on sign-in goes back there. */
function signInPath(from: string): string {
  return from.startsWith('/sign-in') ? from : `/sign-in${from === '/' ? '' : `?next=${encodeURIComponent(from)}`}`;
}

export function App() {
  const [lang, setLangState] = useState<Lang>(initialLang);
  const t = useMemo(() => translator(lang), [lang]);
  const [user, setUser] = useState<User | null | undefined>(undefined);
  // Which role each operation needs (the API's document), read once signed in.
  const [roles, setRoles] = useState<Roles | undefined>(undefined);
  const [methods, setMethods] = useState<AuthMethods>({ password: true, oidc: null });
  const [expired, setExpired] = useState(false);
  // An OpenID Connect sign-in that failed comes back as /admin/?oidc_error=…: say why on the sign-in screen.
  const [oidcError] = useState(() => new URLSearchParams(location.search).get('oidc_error'));
  const [said, setSaid] = useState('');
  const [menu, setMenu] = useState(false);
  const path = useLocation();

  const setLang = (l: Lang) => {
    rememberLang(l);
    setLangState(l);
  };
  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);

  useEffect(() => {
    whenUnauthorized(() => {
      setCsrf(null);
      setUser((u) => {
        if (u) setExpired(true);
        return null;
      });
      navigate(signInPath(current()), { replace: true });
    });
    get<AuthMethods>('/auth/methods', { quiet401: true }).then(setMethods, () => {});
    get<SessionAnswer>('/session', { quiet401: true }).then(
      (s) => {
        setCsrf(s.csrf_token);
        setUser(s.user);
        if (current().startsWith('/sign-in') || oidcError) navigate(current().startsWith('/sign-in') ? (query(current()).get('next') ?? '/') : '/', { replace: true });
      },
      () => {
        setUser(null);
        navigate(signInPath(oidcError ? '/' : current()), { replace: true });
      },
    );
  }, []);

  useEffect(() => {
    if (!user || roles) return;
    // Unreadable: no operation is offered (the server decides anyway).
    loadRoles().then(setRoles, () => setRoles(new Map()));
  }, [user, roles]);

  const signedIn = (s: SessionAnswer) => {
    setCsrf(s.csrf_token);
    setUser(s.user);
    setExpired(false);
    const next = query(current()).get('next');
    navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : '/', { replace: true });
  };

  const signOut = async () => {
    await del('/session').catch(() => {});
    setCsrf(null);
    setUser(null);
    navigate('/sign-in', { replace: true });
  };

  const say = useCallback((text: string) => {
    setSaid('');
    // A new node's text is what screen readers announce: clear, then set on the next frame.
    requestAnimationFrame(() => setSaid(text));
  }, []);

  const langSwitch = (
    <div class="lang">
      <label for="lang-select" class="sr-only">
        {t('common.language')}
      </label>
      <select id="lang-select" value={lang} onChange={(e) => setLang((e.target as HTMLSelectElement).value as Lang)}>
        {LANGS.map((l) => (
          <option value={l} key={l}>
            {l === 'en' ? 'English' : 'Français'}
          </option>
        ))}
      </select>
    </div>
  );

  if (user === undefined || (user && !roles && !path.startsWith('/sign-in')))
    return (
      <main id="main" class="boot">
        <p role="status">{t('common.loading')}</p>
      </main>
    );

  if (user === null || path.startsWith('/sign-in'))
    return (
      <>
        <header class="top slim">
          <span class="brand">Vigie</span>
          {langSwitch}
        </header>
        <main id="main">
          <SignIn t={t} methods={methods} expired={expired} oidcError={oidcError} onSignedIn={signedIn} />
        </main>
      </>
    );

  const known = roles ?? new Map();
  const ctx: Ctx = { user, lang, t, may: (op: Operation) => allows(known, user.role, op), say };
  const [Screen, params] = pick(path);
  const here = path.split('?')[0] ?? '/';
  return (
    <AppContext.Provider value={ctx}>
      <a class="skip" href="#main">
        {t('nav.skip')}
      </a>
      <header class="top">
        <Link to="/" class="brand">
          Vigie
        </Link>
        <button type="button" class="menu-toggle" aria-expanded={menu ? 'true' : 'false'} aria-controls="nav" onClick={() => setMenu(!menu)}>
          {t('nav.menu')}
        </button>
        <nav id="nav" class={menu ? 'open' : ''} aria-label={t('nav.label')} onClick={() => setMenu(false)}>
          <ul>
            {NAV.filter(([, , op]) => !op || ctx.may(op)).map(([to, key]) => {
              const active = to === '/' ? here === '/' || here.startsWith('/monitors') : here.startsWith(to);
              return (
                <li key={to}>
                  <a href={`/admin${to}`} aria-current={active ? 'page' : undefined} onClick={(e) => {
                    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
                    e.preventDefault();
                    navigate(to);
                  }}>
                    {t(key)}
                  </a>
                </li>
              );
            })}
          </ul>
        </nav>
        <div class="who">
          <span class="user">
            {user.name} <span class="role">({t(`role.${user.role}` as Key)})</span>
          </span>
          {langSwitch}
          <button type="button" class="link" onClick={signOut}>
            {t('nav.signOut')}
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Screen params={params} key={here} />
      </main>
      <div class="sr-only" role="status" aria-live="polite">
        {said}
      </div>
    </AppContext.Provider>
  );
}
