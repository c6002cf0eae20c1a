// A service's crowd-report page, server-rendered and working without JavaScript: the current level,
// the last 24 hours of reports against the expected band (an inline SVG), the top categories, and the
// report form. Preact escapes every interpolated value.
import type { ReportsView } from '../../signals/reports/intake.js';
import type { StoredComment } from '../../store/reports.js';
import { type Lang, MESSAGES, dateTime, timeOnly } from '../../i18n/index.js';
import { CSS } from './style.js';
import { LanguageSwitch } from './layout.js';

/** Replaced per request, so the rendered page can be cached while each visitor gets their own token and message. */
export const TOKEN_SLOT = '__VIGIE_FORM_TOKEN__';
export const MESSAGE_SLOT = '<!--VIGIE_FORM_MESSAGE-->';

const LEVEL_CLASS = { none: 'none', possible: 'minor', detected: 'major' } as const;
export const REGIONS = ['africa', 'asia', 'europe', 'middle-east', 'north-america', 'oceania', 'south-america'];
/** A category or region in the page's language; one the dictionary does not know (configured) as written, capitalised. */
const label = (names: Record<string, string>, c: string) => names[c] ?? c.replace(/[-_]/g, ' ').replace(/^./, (x) => x.toUpperCase());

const REPORTS_CSS = `
.chart{width:100%;height:auto;display:block;background:var(--card);border:1px solid var(--line);border-radius:.5rem}
.chart .band{fill:var(--maint);opacity:.18}.chart .exp{stroke:var(--maint);stroke-width:1.5;fill:none;stroke-dasharray:4 3}
.chart .obs{stroke:var(--major);stroke-width:1.8;fill:none}.chart text{fill:var(--muted);font-size:12px}
@media (max-width:40rem){.chart text{font-size:22px}}
.chart .grid{stroke:var(--line);stroke-width:1}
.legend{color:var(--muted);font-size:.85rem}.legend span{margin-right:1rem}
table.cats{border-collapse:collapse;width:100%}table.cats td,table.cats th{text-align:left;padding:.3rem .5rem;border-bottom:1px solid var(--line)}
form.report fieldset{border:1px solid var(--line);border-radius:.5rem;margin:.75rem 0}
form.report label{display:inline-block;margin:.2rem .8rem .2rem 0}form.report textarea{width:100%;font:inherit}
form.report button{font:inherit;font-weight:600;padding:.5rem 1rem;border-radius:.4rem;border:0;background:var(--major);color:#fff;cursor:pointer}
.msg{padding:.75rem 1rem;border-radius:.5rem;border:1px solid var(--line);background:var(--card)}
.comments{list-style:none;padding:0}.comments li{border-bottom:1px solid var(--line);padding:.4rem 0}
`;

/** The 24-hour chart: reports per 10 minutes, the expected volume (dashed) and its band (expected ± 2σ). */
export function ReportChart({ v, lang = 'en' }: { v: ReportsView; lang?: Lang }) {
  const t = MESSAGES[lang].reports;
  // The SVG scales with the screen: at 390 px it is drawn at half size, so the axis text is 22 units
  // there (style above) and the margins leave room for it (the widest label sets the left one).
  const W = 720;
  const H = 220;
  const B = 32;
  const T = 20;
  const bin = 10;
  const { counts, expected, spread, from, stepMs } = v.series;
  const bins: { obs: number; exp: number; lo: number; hi: number; known: boolean }[] = [];
  for (let i = 0; i < counts.length; i += bin) {
    let obs = 0;
    let exp = 0;
    let varSum = 0;
    let known = 0;
    for (let j = i; j < Math.min(i + bin, counts.length); j++) {
      obs += counts[j]!;
      const e = expected[j]!;
      const s = spread[j]!;
      if (e === e) {
        exp += e;
        varSum += s === s ? s * s : 0;
        known++;
      }
    }
    const sd = Math.sqrt(varSum);
    bins.push({ obs, exp, lo: Math.max(0, exp - 2 * sd), hi: exp + 2 * sd, known: known > 0 });
  }
  const max = Math.max(5, ...bins.map((b) => Math.max(b.obs, b.known ? b.hi : 0)));
  const L = 14 * String(Math.round(max)).length + 12;
  const x = (i: number) => L + ((W - L - 4) * i) / Math.max(1, bins.length - 1);
  const y = (n: number) => T + (H - T - B) * (1 - n / max);
  const f = (n: number) => n.toFixed(1);
  const knownIdx = bins.map((b, i) => (b.known ? i : -1)).filter((i) => i >= 0);
  const band =
    knownIdx.length > 1
      ? knownIdx.map((i) => `${f(x(i))},${f(y(bins[i]!.hi))}`).join(' ') + ' ' + [...knownIdx].reverse().map((i) => `${f(x(i))},${f(y(bins[i]!.lo))}`).join(' ')
      : '';
  const expLine = knownIdx.map((i) => `${f(x(i))},${f(y(bins[i]!.exp))}`).join(' ');
  const obsLine = bins.map((b, i) => `${f(x(i))},${f(y(b.obs))}`).join(' ');
  const ticks: { x: number; text: string }[] = [];
  const binMs = stepMs * bin;
  for (let i = 0; i < bins.length; i++) {
    const t = from + i * binMs;
    const hour = new Date(t).getUTCHours();
    const minute = new Date(t).getUTCMinutes();
    // A label centred closer than half its width to an edge would be cut off at 22 units.
    if (hour % 6 === 0 && minute < 10 && x(i) >= L + 36 && x(i) <= W - 36) ticks.push({ x: x(i), text: `${String(hour).padStart(2, '0')}:00` });
  }
  const peak = Math.max(...bins.map((b) => b.obs));
  return (
    <svg class="chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby="chart-title chart-desc">
      <title id="chart-title">{t.chartTitle}</title>
      <desc id="chart-desc">{t.chartDesc(peak, v.lastHour)}</desc>
      <line class="grid" x1={L} x2={W - 4} y1={y(0)} y2={y(0)} />
      <line class="grid" x1={L} x2={W - 4} y1={y(max)} y2={y(max)} />
      <text x={L - 6} y={y(0) + 6} text-anchor="end">0</text>
      <text x={L - 6} y={y(max) + 6} text-anchor="end">{String(Math.round(max))}</text>
      {ticks.map((t) => (
        <text x={t.x} y={H - 6} text-anchor="middle">
          {t.text}
        </text>
      ))}
      {band ? <polygon class="band" points={band} /> : null}
      {expLine ? <polyline class="exp" points={expLine} /> : null}
      <polyline class="obs" points={obsLine} />
    </svg>
  );
}

