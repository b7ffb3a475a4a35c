/**
 * Report history in Blob Storage: one folder per report day
 * (weekly/<yyyy-mm-dd>/report.html|report.csv|report.json|charts/<id>.png|delivery.json) and a
 * latest.json pointer written last, so a reader never follows it to a half-written report.
 * The delivery record is guarded by ETags: two runs of the same day cannot both claim a channel.
 */
import { DefaultAzureCredential } from '@azure/identity';
import { BlobServiceClient, type ContainerClient, RestError } from '@azure/storage-blob';
import type { Config } from '../config.js';
import type { DeliveryResult } from '../notify/types.js';

export interface StoredChart {
  id: string;
  png: Uint8Array;
}

export interface ReportFiles {
  /** Self-contained HTML (charts as data: URIs) for the browser and the latest endpoint. */
  html: string;
  csv: string;
  json: string;
  charts: StoredChart[];
}

export interface LatestPointer {
  date: string;
  storedAt: string;
  prefix: string;
}

export type ChannelState =
  | { state: 'sending'; since: string; runId: string }
  | { state: 'delivered'; at: string; result: DeliveryResult }
  | { state: 'failed'; at: string; result: DeliveryResult };

/** Every delivery try of one report, and where each channel stands. */
export interface DeliveryRecord {
  date: string;
  channels: { mail?: ChannelState; teams?: ChannelState };
  /** Every run's results, oldest first. */
  runs: { runId: string; at: string; results: DeliveryResult[] }[];
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const CHART_ID = /^[A-Za-z0-9_-]{1,64}$/;

export function reportPrefix(date: string): string {
  if (!DATE.test(date)) throw new Error(`report date must be yyyy-mm-dd (got "${date}")`);
  return `weekly/${date}/`;
}

export function blobServiceFor(config: Pick<Config, 'storage' | 'report'>): BlobServiceClient {
  if (config.storage.connectionString) {
    return BlobServiceClient.fromConnectionString(config.storage.connectionString);
  }
  if (config.storage.accountName) {
    const endpoint =
      config.report.blobEndpoint ?? `https://${config.storage.accountName}.blob.core.windows.net`;
    return new BlobServiceClient(endpoint, new DefaultAzureCredential());
  }
  throw new Error('Blob storage needs STORAGE_CONNECTION_STRING or STORAGE_ACCOUNT_NAME');
}

const isStatus = (e: unknown, ...codes: number[]) =>
  e instanceof RestError && typeof e.statusCode === 'number' && codes.includes(e.statusCode);

export class ReportHistory {
  private ready: Promise<ContainerClient> | undefined;

  constructor(
    private readonly service: BlobServiceClient,
    private readonly containerName: string,
  ) {}

  static fromConfig(config: Pick<Config, 'storage' | 'report'>): ReportHistory {
    return new ReportHistory(blobServiceFor(config), config.report.container);
  }

  /** The container, created on first use (once per instance; a failure is retried next call). */
  private container(): Promise<ContainerClient> {
    if (!this.ready) {
      const c = this.service.getContainerClient(this.containerName);
      this.ready = c.createIfNotExists().then(
        () => c,
        (e) => {
          this.ready = undefined;
          throw e;
        },
      );
    }
    return this.ready;
  }

  private async put(name: string, body: string | Uint8Array, contentType: string): Promise<void> {
    const c = await this.container();
    const data = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    await c.getBlockBlobClient(name).uploadData(data, { blobHTTPHeaders: { blobContentType: contentType } });
  }

  private async getText(name: string): Promise<{ text: string; etag: string } | null> {
    const c = await this.container();
    try {
      // One download gives body and ETag together, so the ETag is that of the text we read.
      const res = await c.getBlockBlobClient(name).download();
      const chunks: Buffer[] = [];
      for await (const chunk of res.readableStreamBody ?? []) chunks.push(Buffer.from(chunk as Buffer));
      return { text: Buffer.concat(chunks).toString('utf8'), etag: res.etag ?? '' };
    } catch (e) {
      if (isStatus(e, 404)) return null;
      throw e;
    }
  }

