// The store's public face: import from here.
export { openStore, Store, StoreClosedError } from './store.js';
export type { Engine, StoreOptions, PageModel, PageService, PageComponent, StatusChange, SyncReport } from './store.js';
export type { Database } from './schema.js';
export { migrateToLatest } from './migrations.js';
export { CorruptRowError, ERROR_MESSAGE_MAX } from './rows.js';
