// Everything public, built from one snapshot: the HTML pages per language, the Statuspage v2 JSON,
// feeds, badges and the widget. The server prepares (compresses, tags) these bytes at publish time
// and serves them by key; nothing here runs per request.
import { type Hash, createHash } from 'node:crypto';
import { render } from 'preact-render-to-string';
import { type Lang, LANGS } from '../../i18n/index.js';
import type { Snapshot, SnapshotBars } from '../snapshot.js';
import { v2Components, v2Incidents, v2Maintenances, v2Page, v2Status, v2Summary } from '../statuspage-v2.js';
import { HistoryPage, IncidentPage, NotFoundPage } from '../views/incident.js';
import { StatusPage } from '../views/page.js';
import { contentSecurityPolicy } from '../views/layout.js';
import { buildBadges } from './badges.js';
import { localize } from '../localize.js';
import { atomFeed, rssFeed } from './feeds.js';
import { v2GatewayEvents } from '../gateway-events.js';
import { WIDGET_CSP, widgetHtml, widgetJs } from './widget.js';

export const HTML_TYPE = 'text/html; charset=utf-8';
export const JSON_TYPE = 'application/json; charset=utf-8';
export const SVG_TYPE = 'image/svg+xml; charset=utf-8';
export const PAGE_CSP = contentSecurityPolicy("'self'");
export const SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'";

export interface Resource {
  /** Pages are encoded as soon as rendered: a rendered string is a rope of pieces, several times its size. */
  body: string | Buffer;
  type: string;
  /** Extra response headers (CSP, CORS). */
  headers?: Record<string, string>;
  status?: number;
}

import { LANG_PATHS, NOT_FOUND, langKey } from '../fast-path.js';
export { LANG_PATHS, NOT_FOUND, langKey };

/** What the page shows, without the clock: a change of this key is what live pages are told about. */
export function stateKey(s: Snapshot): string {
  return stateKeys(s).state;
}

/**
 * The state key, and the key of everything but the 90-day bars and the crowd sparklines (`rest`): those
 * move every minute (today's checks, the last hour of reports), the rest only when something happens,
 * so a publish whose `rest` did not change re-renders only what shows them (buildResources' `barsOnly`). The bars are hashed as bytes, not
 * turned into JSON arrays: at 1,000 components that was most of the key's cost.
 */
export function stateKeys(s: Snapshot): { state: string; rest: string } {
  const bars = createHash('sha1');
  const json = JSON.stringify({ ...s, now: 0 }, (k, v: unknown) => {
    if (k === 'bars' && v !== null && typeof v === 'object' && 'firstDay' in v) {
      hashBars(bars, v as SnapshotBars);
      return 0;
    }
    // The crowd sparkline shifts every minute too, and only the status page shows it.
    if (k === 'crowd' && v !== null && typeof v === 'object' && 'counts' in v) {
      bars.update(JSON.stringify(v));
      bars.update(';');
      return 0;
    }
    return ArrayBuffer.isView(v) ? Array.from(v as Uint32Array) : v;
  });
  const rest = createHash('sha1').update(json).digest('base64url');
  const state = createHash('sha1').update(rest).update('\0').update(bars.digest()).digest('base64url').slice(0, 16);
  return { state, rest };
}

function hashBars(h: Hash, b: SnapshotBars): void {
  h.update(`${b.firstDay};`);
  for (const col of [b.count, b.ok, b.degraded]) {
    if (ArrayBuffer.isView(col)) h.update(new Uint8Array(col.buffer, col.byteOffset, col.byteLength));
    else h.update(JSON.stringify(Array.from(col)));
    h.update(';');
  }
}

/** Paths whose bytes follow the bars (the rest of a bars-only publish is the previous one's). */
export function showsBars(key: string): boolean {
  return key.endsWith('uptime.svg') || LANGS.some((l) => key === langKey(l, '/') || key === langKey(l, '/history') || key === langKey(l, NOT_FOUND));
}

const CORS = { 'access-control-allow-origin': '*' };
const html = (body: string, csp = PAGE_CSP): Resource => ({ body: Buffer.from('<!doctype html>' + body), type: HTML_TYPE, headers: { 'content-security-policy': csp, 'referrer-policy': 'same-origin' } });

/** Renders of incident pages from the previous publish, by everything they show: unchanged incidents are not re-rendered. */
export class RenderCache {
  private prev = new Map<string, string>();
  private next = new Map<string, string>();
  get(key: string, make: () => string): string {
    const hit = this.next.get(key) ?? this.prev.get(key);
    const out = hit ?? make();
    this.next.set(key, out);
    return out;
  }
  rotate(): void {
    this.prev = this.next;
    this.next = new Map();
  }
}

