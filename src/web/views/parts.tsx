// Pieces shared by the status page, the history page and the incident pages.
import { escapeHtml } from '../../core/escape.js';
import { isOutage } from '../../core/status.js';
import { type Lang, MESSAGES, dateTime, day, duration, month, percent } from '../../i18n/index.js';
import { listing } from '../../i18n/text.js';
import { renderMarkdown } from '../markdown.js';
import { foldUpdates } from '../updates.js';
import type { Snapshot, SnapshotComponent, SnapshotIncident, SnapshotService } from '../snapshot.js';

export const DAY_MS = 86_400_000;
export const iso = (ms: number) => new Date(ms).toISOString();
export const isOpen = (i: SnapshotIncident) => !['resolved', 'postmortem', 'completed'].includes(i.status);
export const incidentStart = (i: SnapshotIncident) => (i.kind === 'maintenance' ? (i.startedAt ?? i.scheduledFor ?? i.createdAt) : (i.observedStart ?? i.createdAt));

export function Time({ lang, at }: { lang: Lang; at: number }) {
  return <time dateTime={iso(at)}>{dateTime(lang, at)}</time>;
}

/** "ChatGPT Web" for each component id. */
export function componentNames(s: Snapshot): Map<string, string> {
  return new Map(s.services.flatMap((svc) => svc.components.map((c) => [c.id, `${svc.name} ${c.name}`] as const)));
}

/**
 * Updates of an incident, newest first, the updates of one minute in one entry; bodies are Markdown
 * rendered in markdown-it's safe mode (raw HTML shown as text).
 */
export function Updates({ lang, i }: { lang: Lang; i: SnapshotIncident }) {
  const m = MESSAGES[lang];
  return (
    <ol class="updates">
      {foldUpdates(i.updates).map((g) => (
        <li data-at={iso(g.at)}>
          <strong>{m.incidentStatus[g.status as keyof typeof m.incidentStatus] ?? g.status}</strong> · <Time lang={lang} at={g.at} />
          {g.updates.map((u) => (
            <div class="body" dangerouslySetInnerHTML={{ __html: renderMarkdown(u.body) }} />
          ))}
        </li>
      ))}
    </ol>
  );
}

/** An open incident or a current/upcoming maintenance, as a card with its updates. */
export function IncidentCard({ lang, s, i, names }: { lang: Lang; s: Snapshot; i: SnapshotIncident; names: Map<string, string> }) {
  const m = MESSAGES[lang];
  const maint = i.kind === 'maintenance';
  return (
    <article class={`incident impact-${i.impact}${maint ? ' maint' : ''}`} id={`incident-${i.id}`} data-incident={i.id} data-status={i.status} aria-labelledby={`t-${i.id}`}>
      <h3 id={`t-${i.id}`}>
        <a href={`/incidents/${encodeURIComponent(i.id)}`}>{i.name}</a>
      </h3>
      <p class="meta">
        {m.incidentStatus[i.status as keyof typeof m.incidentStatus] ?? i.status}.{' '}
        {maint && i.scheduledFor !== null && i.scheduledUntil !== null
          ? m.scheduledFromTo(dateTime(lang, i.scheduledFor), dateTime(lang, i.scheduledUntil))
          : i.observedStart !== null
            ? m.observedSince(dateTime(lang, i.observedStart))
            : ''}{' '}
        {i.componentIds.length > 0 ? `${m.affects} ${listing(lang, i.componentIds.map((id) => names.get(id) ?? id))}.` : ''}
        {!maint && i.silentVendor && i.vendorAcknowledgedAt === null ? <strong class="silent"> {m.silentIncident}</strong> : null}
      </p>
      <Updates lang={lang} i={i} />
    </article>
  );
}

/** Incidents grouped by month (newest first); `months` empty months are listed too, as Statuspage does. */
export function History({ lang, s, incidents, months }: { lang: Lang; s: Snapshot; incidents: SnapshotIncident[]; months?: number }) {
  const m = MESSAGES[lang];
  const byMonth = new Map<string, SnapshotIncident[]>();
  const key = (t: number) => new Date(t).toISOString().slice(0, 7);
  if (months) {
    const d = new Date(s.now);
    for (let k = 0; k < months; k++) byMonth.set(key(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - k, 1)), []);
  }
  for (const i of incidents) {
    const k = key(incidentStart(i));
    if (months && !byMonth.has(k)) continue;
    const list = byMonth.get(k) ?? [];
    list.push(i);
    byMonth.set(k, list);
  }
  const keys = [...byMonth.keys()].sort().reverse();
  return (
    <>
      {keys.map((k) => {
        const list = byMonth.get(k)!;
        return (
          <section aria-labelledby={`m-${k}`} class="month">
            <h3 id={`m-${k}`}>{month(lang, Date.parse(`${k}-01T00:00:00Z`))}</h3>
            {list.length === 0 ? (
              <p class="meta">{m.noIncidentsMonth}</p>
            ) : (
              <ul class="history">
                {list.map((i) => (
                  <li data-incident={i.id}>
                    <a href={`/incidents/${encodeURIComponent(i.id)}`}>{i.name}</a>{' '}
                    <span class="meta">
                      · {m.impact[i.impact as keyof typeof m.impact] ?? i.impact} · <Time lang={lang} at={incidentStart(i)} />
                      {i.resolvedAt !== null ? ` · ${m.duration} ${duration(lang, i.resolvedAt - incidentStart(i))}` : ` · ${m.incidentStatus[i.status as keyof typeof m.incidentStatus] ?? i.status}`}
                    </span>
                  </li>
                ))}
              </ul>
            )}
          </section>
        );
      })}
    </>
  );
}

