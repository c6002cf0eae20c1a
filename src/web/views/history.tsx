// The outage history pages: a service's reliability report (/services/<id>/history) and every service on
// one time axis (/outages). Server-rendered, charts as inline SVG, no script needed; at 390 px the
// cards stack and the charts scale to the width.
import { createHash } from 'node:crypto';
import type { CorrelatedGroup, Pattern } from '../../analytics/correlation.js';
import type { IncidentNote, ServiceHistory } from '../../analytics/history.js';
import type { CalendarDay, ReliabilityReport, WindowFigures } from '../../analytics/reliability.js';
import type { Span } from '../../analytics/spans.js';
import type { Summary } from '../../analytics/stats.js';
import type { ComponentStatus } from '../../core/status.js';
import { HISTORY_MESSAGES, incidentSentenceText, serviceSentenceText } from '../../i18n/history.js';
import { type Lang, MESSAGES, dateTime, duration, percent } from '../../i18n/index.js';
import { Layout } from './layout.js';

export const HISTORY_CSS = `
.lead{font-size:1.05rem;font-weight:600}
.windows{display:grid;grid-template-columns:repeat(auto-fit,minmax(15rem,1fr));gap:.75rem}
.card{border:1px solid var(--line);border-radius:.5rem;padding:.5rem .75rem;background:var(--card)}
.card h3{margin-top:0}.card dl.figures{grid-template-columns:1fr auto;font-size:.9rem}.card dl.figures dd{text-align:right}
svg.chart{width:100%;height:auto;display:block;margin:.5rem 0}
svg.chart text{fill:var(--muted);font:10px system-ui,sans-serif}svg.chart line{stroke:var(--line)}
.c-operational{fill:var(--ok)}.c-degraded_performance{fill:var(--degraded)}.c-partial_outage{fill:var(--partial)}
.c-major_outage{fill:var(--major)}.c-under_maintenance{fill:var(--maint)}.c-none{fill:var(--nodata)}
ul.legend{display:flex;flex-wrap:wrap;gap:.25rem 1rem;list-style:none;padding:0;margin:.25rem 0;font-size:.85rem;color:var(--muted)}
ul.legend svg{width:.8rem;height:.8rem;vertical-align:-1px;margin-right:.3rem}
ul.plain{list-style:none;padding:0}ul.plain>li{padding:.35rem 0;border-bottom:1px solid var(--line)}
`;
/** The page's CSP: the shared one, with this page's stylesheet allowed too. */
export function historyCsp(base: string): string {
  const sha = `'sha256-${createHash('sha256').update(HISTORY_CSS, 'utf8').digest('base64')}'`;
  return base.replace(/style-src ([^;]+)/, (_m, v: string) => `style-src ${v} ${sha}`);
}

const STATUS_ORDER: (ComponentStatus | 'none')[] = ['operational', 'degraded_performance', 'partial_outage', 'major_outage', 'under_maintenance', 'none'];

function mean(lang: Lang, s: Summary): string {
  return s.n === 0 ? '—' : `${duration(lang, s.meanMs!)} / ${duration(lang, s.medianMs!)}`;
}
/** ": " in English, " : " (narrow no-break space) in French, as the shared messages write it. */
const colon = (lang: Lang) => `${MESSAGES[lang].colon('')} `;
const pct = (lang: Lang, v: number | null) => (v === null ? '—' : percent(lang, v));

function WindowCard({ lang, w }: { lang: Lang; w: WindowFigures }) {
  const h = HISTORY_MESSAGES[lang];
  return (
    <div class="card" data-window={w.days}>
      <h3>{h.window(w.days)}</h3>
      <dl class="figures">
        <dt>{h.outages}</dt>
        <dd data-figure="outages">
          {w.outages}
          {w.majorOutages > 0 ? ` (${h.majorOutages} ${w.majorOutages})` : ''}
        </dd>
        <dt>{h.downtime}</dt>
        <dd data-figure="downtime">{w.downtimeMs > 0 ? duration(lang, w.downtimeMs) : '0'}</dd>
        <dt>{h.availability}</dt>
        <dd data-figure="availability">{pct(lang, w.availability)}</dd>
        <dt>{h.mttd}</dt>
        <dd data-figure="mttd">{mean(lang, w.timeToDetect)}</dd>
        <dt>{h.mtta}</dt>
        <dd data-figure="mtta">{mean(lang, w.timeToAcknowledge)}</dd>
        <dt>{h.mttr}</dt>
        <dd data-figure="mttr">{mean(lang, w.timeToResolve)}</dd>
        <dt>{h.neverAcknowledged}</dt>
        <dd>{w.neverAcknowledged}</dd>
      </dl>
    </div>
  );
}