  /** Stores every file of one report (overwriting a same-day report), then moves latest.json to it. */
  async save(date: string, files: ReportFiles, now: Date = new Date()): Promise<LatestPointer> {
    const prefix = reportPrefix(date);
    for (const chart of files.charts) {
      if (!CHART_ID.test(chart.id)) throw new Error(`chart id "${chart.id}" is not a safe blob name`);
    }
    await Promise.all([
      this.put(`${prefix}report.csv`, files.csv, 'text/csv; charset=utf-8'),
      this.put(`${prefix}report.json`, files.json, 'application/json'),
      ...files.charts.map((ch) => this.put(`${prefix}charts/${ch.id}.png`, ch.png, 'image/png')),
    ]);
    // HTML after its parts, the pointer after everything.
    await this.put(`${prefix}report.html`, files.html, 'text/html; charset=utf-8');
    const pointer: LatestPointer = { date, storedAt: now.toISOString(), prefix };
    await this.put('latest.json', JSON.stringify(pointer), 'application/json');
    return pointer;
  }

  async latest(): Promise<LatestPointer | null> {
    const got = await this.getText('latest.json');
    if (!got) return null;
    const p = JSON.parse(got.text) as LatestPointer;
    return typeof p.date === 'string' && DATE.test(p.date) ? p : null;
  }

  async latestHtml(): Promise<{ date: string; html: string } | null> {
    const p = await this.latest();
    if (!p) return null;
    const html = await this.read(p.date, 'report.html');
    return html === null ? null : { date: p.date, html };
  }

  /** One stored file as text (report.html, report.csv, report.json, delivery.json), or null. */
  async read(date: string, file: string): Promise<string | null> {
    return (await this.getText(`${reportPrefix(date)}${file}`))?.text ?? null;
  }

  async readChart(date: string, id: string): Promise<Buffer | null> {
    const c = await this.container();
    try {
      return await c.getBlockBlobClient(`${reportPrefix(date)}charts/${id}.png`).downloadToBuffer();
    } catch (e) {
      if (isStatus(e, 404)) return null;
      throw e;
    }
  }

  /** Report days stored, newest first. */
  async dates(): Promise<string[]> {
    const c = await this.container();
    const out: string[] = [];
    for await (const item of c.listBlobsByHierarchy('/', { prefix: 'weekly/' })) {
      if (item.kind === 'prefix') {
        const d = item.name.slice('weekly/'.length).replace(/\/$/, '');
        if (DATE.test(d)) out.push(d);
      }
    }
    return out.sort().reverse();
  }

  async readDelivery(date: string): Promise<{ record: DeliveryRecord; etag: string } | null> {
    const got = await this.getText(`${reportPrefix(date)}delivery.json`);
    return got ? { record: JSON.parse(got.text) as DeliveryRecord, etag: got.etag } : null;
  }

  /**
   * Read-modify-write of the delivery record under its ETag (or "must not exist yet"); a
   * concurrent writer makes us re-read and re-apply, so no run's results are lost.
   */
  async updateDelivery(
    date: string,
    change: (current: DeliveryRecord) => DeliveryRecord,
    maxTries = 8,
  ): Promise<DeliveryRecord> {
    const c = await this.container();
    const blob = c.getBlockBlobClient(`${reportPrefix(date)}delivery.json`);
    for (let i = 0; ; i++) {
      const cur = await this.readDelivery(date);
      const next = change(cur?.record ?? { date, channels: {}, runs: [] });
      const data = Buffer.from(JSON.stringify(next, null, 2), 'utf8');
      try {
        await blob.uploadData(data, {
          blobHTTPHeaders: { blobContentType: 'application/json' },
          conditions: cur ? { ifMatch: cur.etag } : { ifNoneMatch: '*' },
        });
        return next;
      } catch (e) {
        if (isStatus(e, 409, 412) && i + 1 < maxTries) continue;
        throw e;
      }
    }
  }
}
