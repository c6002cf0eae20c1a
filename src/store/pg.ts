// The PostgreSQL driver, loaded on first use: a Vigie on SQLite never loads it (~0.1 s of CPU at
// start-up, with pg-types and pg-protocol). pg is CommonJS, so a synchronous require serves the
// callers that build a pool or a client without awaiting.
import { createRequire } from 'node:module';
import type pgModule from 'pg';

export type Pg = typeof pgModule;
let loaded: Pg | undefined;

export function pg(): Pg {
  return (loaded ??= createRequire(import.meta.url)('pg') as Pg);
}
