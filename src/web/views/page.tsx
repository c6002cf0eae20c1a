// The public status page, rendered on the server once per state change and language. Preact escapes
// every interpolated value, so names from config, probes, people and vendors cannot inject markup.
import { HISTORY_MESSAGES } from '../../i18n/history.js';
import type { SnapshotComponent } from '../snapshot.js';
import type { Snapshot } from '../snapshot.js';
import { type Lang, MESSAGES, dateTime, timeOnly } from '../../i18n/index.js';
import { listing } from '../../i18n/text.js';
import { RecentChanges } from './changes.js';
import { Layout } from './layout.js';
import { Subscribe } from './subscribe.js';
import { CrowdSparkline } from './crowd.js';
import { GatewayBlock, GatewayNotes } from './gateway.js';
import { StatusOrigin } from './declared.js';
import { VendorDisagreements, VendorStatusText } from './vendor-note.js';
import { History, IncidentCard, Time, UptimeBars, componentNames, incidentStart, isOpen, silentVendor, DAY_MS } from './parts.js';

export interface PageProps {
  s: Snapshot;
  lang: Lang;
  state: string;
  refreshSeconds?: number;
}

export function StatusPage({ s, lang, state, refreshSeconds }: PageProps) {
  const m = MESSAGES[lang];
  const names = componentNames(s);
  const active = s.incidents.filter(isOpen);
  const maint = s.maintenances.filter(isOpen);
  const recent = s.incidents.filter((i) => incidentStart(i) >= s.now - 90 * DAY_MS);
  return (
    <Layout lang={lang} title={`${s.title}: ${m.indicator[s.status.indicator]}`} siteTitle={s.title} path="/"
      state={state}
      description={m.metaDescription(s.title, listing(lang, s.services.map((svc) => svc.name)))}
      baseUrl={s.baseUrl}
      {...(refreshSeconds ? { refreshSeconds } : {})}
    >
      <div id="live">
        <p class={`banner ${s.status.indicator}`} data-indicator={s.status.indicator}>
          {m.indicator[s.status.indicator]}
        </p>
        <p class="asof">
          {m.asOf} <Time lang={lang} at={s.now} />
        </p>
        {s.writeFailingSince !== undefined ? (
          <p class="warn store-fault" role="alert" data-store="failing">
            {m.cannotWrite(timeOnly(s.writeFailingSince))}
          </p>
        ) : null}
        {active.length > 0 ? (
          <section class="incidents" aria-labelledby="incidents-title">
            <h2 id="incidents-title">{m.activeTitle}</h2>
            {active.map((i) => (
              <IncidentCard lang={lang} s={s} i={i} names={names} />
            ))}
          </section>
        ) : null}
        {maint.length > 0 ? (
          <section class="incidents" aria-labelledby="maintenance-title">
            <h2 id="maintenance-title">{m.maintenanceTitle}</h2>
            {maint.map((i) => (
              <IncidentCard lang={lang} s={s} i={i} names={names} />
            ))}
          </section>
        ) : null}
        <h2 class="skip">{m.servicesTitle}</h2>
        {s.services.map((svc) => (
          <section class="service" aria-labelledby={`svc-${svc.publicId}`} data-service={svc.id}>
            <header>
              <h2 id={`svc-${svc.publicId}`}>{svc.name}</h2>
              <span class={`status s-${svc.status}`}>{m.status[svc.status]}</span>
            </header>
            {svc.vendor ? (
              <p class="vendor" data-vendor={svc.vendor.saysOperational === null ? 'unknown' : svc.vendor.saysOperational ? 'operational' : 'not_operational'}>
                <span>
                  {m.colon(m.ourStatus)} <strong class={`s-${svc.status}`}>{m.status[svc.status]}</strong>
                </span>
                <span>
                  {m.colon(m.vendorStatus)}{' '}
                  <VendorStatusText lang={lang} v={svc.vendor} />{' '}
                  <span class="meta">
                    ({m.vendorChecked(timeOnly(svc.vendor.at))}, <a href={svc.vendor.url} rel="nofollow noopener noreferrer">{hostOf(svc.vendor.url)}</a>)
                  </span>
                </span>
              </p>
            ) : null}
            <VendorDisagreements lang={lang} svc={svc} />
            {silentVendor(svc, s.incidents) ? (
              <p class="warn" data-silent-vendor={svc.id}>
                {m.silentVendor(svc.name)}
              </p>
            ) : null}
            {(svc.upstreamDown ?? []).map((u) => (
              <p class="warn" data-upstream={u.serviceId}>
                {HISTORY_MESSAGES[lang].upstreamNow(svc.name, u.name)}
              </p>
            ))}
            <Components lang={lang} s={s} svcName={svc.name} list={svc.components} recent={recent} />
            <CrowdSparkline lang={lang} svc={svc} />
            <GatewayNotes lang={lang} s={s} svc={svc} />
            <p class="report-link now">
              <a href={`/services/${encodeURIComponent(svc.id)}/reports`}>{m.reportLink(svc.name)}</a>
              {' · '}
              <a href={`/services/${encodeURIComponent(svc.id)}/history?lang=${lang}`}>{HISTORY_MESSAGES[lang].link}</a>
            </p>
          </section>
        ))}
        <GatewayBlock lang={lang} s={s} />
        <section aria-labelledby="history-title">
          <h2 id="history-title">{m.historyTitle}</h2>
          <History lang={lang} s={s} incidents={recent} months={3} />
          <p>
            <a href="/history">{m.historyAll}</a>
          </p>
        </section>
        <RecentChanges lang={lang} s={s} />
      </div>
      <Subscribe s={s} lang={lang} />
    </Layout>
  );
}

