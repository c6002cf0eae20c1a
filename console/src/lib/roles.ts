// Which role each admin operation needs, read from the API's own document (`x-vigie-role` in
// /api/admin/openapi.json): the console shows a control when the signed-in user's role suffices for
// the operation it calls, so a role moved on the server moves the console with it.
import { get } from './api.js';
import { ROLES, type Role } from './types.js';

/** The operations behind the console's controls (test/console-roles.test.ts checks each against the document). */
export const OPERATIONS = [
  'createMonitor',
  'updateMonitor',
  'deleteMonitor',
  'pauseMonitor',
  'resumeMonitor',
  'testMonitor',
  'createService',
  'updateService',
  'deleteService',
  'createComponent',
  'updateComponent',
  'deleteComponent',
  'createIncident',
  'postIncidentUpdate',
  'resolveIncident',
  'publishPostmortem',
  'createMaintenance',
  'patchMaintenance',
  'deleteSubscription',
  'testNotifyChannel',
  'retryDelivery',
  'registerAgent',
  'revokeAgent',
  'listUsers',
  'createUser',
  'updateUser',
  'removeUser',
  'listTokens',
  'createToken',
  'revokeToken',
  'listAudit',
] as const;
export type Operation = (typeof OPERATIONS)[number];

/** operationId → the least role it needs (null: open without signing in). */
export type Roles = ReadonlyMap<string, Role | null>;

/** Reads the roles from the document; anything not shaped as expected is left out (its control hidden). */
export async function loadRoles(): Promise<Roles> {
  const doc = await get<{ paths?: unknown }>('/openapi.json');
  const roles = new Map<string, Role | null>();
  const paths = doc && typeof doc.paths === 'object' && doc.paths ? (doc.paths as Record<string, unknown>) : {};
  for (const item of Object.values(paths)) {
    if (!item || typeof item !== 'object') continue;
    for (const op of Object.values(item as Record<string, unknown>)) {
      const o = op as { operationId?: unknown; 'x-vigie-role'?: unknown } | null;
      if (!o || typeof o.operationId !== 'string') continue;
      const need = o['x-vigie-role'];
      if (need === null || ROLES.includes(need as Role)) roles.set(o.operationId, need as Role | null);
    }
  }
  return roles;
}

const RANK: Record<Role, number> = { viewer: 0, editor: 1, owner: 2 };

/** Whether `have` may call `op`; an operation the document does not name is not offered. */
export function allows(roles: Roles, have: Role, op: Operation): boolean {
  const need = roles.get(op);
  if (need === undefined) return false;
  return need === null || (RANK[have] ?? -1) >= RANK[need];
}
