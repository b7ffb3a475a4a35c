/**
 * Environment → validated, typed settings. Read once by the composition root
 * (functions/index.ts), the local host and the CLI. Every problem is reported at
 * once, so a misconfigured deployment fails at start with one actionable message.
 *
 * Every setting read here must appear in local.settings.example.json and in
 * infra/ (a test checks both).
 */

import { Cron } from 'croner';
import type { ConsoleAuthMode } from './auth/access.js';

export type TrustMode = 'graph' | 'certificate-only';

export interface StorageSettings {
  /** Azurite or any Azure Storage connection string. Wins over accountName. */
  connectionString?: string;
  /** Storage account reached with DefaultAzureCredential (managed identity in Azure). */
  accountName?: string;
  /** Override for the table endpoint (sovereign clouds); default https://<account>.table.core.windows.net */
  tableEndpoint?: string;
  /** Override for the queue endpoint (sovereign clouds); default https://<account>.queue.core.windows.net */
  queueEndpoint?: string;
  /**
   * Prefix for every table name; lets several deployments or test runs share one account.
   * Queue names derive from it too (lower-cased, see shared/queue/names.ts).
   */
  tablePrefix: string;
}

export interface GraphSettings {
  /** Origin of Microsoft Graph, no version segment. */
  baseUrl: string;
  /** A token in hand (simulator, or trying the product); wins over credentials. */
  accessToken?: string;
  /** Our tenant id (GUID). Needed to judge OMA-URI paths; discovered through Graph when unset. */
  tenantId?: string;
  /** App registration client id for a client secret / certificate credential, or a user-assigned identity. */
  clientId?: string;
  clientSecret?: string;
  clientCertificatePath?: string;
  /** Upper bound of Graph requests in flight. */
  maxConcurrency: number;
  /** Upper bound of retries for one request (429/503/504/connection reset). */
  maxRetries: number;
}

export interface TrustSettings {
  mode: TrustMode;
  /** Accepted clock skew between device and service, each way. */
  timestampWindowSeconds: number;
  /** Accepted uploads per device per UTC day. */
  dailyUploadLimit: number;
  /** How long a found Entra device record is trusted from cache. */
  deviceCacheSeconds: number;
  /** How long a "not found" answer is cached (shorter, so a new device is not locked out). */
  deviceNegativeCacheSeconds: number;
}

export interface CollectionSettings {
  /** NCRONTAB (6 fields, with seconds) of the inventory collection. */
  schedule: string;
  /** Remediations detection script whose run states are read as reports (optional path). */
  remediationScriptId?: string;
  /** How long a collection lease lasts before another run may take over. */
  leaseSeconds: number;
}

export interface PostureSettings {
  /** A device whose newest report is older than this is `stale`. */
  staleDays: number;
  /** Daily snapshots kept for trends. */
  snapshotRetentionDays: number;
}

export interface ReportSettings {
  /** NCRONTAB of the weekly report (UTC). */
  schedule: string;
  /** Mailbox (UPN or id) the report is sent from with Graph sendMail; no mail when unset. */
  mailSender?: string;
  mailRecipients: string[];
  /** Teams Workflows webhook (a secret URL: never logged). */
  teamsWebhookUrl?: string;
  /** Link shown in the Teams card and the mail, e.g. https://<app>.azurewebsites.net/api/reports/latest */
  linkUrl?: string;
  /** Blob endpoint override; default https://<account>.blob.core.windows.net (or from the connection string). */
  blobEndpoint?: string;
  /** Blob container of the report history. */
  container: string;
}

export interface AlertSettings {
  /** A targeted device staying destructiveOnly this many days opens an alert. */
  destructiveDays: number;
  /** An open alert is notified again after this many days. */
  renotifyDays: number;
  /** No report from any device for this many hours opens a tenant alert. */
  silenceHours: number;
  /** Application Insights, for the open-alerts metric; the Functions host sets it in Azure. */
  appInsightsConnectionString?: string;
}

export interface ConsoleSettings {
  /**
   * How people sign in to the console: 'app-service' believes the X-MS-CLIENT-PRINCIPAL header
   * that App Service Authentication injects; 'off' (default) refuses every console request
   * (the local dev host can still play the platform's part, see shared/auth/access.ts).
   */
  auth: ConsoleAuthMode;
}

