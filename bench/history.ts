// The outage history's cost on a year of a large status page: how long one service's history page
// (report, sentence, honesty, correlation, render) and the all-services timeline take to compute, pure
// (no store: src/store/history.ts reads the same records in a few queries).
//
//   node dist/bench/history.js [--quick] [--services N] [--incidents N] [--changes N]
import { performance } from 'node:perf_hooks';
import { render } from 'preact-render-to-string';
import { correlatedOutages } from '../src/analytics/correlation.js';
import { serviceHistory } from '../src/analytics/history.js';
import { outagesOf } from '../src/analytics/outages.js';
import { serviceSpans } from '../src/analytics/reliability.js';
import type { HistoryInput, HistoryService, StatusChangeRecord } from '../src/analytics/types.js';
import type { ComponentStatus } from '../src/core/status.js';
import type { IncidentRecord } from '../src/store/incidents.js';
import { ServiceHistoryPage } from '../src/web/views/history.js';
import { arg, flag, percentile, runMain } from './lib/proc.js';

const quick = flag('quick');
const SERVICES = Number(arg('services') ?? (quick ? 20 : 100));
const INCIDENTS = Number(arg('incidents') ?? (quick ? 1000 : 5000));
const CHANGES = Number(arg('changes') ?? (quick ? 10_000 : 50_000));
const COMPONENTS = 5;
const NOW = Date.UTC(2024, 11, 31);
const YEAR = 365 * 86_400_000;

function generate(): HistoryInput {
  let s = 42;
  const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296);
  const services: HistoryService[] = Array.from({ length: SERVICES }, (_, i) => ({
    id: `s${i}`,
    name: `Service ${i}`,
    components: Array.from({ length: COMPONENTS }, (_, c) => ({ id: `s${i}/c${c}`, name: `C${c}`, dependsOn: [] })),
    dependsOn: i > 0 && i % 10 === 0 ? ['s0'] : [],
    slo: { target: 99.9, windowMs: 30 * 86_400_000 },
    vendor: { key: `v${i % 7}`, name: `Vendor ${i % 7}` },
    trackedSince: NOW - YEAR,
  }));
  const statuses: ComponentStatus[] = ['degraded_performance', 'partial_outage', 'major_outage'];
  const changes: StatusChangeRecord[] = [];
  const perComponent = Math.max(1, Math.floor(CHANGES / 2 / (SERVICES * COMPONENTS)));
  for (const svc of services)
    for (const c of svc.components)
      for (let k = 0; k < perComponent; k++) {
        const at = NOW - YEAR + Math.floor(rnd() * YEAR);
        const st = statuses[Math.floor(rnd() * 3)]!;
        changes.push({ componentId: c.id, from: 'operational', to: st, at }, { componentId: c.id, from: st, to: 'operational', at: at + Math.floor(rnd() * 3 * 3_600_000) });
      }
  const incidents: IncidentRecord[] = Array.from({ length: INCIDENTS }, (_, k) => {
    const svc = services[Math.floor(rnd() * SERVICES)]!;
    const comp = svc.components[Math.floor(rnd() * COMPONENTS)]!;
    const start = NOW - YEAR + Math.floor(rnd() * YEAR);
    const end = start + Math.floor(rnd() * 6 * 3_600_000);
    const st = statuses[1 + Math.floor(rnd() * 2)]!;
    return {
      id: `i${k}`, kind: 'incident', serviceId: svc.id, name: `Outage ${k}`, nameText: null, detectedAt: start + 60_000, status: 'resolved', impact: st === 'major_outage' ? 'major' : 'minor', cause: 'unknown', origin: 'auto', human: false,
      observedStart: start, faultStart: null, createdAt: start + 120_000, updatedAt: end, monitoringAt: null, resolvedAt: end, postmortemBody: null, postmortemPublishedAt: null,
      scheduledFor: null, scheduledUntil: null, autoTransitions: true, startedAt: null, vendorAckAt: rnd() < 0.7 ? start + Math.floor(rnd() * 7_200_000) : null, vendorAckSource: null, vendorAckText: null,
      silentVendorAt: null, peakShare: null, peakDetail: null,
      components: [{ componentId: comp.id, status: 'operational', addedAt: start }],
      updates: [{ id: `u${k}`, incidentId: `i${k}`, status: 'investigating', body: '', bodyText: null, affected: [{ componentId: comp.id, oldStatus: 'operational', newStatus: st }], at: start, createdAt: start, author: 'vigie' }],
    };
  });
  return { now: NOW, timeZone: 'UTC', services, incidents, changes, vendorSpans: [], signals: new Map() };
}

async function main() {
  const input = generate();
  const runs = quick ? 5 : 20;
  const page: number[] = [];
  const timeline: number[] = [];
  for (let r = 0; r < runs; r++) {
    let t = performance.now();
    const outages = outagesOf(input.incidents);
    const h = serviceHistory(input, `s${r % SERVICES}`, outages)!;
    render(ServiceHistoryPage({ siteTitle: 'Bench', h, lang: 'en', state: '', names: new Map() }));
    page.push(performance.now() - t);
    t = performance.now();
    for (const s of input.services) serviceSpans(s, outages, input);
    correlatedOutages(input, outages);
    timeline.push(performance.now() - t);
  }
  page.sort((a, b) => a - b);
  timeline.sort((a, b) => a - b);
  const out = { bench: 'history', quick, services: SERVICES, incidents: INCIDENTS, changes: input.changes.length, runs, page_p50_ms: Math.round(percentile(page, 0.5)), page_max_ms: Math.round(page.at(-1)!), timeline_p50_ms: Math.round(percentile(timeline, 0.5)), timeline_max_ms: Math.round(timeline.at(-1)!) };
  console.log(JSON.stringify(out));
  console.log(`history of ${SERVICES} services, ${INCIDENTS} incidents, ${input.changes.length} status changes over a year: one service page in ${out.page_p50_ms} ms (median of ${runs}), the all-services timeline in ${out.timeline_p50_ms} ms.`);
}

runMain(() => main());
