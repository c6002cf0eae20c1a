// Atom and RSS feeds of status pages (Statuspage's /history.atom and /history.rss, and most others).
// A feed tells what happened, not how things are: no page indicator, no component list. Each entry is an
// incident; its stage is read from the entry. Statuspage writes every update of an incident into the
// entry's HTML, newest first, as
//   <p><small>Dec <var data-var='date'>12</var>, <var data-var='time'>03:53</var> UTC</small><br><strong>Monitoring</strong> - Traffic…</p>
// Other feeds say less: an entry whose stage cannot be read counts as going on only while it is recent.
import { XMLParser } from 'fast-xml-parser';
import { incidentStatus, textId } from './common.js';
import { type ParseResult, type VendorIncident, type VendorParser, type VendorUpdate, isOpenIncidentStatus, parseTime } from './types.js';

/** An entry whose stage we cannot read is taken as going on for this long after its last date. */
export const UNKNOWN_ENTRY_OPEN_MS = 6 * 3_600_000;
const MAX_ENTRIES = 50;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
  htmlEntities: true,
  isArray: (name) => name === 'entry' || name === 'item' || name === 'link',
});

type Node = Record<string, unknown>;

function text(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return text(v[0]);
  if (v && typeof v === 'object' && '#text' in v) return text((v as Node)['#text']);
  return '';
}

function href(links: unknown): string | null {
  if (!Array.isArray(links)) return null;
  const pick = links.find((l) => l && typeof l === 'object' && ((l as Node)['@_rel'] === undefined || (l as Node)['@_rel'] === 'alternate')) ?? links[0];
  if (typeof pick === 'string') return pick || null;
  if (pick && typeof pick === 'object') return text((pick as Node)['@_href']) || text(pick) || null;
  return null;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

function stripTags(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/[ \t]+/g, ' ')
    .trim();
}

/** "Dec 12, 03:53 UTC" (no year: taken from the entry's own date, a year back if that would be in its future). */
function updateTime(small: string, ref: number | null): number | null {
  const m = /([A-Za-z]{3})[a-z]*\s+(\d{1,2}),?\s+(\d{1,2}):(\d{2})\s*UTC/.exec(stripTags(small));
  if (!m || ref === null) return null;
  const month = MONTHS.indexOf(m[1]!.toLowerCase());
  if (month < 0) return null;
  let year = new Date(ref).getUTCFullYear();
  let t = Date.UTC(year, month, Number(m[2]), Number(m[3]), Number(m[4]));
  if (t > ref + 86_400_000) t = Date.UTC(--year, month, Number(m[2]), Number(m[3]), Number(m[4]));
  return t;
}

/** Statuspage-style updates inside an entry's HTML, oldest first; empty when the HTML has none. */
function updatesFrom(html: string, entryId: string, ref: number | null): VendorUpdate[] {
  const out: VendorUpdate[] = [];
  const para = /<p>([\s\S]*?)<\/p>/gi;
  for (let m = para.exec(html); m; m = para.exec(html)) {
    const p = m[1]!;
    const s = /<strong>([^<]{1,40})<\/strong>\s*-\s*([\s\S]*)$/i.exec(p);
    if (!s) continue;
    const small = /<small>([\s\S]*?)<\/small>/i.exec(p);
    const at = small ? updateTime(small[1]!, ref) : null;
    const body = stripTags(s[2]!);
    out.push({ id: textId(entryId, s[1], at, body), status: incidentStatus(s[1]), body, at });
  }
  return out.reverse();
}

function stageFromWords(title: string, body: string): ReturnType<typeof incidentStatus> {
  const t = `${title} ${body}`.toLowerCase();
  if (/\b(resolved|completed|restored|fixed)\b/.test(t)) return 'resolved';
  return 'unknown';
}

export const parseFeed: VendorParser = (body, now): ParseResult => {
  const head = body.trimStart().slice(0, 200);
  if (!head.startsWith('<')) return { ok: false, error: 'malformed: not XML' };
  let doc: Node;
  try {
    doc = parser.parse(body, true) as Node;
  } catch (err) {
    return { ok: false, error: `malformed: not well-formed XML (${(err instanceof Error ? err.message : String(err)).split('\n')[0]})` };
  }
  const feed = doc.feed as Node | undefined;
  const channel = (doc.rss as Node | undefined)?.channel as Node | undefined;
  const rdf = doc['rdf:RDF'] as Node | undefined;
  const raw = feed ? feed.entry : channel ? channel.item : rdf ? rdf.item : undefined;
  if (!feed && !channel && !rdf) return { ok: false, error: `malformed: neither an Atom feed nor an RSS channel (root ${Object.keys(doc).filter((k) => !k.startsWith('?')).join(', ') || 'none'})` };
  const list = (Array.isArray(raw) ? raw : []) as Node[];
  const incidents: VendorIncident[] = [];
  for (const [i, e] of list.slice(0, MAX_ENTRIES).entries()) {
    if (!e || typeof e !== 'object') return { ok: false, error: `malformed: entry ${i} is not an element` };
    const title = text(e.title);
    if (!title) return { ok: false, error: `malformed: entry ${i} has no title` };
    const html = text(e.content) || text(e.description) || text(e.summary) || text(e['content:encoded']);
    const updated = parseTime(text(e.updated)) ?? rfc822(text(e.pubDate)) ?? parseTime(text(e['dc:date']));
    const published = parseTime(text(e.published)) ?? updated;
    const link = href(e.link);
    const id = text(e.id) || text(e.guid) || link || textId(title, published);
    let updates = updatesFrom(html, id, updated);
    let status = updates.at(-1)?.status ?? stageFromWords(title, stripTags(html));
    if (updates.length === 0 && html) updates = [{ id: textId(id, updated, html), status, body: stripTags(html), at: updated }];
    const open = status === 'unknown' ? updated !== null && now - updated < UNKNOWN_ENTRY_OPEN_MS : isOpenIncidentStatus(status);
    incidents.push({
      id,
      name: stripTags(title),
      status,
      impact: null,
      createdAt: updates[0]?.at ?? published,
      updatedAt: updated,
      url: link,
      updates,
      maintenance: /maintenance/i.test(title) || updates.some((u) => u.status === 'scheduled' || u.status === 'in_progress' || u.status === 'verifying' || u.status === 'completed'),
      open,
    });
  }
  return { ok: true, page: { indicator: null, description: null, components: [], incidents } };
};

/** RSS dates: "Thu, 12 Dec 2024 03:53:00 +0000" (RFC 822); Date.parse reads those. */
function rfc822(v: string): number | null {
  return parseTime(v);
}
