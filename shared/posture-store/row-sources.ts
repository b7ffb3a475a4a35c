/**
 * Row sources over the posture tables for the OData feed (the entity sets themselves are
 * defined where the feed is wired). Column names are the stored ones (see entities.ts); the
 * device key is the RowKey, exposed as DeviceKey, and a day's key as DateKey.
 */

import type { RowSource } from '../odata/edm.js';
import { tableRowSource } from '../odata/table-source.js';
import type { TableProvider } from '../storage/tables.js';
import { POSTURE_TABLES } from './tables.js';

export interface PostureRowSources {
  /** Posture: one row per device (LeftIntune marks devices that left Intune). */
  devices: RowSource;
  /** DeviceUsers: one row per (device, user). */
  deviceUsers: RowSource;
  /** DailySummary: one row per UTC day (DateKey yyyymmdd, a string). */
  daily: RowSource;
  /** ResetEvents: re-provisioned keys, newest first. */
  resetEvents: RowSource;
}

export function postureRowSources(tables: TableProvider): PostureRowSources {
  const of = (name: string) => () => tables.table(name);
  return {
    devices: tableRowSource({ table: of(POSTURE_TABLES.posture), columns: { DeviceKey: 'RowKey' } }),
    deviceUsers: tableRowSource({ table: of(POSTURE_TABLES.deviceUsers) }),
    daily: tableRowSource({ table: of(POSTURE_TABLES.daily), columns: { DateKey: 'RowKey' } }),
    resetEvents: tableRowSource({ table: of(POSTURE_TABLES.resetEvents), columns: { EventKey: 'RowKey' } }),
  };
}