function Legend({ lang }: { lang: Lang }) {
  const h = HISTORY_MESSAGES[lang];
  return (
    <ul class="legend">
      {STATUS_ORDER.map((s) => (
        <li>
          <svg viewBox="0 0 10 10" aria-hidden="true">
            <rect class={`c-${s}`} width="10" height="10" rx="2" />
          </svg>
          {h.legend[s]}
        </li>
      ))}
    </ul>
  );
}

/** Twelve months as rows of days, each coloured by its worst status. */
export function CalendarSvg({ lang, days, label }: { lang: Lang; days: CalendarDay[]; label: string }) {
  const m = MESSAGES[lang];
  const months: CalendarDay[][] = [];
  for (const d of days) {
    const key = d.date.slice(0, 7);
    const last = months[months.length - 1];
    if (last && last[0]!.date.slice(0, 7) === key) last.push(d);
    else months.push([d]);
  }
  const monthName = new Intl.DateTimeFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', { month: 'short', year: '2-digit', timeZone: 'UTC' });
  const W = 40 + 31 * 11;
  return (
    <svg class="chart" viewBox={`0 0 ${W} ${months.length * 13 + 2}`} role="img" aria-label={label}>
      {months.map((row, r) => (
        <g transform={`translate(0 ${r * 13})`}>
          <text x="0" y="9">
            {monthName.format(Date.parse(row[0]!.date.slice(0, 7) + '-01T00:00:00Z'))}
          </text>
          {row.map((d) => {
            const s = d.worst ?? 'none';
            return (
              <rect x={40 + (Number(d.date.slice(8, 10)) - 1) * 11} y="0" width="10" height="10" rx="2" class={`c-${s}`} data-date={d.date} data-status={s}>
                <title>
                  {d.date}{colon(lang)}{d.worst === null ? HISTORY_MESSAGES[lang].legend.none : m.status[d.worst]}
                  {d.outageMs > 0 ? ` (${duration(lang, d.outageMs)})` : ''}
                </title>
              </rect>
            );
          })}
        </g>
      ))}
    </svg>
  );
}

const TICKS = [15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080].map((m) => m * 60_000);
/** Every service on one time axis (UTC). */
export function TimelineSvg({ lang, rows, from, to, label }: { lang: Lang; rows: { id: string; name: string; spans: Span[] }[]; from: number; to: number; label: string }) {
  const m = MESSAGES[lang];
  const L = 90;
  const Wc = 300;
  const x = (t: number) => L + ((Math.min(Math.max(t, from), to) - from) / (to - from)) * Wc;
  const step = TICKS.find((t) => (to - from) / t <= 6) ?? TICKS[TICKS.length - 1]!;
  const ticks: number[] = [];
  for (let t = Math.ceil(from / step) * step; t <= to; t += step) ticks.push(t);
  const H = rows.length * 20 + 24;
  const tick = (t: number) => (step >= 86_400_000 ? new Date(t).toISOString().slice(5, 10) : new Date(t).toISOString().slice(11, 16));
  return (
    <svg class="chart" viewBox={`0 0 ${L + Wc + 10} ${H}`} role="img" aria-label={label}>
      {ticks.map((t) => (
        <g>
          <line x1={x(t)} x2={x(t)} y1="0" y2={rows.length * 20} />
          <text x={x(t)} y={rows.length * 20 + 14} text-anchor="middle">
            {tick(t)}
          </text>
        </g>
      ))}
      {rows.map((r, i) => (
        <g transform={`translate(0 ${i * 20})`} data-service={r.id}>
          <text x="0" y="13">
            {r.name.length > 14 ? r.name.slice(0, 13) + '…' : r.name}
          </text>
          <rect x={L} y="3" width={Wc} height="14" class="c-operational" opacity="0.25" />
          {r.spans
            .filter((s) => s.end > from && s.start < to)
            .map((s) => (
              <rect x={x(s.start)} y="3" width={Math.max(1, x(s.end) - x(s.start))} height="14" class={`c-${s.status}`} data-status={s.status}>
                <title>
                  {r.name}{colon(lang)}{m.status[s.status]}, {dateTime(lang, Math.max(s.start, from))} → {dateTime(lang, Math.min(s.end, to))}
                </title>
              </rect>
            ))}
        </g>
      ))}
      <text x={L + Wc} y={H - 1} text-anchor="end">
        UTC
      </text>
    </svg>
  );
}

