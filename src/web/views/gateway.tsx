// The gateway's failovers and failbacks on the page: in the section of the service whose provider
// failed or came back, and, for events about a provider the page does not show, in a block of their own.
// Every word is the event's keyed sentence (src/i18n generated.*.ts) in the page's language.
import type { Lang } from '../../i18n/index.js';
import { MESSAGES } from '../../i18n/index.js';
import { GATEWAY_PAGE_MAX, type SnapshotGatewayEvent, gatewaySentence } from '../gateway-events.js';
import type { Snapshot, SnapshotService } from '../snapshot.js';

/** Events shown in one service's section. */
const PER_SERVICE = 3;

function EventList({ lang, list }: { lang: Lang; list: SnapshotGatewayEvent[] }) {
  return (
    <ul class="gateway-events">
      {list.map((e) => (
        <li id={`gateway-${e.id}`} data-gateway-event={e.kind} data-failed={e.failedRequests} data-ongoing={e.ongoing ? 'true' : undefined}>
          <time dateTime={new Date(e.at).toISOString()}>{gatewaySentence(lang, e)}</time>
        </li>
      ))}
    </ul>
  );
}

/** In a service's section: the gateway's latest moves about its components. */
export function GatewayNotes({ lang, s, svc }: { lang: Lang; s: Snapshot; svc: SnapshotService }) {
  const ids = new Set(svc.components.map((c) => c.id));
  const list = (s.gateway ?? []).filter((e) => e.componentId !== null && ids.has(e.componentId)).slice(0, PER_SERVICE);
  if (list.length === 0) return null;
  return (
    <div class="gateway" data-gateway-service={svc.id}>
      <p class="meta">{MESSAGES[lang].gen.gatewayTitle}</p>
      <EventList lang={lang} list={list} />
    </div>
  );
}

/** The moves about providers no section shows. */
export function GatewayBlock({ lang, s }: { lang: Lang; s: Snapshot }) {
  const list = (s.gateway ?? []).filter((e) => e.componentId === null || !s.services.some((svc) => svc.components.some((c) => c.id === e.componentId))).slice(0, GATEWAY_PAGE_MAX);
  if (list.length === 0) return null;
  const g = MESSAGES[lang].gen;
  return (
    <section class="service gateway" aria-labelledby="gateway-title" data-gateway="block">
      <header>
        <h2 id="gateway-title">{g.gatewayTitle}</h2>
      </header>
      <p class="meta">{g.gatewayIntro}</p>
      <EventList lang={lang} list={list} />
    </section>
  );
}
