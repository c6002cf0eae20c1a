// Vendor status history: each distinct reading of an official status page (repeats only move
// last_seen_at and count a poll), each vendor incident once, each of its updates as published.
// The types here are structural so the store needs nothing from the layers above it.
import { createHash } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { ComponentStatus, Indicator } from '../core/status.js';
import { canonicalJson } from './rows.js';
import type { Database, VendorSnapshotTable } from './schema.js';

export interface VendorReadingComponent {
  name: string;
  status: ComponentStatus;
  group?: string;
}
export interface VendorReadingUpdate {
  id: string;
  status: string;
  body: string;
  at: number | null;
}
export interface VendorReadingIncident {
  id: string;
  name: string;
  status: string;
  impact: Indicator | null;
  createdAt: number | null;
  updatedAt: number | null;
  url: string | null;
  updates: VendorReadingUpdate[];
  maintenance: boolean;
  open: boolean;
}
/** One poll of one vendor page. */
export interface VendorReading {
  serviceId: string;
  kind: string;
  url: string;
  at: number;
  reachable: boolean;
  error: string | null;
  saysOperational: boolean | null;
  indicator: Indicator | null;
  description: string | null;
  components: VendorReadingComponent[];
  incidents: VendorReadingIncident[];
}

export interface StoredVendorSnapshot extends VendorReading {
  id: number;
  firstSeenAt: number;
  lastSeenAt: number;
  polls: number;
}

export interface StoredVendorIncident {
  serviceId: string;
  vendorId: string;
  name: string;
  status: string;
  impact: string | null;
  maintenance: boolean;
  url: string | null;
  createdAt: number | null;
  updatedAt: number | null;
  firstSeenAt: number;
  lastSeenAt: number;
  closedSeenAt: number | null;
}

export interface StoredVendorUpdate {
  serviceId: string;
  vendorIncidentId: string;
  updateId: string;
  status: string;
  body: string;
  publishedAt: number | null;
  seenAt: number;
}

export interface RecordedReading {
  /** The reading differs from the one before (or is the first). */
  changed: boolean;
  previous: StoredVendorSnapshot | null;
  /** Open incidents never seen before on this service. */
  newIncidents: VendorReadingIncident[];
  /** Updates never seen before, oldest first. */
  newUpdates: StoredVendorUpdate[];
}

function digestOf(r: VendorReading): string {
  const { reachable, error, saysOperational, indicator, description, components, incidents } = r;
  return createHash('sha256').update(canonicalJson({ reachable, error, saysOperational, indicator, description, components, incidents })).digest('hex');
}

const BODY_MAX = 10_000;

type Db = Kysely<Database>;

function toSnapshot(row: Selectable<VendorSnapshotTable>): StoredVendorSnapshot {
  return {
    id: row.id,
    serviceId: row.service_id,
    kind: row.kind,
    url: row.url,
    at: row.last_seen_at,
    firstSeenAt: row.first_seen_at,
    lastSeenAt: row.last_seen_at,
    polls: row.polls,
    reachable: row.reachable === 1,
    error: row.error,
    saysOperational: row.says_operational === null ? null : row.says_operational === 1,
    indicator: row.indicator as Indicator | null,
    description: row.description,
    components: JSON.parse(row.components) as VendorReadingComponent[],
    incidents: JSON.parse(row.incidents) as VendorReadingIncident[],
  };
}

/**
 * Stores one reading: a new snapshot row if it differs from the latest, otherwise one more poll on it;
 * new incidents and new updates are added; incidents gone from the page or closed get closed_seen_at.
 */
