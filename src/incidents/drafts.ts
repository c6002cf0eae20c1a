// What Vigie writes on incidents by itself: titles and drafted updates, as message keys and parameters
// (src/i18n/text.ts) so the page shows them in every language. Pure. Public words only: display names
// ("ChatGPT API") and translated statuses, never ids or raw status values.
import type { AnyIncidentStatus } from '../core/incident.js';
import type { ComponentStatus } from '../core/status.js';
import { type GenText, english, text } from '../i18n/text.js';

/** A drafted text as the store keeps it: English plain text, and the key with its parameters. */
export function drafted(t: GenText): { body: string; bodyText: string } {
  return { body: english(t), bodyText: JSON.stringify(t) };
}

export function draftedName(t: GenText): { name: string; nameText: string } {
  return { name: english(t), nameText: JSON.stringify(t) };
}

/** A reason that came as plain text only (older callers, records from before keys were kept). */
export function plainReason(reason: string): GenText {
  return text('raw', { s: reason });
}

const FAILING = new Set(['failing', 'failingAll', 'failingIn']);

/** "failing in all 3 regions since 23:07 UTC" or "partial outage since 23:07 UTC (depends on ChatGPT API (major outage))". */
export function describe(status: ComponentStatus, reason: GenText | undefined, since: number): GenText {
  const time = { time: since };
  if (reason && (FAILING.has(reason.key) || (reason.key === 'raw' && /^failing\b/.test(String(reason.params?.s ?? '')))))
    return text('sinceFailing', { reason: { text: reason }, time });
  const empty = !reason || (reason.key === 'raw' && !reason.params?.s);
  return empty ? text('sinceStatus', { status: { status }, time }) : text('sinceStatusWhy', { status: { status }, time, reason: { text: reason } });
}

/** "Meta: Facebook, Instagram and WhatsApp unavailable". */
export function title(serviceName: string, componentNames: string[], allMajor: boolean): GenText {
  return text(allMajor ? 'titleDown' : 'titlePartly', { service: serviceName, components: { list: componentNames }, n: componentNames.length });
}

export interface Member {
  /** "Web" (within its service). */
  name: string;
  status: ComponentStatus;
  reason: GenText | undefined;
  since: number;
}

/** The first update of an incident Vigie opens. */
export function openBody(serviceName: string, members: Member[], since: number): GenText {
  if (members.length === 1) {
    const m = members[0]!;
    return text('openOne', { component: `${serviceName} ${m.name}`, what: { text: describe(m.status, m.reason, m.since) } });
  }
  return text('openMany', { service: serviceName, time: { time: since }, lines: { texts: members.map((m) => text('line', { component: m.name, what: { text: describe(m.status, m.reason, m.since) } })), sep: '\n' } });
}

/** What one component's change says on its service's incident, and what the incident does about it. */
export function memberBody(label: string, member: boolean, to: ComponentStatus, reason: GenText | undefined, at: number, move: 'again' | 'recovering' | null): GenText {
  const isOutage = to === 'partial_outage' || to === 'major_outage';
  let first: GenText;
  if (!member) first = text('alsoAffecting', { component: label, what: { text: describe(to, reason, at) } });
  else if (isOutage) first = text('memberOutage', { component: label, what: { text: describe(to, reason, at) } });
  else if (to === 'under_maintenance') first = text('memberMaintenance', { component: label });
  else if (to === 'operational') first = text('memberOperational', { component: label, time: { time: at } });
  else first = text('memberStatus', { component: label, status: { status: to }, time: { time: at } });
  if (!move) return first;
  return text('sentences', { parts: { texts: [first, text(move === 'again' ? 'failingAgain' : 'recovering')], sep: ' ' } });
}

export interface StillMember {
  label: string;
  status: ComponentStatus;
  reason: GenText | undefined;
  since: number;
  /** When its status comes from a dependency: that dependency's name and current status. */
  upstream?: { name: string; status: ComponentStatus };
}

/** The periodic update of an incident that is still under way with nothing new to say (no silence for hours). */
export function stillBody(members: StillMember[], elapsedMs: number): GenText {
  const elapsed = { duration: elapsedMs };
  const waiting = members.length === 1 ? members[0]!.upstream : undefined;
  if (waiting) return text('stillWaiting', { elapsed, component: members[0]!.label, upstream: waiting.name, status: { status: waiting.status } });
  const lines = members.map((m) =>
    text('line', {
      component: m.label,
      what: { text: m.upstream ? text('dependsOn', { component: m.upstream.name, status: { status: m.upstream.status } }) : describe(m.status, m.reason, m.since) },
    }),
  );
  return text('stillOutage', { elapsed, lines: { texts: lines, sep: '\n' } });
}

export function resolvedBody(since: number): GenText {
  return text('resolvedAuto', { time: { time: since } });
}

export function silentVendorBody(serviceName: string, elapsedMs: number): GenText {
  return text('silentVendorUpdate', { service: serviceName, elapsed: { duration: elapsedMs } });
}

export function vendorAckBody(serviceName: string, at: number, quote: string | undefined): GenText {
  const q = quote?.replace(/\s+/g, ' ').trim();
  return q ? text('vendorAckQuote', { service: serviceName, time: { time: at }, quote: q }) : text('vendorAck', { service: serviceName, time: { time: at } });
}

export function maintenanceBody(status: AnyIncidentStatus): GenText {
  switch (status) {
    case 'in_progress':
      return text('maintenanceInProgress');
    case 'verifying':
      return text('maintenanceVerifying');
    case 'completed':
      return text('maintenanceCompleted');
    default:
      return text('maintenanceScheduledPlain');
  }
}

const iso = (t: number) => new Date(t).toISOString().replace('.000Z', 'Z');

export function maintenanceScheduled(from: number, until: number): GenText {
  return text('maintenanceScheduled', { from: iso(from), until: iso(until) });
}