export function patternText(lang: Lang, p: Pattern, names: ReadonlyMap<string, string>): string {
  const n = (id: string) => names.get(id) ?? id;
  const list = (ids: string[]) => ids.map(n).join(', ');
  if (lang === 'fr')
    switch (p.kind) {
      case 'dependency':
        return `${list(p.downstream)} dépend${p.downstream.length > 1 ? 'ent' : ''} de ${n(p.upstream)}\u00a0: la panne de ${n(p.upstream)} en est la cause probable.`;
      case 'shared_dependency':
        return `${list(p.services)} dépendent tous de ${n(p.on)}.`;
      case 'region':
        return `Les échecs viennent tous de la région ${p.region}.`;
      case 'error_kind':
        return `Même type d’erreur partout\u00a0: ${p.errorKind}.`;
      case 'network':
        return `Plusieurs services en échec depuis la seule région ${p.region}, avec des erreurs ${p.errorKind}\u00a0: probablement un problème de réseau près de ${p.region}, pas les services eux-mêmes.`;
    }
  switch (p.kind) {
    case 'dependency':
      return `${list(p.downstream)} depend${p.downstream.length > 1 ? '' : 's'} on ${n(p.upstream)}: the ${n(p.upstream)} outage is the likely cause.`;
    case 'shared_dependency':
      return `${list(p.services)} all depend on ${n(p.on)}.`;
    case 'region':
      return `All failures come from the ${p.region} region.`;
    case 'error_kind':
      return `The same kind of error everywhere: ${p.errorKind}.`;
    case 'network':
      return `Several services failing from the ${p.region} region only, with ${p.errorKind} errors: likely a network problem near ${p.region}, not the services.`;
  }
}

export function groupTitle(lang: Lang, g: CorrelatedGroup): string {
  const names = g.services.map((s) => s.name);
  const and = lang === 'fr' ? ' et ' : ' and ';
  const who = names.length > 1 ? `${names.slice(0, -1).join(', ')}${and}${names[names.length - 1]}` : names[0]!;
  const when = `${dateTime(lang, g.start)} → ${g.end === null ? MESSAGES[lang].ongoing : dateTime(lang, g.end)}`;
  const how = lang === 'fr' ? (g.overlapping ? 'en panne en même temps' : 'en panne l’un après l’autre') : g.overlapping ? 'down at the same time' : 'down one after another';
  return `${who} ${how}, ${when}`;
}

function Correlated({ lang, groups, names }: { lang: Lang; groups: CorrelatedGroup[]; names: ReadonlyMap<string, string> }) {
  return (
    <ul class="plain">
      {groups.map((g) => (
        <li data-group={g.id}>
          <a href={`/outages?from=${encodeURIComponent(new Date(g.start - 3_600_000).toISOString())}&to=${encodeURIComponent(new Date((g.end ?? g.start) + 3_600_000).toISOString())}&lang=${lang}`}>{groupTitle(lang, g)}</a>
          {g.patterns.map((p) => (
            <p class="meta" data-pattern={p.kind}>
              {patternText(lang, p, names)}
            </p>
          ))}
        </li>
      ))}
    </ul>
  );
}

function Outages({ lang, report }: { lang: Lang; report: ReliabilityReport }) {
  const m = MESSAGES[lang];
  const h = HISTORY_MESSAGES[lang];
  if (report.outages.length === 0) return <p>{h.noOutages}</p>;
  return (
    <ul class="plain">
      {report.outages.map((o) => (
        <li data-outage={o.id}>
          <a href={`/incidents/${encodeURIComponent(o.id)}?lang=${lang}`}>{o.name}</a>
          <br />
          <span class="meta">
            <span class={`s-${o.worst}`}>{m.status[o.worst]}</span> · {dateTime(lang, o.start)} · {o.end === null ? m.ongoing : duration(lang, o.end - o.start)} · {m.cause[o.cause]}
            {o.figures.acknowledgementLagMs !== null ? ` · ${m.ackLag}${colon(lang)}${o.figures.acknowledgementLagMs < 0 ? m.ackBefore : duration(lang, o.figures.acknowledgementLagMs)}` : ''}
          </span>
        </li>
      ))}
    </ul>
  );
}