export async function recordVendorReading(db: Db, r: VendorReading): Promise<RecordedReading> {
  const digest = digestOf(r);
  return db.transaction().execute(async (trx) => {
    const prevRow = await trx.selectFrom('vendor_snapshots').selectAll().where('service_id', '=', r.serviceId).orderBy('id', 'desc').limit(1).executeTakeFirst();
    const previous = prevRow ? toSnapshot(prevRow) : null;
    const changed = !prevRow || prevRow.digest !== digest;
    if (changed) {
      await trx
        .insertInto('vendor_snapshots')
        .values({
          service_id: r.serviceId,
          kind: r.kind,
          url: r.url,
          first_seen_at: r.at,
          last_seen_at: r.at,
          polls: 1,
          reachable: r.reachable ? 1 : 0,
          error: r.error,
          says_operational: r.saysOperational === null ? null : r.saysOperational ? 1 : 0,
          indicator: r.indicator,
          description: r.description,
          components: JSON.stringify(r.components),
          incidents: JSON.stringify(r.incidents),
          digest,
        })
        .execute();
    } else {
      await trx.updateTable('vendor_snapshots').set({ last_seen_at: r.at, polls: prevRow.polls + 1 }).where('id', '=', prevRow.id).execute();
    }

    const newIncidents: VendorReadingIncident[] = [];
    const newUpdates: StoredVendorUpdate[] = [];
    // An unreadable page says nothing about incidents: leave what we know as it is. A repeat of the
    // previous reading has nothing new either.
    if (changed && r.reachable && r.error === null) {
      const known = await trx.selectFrom('vendor_incidents').selectAll().where('service_id', '=', r.serviceId).where('closed_seen_at', 'is', null).execute();
      const seen = new Set<string>();
      for (const inc of r.incidents) {
        seen.add(inc.id);
        const row = await trx.selectFrom('vendor_incidents').select(['id', 'closed_seen_at']).where('service_id', '=', r.serviceId).where('vendor_id', '=', inc.id).executeTakeFirst();
        const closedAt = inc.open ? null : r.at;
        if (!row) {
          await trx
            .insertInto('vendor_incidents')
            .values({
              service_id: r.serviceId,
              vendor_id: inc.id,
              name: inc.name,
              status: inc.status,
              impact: inc.impact,
              maintenance: inc.maintenance ? 1 : 0,
              url: inc.url,
              created_at: inc.createdAt,
              updated_at: inc.updatedAt,
              first_seen_at: r.at,
              last_seen_at: r.at,
              closed_seen_at: closedAt,
            })
            .execute();
          if (inc.open) newIncidents.push(inc);
        } else {
          await trx
            .updateTable('vendor_incidents')
            .set({ name: inc.name, status: inc.status, impact: inc.impact, updated_at: inc.updatedAt, last_seen_at: r.at, closed_seen_at: inc.open ? null : (row.closed_seen_at ?? r.at) })
            .where('id', '=', row.id)
            .execute();
        }
        if (inc.updates.length > 0) {
          const have = new Set(
            (await trx.selectFrom('vendor_incident_updates').select('update_id').where('service_id', '=', r.serviceId).where('vendor_incident_id', '=', inc.id).execute()).map((u) => u.update_id),
          );
          for (const u of inc.updates) {
            if (have.has(u.id)) continue;
            have.add(u.id);
            const stored: StoredVendorUpdate = { serviceId: r.serviceId, vendorIncidentId: inc.id, updateId: u.id, status: u.status, body: u.body.slice(0, BODY_MAX), publishedAt: u.at, seenAt: r.at };
            await trx
              .insertInto('vendor_incident_updates')
              .values({ service_id: r.serviceId, vendor_incident_id: inc.id, update_id: u.id, status: u.status, body: stored.body, published_at: u.at, seen_at: r.at })
              .execute();
            newUpdates.push(stored);
          }
        }
      }
      // Statuspage, incident.io and Instatus list open incidents only: one that left the page is over.
      // A feed keeps closed entries, so this only closes what scrolled off it.
      for (const k of known) if (!seen.has(k.vendor_id)) await trx.updateTable('vendor_incidents').set({ closed_seen_at: r.at }).where('id', '=', k.id).execute();
    }
    newUpdates.sort((a, b) => (a.publishedAt ?? a.seenAt) - (b.publishedAt ?? b.seenAt));
    return { changed, previous, newIncidents, newUpdates };
  });
}

/** The latest reading of a service's vendor page, or null before the first poll. */
export async function latestVendorSnapshot(db: Db, serviceId: string): Promise<StoredVendorSnapshot | null> {
  const row = await db.selectFrom('vendor_snapshots').selectAll().where('service_id', '=', serviceId).orderBy('id', 'desc').limit(1).executeTakeFirst();
  return row ? toSnapshot(row) : null;
}

/** Distinct readings, newest first. */
export async function vendorSnapshots(db: Db, serviceId: string, opts: { since?: number; limit?: number } = {}): Promise<StoredVendorSnapshot[]> {
  let q = db.selectFrom('vendor_snapshots').selectAll().where('service_id', '=', serviceId);
  if (opts.since !== undefined) q = q.where('last_seen_at', '>=', opts.since);
  const rows = await q.orderBy('id', 'desc').limit(opts.limit ?? 200).execute();
  return rows.map(toSnapshot);
}

export async function vendorIncidents(db: Db, serviceId: string, opts: { limit?: number } = {}): Promise<StoredVendorIncident[]> {
  const rows = await db.selectFrom('vendor_incidents').selectAll().where('service_id', '=', serviceId).orderBy('first_seen_at', 'desc').orderBy('id', 'desc').limit(opts.limit ?? 100).execute();
  return rows.map((r) => ({
    serviceId: r.service_id,
    vendorId: r.vendor_id,
    name: r.name,
    status: r.status,
    impact: r.impact,
    maintenance: r.maintenance === 1,
    url: r.url,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    firstSeenAt: r.first_seen_at,
    lastSeenAt: r.last_seen_at,
    closedSeenAt: r.closed_seen_at,
  }));
}

/** A service's vendor updates, oldest first (by the vendor's date, else when we saw them). */
export async function vendorUpdates(db: Db, serviceId: string, opts: { vendorIncidentId?: string } = {}): Promise<StoredVendorUpdate[]> {
  let q = db.selectFrom('vendor_incident_updates').selectAll().where('service_id', '=', serviceId);
  if (opts.vendorIncidentId !== undefined) q = q.where('vendor_incident_id', '=', opts.vendorIncidentId);
  const rows = await q.orderBy('id').execute();
  return rows
    .map((r) => ({ serviceId: r.service_id, vendorIncidentId: r.vendor_incident_id, updateId: r.update_id, status: r.status, body: r.body, publishedAt: r.published_at, seenAt: r.seen_at }))
    .sort((a, b) => (a.publishedAt ?? a.seenAt) - (b.publishedAt ?? b.seenAt));
}
