// The shell every public HTML page shares: language, landmarks, the language switch, feeds in the head,
// and the one inline script (live updates). Preact escapes every interpolated value.
import { createHash } from 'node:crypto';
import type { ComponentChildren } from 'preact';
import { type Lang, LANGS, MESSAGES } from '../../i18n/index.js';
import { CSS } from './style.js';

/**
 * Live updates: on a `state` event from /events (same origin), fetch this same URL again (revalidated
 * with its ETag) and swap the #live part in place, keeping open <details> open. Without JavaScript
 * the page is complete as served; with it, it follows the server's publishes.
 */
export const LIVE_SCRIPT =
  "(function(){var d=document,h=d.documentElement;if(!window.EventSource||!window.fetch||!window.DOMParser)return;var t;" +
  "function swap(){fetch(location.href,{cache:'no-cache',credentials:'same-origin'}).then(function(r){return r.ok?r.text():null}).then(function(x){if(!x)return;" +
  "var n=new DOMParser().parseFromString(x,'text/html'),a=n.getElementById('live'),o=d.getElementById('live');if(!a||!o)return;" +
  "var open=[].map.call(o.querySelectorAll('details[open][id]'),function(e){return e.id});var f=d.activeElement&&d.activeElement.id;o.replaceWith(a);" +
  "open.forEach(function(i){var e=d.getElementById(i);if(e)e.open=true});if(f){var g=d.getElementById(f);if(g)g.focus()}" +
  "d.title=n.title;h.setAttribute('data-state',n.documentElement.getAttribute('data-state')||'')})}" +
  "var es=new EventSource('/events');es.addEventListener('state',function(e){if(e.data===h.getAttribute('data-state'))return;clearTimeout(t);t=setTimeout(swap,Math.random()*300)})})();";

const sha = (s: string) => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`;
/** Only our own inline style and script run; nothing is fetched from anywhere but this origin. */
export function contentSecurityPolicy(frameAncestors: string): string {
  return `default-src 'none'; style-src ${sha(CSS)}; script-src ${sha(LIVE_SCRIPT)}; connect-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors ${frameAncestors}`;
}

export interface LayoutProps {
  lang: Lang;
  title: string;
  siteTitle: string;
  /** This page's path, for the language switch (?lang=). */
  path: string;
  /** State key of the snapshot the page was made from (live updates compare it). */
  state: string;
  refreshSeconds?: number;
  /** The page's <meta name="description">. */
  description?: string;
  /** The page's public address (site.base_url, else the listening address): hreflang links must be absolute. */
  baseUrl?: string;
  children: ComponentChildren;
}

/**
 * The public base URL for absolute links, or undefined when there is none worth giving: never taken
 * from a request's Host header (anyone can send one), and not a wildcard listening address.
 */
export function publicBase(baseUrl: string | undefined): string | undefined {
  if (!baseUrl) return undefined;
  let u: URL;
  try {
    u = new URL(baseUrl);
  } catch {
    return undefined;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
  if (u.hostname === '0.0.0.0' || u.hostname === '[::]' || u.hostname === '::') return undefined;
  return `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
}

export function Layout({ lang, title, siteTitle, path, state, refreshSeconds, description, baseUrl, children }: LayoutProps) {
  const m = MESSAGES[lang];
  const base = publicBase(baseUrl);
  return (
    <html lang={lang} data-state={state}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        {refreshSeconds ? (
          <noscript>
            <meta http-equiv="refresh" content={String(refreshSeconds)} />
          </noscript>
        ) : null}
        <title>{title}</title>
        {description ? <meta name="description" content={description} /> : null}
        <link rel="alternate" type="application/atom+xml" title={m.feedTitle(siteTitle)} href={`/history.atom?lang=${lang}`} />
        <link rel="alternate" type="application/rss+xml" title={m.feedTitle(siteTitle)} href={`/history.rss?lang=${lang}`} />
        <link rel="alternate" type="application/json" href="/api/v2/summary.json" />
        <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
        {base ? (
          <>
            {LANGS.map((l) => (
              <link rel="alternate" hreflang={l} href={`${base}${path}?lang=${l}`} />
            ))}
            <link rel="alternate" hreflang="x-default" href={`${base}${path}`} />
          </>
        ) : null}
        <style dangerouslySetInnerHTML={{ __html: CSS }} />
      </head>
      <body>
        <a class="skip" href="#main">
          {m.skip}
        </a>
        <header class="top">
          <h1>
            <a href="/">{siteTitle}</a>
          </h1>
          <LanguageSwitch path={path} lang={lang} />
        </header>
        <main id="main">{children}</main>
        <footer class="now">
          <p>{m.footer}</p>
          <ul>
            <li>
              {m.colon(m.feeds)} <a href={`/history.atom?lang=${lang}`}>Atom</a> · <a href={`/history.rss?lang=${lang}`}>RSS</a>
            </li>
            <li>
              {m.colon(m.api)} <a href="/api/v2/summary.json">summary.json</a>
            </li>
            <li>
              {m.colon(m.badges)} <a href="/badge/status.svg">status.svg</a> · <a href="/uptime.svg">uptime.svg</a>
            </li>
            <li>
              {m.colon(m.widget)} <a href={`/widget?lang=${lang}`}>/widget</a> · <a href="/widget.js">widget.js</a>
            </li>
          </ul>
        </footer>
        <script dangerouslySetInnerHTML={{ __html: LIVE_SCRIPT }} />
      </body>
    </html>
  );
}

/** The language links of every page: the current one marked for assistive technology. */
export function LanguageSwitch({ path, lang }: { path: string; lang: Lang }) {
  return (
    <nav aria-label={MESSAGES[lang].languageSwitch}>
      <ul>
        {LANGS.map((l) => (
          <li>
            <a href={`${path}?lang=${l}`} lang={l} hreflang={l} {...(l === lang ? { 'aria-current': 'true' } : {})}>
              {MESSAGES[l].languageName}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
