// /history.atom and /history.rss: incidents and maintenance, newest change first, each entry with its
// updates as HTML (Markdown rendered in safe mode, then XML-escaped into the feed). Prepared at publish
// time per language; nothing in them depends on "now", so unchanged history keeps its ETag.
import { type Lang, MESSAGES, dateTime, duration } from '../../i18n/index.js';
import { incidentSentenceText } from '../../i18n/history.js';
import { listing } from '../../i18n/text.js';
import { renderMarkdown } from '../markdown.js';
import { gatewayAtomEntries, gatewayRssItems } from '../gateway-events.js';
import { foldUpdates } from '../updates.js';
import { xmlEscape } from '../xml.js';
import type { Snapshot, SnapshotIncident } from '../snapshot.js';

const FEED_MAX = 50;

const iso = (ms: number) => new Date(ms).toISOString();
const rfc822 = (ms: number) => new Date(ms).toUTCString().replace('GMT', '+0000');

function entries(s: Snapshot): SnapshotIncident[] {
  return [...s.incidents, ...s.maintenances].sort((a, b) => b.updatedAt - a.updatedAt || (a.id < b.id ? -1 : 1)).slice(0, FEED_MAX);
}

/** An entry's body: what it affects, then its updates newest first, one entry per minute (as on the page). */
function entryHtml(lang: Lang, s: Snapshot, i: SnapshotIncident): string {
  const m = MESSAGES[lang];
  const names = new Map(s.services.flatMap((svc) => svc.components.map((c) => [c.id, `${svc.name} ${c.name}`] as const)));
  const affected = listing(lang, i.componentIds.map((id) => names.get(id) ?? id));
  const head = affected ? `<p>${xmlEscape(m.colon(m.affects))} ${xmlEscape(affected)}</p>` : '';
  const updates = foldUpdates(i.updates)
    .map((g) => `<p><strong>${xmlEscape(m.incidentStatus[g.status as keyof typeof m.incidentStatus] ?? g.status)}</strong> · ${xmlEscape(dateTime(lang, g.at))}</p>${g.updates.map((u) => renderMarkdown(u.body)).join('')}`)
    .join('');
  return head + figuresHtml(lang, i) + updates;
}

/** The incident's figures and its place in the service's history (src/analytics), for feed readers. */
function figuresHtml(lang: Lang, i: SnapshotIncident): string {
  if (i.kind !== 'incident' || !i.figures) return '';
  const m = MESSAGES[lang];
  const f = i.figures;
  const parts = [
    f.timeToDetectMs !== null ? `${m.colon(m.timeToDetect)} ${duration(lang, f.timeToDetectMs)}` : null,
    `${m.colon(m.ackLag)} ${f.acknowledgementLagMs === null ? m.ackNone : f.acknowledgementLagMs < 0 ? m.ackBefore : duration(lang, f.acknowledgementLagMs)}`,
    `${m.colon(m.duration)} ${f.timeToResolveMs !== null ? duration(lang, f.timeToResolveMs) : m.ongoing}`,
  ].filter((x): x is string => x !== null);
  const sentence = i.history?.sentence ? `<p>${xmlEscape(incidentSentenceText(lang, i.history.sentence))}</p>` : '';
  return `<p>${xmlEscape(parts.join(' · '))}</p>${sentence}`;
}

/** What a feed reader shows as the entry's category: its impact, or "Maintenance", in the feed's language. */
function categoryLabel(lang: Lang, i: SnapshotIncident): string {
  const m = MESSAGES[lang];
  return i.kind === 'maintenance' ? m.maintenance : (m.impact[i.impact as keyof typeof m.impact] ?? i.impact);
}

function links(s: Snapshot) {
  const base = s.baseUrl.replace(/\/+$/, '');
  return {
    base,
    page: `${base}/`,
    incident: (id: string) => (base ? `${base}/incidents/${encodeURIComponent(id)}` : `urn:vigie:incident:${encodeURIComponent(id)}`),
  };
}

/** What both feed formats are built from: wording, links, entries and the latest update. */
function feedParts(s: Snapshot, lang: Lang) {
  const list = entries(s);
  return { m: MESSAGES[lang], l: links(s), list, updated: Math.max(s.updatedAt, ...list.map((i) => i.updatedAt), 0) };
}

export function atomFeed(s: Snapshot, lang: Lang): string {
  const { m, l, list, updated } = feedParts(s, lang);
  const out: string[] = [
    '<?xml version="1.0" encoding="utf-8"?>',
    `<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="${lang}">`,
    `<id>${xmlEscape(l.base ? `${l.base}/history` : `urn:vigie:page:${s.pageId}`)}</id>`,
    `<title>${xmlEscape(m.feedTitle(s.title))}</title>`,
    `<updated>${iso(updated)}</updated>`,
    `<author><name>${xmlEscape(s.title)}</name></author>`,
    `<generator>Vigie</generator>`,
  ];
  if (l.base) {
    out.push(`<link rel="self" type="application/atom+xml" href="${xmlEscape(`${l.base}/history.atom?lang=${lang}`)}"/>`);
    out.push(`<link rel="alternate" type="text/html" href="${xmlEscape(l.page)}"/>`);
  }
  for (const i of list) {
    const url = l.incident(i.id);
    out.push(
      '<entry>' +
        `<id>${xmlEscape(url)}</id>` +
        `<title>${xmlEscape(i.name)}</title>` +
        `<published>${iso(i.createdAt)}</published>` +
        `<updated>${iso(i.updatedAt)}</updated>` +
        (l.base ? `<link rel="alternate" type="text/html" href="${xmlEscape(url)}"/>` : '') +
        `<category term="${xmlEscape(i.kind === 'maintenance' ? 'maintenance' : i.impact)}" label="${xmlEscape(categoryLabel(lang, i))}"/>` +
        `<content type="html">${xmlEscape(entryHtml(lang, s, i))}</content>` +
        '</entry>',
    );
  }
  out.push(...gatewayAtomEntries(s, lang));
  out.push('</feed>');
  return out.join('\n');
}

export function rssFeed(s: Snapshot, lang: Lang): string {
  const { m, l, list, updated } = feedParts(s, lang);
  const out: string[] = [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">',
    '<channel>',
    `<title>${xmlEscape(m.feedTitle(s.title))}</title>`,
    `<link>${xmlEscape(l.base ? l.page : '/')}</link>`,
    `<description>${xmlEscape(m.feedTitle(s.title))}</description>`,
    `<language>${lang}</language>`,
    `<lastBuildDate>${rfc822(updated)}</lastBuildDate>`,
    `<generator>Vigie</generator>`,
  ];
  if (l.base) out.push(`<atom:link href="${xmlEscape(`${l.base}/history.rss?lang=${lang}`)}" rel="self" type="application/rss+xml"/>`);
  for (const i of list) {
    const url = l.incident(i.id);
    out.push(
      '<item>' +
        `<title>${xmlEscape(i.name)}</title>` +
        (l.base ? `<link>${xmlEscape(url)}</link>` : '') +
        `<guid isPermaLink="${l.base ? 'true' : 'false'}">${xmlEscape(url)}</guid>` +
        `<pubDate>${rfc822(i.createdAt)}</pubDate>` +
        `<category>${xmlEscape(categoryLabel(lang, i))}</category>` +
        `<description>${xmlEscape(entryHtml(lang, s, i))}</description>` +
        '</item>',
    );
  }
  out.push(...gatewayRssItems(s, lang));
  out.push('</channel>', '</rss>');
  return out.join('\n');
}
