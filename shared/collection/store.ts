/**
 * Read side of the collected inventory, for the API, posture and reports: the newest run,
 * devices, one device's targeting, policies and tenant readiness. Removed devices are
 * returned only when asked for, flagged.
 */
import { RestError, type TableClient } from '@azure/data-tables';
import { keyPart } from '../storage/keys.js';
import type { TableProvider } from '../storage/tables.js';
import {
  deviceFromEntity,
  policyFromEntity,
  type StoredDevice,
  type StoredPolicy,
  type StoredTargeting,
  type StoredTenant,
  targetingFromEntity,
  tenantFromEntity,
} from './entities.js';
import { type RunRecord, readLatestRun } from './run-record.js';
import {
  COLLECTION_TABLES,
  devicePartition,
  POLICY_PARTITION,
  TENANT_PARTITION,
  TENANT_READINESS_ROW,
} from './tables.js';

export interface ListOptions {
  /** Include devices (policies) that left Intune; default false. */
  includeRemoved?: boolean;
}

async function getOrNull(
  table: TableClient,
  pk: string,
  rk: string,
): Promise<Record<string, unknown> | null> {
  try {
    return await table.getEntity(pk, rk);
  } catch (err) {
    if (err instanceof RestError && err.statusCode === 404) return null;
    throw err;
  }
}

export class CollectionStore {
  constructor(private readonly tables: TableProvider) {}

  latestRun(): Promise<RunRecord | null> {
    return this.tables.table(COLLECTION_TABLES.runs).then(readLatestRun);
  }

  /** Every stored device, streamed (a tenant can hold 100,000). */
  async *devices(opts: ListOptions = {}): AsyncIterable<StoredDevice> {
    const table = await this.tables.table(COLLECTION_TABLES.devices);
    for await (const row of table.listEntities()) {
      const d = deviceFromEntity(row);
      if (opts.includeRemoved || !d.removed) yield d;
    }
  }

  async listDevices(opts: ListOptions = {}): Promise<StoredDevice[]> {
    const out: StoredDevice[] = [];
    for await (const d of this.devices(opts)) out.push(d);
    return out;
  }

  async getDevice(managedDeviceId: string): Promise<StoredDevice | null> {
    const id = managedDeviceId.toLowerCase();
    const table = await this.tables.table(COLLECTION_TABLES.devices);
    const row = await getOrNull(table, devicePartition(id), keyPart(id));
    return row ? deviceFromEntity(row) : null;
  }

  async getTargeting(managedDeviceId: string): Promise<StoredTargeting | null> {
    const id = managedDeviceId.toLowerCase();
    const table = await this.tables.table(COLLECTION_TABLES.targeting);
    const row = await getOrNull(table, devicePartition(id), keyPart(id));
    return row ? targetingFromEntity(row) : null;
  }

  async *targeting(opts: ListOptions = {}): AsyncIterable<StoredTargeting> {
    const table = await this.tables.table(COLLECTION_TABLES.targeting);
    for await (const row of table.listEntities()) {
      const t = targetingFromEntity(row);
      if (opts.includeRemoved || !t.removed) yield t;
    }
  }

  async listPolicies(opts: ListOptions = {}): Promise<StoredPolicy[]> {
    const table = await this.tables.table(COLLECTION_TABLES.policies);
    const out: StoredPolicy[] = [];
    const rows = table.listEntities({ queryOptions: { filter: `PartitionKey eq '${POLICY_PARTITION}'` } });
    for await (const row of rows) {
      const p = policyFromEntity(row);
      if (opts.includeRemoved || !p.removed) out.push(p);
    }
    return out;
  }

  /** Tenant id and PIN reset app readiness from the last run that read them; null before any. */
  async tenantReadiness(): Promise<StoredTenant | null> {
    const table = await this.tables.table(COLLECTION_TABLES.tenant);
    const row = await getOrNull(table, TENANT_PARTITION, TENANT_READINESS_ROW);
    return row ? tenantFromEntity(row) : null;
  }
}
