/**
 * Where posture lives: logical table names (the provider adds TABLE_PREFIX) and key schemes,
 * in one place so the writers, the API and the OData row sources never disagree.
 */
import { ZERO_DEVICE_ID } from './device-key.js';

export const POSTURE_TABLES = {
  /** One flat row per device: PartitionKey = first 2 hex chars of the device key, RowKey = the key. */
  posture: 'Posture',
  /** One row per (device, user): same partition as the device, RowKey = `<deviceKey>|<userKey>`. */
  deviceUsers: 'DeviceUsers',
  /** One row: the precomputed fleet aggregates. */
  summary: 'Summary',
  /** One row per UTC day: PartitionKey 'daily', RowKey yyyymmdd. */
  daily: 'DailySummary',
  /** Re-provisioned keys (domain.md §8): PartitionKey 'event', RowKey newest first. */
  resetEvents: 'ResetEvents',
} as const;

export const SUMMARY_PARTITION = 'summary';
export const SUMMARY_ROW = 'current';
export const DAILY_PARTITION = 'daily';
export const EVENT_PARTITION = 'event';
/** Daily rows kept by default (a bit over a year, for year-on-year trends in Power BI). */
export const DEFAULT_DAILY_RETENTION_DAYS = 400;

/**
 * Same spread as the collection's tables: device ids are random GUIDs, so the first two hex
 * characters give 256 even partitions that sync writes in parallel, and a point read needs
 * only the id.
 */
export function posturePartition(deviceKey: string): string {
  const head = deviceKey.toLowerCase().slice(0, 2);
  return /^[0-9a-f]{2}$/.test(head) ? head : 'zz';
}

export { ZERO_DEVICE_ID };