export function ReportsPage({ v, title, commentMax, comments, lang = 'en' }: { v: ReportsView; title: string; commentMax: number; comments: StoredComment[]; lang?: Lang }) {
  const m = MESSAGES[lang];
  const t = m.reports;
  const cls = LEVEL_CLASS[v.level];
  const path = `/services/${encodeURIComponent(v.serviceId)}/reports`;
  const expected = v.window.expected.toFixed(1);
  return (
    <html lang={lang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{t.pageTitle(v.serviceName, t.level[v.level], title)}</title>
        <link rel="alternate" type="application/json" href={`/api/services/${v.serviceId}/reports`} />
        <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
        <style dangerouslySetInnerHTML={{ __html: CSS + REPORTS_CSS }} />
      </head>
      <body>
        <header class="top">
          <p class="now">
            <a href="/">← {title}</a>
          </p>
          <LanguageSwitch path={path} lang={lang} />
        </header>
        <header>
          <h1>{t.heading(v.serviceName)}</h1>
          <p class={`banner ${cls}`} role="status" data-level={v.level}>
            {t.level[v.level]}
            {v.level !== 'none' ? ` ${t.since(timeOnly(v.since))}` : ''}
          </p>
          <p class="now">
            {t.window(v.window.observed, v.window.minutes, lang === 'fr' ? expected.replace('.', ',') : expected, v.lastHour)} {m.asOf}{' '}
            <time dateTime={new Date(v.now).toISOString()}>{dateTime(lang, v.now)}</time>
          </p>
        </header>
        <main>
          <section aria-labelledby="chart-h">
            <h2 id="chart-h">{t.last24h}</h2>
            <ReportChart v={v} lang={lang} />
            <p class="legend">
              <span>━ {t.legendReports}</span>
              <span>╌ {t.legendUsual}</span>
              <span>▒ {t.legendRange}</span>
            </p>
          </section>
          <section aria-labelledby="cats-h">
            <h2 id="cats-h">{t.catsTitle}</h2>
            <table class="cats">
              <thead>
                <tr>
                  <th>{t.problem}</th>
                  <th>{t.count}</th>
                  <th>{t.levelColumn}</th>
                </tr>
              </thead>
              <tbody>
                {v.categories.slice(0, 6).map((c) => (
                  <tr data-category={c.category}>
                    <td>{label(t.category, c.category)}</td>
                    <td>{String(c.lastHour)}</td>
                    <td>{t.level[c.level]}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
          <section aria-labelledby="form-h">
            <h2 id="form-h">{t.formTitle(v.serviceName)}</h2>
            <div dangerouslySetInnerHTML={{ __html: MESSAGE_SLOT }} />
            <form class="report" method="post" action={`${path}?lang=${lang}`}>
              <input type="hidden" name="token" value={TOKEN_SLOT} />
              <fieldset>
                <legend>{t.what}</legend>
                {v.categoryList.map((c, i) => (
                  <label>
                    <input type="radio" name="category" value={c} required checked={i === 0} /> {label(t.category, c)}
                  </label>
                ))}
              </fieldset>
              <p>
                <label for="region">{t.where}</label>{' '}
                <select id="region" name="region">
                  <option value="">—</option>
                  {REGIONS.map((r) => (
                    <option value={r}>{label(t.region, r)}</option>
                  ))}
                </select>
              </p>
              <p>
                <label for="comment">{t.comment(commentMax)}</label>
                <textarea id="comment" name="comment" rows={3} maxLength={commentMax} />
              </p>
              <button type="submit">{t.submit}</button>
            </form>
          </section>
          {comments.length > 0 ? (
            <section aria-labelledby="comments-h">
              <h2 id="comments-h">{t.comments}</h2>
              <ul class="comments">
                {comments.map((c) => (
                  <li>
                    <time dateTime={new Date(c.at).toISOString()}>{dateTime(lang, c.at)}</time> {m.colon(label(t.category, c.category))} {c.comment}
                  </li>
                ))}
              </ul>
            </section>
          ) : null}
        </main>
        <footer class="now">
          {t.footer} {t.machine} <a href={`/api/services/${v.serviceId}/reports`}>reports.json</a>
        </footer>
      </body>
    </html>
  );
}

export function messageHtml(kind: 'ok' | 'error', text: string): string {
  const esc = text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<p class="msg" role="${kind === 'error' ? 'alert' : 'status'}" data-result="${kind}">${esc}</p>`;
}
