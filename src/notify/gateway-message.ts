// The message for a gateway failover or failback (outbox kind "gateway"): the event's own sentence in
// the reader's language, a warning while traffic is away from the preferred provider and a resolve when
// it is back (PagerDuty and Opsgenie close the alert by its key: one per gateway and route).
import { MESSAGES } from '../i18n/index.js';
import { parseText, say } from '../i18n/text.js';
import type { GatewayEventRecord } from '../store/gateway.js';
import type { NotifyEvent } from '../store/outbox.js';
import type { Locale, Message } from './types.js';

const COLOR = { warning: '#d4a72c', info: '#2e9e5b' };

export function gatewayMessage(base: Pick<Message, 'action' | 'locale' | 'page' | 'url' | 'linkLabel' | 'event'>, ev: NotifyEvent, locale: Locale): Message {
  const p = ev.payload as GatewayEventRecord;
  const g = MESSAGES[locale].gen;
  const t = parseText(p.bodyText);
  const sentence = t ? say(locale, t) : p.body;
  const severity = p.kind === 'failback' ? 'info' : 'warning';
  return {
    ...base,
    kind: 'gateway',
    title: `${g.gatewayTitle}: ${sentence}`,
    text: sentence,
    severity,
    color: COLOR[severity],
    facts: [
      [g.gatewayFactRoute, p.route],
      [g.gatewayFactMove, `${p.fromName} → ${p.toName}`],
    ],
    alertKey: `vigie-gateway-${p.source}-${p.route}`,
    at: ev.at,
    componentIds: ev.componentIds,
  };
}
