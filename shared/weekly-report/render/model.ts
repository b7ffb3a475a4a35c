/**
 * The weekly report's input (what data.ts gathers from the stores, or the demo builds) and its
 * JSON output. The JSON is the report: HTML, CSV and charts are views of it plus the devices.
 */
import type { DestructiveResetEvent, DevicePosture, Posture, PostureSummary } from '../../posture/types.js';

/** One day of the DailySummary table, reduced to what the trend needs. */
export interface DailyPoint {
  /** yyyymmdd (UTC day). */
  dateKey: string;
  devices: number;
  reported: number;
  nonDestructive: number;
  destructiveOnly: number;
  /** nonDestructive / reported as stored; null when nothing reported that day. */
  nonDestructiveShare: number | null;
  /** Seeded by the local demo stack (`npm start`), not measured. */
  demo?: boolean;
}

export interface LatestCollection {
  status: string;
  startedAt: string;
  endedAt: string | null;
}

export interface WeeklyReportOptions {
  /** Devices listed in the HTML "longest destructiveOnly" table (all are in the CSV). Default 50. */
  topDevices?: number;
  /** A collection older than this many hours is a freshness warning. Default 24. */
  collectionMaxAgeHours?: number;
  /** No report from any device for this many hours: agents are silent. Default 48. */
  silenceHours?: number;
  /** Link to the full report (e.g. /api/reports/latest), shown in the mail. */
  linkUrl?: string;
  /** The whole report is made from seeded demo history (`npm start` only), not measurements. */
  demo?: boolean;
}

export interface WeeklyReportInput {
  /** When the report is generated; the reporting week is the 7 days before it. */
  now: Date;
  summary: PostureSummary;
  /** Daily snapshots, any order, at least the last 84 days when available. */
  daily: readonly DailyPoint[];
  /** Every device posture (removed devices are listed in the CSV, flagged). */
  devices: readonly DevicePosture[];
  /** Re-provisioned-key events; only the last 7 days are reported. */
  resetEvents: readonly DestructiveResetEvent[];
  latestCollection: LatestCollection | null;
  /** Newest report received from any device. */
  lastReportAt: string | null;
  options?: WeeklyReportOptions;
}

export interface ChartImage {
  /** File-name and cid-safe id, e.g. "trend". */
  id: string;
  png: Buffer;
  width: number;
  height: number;
  alt: string;
}

export type FreshnessCode = 'NO_COLLECTION' | 'COLLECTION_STALE' | 'COLLECTION_FAILED' | 'AGENTS_SILENT';

export interface FreshnessWarning {
  code: FreshnessCode;
  message: string;
  /** The time the warning is about (last collection end, last report), when known. */
  since: string | null;
}

export interface TrendWeek {
  /** Last UTC day of the week (yyyy-mm-dd); weeks end on the report's day. */
  weekEnding: string;
  /** The snapshot day the week is read from (its latest), null when the week has none. */
  dateKey: string | null;
  reported: number | null;
  nonDestructive: number | null;
  destructiveOnly: number | null;
  share: number | null;
  /** The week's snapshot is demo history seeded by `npm start`, not a measurement. */
  demo: boolean;
}

export interface ReasonLine {
  code: string;
  count: number;
  title: string;
  action: string;
  docsUrl: string;
}

export interface LongDestructiveDevice {
  deviceId: string;
  deviceName: string | null;
  userPrincipalName: string | null;
  destructiveOnlySince: string | null;
  daysDestructiveOnly: number | null;
  primaryReason: string | null;
  hybridKeyTrustRisk: boolean;
}

export interface WeeklyReportJson {
  schema: 'resetready.weekly-report/v1';
  generatedAt: string;
  period: { from: string; to: string };
  headline: {
    /** Ready for a non-destructive reset, of the reporting devices; null when none reported. */
    share: number | null;
    /** Share one week earlier from the daily snapshots; null when there was none. */
    previousShare: number | null;
    /** share − previousShare in percentage points (rounded to 0.1). */
    changePoints: number | null;
    nonDestructive: number;
    /** The share denominator (shares.ts): reporting devices, Entra registered ones excluded. */
    reported: number;
    devices: number;
    /** Devices resettable now and their share of `reported` (shares.ts). */
    resettableNow: number;
    resettableNowShare: number | null;
  };
  trend: TrendWeek[];
  /** Every posture with its count and its share of headline.reported (null: not in the denominator). */
  postures: { posture: Posture; count: number; share: number | null }[];
  topReasons: ReasonLine[];
  tenantReadiness: { state: string; guidance: ReasonLine | null };
  longestDestructiveOnly: { total: number; devices: LongDestructiveDevice[] };
  destructiveResets: {
    last7Days: number;
    likelyDestructiveLast7Days: number;
    events: {
      deviceId: string;
      /** The device's name from its posture row, when known: what people read. */
      deviceName: string | null;
      upn: string | null;
      detectedReportAt: string;
      likelyDestructive: boolean;
    }[];
  };
  freshness: {
    lastCollectionAt: string | null;
    lastCollectionStatus: string | null;
    lastReportAt: string | null;
    warnings: FreshnessWarning[];
  };
  linkUrl: string | null;
  /** Present (true) only on a report made from seeded demo history. */
  demo?: true;
}

export interface WeeklyReport {
  json: WeeklyReportJson;
  csv: string;
  /** Email-safe HTML; images are referenced through imageSrc (cid: for mail, data: for the web). */
  html(imageSrc: (chart: ChartImage) => string): string;
  charts: ChartImage[];
}
