// Wording, in English and French. One function turns an outbox event (plus the delivery's action)
// into a Message; channels only lay that message out for their platform.
import { formatDuration } from '../core/duration.js';
import { parseText, say } from '../i18n/text.js';
import { MESSAGES } from '../i18n/index.js';
import type { ComponentStatus } from '../core/status.js';
import type { ComponentStatusPayload, IncidentPayload, NotifyEvent } from '../store/outbox.js';
import type { Locale, Message, MessageAction, PageInfo, Severity } from './types.js';
import { escapeHtml as esc } from '../core/escape.js';

// Status names come from the page's own translations, so a message and the page never disagree.
const STATUS = { en: MESSAGES.en.status, fr: MESSAGES.fr.status } satisfies Record<Locale, Record<ComponentStatus, string>>;
const INCIDENT_STATUS: Record<Locale, Record<string, string>> = { en: MESSAGES.en.incidentStatus, fr: MESSAGES.fr.incidentStatus };

const T = {
  en: {
    changed: (c: string, from: string, to: string, at: string) => `${c} went from ${from} to ${to} at ${at}.`,
    reason: 'Reason',
    resolvedTitle: (c: string) => `Resolved: ${c} is operational again`,
    reminderTitle: (c: string, s: string, d: string) => `Still ${s.toLowerCase()}: ${c} (for ${d})`,
    reminderText: (c: string, s: string, since: string) => `${c} has been in ${s.toLowerCase()} since ${since}.`,
    component: 'Component',
    status: 'Status',
    since: 'Since',
    impact: 'Impact',
    affected: 'Affected',
    incident: 'Incident',
    maintenance: 'Maintenance',
    window: 'Window',
    more: 'Status page',
    testTitle: (p: string) => `Test message from ${p}`,
    testText: 'If you can read this, this channel is set up correctly.',
    confirmTitle: (p: string) => `Confirm your subscription to ${p}`,
    confirmText: (p: string, url: string) =>
      `Someone, hopefully you, asked to receive ${p} status updates at this address.\n\nConfirm: ${url}\n\nIf it was not you, ignore this message: nothing will be sent.`,
    unsubscribe: 'Unsubscribe',
    footer: (p: string) => `You receive this because you subscribed to ${p} updates.`,
  },
  fr: {
    changed: (c: string, from: string, to: string, at: string) => `${c} est passé de « ${from} » à « ${to} » le ${at}.`,
    reason: 'Cause',
    resolvedTitle: (c: string) => `Résolu : ${c} fonctionne de nouveau`,
    reminderTitle: (c: string, s: string, d: string) => `Toujours en ${s.toLowerCase()} : ${c} (depuis ${d})`,
    reminderText: (c: string, s: string, since: string) => `${c} est en « ${s.toLowerCase()} » depuis le ${since}.`,
    component: 'Composant',
    status: 'État',
    since: 'Depuis',
    impact: 'Impact',
    affected: 'Concernés',
    incident: 'Incident',
    maintenance: 'Maintenance',
    window: 'Créneau',
    more: 'Page d’état',
    testTitle: (p: string) => `Message de test de ${p}`,
    testText: 'Si vous lisez ceci, ce canal est bien configuré.',
    confirmTitle: (p: string) => `Confirmez votre abonnement à ${p}`,
    confirmText: (p: string, url: string) =>
      `Quelqu’un, vous sans doute, a demandé à recevoir les nouvelles de ${p} à cette adresse.\n\nConfirmer : ${url}\n\nSi ce n’était pas vous, ignorez ce message : rien ne sera envoyé.`,
    unsubscribe: 'Se désabonner',
    footer: (p: string) => `Vous recevez ce message car vous êtes abonné aux nouvelles de ${p}.`,
  },
} as const;

export function strings(locale: Locale) {
  return T[locale];
}

export function statusLabel(s: string, locale: Locale): string {
  return STATUS[locale][s as ComponentStatus] ?? INCIDENT_STATUS[locale][s] ?? s;
}

export function formatTime(ms: number, locale: Locale): string {
  const iso = new Date(ms).toISOString();
  return locale === 'fr' ? `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)} à ${iso.slice(11, 16)} UTC` : `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
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
      title = t.reminderTitle(name, to, formatDuration(Math.max(0, ev.at - since)));
      text = t.reminderText(name, to, formatTime(since, i.locale));
    } else {
      title = i.action === 'resolve' ? t.resolvedTitle(name) : `${name}: ${to}`;
      const reason = localized(i.locale, p.reasonText, p.reason);
      text = t.changed(name, STATUS[i.locale][p.from], to, formatTime(p.at, i.locale)) + (reason ? `\n${t.reason}: ${reason}` : '');
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
  const p = ev.payload as IncidentPayload;
  const label = statusLabel(p.status, i.locale);
  const severity: Severity = p.kind === 'maintenance' || i.action === 'resolve' ? 'info' : (IMPACT_SEVERITY[p.impact] ?? 'warning');
  const affected = p.components.map((c) => `${c.serviceName} ${c.name}`).join(', ');
  const facts: Array<[string, string]> = [[t.status, label]];
  if (p.kind === 'incident') facts.push([t.impact, p.impact]);
  if (affected) facts.push([t.affected, affected]);
  if (p.kind === 'maintenance' && p.scheduledFor !== null)
    facts.push([t.window, `${formatTime(p.scheduledFor, i.locale)}${p.scheduledUntil !== null ? ` → ${formatTime(p.scheduledUntil, i.locale)}` : ''}`]);
  return {
    ...base,
    url: `${i.page.url}/incidents/${p.incidentId}`,
    kind: ev.kind,
    title: `[${label}] ${localized(i.locale, p.nameText, p.name)}`,
    text: ((p.update && localized(i.locale, p.update.bodyText, p.update.body)) || label) + (affected ? `\n${t.affected}: ${affected}` : ''),
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
    for (const [k, v] of m.facts) lines.push(`${k}: ${v}`);
    lines.push('', `${m.linkLabel}: ${link}`);
  }
  if (m.unsubscribeUrl) lines.push('', t.footer(m.page.title), `${t.unsubscribe}: ${m.unsubscribeUrl}`);
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
