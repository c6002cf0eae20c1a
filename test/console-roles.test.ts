// The console shows a control when the user's role suffices for the operation behind it, read from
// `x-vigie-role` in /api/admin/openapi.json (console/src/lib/roles.ts). Every operation the console
// names there must be in the document with a role, or its control would never be shown.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import type { Vigie } from '../src/app.js';
import { startAdminVigie } from './helpers/admin.js';
import { sqliteEngine, type TestEngine } from './helpers/engines.js';

/** The quoted names in the OPERATIONS list of console/src/lib/roles.ts (the console is built apart). */
function consoleOperations(): string[] {
  const src = readFileSync(new URL('../../console/src/lib/roles.ts', import.meta.url), 'utf8');
  const list = /export const OPERATIONS = \[([^\]]*)\]/.exec(src);
  assert.ok(list, 'OPERATIONS in console/src/lib/roles.ts');
  return [...list[1]!.matchAll(/'(\w+)'/g)].map((m) => m[1]!);
}

describe('console roles from the OpenAPI document', () => {
  let engine: TestEngine;
  let vigie: Vigie;
  let doc: any;
  before(async () => {
    engine = await sqliteEngine();
    let base: string;
    ({ vigie, base } = await startAdminVigie(engine));
    const r = await request(`${base}/api/admin/openapi.json`);
    assert.equal(r.statusCode, 200);
    doc = await r.body.json();
  });
  after(async () => {
    await vigie?.stop();
    await engine?.cleanup();
  });

  it('names only operations the document has, each with a role', () => {
    const roles = new Map<string, unknown>();
    for (const item of Object.values<any>(doc.paths)) for (const op of Object.values<any>(item)) roles.set(op.operationId, op['x-vigie-role']);
    const ops = consoleOperations();
    assert.ok(ops.length >= 20, `read ${ops.length} operations`);
    for (const op of ops) assert.ok(['viewer', 'editor', 'owner'].includes(roles.get(op) as string), `${op}: ${String(roles.get(op))}`);
    // The screens kept for owners stay so (a role moved on the server would move them in the console too).
    for (const op of ['listUsers', 'listTokens', 'listAudit', 'createToken', 'updateUser']) assert.equal(roles.get(op), 'owner', op);
    assert.equal(roles.get('createIncident'), 'editor');
  });
});