export function ServiceHistoryPage({ siteTitle, h: x, lang, state, names }: { siteTitle: string; h: ServiceHistory; lang: Lang; state: string; names: ReadonlyMap<string, string> }) {
  const m = MESSAGES[lang];
  const h = HISTORY_MESSAGES[lang];
  const r = x.report;
  const path = `/services/${encodeURIComponent(x.service.id)}/history`;
  const api = `/api/services/${encodeURIComponent(x.service.id)}`;
  return (
    <Layout lang={lang} title={`${h.title(x.service.name)} · ${siteTitle}`} siteTitle={siteTitle} path={path} state={state}>
      <style dangerouslySetInnerHTML={{ __html: HISTORY_CSS }} />
      <div id="live">
        <p>
          <a href={`/?lang=${lang}`}>← {m.backToStatus}</a>
        </p>
        <h2>{h.title(x.service.name)}</h2>
        <p class="lead" data-sentence="service">
          {serviceSentenceText(lang, x.sentence)}
        </p>
        {x.upstreamNow.map((u) => (
          <p class="warn" data-upstream={u.serviceId}>
            {h.upstreamNow(x.service.name, u.name)}
          </p>
        ))}
        {x.dependsOn.length > 0 ? (
          <p class="meta">
            {h.dependsOn}{colon(lang)}{x.dependsOn.map((d, i) => [i > 0 ? ', ' : '', <a href={`/services/${encodeURIComponent(d.serviceId)}/history?lang=${lang}`}>{d.id.includes('/') ? `${d.name} (${d.id})` : d.name}</a>])}
          </p>
        ) : null}
        {x.dependents.length > 0 ? (
          <p class="meta">
            {h.downstream}{colon(lang)}{x.dependents.map((d) => d.name).join(', ')}
          </p>
        ) : null}

        <section aria-labelledby="reliability">
          <h2 id="reliability">{h.reliability}</h2>
          <div class="windows">
            {r.windows.map((w) => (
              <WindowCard lang={lang} w={w} />
            ))}
          </div>
          {r.slo ? (
            <div class="card" data-slo={r.slo.state}>
              <h3>
                {h.slo}{colon(lang)}{h.sloTarget(percent(lang, r.slo.targetPct / 100), r.slo.windowDays)} · {h.sloState[r.slo.state]}
              </h3>
              <dl class="figures">
                <dt>{h.availability}</dt>
                <dd data-figure="slo-availability">{pct(lang, r.slo.availability)}</dd>
                <dt>{h.budgetLeft}</dt>
                <dd data-figure="budget-left">
                  {r.slo.leftMs >= 0 ? duration(lang, r.slo.leftMs) : `−${duration(lang, -r.slo.leftMs)}`}
                  {r.slo.leftShare !== null ? ` (${Math.round(r.slo.leftShare * 100)}\u202f%)` : ''}
                </dd>
                <dt>{h.burnRate}</dt>
                <dd data-figure="burn-rate">
                  {r.slo.burnRate === null ? '—' : r.slo.burnRate.toFixed(2)} / {r.slo.burnRate24h === null ? '—' : r.slo.burnRate24h.toFixed(2)}
                </dd>
              </dl>
            </div>
          ) : null}
        </section>

        <section aria-labelledby="calendar">
          <h2 id="calendar">{h.calendar}</h2>
          <p class="meta">{h.calendarNote(r.calendar.timeZone)}</p>
          <CalendarSvg lang={lang} days={r.calendar.days} label={`${h.calendar}${colon(lang)}${x.service.name}`} />
          <Legend lang={lang} />
        </section>

        <section aria-labelledby="causes">
          <h2 id="causes">{h.causes}</h2>
          {r.causes.length === 0 ? (
            <p>{h.noOutages}</p>
          ) : (
            <ul class="plain">
              {r.causes.map((c) => (
                <li data-cause={c.cause}>
                  {m.cause[c.cause]}{colon(lang)}{h.causeRow(c.outages)}, {duration(lang, c.durationMs)}
                </li>
              ))}
            </ul>
          )}
        </section>

        {x.honesty ? (
          <section aria-labelledby="honesty">
            <h2 id="honesty">
              {h.vendorHonesty}{colon(lang)}{x.honesty.name}
            </h2>
            <div class="card">
              <dl class="figures" data-vendor={x.honesty.vendor}>
                <dt>{h.grade}</dt>
                <dd data-figure="grade">{x.honesty.grade === null ? h.gradeNone : `${x.honesty.grade} (${x.honesty.score}/100)`}</dd>
                <dt>{h.outages}</dt>
                <dd>{h.honestyAcked(x.honesty.acknowledged, x.honesty.observed)}</dd>
                <dt>{h.honestyLag}</dt>
                <dd>{x.honesty.medianLagMs === null ? '—' : `${duration(lang, x.honesty.medianLagMs)} / ${duration(lang, x.honesty.worstLagMs!)}`}</dd>
                <dt>{h.honestyNever}</dt>
                <dd>{x.honesty.neverAcknowledged}</dd>
                <dt>{h.honestyGreen}</dt>
                <dd>{duration(lang, x.honesty.saidOperationalMs)}</dd>
              </dl>
            </div>
          </section>
        ) : null}

        {x.correlated.length > 0 ? (
          <section aria-labelledby="correlated">
            <h2 id="correlated">{h.correlated}</h2>
            <Correlated lang={lang} groups={x.correlated} names={names} />
          </section>
        ) : null}

        <section aria-labelledby="outages">
          <h2 id="outages">{h.recentOutages}</h2>
          <Outages lang={lang} report={r} />
        </section>

        <section aria-labelledby="components">
          <h2 id="components">{h.component}</h2>
          <ul class="plain">
            {r.components.map((c) => (
              <li data-component={c.id}>
                <strong>{c.name}</strong>
                <br />
                <span class="meta">
                  {c.windows.map((w, i) => `${i > 0 ? ' · ' : ''}${h.window(w.days)}${colon(lang)}${w.outages} ${h.outages.toLowerCase()}, ${pct(lang, w.availability)}`).join('')}
                </span>
              </li>
            ))}
          </ul>
        </section>

        <p class="meta">
          {h.export}{colon(lang)}<a href={`${api}/history.json`}>JSON</a> · <a href={`${api}/outages.csv`}>CSV</a> · <a href={`/outages?lang=${lang}`}>{h.timeline}</a>
        </p>
      </div>
    </Layout>
  );
}

