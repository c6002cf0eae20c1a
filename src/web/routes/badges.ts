// Shields-style SVG badges ("flat"): status of the page, a service or a component, and 90-day uptime.
// Made at publish time like everything public; the text is XML-escaped, widths from Verdana 11px metrics.
import type { ComponentStatus, Indicator } from '../../core/status.js';
import { MESSAGES } from '../../i18n/index.js';
import type { Snapshot, SnapshotBars } from '../snapshot.js';
import { escapeHtml as esc } from '../../core/escape.js';

const COLORS = { green: '#4c1', yellow: '#dfb317', orange: '#fe7d37', red: '#e05d44', blue: '#007ec6', grey: '#9f9f9f' } as const;

const STATUS_COLOR: Record<ComponentStatus, string> = {
  operational: COLORS.green,
  degraded_performance: COLORS.yellow,
  partial_outage: COLORS.orange,
  major_outage: COLORS.red,
  under_maintenance: COLORS.blue,
};
const INDICATOR_COLOR: Record<Indicator, string> = { none: COLORS.green, minor: COLORS.yellow, major: COLORS.orange, critical: COLORS.red, maintenance: COLORS.blue };

/** Approximate advance widths of Verdana at 11px (what shields measures with). */
function charWidth(ch: string): number {
  if ('iljI.,:;\'|!`'.includes(ch)) return 3.6;
  if ('frt()[]{}/\\- '.includes(ch)) return 4.6;
  if ('mwMW%'.includes(ch)) return 10.5;
  if (/[0-9]/.test(ch)) return 7;
  if (/[A-Z]/.test(ch)) return 7.6;
  return 6.6;
}
export function textWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += charWidth(ch);
  return Math.round(w);
}

/** A flat shields badge: grey label on the left, coloured value on the right. */
export function badgeSvg(label: string, value: string, color: string): string {
  const lt = textWidth(label);
  const vt = textWidth(value);
  const lw = lt + 10;
  const vw = vt + 10;
  const w = lw + vw;
  const l = esc(label);
  const v = esc(value);
  const lx = lw * 5;
  const vx = (lw + vw / 2) * 10;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="20" role="img" aria-label="${l}: ${v}"><title>${l}: ${v}</title>` +
    `<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>` +
    `<clipPath id="r"><rect width="${w}" height="20" rx="3" fill="#fff"/></clipPath>` +
    `<g clip-path="url(#r)"><rect width="${lw}" height="20" fill="#555"/><rect x="${lw}" width="${vw}" height="20" fill="${color}"/><rect width="${w}" height="20" fill="url(#s)"/></g>` +
    `<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" text-rendering="geometricPrecision" font-size="110">` +
    `<text aria-hidden="true" x="${lx}" y="150" fill="#010101" fill-opacity=".3" transform="scale(.1)" textLength="${lt * 10}">${l}</text>` +
    `<text x="${lx}" y="140" transform="scale(.1)" fill="#fff" textLength="${lt * 10}">${l}</text>` +
    `<text aria-hidden="true" x="${vx}" y="150" fill="#010101" fill-opacity=".3" transform="scale(.1)" textLength="${vt * 10}">${v}</text>` +
    `<text x="${vx}" y="140" transform="scale(.1)" fill="#fff" textLength="${vt * 10}">${v}</text></g></svg>`
  );
}

function uptimeOf(bars: SnapshotBars[]): number | null {
  let total = 0;
  let ok = 0;
  for (const b of bars)
    for (let i = 0; i < b.count.length; i++) {
      total += b.count[i] ?? 0;
      ok += b.ok[i] ?? 0;
    }
  return total > 0 ? ok / total : null;
}

function uptimeBadge(label: string, bars: SnapshotBars[]): string {
  const u = uptimeOf(bars);
  if (u === null) return badgeSvg(label, MESSAGES.en.noData, COLORS.grey);
  const v = u * 100;
  const text = `${v === 100 ? '100' : (Math.floor(v * 100) / 100).toFixed(2)}%`;
  const color = u >= 0.999 ? COLORS.green : u >= 0.99 ? '#97ca00' : u >= 0.95 ? COLORS.yellow : u >= 0.9 ? COLORS.orange : COLORS.red;
  return badgeSvg(label, text, color);
}

/**
 * Every badge path → its SVG: /badge/status.svg and /uptime.svg for the page; for each service
 * /badge/<service>/status.svg and uptime.svg; for each component /badge/<service>/<component>/….
 * Components are also reachable by their public (Statuspage) id: /badge/<id>/status.svg.
 */
export function buildBadges(s: Snapshot): Map<string, string> {
  const en = MESSAGES.en;
  const out = new Map<string, string>();
  const allBars = s.services.flatMap((svc) => svc.components.flatMap((c) => (c.bars ? [c.bars] : [])));
  const pageStatus = badgeSvg(en.badgeStatus, en.indicator[s.status.indicator].toLowerCase(), INDICATOR_COLOR[s.status.indicator]);
  out.set('/badge/status.svg', pageStatus);
  out.set('/badge/uptime.svg', uptimeBadge(en.badgeUptime, allBars));
  out.set('/uptime.svg', out.get('/badge/uptime.svg')!);
  for (const svc of s.services) {
    const sid = encodeURIComponent(svc.id);
    const st = badgeSvg(svc.name, en.status[svc.status].toLowerCase(), STATUS_COLOR[svc.status]);
    const up = uptimeBadge(`${svc.name} ${en.badgeUptime}`, svc.components.flatMap((c) => (c.bars ? [c.bars] : [])));
    for (const key of [sid, svc.publicId]) {
      out.set(`/badge/${key}/status.svg`, st);
      out.set(`/badge/${key}/uptime.svg`, up);
    }
    for (const c of svc.components) {
      const local = c.id.startsWith(`${svc.id}/`) ? c.id.slice(svc.id.length + 1) : c.id;
      const cst = badgeSvg(`${svc.name} ${c.name}`, en.status[c.status].toLowerCase(), STATUS_COLOR[c.status]);
      const cup = uptimeBadge(`${svc.name} ${c.name}`, c.bars ? [c.bars] : []);
      for (const key of [`${sid}/${encodeURIComponent(local)}`, c.publicId]) {
        out.set(`/badge/${key}/status.svg`, cst);
        out.set(`/badge/${key}/uptime.svg`, cup);
      }
    }
  }
  return out;
}
