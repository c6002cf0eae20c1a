// The embeddable widget, two ways, neither making any request but to this Vigie:
// - /widget.js: <script src="https://status.example/widget.js" async></script> puts a small status
//   link where the script tag is. The current status is baked into the script at publish time, so it
//   fetches nothing (no CORS, no third party); text goes in with textContent, never as HTML.
// - /widget?lang=fr: a tiny page for an <iframe> (frame-ancestors *).
import { createHash } from 'node:crypto';
import { type Lang, LANGS, MESSAGES } from '../../i18n/index.js';
import type { Snapshot } from '../snapshot.js';
import { xmlEscape } from '../xml.js';

const COLOR: Record<string, string> = { none: '#1a7f37', minor: '#9a6700', major: '#bc4c00', critical: '#cf222e', maintenance: '#0969da' };

/** JSON safe to place inside a <script> (no "</script>", no U+2028/2029 surprises). */
const scriptJson = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');

export function widgetJs(s: Snapshot): string {
  const data = {
    title: s.title,
    indicator: s.status.indicator,
    color: COLOR[s.status.indicator] ?? '#57606a',
    text: Object.fromEntries(LANGS.map((l) => [l, MESSAGES[l].indicator[s.status.indicator]])),
  };
  return (
    `/* Vigie status widget: <script src="…/widget.js" async data-lang="fr"></script> */\n` +
    `(function(){var d=${scriptJson(data)};var s=document.currentScript;if(!s||!s.parentNode)return;` +
    `var base=new URL(s.src,location.href).origin;var l=(s.getAttribute('data-lang')||navigator.language||'en').slice(0,2).toLowerCase();var t=d.text[l]||d.text.en;` +
    `var a=document.createElement('a');a.href=base+'/';a.target='_blank';a.rel='noopener';a.className='vigie-widget';a.setAttribute('data-indicator',d.indicator);` +
    `a.setAttribute('style','display:inline-flex;align-items:center;gap:.45em;font:14px/1.4 system-ui,sans-serif;color:inherit;text-decoration:none;border:1px solid rgba(128,128,128,.45);border-radius:1em;padding:.15em .75em');` +
    `var dot=document.createElement('span');dot.setAttribute('aria-hidden','true');dot.setAttribute('style','display:inline-block;width:.7em;height:.7em;border-radius:50%;background:'+d.color);` +
    `a.appendChild(dot);a.appendChild(document.createTextNode(d.title+': '+t));s.parentNode.insertBefore(a,s.nextSibling)})();\n`
  );
}

export const WIDGET_CSS =
  'body{margin:0;font:14px/1.4 system-ui,sans-serif;background:transparent;color:#1b1f24}@media (prefers-color-scheme:dark){body{color:#e6edf3}}' +
  'a{display:inline-flex;align-items:center;gap:.45em;color:inherit;text-decoration:none;padding:.3em .6em}a:focus-visible{outline:2px solid #0969da}' +
  'i{display:inline-block;width:.7em;height:.7em;border-radius:50%}' +
  Object.entries(COLOR).map(([k, v]) => `.c-${k}{background:${v}}`).join('');

export const WIDGET_CSP = `default-src 'none'; style-src 'sha256-${createHash('sha256').update(WIDGET_CSS).digest('base64')}'; base-uri 'none'; form-action 'none'; frame-ancestors *`;

export function widgetHtml(s: Snapshot, lang: Lang): string {
  const text = MESSAGES[lang].indicator[s.status.indicator];
  return (
    `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="color-scheme" content="light dark"><title>${xmlEscape(`${s.title}: ${text}`)}</title>` +
    `<style>${WIDGET_CSS}</style></head><body><a href="/" target="_blank" rel="noopener" data-indicator="${s.status.indicator}">` +
    `<i class="c-${s.status.indicator}" aria-hidden="true"></i>${xmlEscape(s.title)}: ${xmlEscape(text)}</a></body></html>`
  );
}
