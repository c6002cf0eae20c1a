// A service's crowd reports over the last hour, as a small sparkline on the main page: server-rendered
// SVG (no script), the usual volume dashed beneath the reports, with its figures in words beside it.
import type { SnapshotService } from '../snapshot.js';
import { type Lang, MESSAGES } from '../../i18n/index.js';

const W = 120;
const H = 24;

export function sparkPoints(values: number[], max: number): string {
  if (values.length === 0) return '';
  const step = values.length > 1 ? W / (values.length - 1) : 0;
  return values.map((v, i) => `${round(i * step)},${round(H - 1 - (Math.max(0, v) / max) * (H - 2))}`).join(' ');
}

const round = (x: number) => Math.round(x * 10) / 10;

export function CrowdSparkline({ lang, svc }: { lang: Lang; svc: SnapshotService }) {
  const c = svc.crowd;
  if (!c || c.counts.length === 0) return null;
  const g = MESSAGES[lang].gen;
  const expected = c.expected.map((x) => (Number.isFinite(x) ? x : 0));
  const max = Math.max(1, ...c.counts, ...expected);
  const usual = c.expected.filter(Number.isFinite).reduce((a, b) => a + b, 0);
  const label = g.crowdSpark({ n: String(c.lastHour), usual: String(Math.round(usual)) });
  // Presentation attributes take no CSS variables, and the page's CSP allows no inline style: fixed colours.
  const color = c.level === 'detected' ? '#cf222e' : c.level === 'possible' ? '#bf8700' : 'currentColor';
  return (
    <p class="report-link now crowd" data-crowd={svc.id} data-crowd-level={c.level} data-crowd-last-hour={c.lastHour}>
      <svg width={W} height={H} viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label}>
        <polyline points={sparkPoints(expected, max)} fill="none" stroke="currentColor" stroke-opacity="0.5" stroke-dasharray="2 2" stroke-width="1" />
        <polyline points={sparkPoints(c.counts, max)} fill="none" stroke={color} stroke-width="1.5" />
      </svg>{' '}
      <a href={`/services/${encodeURIComponent(svc.id)}/reports`}>{label}</a>
      {c.level !== 'none' ? <strong> · {c.level === 'detected' ? g.crowdDetected : g.crowdPossible}</strong> : null}
    </p>
  );
}