export function TimelinePage({ siteTitle, lang, state, rows, from, to, groups, names }: { siteTitle: string; lang: Lang; state: string; rows: { id: string; name: string; spans: Span[] }[]; from: number; to: number; groups: CorrelatedGroup[]; names: ReadonlyMap<string, string> }) {
  const m = MESSAGES[lang];
  const h = HISTORY_MESSAGES[lang];
  return (
    <Layout lang={lang} title={`${h.timeline} · ${siteTitle}`} siteTitle={siteTitle} path="/outages" state={state}>
      <style dangerouslySetInnerHTML={{ __html: HISTORY_CSS }} />
      <div id="live">
        <p>
          <a href={`/?lang=${lang}`}>← {m.backToStatus}</a>
        </p>
        <h2>{h.timeline}</h2>
        <p class="meta">
          {dateTime(lang, from)} → {dateTime(lang, to)}
        </p>
        <TimelineSvg lang={lang} rows={rows} from={from} to={to} label={h.timeline} />
        <Legend lang={lang} />
        <ul class="plain">
          {rows.map((r) => (
            <li>
              <a href={`/services/${encodeURIComponent(r.id)}/history?lang=${lang}`}>
                {h.link}{colon(lang)}{r.name}
              </a>
            </li>
          ))}
        </ul>
        <section aria-labelledby="correlated">
          <h2 id="correlated">{h.correlated}</h2>
          {groups.length === 0 ? <p>{h.noOutages}</p> : <Correlated lang={lang} groups={groups} names={names} />}
        </section>
        <p class="meta">
          {h.export}{colon(lang)}<a href={`/api/outages/correlated.json`}>JSON</a> · <a href="/api/outages.csv">CSV</a>
        </p>
      </div>
    </Layout>
  );
}

/** Beside an incident: its place in the service's history, who it hits downstream, and the likely upstream reason. */
export function IncidentHistoryNote({ lang, note, serviceId }: { lang: Lang; note: IncidentNote | undefined; serviceId?: string | null | undefined }) {
  if (!note) return null;
  const h = HISTORY_MESSAGES[lang];
  return (
    <>
      {note.sentence ? (
        <p class="meta" data-sentence="incident">
          {incidentSentenceText(lang, note.sentence)}
          {serviceId ? (
            <>
              {' '}
              <a href={`/services/${encodeURIComponent(serviceId)}/history?lang=${lang}`}>{h.link}</a>
            </>
          ) : null}
        </p>
      ) : null}
      {note.upstream.map((u) => (
        <p class="warn" data-upstream={u.serviceId}>
          {h.upstreamDown(u.name)}
        </p>
      ))}
      {note.downstream.length > 0 ? (
        <p class="meta" data-downstream={note.downstream.map((d) => d.serviceId).join(' ')}>
          {h.downstream}{colon(lang)}{note.downstream.map((d) => d.name).join(', ')}
        </p>
      ) : null}
    </>
  );
}