const hostOf = (url: string) => {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
};

/** Components in their groups (ungrouped first), each with status, regions and 90-day bars. */
function Components({ lang, s, svcName, list, recent }: { lang: Lang; s: Snapshot; svcName: string; list: SnapshotComponent[]; recent: Snapshot['incidents'] }) {
  const groups = new Map<string, SnapshotComponent[]>();
  for (const c of list) groups.set(c.group ?? '', [...(groups.get(c.group ?? '') ?? []), c]);
  const order = [...groups.keys()].sort((a, b) => (a === '' ? -1 : b === '' ? 1 : 0));
  return (
    <>
      {order.map((g) => (
        <>
          {g ? <h3 class="group">{g}</h3> : null}
          <ul class="components">
            {groups.get(g)!.map((c) => (
              <ComponentRow lang={lang} s={s} svcName={svcName} c={c} recent={recent} />
            ))}
          </ul>
        </>
      ))}
    </>
  );
}

function ComponentRow({ lang, s, svcName, c, recent }: { lang: Lang; s: Snapshot; svcName: string; c: SnapshotComponent; recent: Snapshot['incidents'] }) {
  const m = MESSAGES[lang];
  return (
    <li data-component={c.id} data-status={c.status}>
      <div class="row">
        <span>{c.name}</span>
        <span class={`status s-${c.status}`}>
          {m.status[c.status]}
          {c.status !== 'operational' ? (
            <span class="since">
              {m.since} <time dateTime={new Date(c.since).toISOString()}>{dateTime(lang, c.since)}</time>
            </span>
          ) : null}
        </span>
      </div>
      <StatusOrigin lang={lang} c={c} />
      {c.regions && c.regions.length > 1 ? (
        <ul class="regions" aria-label={m.regions}>
          {c.regions.map((r) => (
            <li class={`r-${r.health}`} data-region={r.name}>
              {r.health === 'no_data' ? m.regionNoData(r.name) : <>{r.name}: {r.health === 'up' ? m.regionUp : r.health === 'down' ? m.regionDown : m.regionDegraded}</>}
            </li>
          ))}
        </ul>
      ) : null}
      <UptimeBars lang={lang} c={c} svcName={svcName} incidents={recent} now={s.now} />
    </li>
  );
}
