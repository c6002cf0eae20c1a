// Wording, in English and French. One function turns an outbox event (plus the delivery's action)
// into a Message; channels only lay that message out for their platform.
import { MESSAGES, duration } from '../i18n/index.js';
import { reasonText } from '../i18n/reasons.js';
import { listing, parseText, say } from '../i18n/text.js';
import type { ComponentStatus } from '../core/status.js';
import type { ComponentStatusPayload, IncidentPayload, NotifyEvent } from '../store/outbox.js';
import type { Locale, Message, MessageAction, PageInfo, Severity } from './types.js';
import { gatewayMessage } from './gateway-message.js';
import { escapeHtml as esc } from '../core/escape.js';

// Every word comes from src/i18n (the page's own translations, so a message and the page never
// disagree); component ids never appear: reasons name components by their display names.
const STATUS = { en: MESSAGES.en.status, fr: MESSAGES.fr.status } satisfies Record<Locale, Record<ComponentStatus, string>>;
const INCIDENT_STATUS: Record<Locale, Record<string, string>> = { en: MESSAGES.en.incidentStatus, fr: MESSAGES.fr.incidentStatus };
const T = { en: MESSAGES.en.notify, fr: MESSAGES.fr.notify } satisfies Record<Locale, unknown>;

export function strings(locale: Locale) {
  return T[locale];
}

export function statusLabel(s: string, locale: Locale): string {
  return STATUS[locale][s as ComponentStatus] ?? INCIDENT_STATUS[locale][s] ?? s;
}

export function formatTime(ms: number, locale: Locale): string {
  return T[locale].time(new Date(ms).toISOString());
}

const SEVERITY: Record<ComponentStatus, Severity> = {
  operational: 'info',
  under_maintenance: 'info',
  degraded_performance: 'warning',
  partial_outage: 'error',
  major_outage: 'critical',
};
const COLOR: Record<Severity, string> = { critical: '#d0342c', error: '#e8740c', warning: '#d4a72c', info: '#2e9e5b' };
const IMPACT_SEVERITY: Record<string, Severity> = { critical: 'critical', major: 'error', minor: 'warning', none: 'info' };

export interface BuildInput {
  event: NotifyEvent | null;
  action: MessageAction;
  locale: Locale;
  page: PageInfo;
  context?: Record<string, unknown>;
  now: number;
}

/** What Vigie wrote by itself, in the subscriber's language; what people wrote, as written. */
function localized(locale: Locale, keyed: string | undefined, plain: string): string {
  const t = keyed ? parseText(keyed) : null;
  return t ? say(locale, t) : plain;
}

