/**
 * Where the inventory collection keeps its data: logical table names (the provider adds
 * TABLE_PREFIX) and the key scheme of each table, in one place so readers and the writer
 * can never disagree.
 */

export const COLLECTION_TABLES = {
  devices: 'Devices',
  targeting: 'DeviceTargeting',
  policies: 'Policies',
  tenant: 'Tenant',
  runs: 'Runs',
  leases: 'Leases',
} as const;

export const COLLECTION_LEASE = 'collect-inventory';

export const POLICY_PARTITION = 'policy';
export const TENANT_PARTITION = 'tenant';
export const TENANT_READINESS_ROW = 'readiness';
export const RUN_PARTITION = 'run';

/**
 * Devices and DeviceTargeting partition: the first two hex characters of the Intune managed
 * device id. Intune ids are random GUIDs, so this spreads devices evenly over 256 partitions
 * (100,000 devices ≈ 390 a partition ≈ 4 batches), lets syncEntities write partitions in
 * parallel, and a point read needs nothing but the id. A tenant-wide single partition would
 * cap throughput at one partition's ~2,000 entities/s; a per-device partition would make
 * every write its own batch.
 */
export function devicePartition(managedDeviceId: string): string {
  const id = managedDeviceId.toLowerCase();
  const head = id.slice(0, 2);
  // Non-GUID ids (never seen, but not impossible) still get a stable, legal partition.
  return /^[0-9a-f]{2}$/.test(head) ? head : 'zz';
}
