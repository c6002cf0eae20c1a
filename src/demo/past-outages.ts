// Earlier ChatGPT outages of 2024, from the seed articles, written into the demo's store as past
// incidents so the history has something to say ("second major outage this month; the last one,
// 14 days ago, lasted 6 h 02 min"). Facts cite their seed file; our choices say "assumed:".
import type { ComponentStatus } from '../core/status.js';
import type { Cause } from '../core/incident.js';
import { IncidentStore } from '../store/incidents.js';
import { blankFields } from '../incidents/blank.js';
import type { Store } from '../store/store.js';

export interface PastOutage {
  id: string;
  service: string;
  name: string;
  components: string[];
  status: ComponentStatus;
  start: string;
  opened: string;
  ack: string | null;
  ackText: string | null;
  end: string;
  cause: Cause;
  updates: { at: string; status: 'investigating' | 'identified' | 'monitoring' | 'resolved'; body: string }[];
  source: string;
}

export const PAST_OUTAGES_2024: PastOutage[] = [
  {
    id: 'chatgpt-20240604',
    service: 'chatgpt',
    name: 'ChatGPT: major outage (Web, App, API)',
    components: ['web', 'app', 'api'],
    status: 'major_outage',
    start: '2024-06-04T07:15:00Z',
    opened: '2024-06-04T07:18:00Z',
    ack: '2024-06-04T07:21:00Z',
    ackText: 'We have identified the bug and are working on a fix.',
    end: '2024-06-04T13:45:00Z',
    cause: 'software_bug',
    updates: [
      { at: '2024-06-04T07:18:00Z', status: 'investigating', body: 'ChatGPT fails in every region: errors and endless loading.' },
      { at: '2024-06-04T07:21:00Z', status: 'identified', body: 'OpenAI: "We have identified the bug and are working on a fix."' },
      { at: '2024-06-04T13:45:00Z', status: 'resolved', body: 'Service restored, progressively during the day.' },
    ],
    source:
      '002: 4 June 2024, major global outage for several hours; work started 00:21 PT (07:21 UTC); "We have identified the bug"; restored progressively during the day. assumed: first failures at 07:15 UTC, resolved 13:45 UTC.',
  },
  {
    id: 'chatgpt-20241108',
    service: 'chatgpt',
    name: 'ChatGPT: major outage (Web, App)',
    components: ['web', 'app'],
    status: 'major_outage',
    start: '2024-11-08T23:40:00Z',
    opened: '2024-11-08T23:42:00Z',
    ack: '2024-11-08T23:58:00Z',
    ackText: 'We are investigating an issue with ChatGPT.',
    end: '2024-11-09T00:50:00Z',
    cause: 'unknown',
    updates: [
      { at: '2024-11-08T23:42:00Z', status: 'investigating', body: 'ChatGPT unavailable on the web and in the apps.' },
      { at: '2024-11-09T00:50:00Z', status: 'resolved', body: 'ChatGPT answers again.' },
    ],
    source: '004: "the second major outage of OpenAI\'s service, after the one of early November". assumed: 8 November, 23:40 UTC to 00:50 UTC, across midnight; the vendor\'s wording.',
  },
  {
    id: 'chatgpt-20241211',
    service: 'chatgpt',
    name: 'ChatGPT: major outage (Web, App, API)',
    components: ['web', 'app', 'api'],
    status: 'major_outage',
    start: '2024-12-11T23:07:00Z',
    opened: '2024-12-11T23:09:00Z',
    ack: '2024-12-11T23:16:00Z',
    ackText: 'We have identified the issue and are working on rolling out a fix.',
    end: '2024-12-12T05:09:00Z',
    cause: 'unknown',
    updates: [
      { at: '2024-12-11T23:09:00Z', status: 'investigating', body: 'ChatGPT services unavailable from 23:07 UTC.' },
      { at: '2024-12-11T23:16:00Z', status: 'identified', body: 'OpenAI: "We have identified the issue and are working on rolling out a fix."' },
      { at: '2024-12-12T03:53:00Z', status: 'monitoring', body: 'OpenAI: "Traffic recovery is underway and we\'re actively monitoring."' },
      { at: '2024-12-12T05:09:00Z', status: 'resolved', body: 'All regions recovered.' },
    ],
    source:
      '003, 004: 11 December from 23:07 UTC, OpenAI spoke within minutes, "Traffic recovery is underway" at 03:53 UTC on the 12th; 000 calls the outage before the US one "a six-hour outage two weeks ago". assumed: resolved at 05:09 UTC (six hours), acknowledged at 23:16.',
  },
];

/**
 * Writes the past outages that ended before `before` and whose service and components the config
 * has, as resolved incidents. Returns the ids written.
 */
export async function seedPastOutages(store: Store, has: (componentId: string) => boolean, before: number, list: readonly PastOutage[] = PAST_OUTAGES_2024): Promise<string[]> {
  const db = new IncidentStore(store);
  const out: string[] = [];
  for (const p of list) {
    const comps = p.components.map((c) => `${p.service}/${c}`).filter(has);
    if (comps.length === 0 || Date.parse(p.end) >= before || (await db.get(p.id))) continue;
    const t = (iso: string) => Date.parse(iso);
    const first = p.updates[0]!;
    await db.write({
      id: p.id,
      create: {
        ...blankFields(t(p.opened)),
        serviceId: p.service,
        name: p.name,
        status: first.status,
        impact: comps.length > 1 ? 'critical' : 'major',
        cause: p.cause,
        origin: 'auto',
        observedStart: t(p.start),
        // Seeded history has no status changes: Vigie's first word is the opening.
        detectedAt: t(p.opened),
        updatedAt: t(first.at),
        vendorAckAt: p.ack ? t(p.ack) : null,
        vendorAckSource: p.ack ? 'feed' : null,
        vendorAckText: p.ackText,
        peakShare: 1,
      },
      components: comps.map((componentId) => ({ componentId, status: p.status, addedAt: t(p.opened) })),
      update: { status: first.status, body: first.body, affected: comps.map((componentId) => ({ componentId, oldStatus: 'operational', newStatus: p.status })), at: t(first.at), author: 'vigie' },
    });
    for (const u of p.updates.slice(1)) {
      const resolved = u.status === 'resolved';
      await db.write({
        id: p.id,
        patch: { status: u.status, updatedAt: t(u.at), ...(u.status === 'monitoring' ? { monitoringAt: t(u.at) } : {}), ...(resolved ? { resolvedAt: t(u.at) } : {}) },
        ...(resolved ? { components: comps.map((componentId) => ({ componentId, status: 'operational' as const, addedAt: t(p.opened) })) } : {}),
        update: { status: u.status, body: u.body, affected: resolved ? comps.map((componentId) => ({ componentId, oldStatus: p.status, newStatus: 'operational' as const })) : [], at: t(u.at), author: 'vigie' },
      });
    }
    out.push(p.id);
  }
  return out;
}
