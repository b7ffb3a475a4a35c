/**
 * The Alerts entity set of the OData feed: one flat row per alert occurrence, open and
 * history alike (Status tells them apart). AlertId is the row key (unique across the table);
 * AlertKey is the stable condition key several occurrences share.
 */
import type { EntitySetDefinition, PropertyDefinition } from '../odata/edm.js';
import { tableRowSource } from '../odata/table-source.js';
import type { TableProvider } from '../storage/tables.js';
import { ALERTS_TABLE } from './entities.js';

export const ALERT_PROPERTIES: PropertyDefinition[] = [
  { name: 'AlertId', type: 'Edm.String', nullable: false, filterable: true },
  { name: 'AlertKey', type: 'Edm.String', nullable: false, filterable: true },
  { name: 'Type', type: 'Edm.String', nullable: false, filterable: true },
  { name: 'Severity', type: 'Edm.String', nullable: false, filterable: true },
  { name: 'Status', type: 'Edm.String', nullable: false, filterable: true },
  { name: 'DeviceId', type: 'Edm.String', nullable: true, filterable: true },
  { name: 'DeviceName', type: 'Edm.String', nullable: true },
  { name: 'OpenedAt', type: 'Edm.DateTimeOffset', nullable: false, filterable: true },
  { name: 'LastNotifiedAt', type: 'Edm.DateTimeOffset', nullable: false },
  { name: 'NotifyCount', type: 'Edm.Int32', nullable: false },
  { name: 'ResolvedAt', type: 'Edm.DateTimeOffset', nullable: true, filterable: true },
  { name: 'ResolvedReason', type: 'Edm.String', nullable: true },
  { name: 'Since', type: 'Edm.DateTimeOffset', nullable: true },
  { name: 'Days', type: 'Edm.Int32', nullable: false, filterable: true },
  { name: 'Details', type: 'Edm.String', nullable: false },
];

export function alertsEntitySet(tables: TableProvider): EntitySetDefinition {
  return {
    name: 'Alerts',
    entityType: 'Alert',
    key: ['AlertId'],
    properties: ALERT_PROPERTIES,
    source: tableRowSource({ table: () => tables.table(ALERTS_TABLE), columns: { AlertId: 'RowKey' } }),
  };
}
