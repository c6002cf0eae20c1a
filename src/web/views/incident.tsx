// One incident (or maintenance) on its own page: timeline, affected components, cause and figures.
// Nothing here depends on "now", so a page's bytes (and their compression) change only with the incident.
import type { ComponentStatus } from '../../core/status.js';
import type { Snapshot, SnapshotIncident } from '../snapshot.js';
import { type Lang, MESSAGES, duration, percent } from '../../i18n/index.js';
import { regionsShareText } from '../../i18n/reasons.js';
import { renderMarkdown } from '../markdown.js';
import { Layout } from './layout.js';
import { IncidentHistoryNote } from './history.js';
import { History, Time, Updates, componentNames, incidentStart } from './parts.js';

export function IncidentPage({ s, i, lang, state }: { s: Snapshot; i: SnapshotIncident; lang: Lang; state: string }) {
  const m = MESSAGES[lang];
  const names = componentNames(s);
  const f = i.figures;
  const start = incidentStart(i);
  const maint = i.kind === 'maintenance';
  const path = `/incidents/${encodeURIComponent(i.id)}`;
  const lag = f?.acknowledgementLagMs ?? null;
  return (
    <Layout lang={lang} title={`${i.name} · ${s.title}`} siteTitle={s.title} path={path} state={state} description={`${m.colon(maint ? m.maintenance : m.incident)} ${i.name}`} baseUrl={s.baseUrl}>
      <div id="live">
        <p>
          <a href="/">← {m.backToStatus}</a>
        </p>
        <article class={`incident impact-${i.impact}${maint ? ' maint' : ''}`} data-incident={i.id} data-status={i.status} aria-labelledby="incident-title">
          <h2 id="incident-title">{i.name}</h2>
          <p class="meta">
            {maint ? m.maintenance : m.incident} · {m.incidentStatus[i.status as keyof typeof m.incidentStatus] ?? i.status} · {m.colon(m.impactLabel)}{' '}
            {m.impact[i.impact as keyof typeof m.impact] ?? i.impact}
          </p>
          {!maint && i.silentVendor && i.vendorAcknowledgedAt === null ? <p class="warn">{m.silentIncident}</p> : null}
          <IncidentHistoryNote lang={lang} note={i.history} serviceId={i.serviceId} />
          <h3>{m.figures}</h3>
          <dl class="figures">
            <dt>{maint ? m.maintenance : m.observedStart}</dt>
            <dd>
              <Time lang={lang} at={start} />
            </dd>
            {!maint ? (
              <>
                <dt>{m.timeToDetect}</dt>
                <dd data-figure="time-to-detect">{f?.timeToDetectMs != null ? duration(lang, f.timeToDetectMs) : '—'}</dd>
                <dt>{m.ackLag}</dt>
                <dd data-figure="ack-lag">{lag === null ? m.ackNone : lag < 0 ? `${m.ackBefore} (${duration(lang, lag)})` : duration(lang, lag)}</dd>
              </>
            ) : null}
            <dt>{m.duration}</dt>
            <dd data-figure="duration">{i.resolvedAt !== null ? duration(lang, i.resolvedAt - start) : m.ongoing}</dd>
            {f?.peakAffectedShare != null ? (
              <>
                <dt>{m.peakShare}</dt>
                <dd>
                  {percent(lang, f.peakAffectedShare)}
                  {f.peakAffectedDetail && regionsShareText(lang, f.peakAffectedDetail) ? ` (${regionsShareText(lang, f.peakAffectedDetail)})` : ''}
                </dd>
              </>
            ) : null}
            {!maint ? (
              <>
                <dt>{m.causeLabel}</dt>
                <dd>{m.cause[(i.cause ?? 'unknown') as keyof typeof m.cause] ?? i.cause}</dd>
              </>
            ) : null}
          </dl>
          <h3>{m.affectedComponents}</h3>
          {i.componentIds.length === 0 ? (
            <p class="meta">—</p>
          ) : (
            <ul>
              {i.componentIds.map((id) => {
                const st = i.componentStatuses?.[id] as ComponentStatus | undefined;
                return (
                  <li>
                    {st ? m.colon(names.get(id) ?? id) : (names.get(id) ?? id)}
                    {st ? (
                      <>
                        {' '}
                        <span class={`s-${st}`}>{m.status[st]}</span>
                      </>
                    ) : null}
                  </li>
                );
              })}
            </ul>
          )}
          <h3>{m.timeline}</h3>
          <Updates lang={lang} i={i} />
          {f?.vendorAcknowledgementText ? (
            <p class="meta">
              {m.colon(m.vendorStatus)} {m.vendorSaysQuote(f.vendorAcknowledgementText)}
            </p>
          ) : null}
          {i.postmortemBody ? (
            <>
              <h3>{m.postmortem}</h3>
              <PostmortemBody body={i.postmortemBody} />
            </>
          ) : null}
        </article>
      </div>
    </Layout>
  );
}

function PostmortemBody({ body }: { body: string }) {
  return <div class="body" dangerouslySetInnerHTML={{ __html: renderMarkdown(body) }} />;
}

export function HistoryPage({ s, lang, state }: { s: Snapshot; lang: Lang; state: string }) {
  const m = MESSAGES[lang];
  return (
    <Layout lang={lang} title={`${m.historyTitle} · ${s.title}`} siteTitle={s.title} path="/history" state={state} description={m.feedTitle(s.title)} baseUrl={s.baseUrl}>
      <div id="live">
        <p>
          <a href="/">← {m.backToStatus}</a>
        </p>
        <h2>{m.historyTitle}</h2>
        {s.incidents.length === 0 ? <p>{m.historyEmpty}</p> : <History lang={lang} s={s} incidents={[...s.incidents, ...s.maintenances]} />}
      </div>
    </Layout>
  );
}

export function NotFoundPage({ s, lang, state }: { s: Snapshot; lang: Lang; state: string }) {
  const m = MESSAGES[lang];
  return (
    <Layout lang={lang} title={`${m.notFound} · ${s.title}`} siteTitle={s.title} path="/" state={state}>
      <div id="live">
        <h2>{m.notFound}</h2>
        <p>{m.notFoundBody}</p>
        <p>
          <a href="/">{m.backToStatus}</a>
        </p>
      </div>
    </Layout>
  );
}
