// Response time with its phases in a uPlot chart. uPlot sizes its own elements through the CSSOM,
// which the page's CSP allows (only style attributes and <style> in markup are refused).
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Series } from './types.js';

export interface ChartWords {
  time: string;
  total: string;
  dns: string;
  connect: string;
  tls: string;
  firstByte: string;
  label: string;
}

const COLORS = { total: '#1f4fa3', dns: '#8a5a00', connect: '#0b7a5b', tls: '#8b2fa8', firstByte: '#b3261e' };

export function LatencyChart(props: { series: Series; words: ChartWords; lang: string }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const s = props.series;
    const w = props.words;
    const line = (label: string, stroke: string, width = 1) => ({ label, stroke, width, value: (_u: uPlot, v: number | null) => (v === null ? '—' : `${Math.round(v)} ms`), spanGaps: false });
    // Axis and legend times in the operator's language and 24 h clock, not uPlot's US defaults.
    const loc = props.lang === 'fr' ? 'fr-FR' : 'en-GB';
    const span = s.t.length > 1 ? s.t[s.t.length - 1]! - s.t[0]! : 0;
    const tick = new Intl.DateTimeFormat(loc, span > 2 * 86400 ? { day: 'numeric', month: 'short' } : span < 600 ? { hour: '2-digit', minute: '2-digit', second: '2-digit' } : { hour: '2-digit', minute: '2-digit' });
    const full = new Intl.DateTimeFormat(loc, { dateStyle: 'medium', timeStyle: 'medium' });
    const opts: uPlot.Options = {
      width: Math.max(280, el.clientWidth),
      height: 260,
      tzDate: (ts) => new Date(ts * 1000),
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(10, max * 1.1)] } },
      axes: [{ values: (_u, v) => v.map((x) => tick.format(new Date(x * 1000))) }, { label: 'ms', values: (_u, v) => v.map((x) => `${x}`) }],
      series: [{ label: w.time, value: (_u, v) => (v === null ? '—' : full.format(new Date(v * 1000))) }, line(w.total, COLORS.total, 2), line(w.dns, COLORS.dns), line(w.connect, COLORS.connect), line(w.tls, COLORS.tls), line(w.firstByte, COLORS.firstByte)],
      legend: { live: true },
    };
    const data: uPlot.AlignedData = [s.t, s.total_ms, s.dns_ms, s.connect_ms, s.tls_ms, s.first_byte_ms] as unknown as uPlot.AlignedData;
    const plot = new uPlot(opts, data, el);
    const ro = new ResizeObserver(() => plot.setSize({ width: Math.max(280, el.clientWidth), height: 260 }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      plot.destroy();
    };
  }, [props.series, props.words, props.lang]);
  return <div ref={box} class="chart" role="img" aria-label={props.words.label} />;
}
