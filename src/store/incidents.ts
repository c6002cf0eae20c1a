// Incidents and scheduled maintenances in the store: one record each, with its affected components
// and its time-stamped updates. Every write is one transaction, so an incident is never seen half-made.
import type { Kysely, Selectable, Transaction } from 'kysely';
import { randomBytes } from 'node:crypto';
import {
  ALL_INCIDENT_STATUSES,
  CAUSES,
  IMPACTS,
  type AnyIncidentStatus,
  type Cause,
  type Impact,
  type IncidentKind,
} from '../core/incident.js';
import type { ComponentStatus } from '../core/status.js';
import { enqueueIncidentEvent } from './outbox.js';
import { CorruptRowError, toStatus } from './rows.js';
import type { Database, IncidentTable, IncidentUpdateTable } from './schema.js';
import type { Store } from './store.js';

export interface AffectedComponent {
  componentId: string;
  oldStatus: ComponentStatus;
  newStatus: ComponentStatus;
}

export interface IncidentUpdate {
  id: string;
  incidentId: string;
  status: AnyIncidentStatus;
  /** Markdown as written. */
  body: string;
  affected: AffectedComponent[];
  at: number;
  createdAt: number;
  /** "vigie" for automatic updates, the API token's name for a human's. */
  author: string;
  /** A drafted body as a message key and parameters (JSON, src/i18n/text.ts); null for what people write. */
  bodyText: string | null;
}

export interface IncidentComponent {
  componentId: string;
  status: ComponentStatus;
  addedAt: number;
}

/** The incident's own fields (what a write may set). */
export interface IncidentFields {
  kind: IncidentKind;
  serviceId: string | null;
  name: string;
  status: AnyIncidentStatus;
  impact: Impact;
  cause: Cause;
  origin: 'auto' | 'manual';
  human: boolean;
  observedStart: number | null;
  faultStart: number | null;
  createdAt: number;
  updatedAt: number;
  monitoringAt: number | null;
  resolvedAt: number | null;
  postmortemBody: string | null;
  postmortemPublishedAt: number | null;
  scheduledFor: number | null;
  scheduledUntil: number | null;
  autoTransitions: boolean;
  startedAt: number | null;
  vendorAckAt: number | null;
  vendorAckSource: 'feed' | 'manual' | null;
  vendorAckText: string | null;
  silentVendorAt: number | null;
  peakShare: number | null;
  peakDetail: string | null;
  /** A title Vigie drafted, as a message key and parameters (JSON, src/i18n/text.ts); null for a person's. */
  nameText: string | null;
  /** Vigie's first non-operational status of any of its components (after hysteresis): where "time to detect" ends. */
  detectedAt: number | null;
}

export interface IncidentRecord extends IncidentFields {
  id: string;
  components: IncidentComponent[];
  /** Newest first. */
  updates: IncidentUpdate[];
}

export interface NewUpdate {
  status: AnyIncidentStatus;
  body: string;
  /** For drafted updates: the body as a message key and parameters (JSON). */
  bodyText?: string | null;
  affected: AffectedComponent[];
  at: number;
  author: string;
}

/** One transaction's worth of change to one incident. */
export interface IncidentWrite {
  id: string;
  /** Creates the incident with these fields (id is `id`). */
  create?: IncidentFields;
  /** Sets these fields on an existing incident. */
  patch?: Partial<IncidentFields>;
  /** Upserts these components (status and, for new ones, added_at). */
  components?: IncidentComponent[];
  /** Removes these components from the incident. */
  removeComponents?: string[];
  update?: NewUpdate;
}

export interface ListOptions {
  kind?: IncidentKind;
  /** Only unresolved incidents / uncompleted maintenances. */
  open?: boolean;
  serviceId?: string;
  /** Most recent first; default 50. */
  limit?: number;
  /** Only those created at or after. */
  since?: number;
  /**
   * Leave out a row that cannot be read (and say so here) instead of failing the whole list: what
   * the page and the admin list do, so one corrupt row does not take them down.
   */
  onCorrupt?: (err: CorruptRowError) => void;
}

export class UnknownIncidentError extends Error {
  constructor(id: string) {
    super(`unknown incident "${id}"`);
    this.name = 'UnknownIncidentError';
  }
}

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';
/** A new random public id, Statuspage style (12 characters of [0-9a-z]). */
export function newPublicId(): string {
  const bytes = randomBytes(12);
  let out = '';
  for (const b of bytes) out += ALPHABET[b % ALPHABET.length];
  return out;
}

const CLOSED = ['resolved', 'postmortem', 'completed'];

const b = (v: boolean) => (v ? 1 : 0);

