// A snapshot with every kind of content the public page shows, during an outage: every component
// status, regions in every health, a vendor page, day bars with failed, slow and empty days, status
// changes with every reason detection records, open and resolved incidents with same-minute updates,
// a maintenance. Names are the demo's; texts written by people are language-neutral ("503"), so that
// whatever English shows up on the French page came from Vigie's own wording.
import { type Snapshot, type SnapshotBars, type SnapshotIncident, buildSnapshot } from '../../src/web/snapshot.js';

export const NOW = Date.UTC(2024, 11, 12, 0, 30);
const DAY = 86_400_000;
const MIN = 60_000;
export const FIRST_DAY = Date.UTC(2024, 11, 12) - 89 * DAY;

/** 90 days: the first 30 without data; day 60 amber with 12 slow checks and none failed; today failing. */
export function bars(opts: { failToday?: boolean } = {}): SnapshotBars {
  const count = new Uint32Array(90);
  const ok = new Uint32Array(90);
  const degraded = new Uint32Array(90);
  for (let d = 30; d < 90; d++) {
    count[d] = 2880;
    ok[d] = 2880;
  }
  degraded[60] = 12;
  if (opts.failToday) ok[89] = 2000;
  return { firstDay: FIRST_DAY, count, ok, degraded };
}

function incident(p: Partial<SnapshotIncident> & Pick<SnapshotIncident, 'id' | 'name' | 'componentIds'>): SnapshotIncident {
  return {
    kind: 'incident',
    status: 'investigating',
    impact: 'critical',
    createdAt: NOW - 80 * MIN,
    updatedAt: NOW - 10 * MIN,
    monitoringAt: null,
    resolvedAt: null,
    startedAt: null,
    scheduledFor: null,
    scheduledUntil: null,
    postmortemBody: null,
    updates: [],
    observedStart: NOW - 83 * MIN,
    vendorAcknowledgedAt: null,
    silentVendor: false,
    serviceId: 'chatgpt',
    cause: 'unknown',
    ...p,
  };
}

/** An update; `sec` seconds after `min` minutes before NOW. */
export function update(id: string, status: string, body: string, minBefore: number, sec = 0, createdDelta = 0) {
  const at = NOW - minBefore * MIN + sec * 1000;
  return { id, status, body, at, createdAt: at + createdDelta, affected: [] };
}

