// Registered agents: only each token's sha256 is kept. Result batches are stored once: the agent
// row's (stream, last_seq) advances in the same transaction as the observations are inserted, and
// only when the batch's sequence number is past it, so a retried batch finds it taken and stores nothing.
import type { Kysely } from 'kysely';
import type { Observation } from '../core/observation.js';
import { observationRow } from './rows.js';
import type { AgentTable, Database } from './schema.js';

export interface AgentInfo {
  id: string;
  name: string;
  region: string;
  createdAt: number;
  revokedAt: number | null;
  lastSeenAt: number | null;
  version: string | null;
  clockOffsetMs: number | null;
  backlog: number | null;
  dropped: number | null;
  checksPerS: number | null;
  stream: string | null;
  lastSeq: number;
}

export interface AgentHealth {
  lastSeenAt: number;
  version: string;
  clockOffsetMs: number;
  backlog: number;
  dropped: number;
  checksPerS: number;
}

const INSERT_CHUNK = 500;

function info(r: AgentTable): AgentInfo {
  return {
    id: r.id,
    name: r.name,
    region: r.region,
    createdAt: r.created_at,
    revokedAt: r.revoked_at,
    lastSeenAt: r.last_seen_at,
    version: r.version,
    clockOffsetMs: r.clock_offset_ms,
    backlog: r.backlog,
    dropped: r.dropped,
    checksPerS: r.checks_per_s,
    stream: r.stream,
    lastSeq: r.last_seq,
  };
}

export class AgentNameTaken extends Error {
  constructor(name: string) {
    super(`an agent named "${name}" already exists (names stay taken after a revoke; pick another)`);
    this.name = 'AgentNameTaken';
  }
}

export class AgentStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(a: { id: string; name: string; region: string; hash: string; at: number }): Promise<AgentInfo> {
    const taken = await this.db.selectFrom('agents').select('id').where('name', '=', a.name).executeTakeFirst();
    if (taken) throw new AgentNameTaken(a.name);
    const row: AgentTable = {
      id: a.id,
      name: a.name,
      region: a.region,
      token_hash: a.hash,
      created_at: a.at,
      revoked_at: null,
      last_seen_at: null,
      version: null,
      clock_offset_ms: null,
      backlog: null,
      dropped: null,
      checks_per_s: null,
      stream: null,
      last_seq: 0,
    };
    try {
      await this.db.insertInto('agents').values(row).execute();
    } catch (err) {
      // Two registrations of one name at once: the unique index decides.
      if (await this.db.selectFrom('agents').select('id').where('name', '=', a.name).executeTakeFirst()) throw new AgentNameTaken(a.name);
      throw err;
    }
    return info(row);
  }

  /** The agent holding this token hash, revoked or not (the caller tells the two apart). */
  async byHash(hash: string): Promise<AgentInfo | undefined> {
    const r = await this.db.selectFrom('agents').selectAll().where('token_hash', '=', hash).executeTakeFirst();
    return r ? info(r) : undefined;
  }

  async list(): Promise<AgentInfo[]> {
    const rows = await this.db.selectFrom('agents').selectAll().orderBy('region').orderBy('name').execute();
    return rows.map(info);
  }

  /** Revokes by name or id; the agent revoked, or undefined when there is no live agent of that name. */
  async revoke(nameOrId: string, at: number): Promise<AgentInfo | undefined> {
    const r = await this.db
      .updateTable('agents')
      .set({ revoked_at: at })
      .where((eb) => eb.or([eb('name', '=', nameOrId), eb('id', '=', nameOrId)]))
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) return undefined;
    const row = await this.db.selectFrom('agents').selectAll().where((eb) => eb.or([eb('name', '=', nameOrId), eb('id', '=', nameOrId)])).executeTakeFirst();
    return row ? info(row) : undefined;
  }

  async recordHealth(id: string, h: AgentHealth): Promise<void> {
    await this.db
      .updateTable('agents')
      .set({ last_seen_at: h.lastSeenAt, version: h.version, clock_offset_ms: h.clockOffsetMs, backlog: h.backlog, dropped: h.dropped, checks_per_s: h.checksPerS })
      .where('id', '=', id)
      .execute();
  }

  /**
   * Stores one batch once: 'stored' when its observations were written now, 'duplicate' when
   * this (stream, seq) or a later one was already stored. Sequence numbers start at 1 per stream;
   * a new stream (the agent's data directory was replaced) starts over.
   */
  async acceptBatch(agentId: string, stream: string, seq: number, observations: Observation[]): Promise<'stored' | 'duplicate'> {
    return this.db.transaction().execute(async (trx) => {
      // The conditional update is the claim: of two deliveries of one batch at once, one updates the
      // row (and holds its lock until commit), the other then sees the new last_seq and updates nothing.
      const claim = await trx
        .updateTable('agents')
        .set({ stream, last_seq: seq })
        .where('id', '=', agentId)
        .where((eb) => eb.or([eb('stream', 'is', null), eb('stream', '!=', stream), eb('last_seq', '<', seq)]))
        .executeTakeFirst();
      if (Number(claim.numUpdatedRows) === 0) return 'duplicate';
      const rows = observations.map(observationRow);
      for (let i = 0; i < rows.length; i += INSERT_CHUNK) await trx.insertInto('observations').values(rows.slice(i, i + INSERT_CHUNK)).execute();
      return 'stored';
    });
  }
}