const FIELD_COLUMNS: { [K in keyof IncidentFields]: keyof IncidentTable } = {
  kind: 'kind',
  serviceId: 'service_id',
  name: 'name',
  status: 'status',
  impact: 'impact',
  cause: 'cause',
  origin: 'origin',
  human: 'human',
  observedStart: 'observed_start',
  faultStart: 'fault_start',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
  monitoringAt: 'monitoring_at',
  resolvedAt: 'resolved_at',
  postmortemBody: 'postmortem_body',
  postmortemPublishedAt: 'postmortem_published_at',
  scheduledFor: 'scheduled_for',
  scheduledUntil: 'scheduled_until',
  autoTransitions: 'auto_transitions',
  startedAt: 'started_at',
  vendorAckAt: 'vendor_ack_at',
  vendorAckSource: 'vendor_ack_source',
  vendorAckText: 'vendor_ack_text',
  silentVendorAt: 'silent_vendor_at',
  peakShare: 'peak_share',
  peakDetail: 'peak_detail',
  nameText: 'name_text',
  detectedAt: 'detected_at',
};

function toColumns(f: Partial<IncidentFields>): Partial<IncidentTable> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(f) as [keyof IncidentFields, unknown][]) {
    if (v === undefined) continue;
    out[FIELD_COLUMNS[k]] = typeof v === 'boolean' ? b(v) : v;
  }
  return out as Partial<IncidentTable>;
}

function oneOf<T extends string>(v: string, list: readonly T[], id: string, column: string): T {
  if ((list as readonly string[]).includes(v)) return v as T;
  throw new CorruptRowError('incidents', id, `${column} ${JSON.stringify(v)} is not one of ${list.join(', ')}`);
}

function toFields(r: Selectable<IncidentTable>): IncidentFields {
  return {
    kind: oneOf(r.kind, ['incident', 'maintenance'] as const, r.id, 'kind'),
    serviceId: r.service_id,
    name: r.name,
    status: oneOf(r.status, ALL_INCIDENT_STATUSES, r.id, 'status'),
    impact: oneOf(r.impact, IMPACTS, r.id, 'impact'),
    cause: oneOf(r.cause, CAUSES, r.id, 'cause'),
    origin: oneOf(r.origin, ['auto', 'manual'] as const, r.id, 'origin'),
    human: r.human === 1,
    observedStart: r.observed_start,
    faultStart: r.fault_start,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    monitoringAt: r.monitoring_at,
    resolvedAt: r.resolved_at,
    postmortemBody: r.postmortem_body,
    postmortemPublishedAt: r.postmortem_published_at,
    scheduledFor: r.scheduled_for,
    scheduledUntil: r.scheduled_until,
    autoTransitions: r.auto_transitions === 1,
    startedAt: r.started_at,
    vendorAckAt: r.vendor_ack_at,
    vendorAckSource: r.vendor_ack_source === null ? null : oneOf(r.vendor_ack_source, ['feed', 'manual'] as const, r.id, 'vendor_ack_source'),
    vendorAckText: r.vendor_ack_text,
    silentVendorAt: r.silent_vendor_at,
    peakShare: r.peak_share,
    peakDetail: r.peak_detail,
    nameText: r.name_text ?? null,
    detectedAt: r.detected_at ?? null,
  };
}

function toAffected(text: string, id: number): AffectedComponent[] {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new CorruptRowError('incident_updates', id, 'affected is not JSON');
  }
  if (!Array.isArray(v)) throw new CorruptRowError('incident_updates', id, 'affected is not a list');
  return v.map((a: { componentId?: unknown; oldStatus?: unknown; newStatus?: unknown }) => {
    if (typeof a?.componentId !== 'string') throw new CorruptRowError('incident_updates', id, 'affected entry without componentId');
    return { componentId: a.componentId, oldStatus: toStatus(a.oldStatus, 'incident_updates', id), newStatus: toStatus(a.newStatus, 'incident_updates', id) };
  });
}

function toUpdate(r: Selectable<IncidentUpdateTable>): IncidentUpdate {
  return {
    id: r.public_id,
    incidentId: r.incident_id,
    status: oneOf(r.status, ALL_INCIDENT_STATUSES, String(r.id), 'status'),
    body: r.body,
    affected: toAffected(r.affected, r.id),
    at: r.at,
    createdAt: r.created_at,
    author: r.author,
    bodyText: r.body_text ?? null,
  };
}

/** Queries on incidents, over the store's database. */
export class IncidentStore {
  private readonly db: Kysely<Database>;
  constructor(private readonly store: Store) {
    this.db = store.db;
  }