/** The message for one delivery. */
export function buildMessage(i: BuildInput): Message {
  const t = T[i.locale];
  const base = {
    action: i.action,
    locale: i.locale,
    page: i.page,
    url: i.page.url + '/',
    linkLabel: t.more,
    event: i.event,
  };
  const ev = i.event;
  if (i.action === 'test' || !ev) {
    return {
      ...base,
      kind: i.action === 'confirm' ? 'confirm' : 'test',
      title: i.action === 'confirm' ? t.confirmTitle(i.page.title) : t.testTitle(i.page.title),
      text: i.action === 'confirm' ? t.confirmText(i.page.title, String(i.context?.confirmUrl ?? '')) : t.testText,
      severity: 'info',
      color: COLOR.info,
      facts: [],
      alertKey: `vigie-test`,
      at: i.now,
      componentIds: [],
    };
  }
  if (ev.kind === 'component_status' || ev.kind === 'reminder') {
    const p = ev.payload as ComponentStatusPayload & { since?: number };
    const name = `${p.serviceName} ${p.componentName}`;
    const to = STATUS[i.locale][p.to];
    const severity = i.action === 'resolve' ? 'info' : SEVERITY[p.to];
    let title: string;
    let text: string;
    if (ev.kind === 'reminder') {
      const since = p.since ?? p.at;
      title = t.reminderTitle(name, to, duration(i.locale, Math.max(0, ev.at - since)));
      text = t.reminderText(name, to, formatTime(since, i.locale));
    } else {
      title = i.action === 'resolve' ? t.resolvedTitle(name) : `${name}: ${to}`;
      // Keyed reasons in the subscriber's language; older plain-English ones worded by src/i18n/reasons.ts.
      const reason = p.reasonText ? localized(i.locale, p.reasonText, p.reason) : reasonText(i.locale, p.reason ?? '', (id) => i.page.componentNames?.get(id));
      text = t.changed(name, STATUS[i.locale][p.from], to, formatTime(p.at, i.locale)) + (reason ? `\n${MESSAGES[i.locale].colon(t.reason)} ${reason}` : '');
    }
    return {
      ...base,
      kind: ev.kind,
      title,
      text,
      severity,
      color: COLOR[severity],
      facts: [
        [t.component, name],
        [t.status, to],
        [t.since, formatTime(ev.kind === 'reminder' ? (p.since ?? p.at) : p.at, i.locale)],
      ],
      alertKey: `vigie-component-${p.componentId}`,
      at: ev.at,
      componentIds: ev.componentIds,
      status: p.to,
    };
  }
  if (ev.kind === 'gateway') return gatewayMessage(base, ev, i.locale);
  const p = ev.payload as IncidentPayload;
  const label = statusLabel(p.status, i.locale);
  const severity: Severity = p.kind === 'maintenance' || i.action === 'resolve' ? 'info' : (IMPACT_SEVERITY[p.impact] ?? 'warning');
  const affected = listing(i.locale, p.components.map((c) => `${c.serviceName} ${c.name}`));
  const facts: Array<[string, string]> = [[t.status, label]];
  if (p.kind === 'incident') facts.push([t.impact, MESSAGES[i.locale].impact[p.impact as keyof typeof MESSAGES.en.impact] ?? p.impact]);
  if (affected) facts.push([t.affected, affected]);
  if (p.kind === 'maintenance' && p.scheduledFor !== null)
    facts.push([t.window, `${formatTime(p.scheduledFor, i.locale)}${p.scheduledUntil !== null ? ` → ${formatTime(p.scheduledUntil, i.locale)}` : ''}`]);
  return {
    ...base,
    url: `${i.page.url}/incidents/${p.incidentId}`,
    kind: ev.kind,
    title: `[${label}] ${localized(i.locale, p.nameText, p.name)}`,
    text: ((p.update && localized(i.locale, p.update.bodyText, p.update.body)) || label) + (affected ? `\n${MESSAGES[i.locale].colon(t.affected)} ${affected}` : ''),
    severity,
    color: COLOR[severity],
    facts,
    alertKey: `vigie-incident-${p.incidentId}`,
    at: ev.at,
    componentIds: ev.componentIds,
  };
}

/** Plain text and HTML bodies for e-mail. */
export function emailBodies(m: Message): { subject: string; text: string; html: string } {
  const t = T[m.locale];
  const link = m.confirmUrl ?? m.url;
  const lines = [m.title, '', m.text, ''];
  if (m.kind !== 'confirm') {
    for (const [k, v] of m.facts) lines.push(`${MESSAGES[m.locale].colon(k)} ${v}`);
    lines.push('', `${MESSAGES[m.locale].colon(m.linkLabel)} ${link}`);
  }
  if (m.unsubscribeUrl) lines.push('', t.footer(m.page.title), `${MESSAGES[m.locale].colon(t.unsubscribe)} ${m.unsubscribeUrl}`);
  const para = (s: string) => s.split('\n').map((l) => esc(l)).join('<br>');
  const html =
    `<!doctype html><html lang="${m.locale}"><body style="font-family:system-ui,sans-serif;line-height:1.5">` +
    `<h1 style="font-size:1.2em;border-left:4px solid ${m.color};padding-left:.5em">${esc(m.title)}</h1>` +
    `<p>${para(m.text)}</p>` +
    (m.kind !== 'confirm' && m.facts.length
      ? `<table>${m.facts.map(([k, v]) => `<tr><th align="left">${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>`
      : '') +
    `<p><a href="${esc(link)}">${esc(m.kind === 'confirm' ? t.confirmTitle(m.page.title) : m.linkLabel)}</a></p>` +
    (m.unsubscribeUrl ? `<p style="color:#666;font-size:.85em">${esc(t.footer(m.page.title))} <a href="${esc(m.unsubscribeUrl)}">${esc(t.unsubscribe)}</a></p>` : '') +
    `</body></html>`;
  return { subject: m.title, text: lines.join('\n'), html };
}