/** Day index (0..89) → incidents touching that component that day. */
function incidentsByDay(c: SnapshotComponent, firstDay: number, days: number, incidents: SnapshotIncident[], now: number): Map<number, SnapshotIncident[]> {
  const out = new Map<number, SnapshotIncident[]>();
  for (const i of incidents) {
    if (i.kind !== 'incident' || !i.componentIds.includes(c.id)) continue;
    const from = Math.max(0, Math.floor((incidentStart(i) - firstDay) / DAY_MS));
    const to = Math.min(days - 1, Math.floor(((i.resolvedAt ?? now) - firstDay) / DAY_MS));
    for (let d = from; d <= to; d++) out.set(d, [...(out.get(d) ?? []), i]);
  }
  return out;
}

/**
 * 90 bars, one per UTC day: colour by the share of failed checks, amber when no check failed but some
 * were slow or an incident touched the day; each bar's title gives the day's figures and says why it
 * is not green (mouse). The same figures for every day with a problem sit in a <details> list
 * (keyboard, touch, screen readers); the bar strip itself is one labelled image. The percentage is over
 * every check of the whole period, and days without any check are counted and said.
 */
export function UptimeBars({ lang, c, svcName, incidents, now }: { lang: Lang; c: SnapshotComponent; svcName: string; incidents: SnapshotIncident[]; now: number }) {
  const b = c.bars;
  if (!b) return null;
  const m = MESSAGES[lang];
  const days = b.count.length;
  const inc = incidentsByDay(c, b.firstDay, days, incidents, now);
  let total = 0;
  let ok = 0;
  let noData = 0;
  // The strip is written as one flat string (join, not +=): as JSX its 90 elements per component
  // became, at 1,000 components, a rope of millions of pieces (~100 MB for a 15 MB page).
  const cells: string[] = [];
  const problems = [];
  for (let d = 0; d < days; d++) {
    const count = b.count[d] ?? 0;
    const good = b.ok[d] ?? 0;
    const slow = Math.min(b.degraded[d] ?? 0, good);
    total += count;
    ok += good;
    if (count === 0) noData++;
    const failed = count - good;
    const list = inc.get(d) ?? [];
    const label = day(lang, b.firstDay + d * DAY_MS);
    const figures = count === 0 ? `${m.colon(label)} ${m.noData}` : m.dayFigures(label, percent(lang, good / count), count, failed, slow);
    const cls = count === 0 ? (list.length > 0 ? 'b3' : 'b0') : failed === 0 && slow === 0 && list.length === 0 ? 'b1' : failed === 0 || good / count >= 0.999 ? 'b2' : good / count >= 0.95 ? 'b3' : 'b4';
    // Amber without a failed check: say what made it so (slow checks, an incident on a dependency).
    const amber = cls === 'b2' && failed === 0;
    const why = amber ? m.dayWhy([...(slow > 0 ? [m.daySlow(slow)] : []), ...list.map((i) => m.dayIncident(i.name))].join(', ')) : null;
    const title = [figures, ...(why ? [why] : list.map((i) => m.dayIncident(i.name)))].join(' · ');
    cells.push(`<i class="${cls}" title="${escapeHtml(title)}"></i>`);
    if (cls !== 'b1' && cls !== 'b0')
      problems.push(
        <li>
          {figures}
          {amber && slow > 0 ? ` · ${m.dayWhy(m.daySlow(slow))}` : ''}
          {list.map((i) => (
            <>
              {' · '}
              <a href={`/incidents/${encodeURIComponent(i.id)}`}>{i.name}</a>
            </>
          ))}
        </li>,
      );
  }
  const pct = total > 0 ? percent(lang, ok / total) : m.noData;
  const id = `d-${c.publicId}`;
  return (
    <div class="uptime">
      <div class="bars" role="img" aria-label={m.uptimeLabel(`${svcName} ${c.name}`, pct)} dangerouslySetInnerHTML={{ __html: cells.join('') }} />
      <div class="barlegend" aria-hidden="true">
        <span>{m.ago90}</span>
        <span>{m.today}</span>
      </div>
      <p class="uptime-sum" data-no-data-days={String(noData)}>
        {total > 0 ? m.uptimeSummary(pct, days) : m.noData}
        {noData > 0 && total > 0 ? ` · ${m.uptimeNoDataDays(noData)}` : ''}
      </p>
      {problems.length > 0 ? (
        <details id={id}>
          <summary>
            {m.uptimeDays} ({problems.length})
          </summary>
          <ul>{problems}</ul>
        </details>
      ) : null}
    </div>
  );
}

/** Whether Vigie sees this service failing while its vendor's page says all is well. */
export function silentVendor(svc: SnapshotService, incidents: SnapshotIncident[]): boolean {
  const v = svc.vendor;
  const disagree = !!v && v.reachable && v.saysOperational === true && svc.components.some((c) => isOutage(c.status));
  const flagged = incidents.some((i) => i.kind === 'incident' && isOpen(i) && i.serviceId === svc.id && i.silentVendor && i.vendorAcknowledgedAt === null);
  return disagree || flagged;
}