/** The pages that carry the state key (and the status page, the bars), in one language. */
function statePages(out: Map<string, Resource>, s: Snapshot, lang: Lang, state: string, refreshSeconds: number | undefined): void {
  out.set(langKey(lang, '/'), html(render(StatusPage({ s, lang, state, ...(refreshSeconds ? { refreshSeconds } : {}) }))));
  out.set(langKey(lang, '/history'), html(render(HistoryPage({ s, lang, state }))));
  out.set(langKey(lang, NOT_FOUND), { ...html(render(NotFoundPage({ s, lang, state }))), status: 404 });
}

/**
 * Every public resource; with `barsOnly`, only those that show the 90-day bars or the state key (the
 * status page, the history and not-found pages, uptime badges), for a publish where nothing else changed.
 */
export function buildResources(s: Snapshot, opts: { state: string; refreshSeconds?: number; cache?: RenderCache; barsOnly?: boolean }): Map<string, Resource> {
  const out = new Map<string, Resource>();
  const { state } = opts;
  const cache = opts.cache ?? new RenderCache();
  if (opts.barsOnly) {
    for (const [path, svg] of buildBadges(s)) if (showsBars(path)) out.set(path, { body: svg, type: SVG_TYPE, headers: { ...CORS, 'content-security-policy': SVG_CSP } });
    for (const lang of LANGS) statePages(out, localize(s, lang), lang, state, opts.refreshSeconds);
    return out;
  }
  const json = (v: unknown): Resource => ({ body: JSON.stringify(v), type: JSON_TYPE, headers: CORS });

  // Statuspage v2.
  const page = v2Page(s);
  out.set('/api/v2/summary.json', json(v2Summary(s)));
  out.set('/api/v2/status.json', json(v2Status(s)));
  out.set('/api/v2/components.json', json({ page, components: v2Components(s) }));
  out.set('/api/v2/incidents.json', json(v2Incidents(s, 'all')));
  out.set('/api/v2/incidents/unresolved.json', json(v2Incidents(s, 'unresolved')));
  out.set('/api/v2/scheduled-maintenances.json', json(v2Maintenances(s, 'all')));
  out.set('/api/v2/scheduled-maintenances/upcoming.json', json(v2Maintenances(s, 'upcoming')));
  out.set('/api/v2/scheduled-maintenances/active.json', json(v2Maintenances(s, 'active')));
  out.set('/api/v2/gateway-events.json', json(v2GatewayEvents(s, page)));

  // Badges and the widget script (language-neutral).
  for (const [path, svg] of buildBadges(s)) out.set(path, { body: svg, type: SVG_TYPE, headers: { ...CORS, 'content-security-policy': SVG_CSP } });
  const dot = { none: '#1a7f37', minor: '#9a6700', major: '#bc4c00', critical: '#cf222e', maintenance: '#0969da' }[s.status.indicator];
  const favicon: Resource = { body: `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><circle cx="8" cy="8" r="7" fill="${dot}"/></svg>`, type: SVG_TYPE, headers: { 'content-security-policy': SVG_CSP } };
  out.set('/favicon.svg', favicon);
  // Pages without an icon link (reports, subscription answers) and feed readers ask for /favicon.ico:
  // the same SVG (browsers go by its type), not a 404 on every load.
  out.set('/favicon.ico', favicon);
  out.set('/widget.js', { body: widgetJs(s), type: 'text/javascript; charset=utf-8', headers: CORS });

  const names = createHash('sha1')
    .update(JSON.stringify([s.title, s.baseUrl, s.services.map((svc) => [svc.name, svc.components.map((c) => [c.id, c.name])])]))
    .digest('base64url');
  const english = s;
  for (const lang of LANGS) {
    // What Vigie wrote by itself, in this language (src/web/localize.ts); the loop below reads only this.
    const s = localize(english, lang);
    statePages(out, s, lang, state, opts.refreshSeconds);
    out.set(langKey(lang, '/widget'), { body: widgetHtml(s, lang), type: HTML_TYPE, headers: { 'content-security-policy': WIDGET_CSP } });
    out.set(langKey(lang, '/history.atom'), { body: atomFeed(s, lang), type: 'application/atom+xml; charset=utf-8', headers: CORS });
    out.set(langKey(lang, '/history.rss'), { body: rssFeed(s, lang), type: 'application/rss+xml; charset=utf-8', headers: CORS });
    for (const i of [...s.incidents, ...s.maintenances]) {
      // The incident page shows the incident, component names and the title; the state key only feeds live updates.
      const key = `${lang}|${names}|${JSON.stringify(i)}`;
      const body = cache.get(key, () => render(IncidentPage({ s, i, lang, state: '' })));
      out.set(langKey(lang, `/incidents/${i.id}`), html(body));
    }
  }
  cache.rotate();
  return out;
}
