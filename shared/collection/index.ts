export type { StoredDevice, StoredPolicy, StoredTargeting, StoredTenant } from './entities.js';
export { type CollectionDeps, type CollectionLog, LeaseLostError, runCollection } from './run-collection.js';
export type { RunError, RunRecord, RunStatus, RunSummary, TableWriteCounts } from './run-record.js';
export { CollectionStore, type ListOptions } from './store.js';
export { COLLECTION_LEASE, COLLECTION_TABLES, devicePartition } from './tables.js';
