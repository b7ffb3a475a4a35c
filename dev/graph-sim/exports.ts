/**
 * Intune export jobs (graph.md §12, §20.11): POST creates a job (201, notStarted), GET by id
 * moves it through inProgress to completed (or failed) and then names a zip "blob" URL that
 * the simulator serves WITHOUT a Graph token, like the real SAS URL. Listing the collection
 * fails as it does in Intune. Report columns are the ones graph.md names (UNVERIFIED beyond).
 */
import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { badRequest, contextUrl, GraphHttpError, type SimRequest, type SimResponse } from './odata.js';
import { BOTH, type Route, type RouteContext } from './routes.js';
import { toArray } from './seq.js';
import type { SimTenant } from './sim-tenant.js';
import type { ManagedDevice } from './tenant.js';

export interface ExportJobBehaviour {
  /** GETs answered "inProgress" before the job completes (default 1). */
  pollsUntilDone: number;
  /** Jobs created from now on end as "failed". */
  fail: boolean;
}

interface Job {
  id: string;
  reportName: string;
  filter: string;
  select: string[];
  format: string;
  localizationType: string;
  requestDateTime: string;
  polls: number;
  fail: boolean;
  blob: { name: string; sig: string; zip: Buffer } | null;
}

type Row = Record<string, string>;

function deviceRow(md: ManagedDevice): Row {
  return {
    DeviceId: md.id,
    IntuneDeviceId: md.id,
    DeviceName: md.deviceName,
    AadDeviceId: md.azureADDeviceId,
    ReferenceId: md.azureADDeviceId,
    OS: md.operatingSystem,
    OSVersion: md.osVersion,
    UPN: md.userPrincipalName,
    ComplianceState: md.complianceState,
    CompliantState: md.complianceState,
    LastContact: md.lastSyncDateTime,
    JoinType: md.joinType,
    SkuFamily: md.skuFamily,
    ManagementAgent: md.managementAgent,
    OwnerType: md.managedDeviceOwnerType,
    SerialNumber: md.serialNumber,
  };
}

const REPORTS: Record<string, { defaults: string[]; rows: (t: SimTenant, filter: string) => Row[] }> = {
  Devices: {
    defaults: ['DeviceId', 'DeviceName', 'OS', 'OSVersion', 'UPN', 'LastContact'],
    rows: (t) => toArray(t.managedDeviceSeq()).map(deviceRow),
  },
  DevicesWithInventory: {
    defaults: [
      'DeviceId',
      'DeviceName',
      'ReferenceId',
      'LastContact',
      'OSVersion',
      'CompliantState',
      'JoinType',
      'SkuFamily',
    ],
    rows: (t) => toArray(t.managedDeviceSeq()).map(deviceRow),
  },
  DeviceCompliance: {
    defaults: [
      'DeviceId',
      'IntuneDeviceId',
      'AadDeviceId',
      'DeviceName',
      'OSVersion',
      'OwnerType',
      'LastContact',
      'UPN',
      'ComplianceState',
      'OS',
    ],
    rows: (t) => toArray(t.managedDeviceSeq()).map(deviceRow),
  },
  DeviceRunStatesByProactiveRemediation: {
    defaults: [
      'PolicyId',
      'DeviceId',
      'UserId',
      'ModifiedTime',
      'PreRemediationDetectionScriptOutput',
      'DetectionStatus',
      'DeviceName',
      'OSVersion',
      'UPN',
    ],
    rows: (t, filter) => {
      const m = /PolicyId\s+eq\s+'([^']+)'/i.exec(filter);
      const script = m
        ? t.deviceHealthScripts.find((s) => s.id === (m[1] as string).toLowerCase())
        : undefined;
      if (!script) return [];
      return toArray(t.runStateSeq(script)).map((rs) => {
        const md = t.managedDevice(rs.managedDeviceId);
        return {
          PolicyId: script.id,
          DeviceId: rs.managedDeviceId,
          UserId: md?.userId ?? '',
          ModifiedTime: rs.lastStateUpdateDateTime,
          PreRemediationDetectionScriptOutput: (rs.preRemediationDetectionScriptOutput ?? '').slice(0, 2048),
          DetectionStatus: rs.detectionState,
          DeviceName: md?.deviceName ?? '',
          OSVersion: md?.osVersion ?? '',
          UPN: md?.userPrincipalName ?? '',
        };
      });
    },
  },
};

function csv(columns: string[], rows: Row[]): string {
  const cell = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return [
    columns.map(cell).join(','),
    ...rows.map((r) => columns.map((c) => cell(r[c] ?? '')).join(',')),
  ].join('\r\n');
}

/** A one-entry zip, stored (no compression): enough for any unzip library. */
export function zipOne(name: string, data: Buffer): Buffer {
  const nameBuf = Buffer.from(name, 'utf8');
  const crc = crc32(data);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(0x0800, 6); // UTF-8 names
  local.writeUInt16LE(0, 8); // stored
  local.writeUInt32LE(0, 10); // time/date
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(nameBuf.length, 26);
  local.writeUInt16LE(0, 28);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(0x0800, 8);
  central.writeUInt16LE(0, 10);
  central.writeUInt32LE(0, 12);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(nameBuf.length, 28);
  central.writeUInt32LE(0, 42); // local header offset (and zeros before it)
  const centralOffset = local.length + nameBuf.length + data.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + nameBuf.length, 12);
  end.writeUInt32LE(centralOffset, 16);
  return Buffer.concat([local, nameBuf, data, central, nameBuf, end]);
}