  /** Applies one write in one transaction. Throws UnknownIncidentError when patching an id that does not exist. */
  async write(w: IncidentWrite): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      if (w.create) {
        await trx.insertInto('incidents').values({ id: w.id, ...(toColumns(w.create) as Omit<IncidentTable, 'id'>) }).execute();
      } else {
        let q = trx.selectFrom('incidents').select('id').where('id', '=', w.id);
        if (this.store.engine === 'postgres') q = q.forUpdate();
        if (!(await q.executeTakeFirst())) throw new UnknownIncidentError(w.id);
      }
      if (w.patch && Object.keys(toColumns(w.patch)).length > 0)
        await trx.updateTable('incidents').set(toColumns(w.patch)).where('id', '=', w.id).execute();
      if (w.removeComponents?.length)
        await trx.deleteFrom('incident_components').where('incident_id', '=', w.id).where('component_id', 'in', w.removeComponents).execute();
      for (const c of w.components ?? []) await upsertComponent(trx, w.id, c);
      if (w.update)
        await trx
          .insertInto('incident_updates')
          .values({
            public_id: newPublicId(),
            incident_id: w.id,
            status: w.update.status,
            body: w.update.body,
            affected: JSON.stringify(w.update.affected),
            at: w.update.at,
            created_at: w.update.at,
            author: w.update.author,
            body_text: w.update.bodyText ?? null,
          })
          .execute();
      // The notification outbox row (src/store/outbox.ts), in this same transaction.
      if (w.create || w.update) await enqueueIncidentEvent(trx, w.id, w.update?.at ?? w.create!.updatedAt);
    });
  }

  async get(id: string): Promise<IncidentRecord | undefined> {
    const row = await this.db.selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return undefined;
    return (await this.hydrate([row]))[0];
  }

  async list(opts: ListOptions = {}): Promise<IncidentRecord[]> {
    let q = this.db.selectFrom('incidents').selectAll();
    if (opts.kind) q = q.where('kind', '=', opts.kind);
    if (opts.open) q = q.where('status', 'not in', CLOSED);
    if (opts.serviceId !== undefined) q = q.where('service_id', '=', opts.serviceId);
    if (opts.since !== undefined) q = q.where('created_at', '>=', opts.since);
    const limit = opts.limit ?? 50;
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer (got ${limit})`);
    const rows = await q.orderBy('created_at', 'desc').orderBy('id').limit(limit).execute();
    return this.hydrate(rows, opts.onCorrupt);
  }

  private async hydrate(rows: Selectable<IncidentTable>[], onCorrupt?: (err: CorruptRowError) => void): Promise<IncidentRecord[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const [comps, updates] = await Promise.all([
      this.db.selectFrom('incident_components').selectAll().where('incident_id', 'in', ids).orderBy('added_at').orderBy('component_id').execute(),
      this.db.selectFrom('incident_updates').selectAll().where('incident_id', 'in', ids).orderBy('at', 'desc').orderBy('id', 'desc').execute(),
    ]);
    const read = (r: Selectable<IncidentTable>): IncidentRecord => ({
      id: r.id,
      ...toFields(r),
      components: comps
        .filter((c) => c.incident_id === r.id)
        .map((c) => ({ componentId: c.component_id, status: toStatus(c.status, 'incident_components', `${r.id}/${c.component_id}`), addedAt: c.added_at })),
      updates: updates.filter((u) => u.incident_id === r.id).map(toUpdate),
    });
    if (!onCorrupt) return rows.map(read);
    return rows.flatMap((r) => {
      try {
        return [read(r)];
      } catch (err) {
        if (!(err instanceof CorruptRowError)) throw err;
        onCorrupt(err);
        return [];
      }
    });
  }
}

async function upsertComponent(trx: Transaction<Database>, incidentId: string, c: IncidentComponent): Promise<void> {
  await trx
    .insertInto('incident_components')
    .values({ incident_id: incidentId, component_id: c.componentId, status: c.status, added_at: c.addedAt })
    .onConflict((oc) => oc.columns(['incident_id', 'component_id']).doUpdateSet({ status: c.status }))
    .execute();
}

/**
 * What unresolved incidents and in-progress maintenance declare, for readers of the page status outside
 * the web (notifications): the open incidents' impacts, and per component the statuses declared for it.
 */
export async function openDeclarations(db: Kysely<Database>): Promise<{ impacts: Impact[]; declared: Map<string, ComponentStatus[]> }> {
  const open = await db.selectFrom('incidents').select(['id', 'kind', 'status', 'impact']).where('status', 'not in', CLOSED).execute();
  const impacts: Impact[] = [];
  const declared = new Map<string, ComponentStatus[]>();
  if (open.length === 0) return { impacts, declared };
  const byId = new Map(open.map((i) => [i.id, i]));
  for (const i of open) if (i.kind === 'incident') impacts.push((IMPACTS as readonly string[]).includes(i.impact) ? (i.impact as Impact) : 'none');
  const comps = await db.selectFrom('incident_components').select(['incident_id', 'component_id', 'status']).where('incident_id', 'in', [...byId.keys()]).execute();
  for (const c of comps) {
    const i = byId.get(c.incident_id)!;
    const status: ComponentStatus | undefined =
      i.kind === 'maintenance' ? (i.status === 'in_progress' || i.status === 'verifying' ? 'under_maintenance' : undefined) : c.status !== 'operational' ? toStatus(c.status, 'incident_components', `${c.incident_id}/${c.component_id}`) : undefined;
    if (status) declared.set(c.component_id, [...(declared.get(c.component_id) ?? []), status]);
  }
  return { impacts, declared };
}
