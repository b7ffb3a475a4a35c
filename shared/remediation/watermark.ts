/**
 * RemediationState: per (script, managed device) the lastStateUpdateDateTime already stored,
 * so an unchanged run state costs no commit (a commit reads the device partition first).
 * PartitionKey = script id, RowKey = managedDevice.id. Only a hint: losing it is safe, the
 * report nonce still turns a repeated commit into a replay.
 */
import { odata, type TableEntity } from '@azure/data-tables';
import { syncEntities } from '../storage/entity-sync.js';
import { keyPart } from '../storage/keys.js';
import type { TableProvider } from '../storage/tables.js';

export const REMEDIATION_STATE_TABLE = 'RemediationState';

export interface Watermark {
  lastStateUpdateDateTime: string;
  reportId: string;
}

export class RemediationWatermarks {
  constructor(private readonly tables: TableProvider) {}

  /** Every watermark of one script, by managedDevice.id. */
  async load(scriptId: string): Promise<Map<string, Watermark>> {
    const table = await this.tables.table(REMEDIATION_STATE_TABLE);
    const out = new Map<string, Watermark>();
    const rows = table.listEntities({
      queryOptions: {
        filter: odata`PartitionKey eq ${keyPart(scriptId)}`,
        select: ['RowKey', 'LastStateUpdate', 'ReportId'],
      },
    });
    for await (const e of rows) {
      out.set(String(e.rowKey), {
        lastStateUpdateDateTime: String(e.LastStateUpdate),
        reportId: String(e.ReportId),
      });
    }
    return out;
  }

  /** Upserts these marks; other devices' rows are kept (a device absent from one listing may return). */
  async save(scriptId: string, marks: ReadonlyMap<string, Watermark>, now: Date): Promise<void> {
    if (marks.size === 0) return;
    const table = await this.tables.table(REMEDIATION_STATE_TABLE);
    const pk = keyPart(scriptId);
    const desired: TableEntity[] = [...marks].map(([managedDeviceId, m]) => ({
      partitionKey: pk,
      rowKey: keyPart(managedDeviceId),
      LastStateUpdate: m.lastStateUpdateDateTime,
      ReportId: m.reportId,
      SavedAt: now,
    }));
    // Only changed devices are passed in, so no existing set is needed: every row is written.
    await syncEntities(table, desired, { existing: new Map(), removedPolicy: 'keep', now });
  }
}
