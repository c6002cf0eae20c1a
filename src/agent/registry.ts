// Registering agents, shared by `vigie agent register` and the admin API: a token printed once
// (only its sha256 is stored), for a region the config names.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { type AgentInfo, AgentStore } from '../store/agents.js';
import { hashToken } from '../web/auth.js';
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';

export const AGENT_TOKEN_PREFIX = 'vigie_agent_';
export const agentName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/, 'must be 1 to 64 letters, digits, "_", ".", "@" or "-", starting with a letter or digit');
export const regionName = z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'must be lowercase letters, digits, "-" or "_", starting with a letter or digit');

export class RegionNotConfigured extends Error {
  constructor(region: string, configured: readonly string[]) {
    super(
      `region "${region}" is not configured (configured: ${configured.join(', ') || 'none'}); add it to the top-level "regions:" of the config or to a monitor's "regions:"`,
    );
    this.name = 'RegionNotConfigured';
  }
}

export async function registerAgent(db: Kysely<Database>, a: { name: string; region: string; configured: readonly string[]; at: number }): Promise<{ agent: AgentInfo; token: string }> {
  if (!a.configured.includes(a.region)) throw new RegionNotConfigured(a.region, a.configured);
  const token = AGENT_TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const agent = await new AgentStore(db).create({ id: randomBytes(8).toString('hex'), name: a.name, region: a.region, hash: hashToken(token), at: a.at });
  return { agent, token };
}