export class ExportJobs {
  private readonly jobs = new Map<string, Job>();
  behaviour: ExportJobBehaviour = { pollsUntilDone: 1, fail: false };

  constructor(private readonly tenant: SimTenant) {}

  /** GET /_blob/exports/<name>?sig=… without a Graph token; null when it is not a blob path. */
  serveBlob(path: string, query: URLSearchParams): SimResponse & { raw?: Buffer } {
    const name = path.replace(/^\/_blob\/exports\//, '');
    const job = [...this.jobs.values()].find((j) => j.blob?.name === name);
    if (!job?.blob || query.get('sig') !== job.blob.sig)
      return { status: 403, raw: Buffer.from('AuthenticationFailed') };
    return { status: 200, raw: job.blob.zip, headers: { 'Content-Type': 'application/x-zip-compressed' } };
  }

  routes(): Route[] {
    return [
      {
        method: 'POST',
        template: '/deviceManagement/reports/exportJobs',
        versions: BOTH,
        family: 'intuneDevices',
        handle: (c) => this.create(c),
      },
      {
        method: 'GET',
        template: '/deviceManagement/reports/exportJobs',
        versions: BOTH,
        family: 'intuneDevices',
        handle: () => {
          throw badRequest('No method match route template', 'BadRequest');
        },
      },
      {
        method: 'GET',
        template: '/deviceManagement/reports/exportJobs/{id}',
        versions: BOTH,
        family: 'intuneDevices',
        handle: (c) => this.get(c),
      },
    ];
  }

  private view(req: SimRequest, job: Job): SimResponse {
    const status = job.blob
      ? 'completed'
      : job.polls === 0
        ? 'notStarted'
        : job.fail && job.polls > this.behaviour.pollsUntilDone
          ? 'failed'
          : 'inProgress';
    const done = status === 'completed';
    return {
      status: 200,
      body: {
        '@odata.context': contextUrl(req, 'deviceManagement/reports/exportJobs/$entity'),
        id: job.id,
        reportName: job.reportName,
        filter: job.filter,
        select: job.select,
        format: job.format,
        snapshotId: null,
        localizationType: job.localizationType,
        status,
        url:
          done && job.blob
            ? `${req.origin}/_blob/exports/${job.blob.name}?sv=2019-02-02&sr=b&sig=${job.blob.sig}`
            : null,
        requestDateTime: job.requestDateTime,
        expirationDateTime: done
          ? new Date(Date.parse(job.requestDateTime) + 6 * 3_600_000).toISOString()
          : '0001-01-01T00:00:00Z',
      },
    };
  }

  private create(ctx: RouteContext): SimResponse {
    const body = (ctx.req.body ?? {}) as Record<string, unknown>;
    const reportName = typeof body.reportName === 'string' ? body.reportName : '';
    const report = REPORTS[reportName];
    if (!report) throw badRequest(`Invalid report name '${reportName}'.`);
    const filter = typeof body.filter === 'string' ? body.filter : '';
    if (filter.length > 2000) throw badRequest('The filter is longer than 2000 characters.');
    if (reportName === 'DeviceRunStatesByProactiveRemediation' && !/PolicyId\s+eq/i.test(filter)) {
      throw badRequest('PolicyId is required in the filter for this report.');
    }
    const format = typeof body.format === 'string' ? body.format : 'csv';
    if (format !== 'csv' && format !== 'json') throw badRequest(`Unsupported format '${format}'.`);
    const job: Job = {
      id: `${reportName}_${ctx.tenant.ids.guid()}`,
      reportName,
      filter,
      select: Array.isArray(body.select) ? body.select.map(String) : [],
      format,
      localizationType:
        typeof body.localizationType === 'string'
          ? body.localizationType
          : 'LocalizedValuesAsAdditionalColumn',
      requestDateTime: new Date(ctx.now).toISOString(),
      polls: 0,
      fail: this.behaviour.fail,
      blob: null,
    };
    this.jobs.set(job.id.toLowerCase(), job);
    return { ...this.view(ctx.req, job), status: 201 };
  }

  private get(ctx: RouteContext): SimResponse {
    const job = this.jobs.get((ctx.params.id as string).toLowerCase());
    if (!job)
      throw new GraphHttpError(
        404,
        'ResourceNotFound',
        `DeviceManagementExportJob with id '${ctx.params.id}' was not found.`,
      );
    job.polls++;
    if (!job.blob && !job.fail && job.polls > this.behaviour.pollsUntilDone) {
      const report = REPORTS[job.reportName] as (typeof REPORTS)[string];
      const columns = job.select.length > 0 ? job.select : report.defaults;
      const rows = report.rows(this.tenant, job.filter);
      const content =
        job.format === 'csv'
          ? csv(columns, rows)
          : JSON.stringify(rows.map((r) => Object.fromEntries(columns.map((c) => [c, r[c] ?? '']))));
      const name = `${job.id}.zip`;
      job.blob = {
        name,
        sig: randomBytes(16).toString('base64url'),
        zip: zipOne(`${job.id}.${job.format}`, Buffer.from(content, 'utf8')),
      };
    }
    return this.view(ctx.req, job);
  }
}