export interface Config {
  storage: StorageSettings;
  graph: GraphSettings;
  trust: TrustSettings;
  collection: CollectionSettings;
  posture: PostureSettings;
  report: ReportSettings;
  alerts: AlertSettings;
  console: ConsoleSettings;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Every setting name this module reads; the infra consistency test checks it against infra/. */
export const SETTING_NAMES = [
  'STORAGE_CONNECTION_STRING',
  'STORAGE_ACCOUNT_NAME',
  'STORAGE_TABLE_ENDPOINT',
  'STORAGE_QUEUE_ENDPOINT',
  'TABLE_PREFIX',
  'GRAPH_BASE_URL',
  'GRAPH_ACCESS_TOKEN',
  'GRAPH_TENANT_ID',
  'GRAPH_CLIENT_ID',
  'GRAPH_CLIENT_SECRET',
  'GRAPH_CLIENT_CERTIFICATE_PATH',
  'GRAPH_MAX_CONCURRENCY',
  'GRAPH_MAX_RETRIES',
  'TRUST_MODE',
  'TIMESTAMP_WINDOW_SECONDS',
  'DAILY_UPLOAD_LIMIT',
  'DEVICE_CACHE_SECONDS',
  'DEVICE_NEGATIVE_CACHE_SECONDS',
  'COLLECT_SCHEDULE',
  'REMEDIATION_SCRIPT_ID',
  'COLLECT_LEASE_SECONDS',
  'STALE_DAYS',
  'SNAPSHOT_RETENTION_DAYS',
  'REPORT_SCHEDULE',
  'REPORT_MAIL_SENDER',
  'REPORT_MAIL_RECIPIENTS',
  'TEAMS_WEBHOOK_URL',
  'REPORT_LINK_URL',
  'STORAGE_BLOB_ENDPOINT',
  'REPORT_CONTAINER',
  'ALERT_DESTRUCTIVE_DAYS',
  'ALERT_RENOTIFY_DAYS',
  'ALERT_SILENCE_HOURS',
  'APPLICATIONINSIGHTS_CONNECTION_STRING',
  'CONSOLE_AUTH',
] as const;

export type SettingName = (typeof SETTING_NAMES)[number];
export type Env = Readonly<Record<string, string | undefined>>;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TABLE_PREFIX = /^[A-Za-z][A-Za-z0-9]{0,29}$/;

/**
 * Why a timer schedule would not run, or null. Azure Functions timers take NCRONTAB with six
 * fields, seconds first (every six hours is "0 0 *\/6 * * *"), in UTC; the library the local host
 * schedules with checks every field here, so a bad value stops the app at start naming the
 * setting instead of failing later inside the timer registration.
 */
export function scheduleProblem(name: SettingName, value: string): string | null {
  const fields = value.split(/\s+/).length;
  if (fields !== 6) {
    return `${name} must be an NCRONTAB expression with 6 fields, seconds first, e.g. "0 0 */6 * * *" (got "${value}", ${fields} field${fields === 1 ? '' : 's'})`;
  }
  let job: Cron | undefined;
  try {
    job = new Cron(value, { mode: '6-part', timezone: 'UTC', paused: true });
    if (job.nextRun() === null) return `${name} never fires (got "${value}")`;
    return null;
  } catch (err) {
    const why = err instanceof Error ? err.message.replace(/^CronPattern:\s*/, '') : String(err);
    return `${name} is not a valid NCRONTAB expression (got "${value}"): ${why}`;
  } finally {
    job?.stop();
  }
}

export function loadConfig(env: Env): Config {
  const problems: string[] = [];
  const str = (name: SettingName): string | undefined => {
    const v = env[name]?.trim();
    return v ? v : undefined;
  };
  const int = (name: SettingName, fallback: number, min: number, max: number): number => {
    const raw = str(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return n;
  };

  const connectionString = str('STORAGE_CONNECTION_STRING');
  const accountName = str('STORAGE_ACCOUNT_NAME');
  if (!connectionString && !accountName) {
    problems.push(
      'set STORAGE_CONNECTION_STRING (Azurite or a connection string) or STORAGE_ACCOUNT_NAME (managed identity)',
    );
  }
  if (accountName && !/^[a-z0-9]{3,24}$/.test(accountName)) {
    problems.push(`STORAGE_ACCOUNT_NAME must be 3-24 lower-case letters or digits (got "${accountName}")`);
  }
  const tablePrefix = str('TABLE_PREFIX') ?? 'rr';
  if (!TABLE_PREFIX.test(tablePrefix)) {
    problems.push(
      `TABLE_PREFIX must start with a letter and hold only letters or digits (got "${tablePrefix}")`,
    );
  }

  const baseUrlRaw = str('GRAPH_BASE_URL') ?? 'https://graph.microsoft.com';
  let baseUrl = baseUrlRaw.replace(/\/+$/, '');
  try {
    const u = new URL(baseUrl);
    if (u.protocol !== 'https:') problems.push(`GRAPH_BASE_URL must be https:// (got "${baseUrlRaw}")`);
    if (u.pathname !== '/' && u.pathname !== '') {
      problems.push(
        `GRAPH_BASE_URL is an origin without a version segment, e.g. https://graph.microsoft.com`,
      );
    }
    baseUrl = u.origin;
  } catch {
    problems.push(`GRAPH_BASE_URL is not a URL (got "${baseUrlRaw}")`);
  }
  const tenantId = str('GRAPH_TENANT_ID')?.toLowerCase();
  if (tenantId && !GUID.test(tenantId)) problems.push(`GRAPH_TENANT_ID must be a GUID (got "${tenantId}")`);

  const modeRaw = str('TRUST_MODE') ?? 'graph';
  if (modeRaw !== 'graph' && modeRaw !== 'certificate-only') {
    problems.push(`TRUST_MODE must be "graph" or "certificate-only" (got "${modeRaw}")`);
  }
  const schedule = str('COLLECT_SCHEDULE') ?? '0 0 */6 * * *';
  const collectProblem = scheduleProblem('COLLECT_SCHEDULE', schedule);
  if (collectProblem) problems.push(collectProblem);
  const remediationScriptId = str('REMEDIATION_SCRIPT_ID');
  if (remediationScriptId && !GUID.test(remediationScriptId)) {
    problems.push(`REMEDIATION_SCRIPT_ID must be a GUID (got "${remediationScriptId}")`);
  }

  const reportSchedule = str('REPORT_SCHEDULE') ?? '0 0 7 * * 1';
  const reportProblem = scheduleProblem('REPORT_SCHEDULE', reportSchedule);
  if (reportProblem) problems.push(reportProblem);
  const mailRecipients = (str('REPORT_MAIL_RECIPIENTS') ?? '')
    .split(/[;,]/)
    .map((r) => r.trim())
    .filter(Boolean);
  for (const r of mailRecipients) {
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(r))
      problems.push(`REPORT_MAIL_RECIPIENTS has an invalid address "${r}"`);
  }
  const mailSender = str('REPORT_MAIL_SENDER');
  if (mailSender && mailRecipients.length === 0) {
    problems.push('REPORT_MAIL_SENDER is set but REPORT_MAIL_RECIPIENTS is empty');
  }
  const httpsUrl = (name: SettingName): string | undefined => {
    const v = str(name);
    if (v === undefined) return undefined;
    try {
      if (new URL(v).protocol !== 'https:') problems.push(`${name} must be an https:// URL`);
    } catch {
      problems.push(`${name} is not a URL`);
    }
    return v;
  };
  const teamsWebhookUrl = httpsUrl('TEAMS_WEBHOOK_URL');
  const linkUrl = httpsUrl('REPORT_LINK_URL');
  const container = str('REPORT_CONTAINER') ?? 'reports';
  if (!/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/.test(container)) {
    problems.push(`REPORT_CONTAINER must be a valid blob container name (got "${container}")`);
  }

  const consoleAuth = str('CONSOLE_AUTH') ?? 'off';
  if (consoleAuth !== 'app-service' && consoleAuth !== 'off') {
    problems.push(`CONSOLE_AUTH must be "app-service" or "off" (got "${consoleAuth}")`);
  }

  const config: Config = {
    storage: {
      connectionString,
      accountName,
      tableEndpoint: str('STORAGE_TABLE_ENDPOINT'),
      queueEndpoint: str('STORAGE_QUEUE_ENDPOINT'),
      tablePrefix,
    },
    graph: {
      baseUrl,
      accessToken: str('GRAPH_ACCESS_TOKEN'),
      tenantId,
      clientId: str('GRAPH_CLIENT_ID'),
      clientSecret: str('GRAPH_CLIENT_SECRET'),
      clientCertificatePath: str('GRAPH_CLIENT_CERTIFICATE_PATH'),
      maxConcurrency: int('GRAPH_MAX_CONCURRENCY', 8, 1, 64),
      maxRetries: int('GRAPH_MAX_RETRIES', 6, 0, 10),
    },
    trust: {
      mode: modeRaw === 'certificate-only' ? 'certificate-only' : 'graph',
      timestampWindowSeconds: int('TIMESTAMP_WINDOW_SECONDS', 300, 30, 3600),
      dailyUploadLimit: int('DAILY_UPLOAD_LIMIT', 24, 1, 10_000),
      deviceCacheSeconds: int('DEVICE_CACHE_SECONDS', 300, 0, 86_400),
      deviceNegativeCacheSeconds: int('DEVICE_NEGATIVE_CACHE_SECONDS', 60, 0, 86_400),
    },
    collection: {
      schedule,
      remediationScriptId: remediationScriptId?.toLowerCase(),
      leaseSeconds: int('COLLECT_LEASE_SECONDS', 1800, 60, 86_400),
    },
    posture: {
      staleDays: int('STALE_DAYS', 7, 1, 365),
      snapshotRetentionDays: int('SNAPSHOT_RETENTION_DAYS', 400, 7, 3650),
    },
    report: {
      schedule: reportSchedule,
      mailSender,
      mailRecipients,
      teamsWebhookUrl,
      linkUrl,
      blobEndpoint: str('STORAGE_BLOB_ENDPOINT'),
      container,
    },
    alerts: {
      destructiveDays: int('ALERT_DESTRUCTIVE_DAYS', 7, 1, 365),
      renotifyDays: int('ALERT_RENOTIFY_DAYS', 7, 1, 365),
      silenceHours: int('ALERT_SILENCE_HOURS', 48, 1, 24 * 60),
      appInsightsConnectionString: str('APPLICATIONINSIGHTS_CONNECTION_STRING'),
    },
    console: { auth: consoleAuth === 'app-service' ? 'app-service' : 'off' },
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