export function outageSnapshot(opts: { baseUrl?: string; emailSubscriptions?: boolean } = {}): Snapshot {
  const comp = (id: string, name: string, status: any, extra: object = {}) => ({
    id,
    serviceId: id.split('/')[0]!,
    name,
    description: null,
    group: null,
    status,
    since: NOW - 83 * MIN,
    createdAt: FIRST_DAY,
    updatedAt: NOW - 83 * MIN,
    position: 0,
    ...extra,
  });
  const regions = [
    { name: 'us', health: 'down' as const },
    { name: 'eu', health: 'degraded' as const },
    { name: 'asia', health: 'up' as const },
  ];
  const chatgpt = incident({
    id: 'inc-chatgpt',
    name: 'ChatGPT 503',
    componentIds: ['chatgpt/api', 'chatgpt/web'],
    componentStatuses: { 'chatgpt/api': 'major_outage', 'chatgpt/web': 'partial_outage' },
    vendorAcknowledgedAt: NOW - 74 * MIN,
    // Deliberately out of order, two of them in one minute (written in the opposite order).
    updates: [
      update('u1', 'investigating', 'FIRST-503', 81),
      update('u3', 'identified', 'THIRD-503', 40, 50, 0),
      update('u2', 'identified', 'SECOND-503', 40, 10, 5_000),
      update('u4', 'monitoring', 'FOURTH-503', 12),
    ],
    figures: {
      timeToDetectMs: 3 * MIN,
      acknowledgementLagMs: 9 * MIN,
      timeToResolveMs: null,
      peakAffectedShare: 2 / 3,
      peakAffectedDetail: '2 of 3 regions',
      vendorAcknowledgementText: null,
    },
  });
  const siri = incident({
    id: 'inc-siri',
    name: 'Siri ⚠',
    impact: 'minor',
    serviceId: 'siri',
    componentIds: ['siri/ext'],
    componentStatuses: { 'siri/ext': 'partial_outage' },
    silentVendor: true,
    updates: [update('s1', 'investigating', '…', 80)],
    figures: { timeToDetectMs: 30_000, acknowledgementLagMs: -5 * MIN, timeToResolveMs: null, peakAffectedShare: 1, peakAffectedDetail: '1 of 1 regions', vendorAcknowledgementText: null },
  });
  const meta = incident({
    id: 'inc-meta',
    name: 'Meta 503',
    serviceId: 'meta',
    status: 'resolved',
    impact: 'major',
    cause: 'network',
    componentIds: ['meta/facebook'],
    resolvedAt: NOW - 2 * 60 * MIN,
    observedStart: NOW - 4 * 60 * MIN,
    createdAt: NOW - 4 * 60 * MIN + 2 * MIN,
    postmortemBody: '**RCA**: BGP.',
    updates: [update('m2', 'resolved', 'OK.', 120), update('m1', 'investigating', '503', 238)],
  });
  const maint = incident({
    id: 'mnt-sora',
    kind: 'maintenance',
    name: 'Sora DB',
    status: 'scheduled',
    impact: 'none',
    serviceId: 'chatgpt',
    componentIds: ['chatgpt/sora'],
    scheduledFor: NOW + 6 * 60 * MIN,
    scheduledUntil: NOW + 8 * 60 * MIN,
    observedStart: null,
    updates: [update('w1', 'scheduled', 'DB.', 60)],
  });
  const change = (componentId: string, to: any, reason: string, minBefore: number) => {
    const [svc, c] = componentId.split('/') as [string, string];
    const names: Record<string, [string, string]> = { 'chatgpt/api': ['ChatGPT', 'API'], 'chatgpt/web': ['ChatGPT', 'Web'], 'chatgpt/sora': ['ChatGPT', 'Sora'], 'siri/ext': ['Siri', 'ChatGPT extension'], 'meta/facebook': ['Meta', 'Facebook'] };
    return { componentId, serviceName: names[componentId]?.[0] ?? svc, componentName: names[componentId]?.[1] ?? c, from: 'operational' as const, to, at: NOW - minBefore * MIN, reason };
  };
  return buildSnapshot({
    title: 'Vigie demo',
    baseUrl: opts.baseUrl ?? 'https://status.example.org',
    now: NOW,
    ...(opts.emailSubscriptions ? { emailSubscriptions: true } : {}),
    services: [
      {
        id: 'meta',
        name: 'Meta',
        description: null,
        createdAt: FIRST_DAY,
        position: 0,
        vendor: { url: 'https://metastatus.example/summary.json', at: NOW - MIN, reachable: true, saysOperational: true, indicator: 'none', description: 'All Systems Operational' },
        components: [comp('meta/facebook', 'Facebook', 'operational', { bars: bars() })],
      },
      {
        id: 'chatgpt',
        name: 'ChatGPT',
        description: null,
        createdAt: FIRST_DAY,
        position: 1,
        vendor: { url: 'https://status.openai.example/summary.json', at: NOW - MIN, reachable: true, saysOperational: false, indicator: 'major', description: 'Partial System Outage' },
        components: [
          comp('chatgpt/api', 'API', 'major_outage', { regions, bars: bars({ failToday: true }) }),
          comp('chatgpt/web', 'Web', 'partial_outage', { regions, bars: bars({ failToday: true }) }),
          comp('chatgpt/app', 'App', 'degraded_performance', { group: 'Apps', bars: bars() }),
          comp('chatgpt/sora', 'Sora', 'under_maintenance', { group: 'Apps' }),
        ],
      },
      {
        id: 'siri',
        name: 'Siri',
        description: null,
        createdAt: FIRST_DAY,
        position: 2,
        vendor: { url: 'https://siri.example/summary.json', at: NOW - MIN, reachable: false, saysOperational: null, indicator: null, description: null },
        components: [comp('siri/ext', 'ChatGPT extension', 'partial_outage', { bars: bars() })],
      },
    ],
    changes: [
      change('chatgpt/api', 'major_outage', 'failing in all 3 regions', 82),
      change('chatgpt/web', 'partial_outage', 'failing in eu, us (2 of 3 regions)', 82),
      change('siri/ext', 'partial_outage', 'depends on chatgpt/api (partial_outage)', 82),
      change('chatgpt/app', 'degraded_performance', 'slow in eu', 83),
      change('chatgpt/app', 'degraded_performance', 'depends on chatgpt/api (degraded)', 83),
      change('chatgpt/sora', 'under_maintenance', 'scheduled maintenance', 84),
      change('meta/facebook', 'operational', 'all checks passing', 120),
      change('meta/facebook', 'partial_outage', 'users report problems (crowd reports well above usual)', 230),
      change('meta/facebook', 'major_outage', 'failing', 235),
      change('meta/facebook', 'operational', 'no monitors', 300),
      change('meta/facebook', 'operational', 'observed before Vigie restarted', 301),
      change('meta/facebook', 'operational', 'unknown component', 302),
    ],
    incidents: [chatgpt, siri, meta],
    maintenances: [maint],
  });
}
