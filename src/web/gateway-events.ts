// The gateway's failovers and failbacks on the public side: their place in the snapshot, the JSON
// list beside the Statuspage v2 documents, and their feed entries.
//
// Why a list of its own and not incident updates: a Statuspage client reads an incident update as
// the page owner's word on the provider's incident, each with an incident status (investigating,
// identified, …) that drives the incident's state; a move of our own traffic says nothing of the kind,
// happens without any incident (the gateway's passive view trips first), and would reopen or reword a
// provider's timeline in every client that mirrors it. So /api/v2/summary.json and incidents.json stay
// exactly Statuspage's, and the moves are at /api/v2/gateway-events.json in the same conventions
// (page object, ISO times, snake_case, component by its v2 id).
//
// A failover in progress (its figures still reported, src/gateway/progress.ts) shows them instead of
// the figures of the moment it began: "has been on Mistral instead of OpenAI since 23:08 UTC …; 1,234
// requests served, 0 failed (as of 23:20 UTC)". Once it has ended, its line is the move's own again
// (the failback's line gives the whole failover's figures).
import { publicId } from '../core/ids.js';
import type { Lang } from '../i18n/index.js';
import { MESSAGES } from '../i18n/index.js';
import { type GenText, parseText, say, text } from '../i18n/text.js';
import { type GatewayEventRecord, isOngoing } from '../store/gateway.js';
import type { Snapshot } from './snapshot.js';
import { xmlEscape } from './xml.js';

export interface SnapshotGatewayEvent {
  id: string;
  kind: 'failover' | 'failback';
  route: string;
  fromName: string;
  toName: string;
  at: number;
  failedRequests: number;
  servedRequests: number | null;
  /** English, as stored; bodyText renders it in each language. */
  body: string;
  bodyText: GenText | null;
  /** The page's component the event is about (the provider that failed or came back), when the page shows it. */
  componentId: string | null;
  /** A failover whose figures are still being reported. */
  ongoing?: boolean;
  /** A failover's latest figures (kept once it has ended): since the traffic left, as of a time, and where the traffic is. */
  progress?: { served: number; failed: number; asOf: number; toName: string } | null;
}

/** How long the page keeps showing a move. */
export const GATEWAY_PAGE_DAYS = 7;
export const GATEWAY_PAGE_MAX = 20;

/** Resolves a config's `component:` (a "service/component" id or a v2 id) to one of the page's components. */
export function resolveComponent(ref: string | null, componentIds: readonly string[]): string | null {
  if (!ref) return null;
  return componentIds.find((id) => id === ref || publicId('component', id) === ref) ?? null;
}

export function snapshotGatewayEvents(rows: readonly GatewayEventRecord[], componentIds: readonly string[]): SnapshotGatewayEvent[] {
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    route: r.route,
    fromName: r.fromName,
    toName: r.toName,
    at: r.at,
    failedRequests: r.failedRequests,
    servedRequests: r.servedRequests,
    body: r.body,
    bodyText: parseText(r.bodyText),
    componentId: resolveComponent(r.component, componentIds),
    ongoing: isOngoing(r),
    progress: r.progress ? { served: r.progress.served, failed: r.progress.failed, asOf: r.progress.asOf, toName: r.progress.toName } : null,
  }));
}

/** The sentence of a failover in progress, or null. */
function ongoingText(e: SnapshotGatewayEvent): GenText | null {
  const p = e.progress;
  if (!e.ongoing || !p) return null;
  return text('gatewayOngoing', { from: e.fromName, to: p.toName, time: { time: e.at }, route: e.route, served: p.served, failed: p.failed, asOf: { time: p.asOf } });
}

export function gatewaySentence(lang: Lang, e: SnapshotGatewayEvent): string {
  const t = ongoingText(e) ?? e.bodyText;
  return t ? say(lang, t) : e.body;
}

/** When the event's line last changed: a failover's latest figures, or the move itself. */
export function gatewayUpdated(e: SnapshotGatewayEvent): number {
  return Math.max(e.at, e.progress?.asOf ?? e.at);
}

const iso = (ms: number) => new Date(ms).toISOString();

export function v2GatewayEvents(s: Snapshot, page: unknown) {
  return {
    page,
    gateway_events: (s.gateway ?? []).map((e) => ({
      id: e.id,
      kind: e.kind,
      route: e.route,
      from: e.fromName,
      to: e.toName,
      at: iso(e.at),
      failed_requests: e.failedRequests,
      served_requests: e.servedRequests,
      component_id: e.componentId ? publicId('component', e.componentId) : null,
      // While a failover lasts, what the page says of it (its figures so far); else the move's own sentence.
      body: e.ongoing ? gatewaySentence('en', e) : e.body,
      ongoing: e.ongoing ?? false,
      progress: e.progress ? { served_requests: e.progress.served, failed_requests: e.progress.failed, as_of: iso(e.progress.asOf), to: e.progress.toName } : null,
    })),
  };
}

function entryId(s: Snapshot, e: SnapshotGatewayEvent): string {
  const base = s.baseUrl.replace(/\/+$/, '');
  return base ? `${base}/#gateway-${encodeURIComponent(e.id)}` : `urn:vigie:gateway:${encodeURIComponent(e.id)}`;
}

/** Atom entries for the page's moves, in the feed's language. */
export function gatewayAtomEntries(s: Snapshot, lang: Lang): string[] {
  const title = MESSAGES[lang].gen.gatewayTitle;
  return (s.gateway ?? []).map((e) => {
    const sentence = gatewaySentence(lang, e);
    return (
      '<entry>' +
      `<id>${xmlEscape(entryId(s, e))}</id>` +
      `<title>${xmlEscape(`${title}: ${sentence}`)}</title>` +
      `<published>${iso(e.at)}</published>` +
      `<updated>${iso(gatewayUpdated(e))}</updated>` +
      `<category term="gateway" label="${xmlEscape(title)}"/>` +
      `<content type="html">${xmlEscape(`<p>${xmlEscape(sentence)}</p>`)}</content>` +
      '</entry>'
    );
  });
}

/** RSS items for the page's moves. */
export function gatewayRssItems(s: Snapshot, lang: Lang): string[] {
  const title = MESSAGES[lang].gen.gatewayTitle;
  return (s.gateway ?? []).map((e) => {
    const sentence = gatewaySentence(lang, e);
    return (
      '<item>' +
      `<title>${xmlEscape(`${title}: ${sentence}`)}</title>` +
      `<guid isPermaLink="false">${xmlEscape(entryId(s, e))}</guid>` +
      `<pubDate>${new Date(e.at).toUTCString().replace('GMT', '+0000')}</pubDate>` +
      `<category>${xmlEscape(title)}</category>` +
      `<description>${xmlEscape(`<p>${xmlEscape(sentence)}</p>`)}</description>` +
      '</item>'
    );
  });
}
