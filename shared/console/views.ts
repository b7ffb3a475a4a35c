/**
 * The JSON bodies the console reads, as the read endpoints serve them (GET /api/summary,
 * /api/trend, /api/alerts, /api/devices, /api/devices/{id}), and the few derivations pages
 * share. Fields are read defensively: the pages render what the endpoints answer today and
 * pick up new fields as they appear, without defining numbers of their own.
 */

export interface ReasonRow {
  code: string;
  devices: number;
  title: string;
  action: string;
  docsUrl: string;
}

export interface SummaryView {
  generatedAt: string;
  lastCollectionAt: string | null;
  lastReportAt: string | null;
  tenantReadiness: string;
  totals: { devices: number; removed: number; reported: number; users: number };
  byPosture: Record<string, number>;
  nonDestructiveShare: number | null;
  byReason: Record<string, number>;
  reasons: ReasonRow[];
  byWarning?: Record<string, number>;
  byComplianceState?: Record<string, number>;
  hybridKeyTrustRisk?: number;
  /** The ready shares, one definition everywhere (shared/posture/shares.ts). */
  shares?: {
    denominator: number;
    configuredReady: number;
    configuredReadyShare: number | null;
    resettableNow: number;
    resettableNowShare: number | null;
  };
  /** Tenant-wide conditions that block every device (e.g. the PIN reset apps missing). */
  fleetBlockers?: { code: string; title: string; action: string; docsUrl: string }[];
  destructiveResets?: {
    last7Days: number;
    last30Days: number;
    likelyDestructiveLast7Days: number;
    likelyDestructiveLast30Days: number;
  };
  [field: string]: unknown;
}

export interface TrendDay {
  date: string;
  [field: string]: unknown;
}

export interface TrendView {
  days: TrendDay[];
}

export interface AlertView {
  key: string;
  type: string;
  severity: string;
  deviceId: string | null;
  deviceName: string | null;
  since: string | null;
  details: string;
  openedAt: string;
  [field: string]: unknown;
}

export interface AlertsView {
  count: number;
  alerts: AlertView[];
}

export interface DeviceRow {
  deviceKey: string;
  deviceId: string | null;
  deviceName: string | null;
  userPrincipalName: string | null;
  posture: string;
  primaryReason: string | null;
  reasonCodes: string[];
  complianceState: string | null;
  joinType: string | null;
  osBuild: number | null;
  lastReportAt: string | null;
  daysDestructiveOnly: number | null;
  [field: string]: unknown;
}

export interface DevicesView {
  devices: DeviceRow[];
  /** Rows on this page (fewer than asked, even 0, with more to come). */
  pageCount: number;
  /** Every matching device when the summary counts exactly this filter; null otherwise. */
  total: number | null;
  continuation: string | null;
}

export interface HeadlineShare {
  id: string;
  label: string;
  share: number | null;
  detail: string;
}

/**
 * The headline shares exactly as the summary serves them (shared/posture/shares.ts defines
 * them once for the summary, DailySummary and the weekly report): resettable now and
 * configured ready, over devices that report and can take part.
 */
export function headlineShares(s: SummaryView): HeadlineShare[] {
  const n = (x: number) => x.toLocaleString('en-US');
  const sh = s.shares;
  if (!sh) {
    const ready = s.byPosture.nonDestructive ?? 0;
    return [
      {
        id: 'ready',
        label: 'Non-destructive reset ready',
        share: s.nonDestructiveShare,
        detail: `${n(ready)} of ${n(s.totals.reported)} reporting devices`,
      },
    ];
  }
  return [
    {
      id: 'resettable-now',
      label: 'Resettable now',
      share: sh.resettableNowShare,
      detail: `${n(sh.resettableNow)} of ${n(sh.denominator)} devices could reset a forgotten PIN today without losing keys: configured ready, both PIN reset apps consented, nothing blocking`,
    },
    {
      id: 'configured-ready',
      label: 'Configured ready',
      share: sh.configuredReadyShare,
      detail: `${n(sh.configuredReady)} of ${n(sh.denominator)} devices report CanReset : DestructiveAndNonDestructive for every user`,
    },
  ];
}

/** Worst first, the order an admin triages in. */
const POSTURE_ORDER = [
  'destructiveOnly',
  'unknown',
  'nonDestructive',
  'noHelloKey',
  'stale',
  'notReported',
  'entraRegistered',
];

export function postureOrder(byPosture: Record<string, number>): string[] {
  return [
    ...POSTURE_ORDER.filter((p) => p in byPosture),
    ...Object.keys(byPosture).filter((p) => !POSTURE_ORDER.includes(p)),
  ];
}

export function trendSeries(t: TrendView): {
  label: string;
  className: 'line' | 'line2';
  points: { date: string; value: number | null }[];
}[] {
  const series = (field: string, label: string, className: 'line' | 'line2') => {
    const points = t.days.map((d) => ({
      date: d.date,
      value: typeof d[field] === 'number' ? (d[field] as number) : null,
    }));
    return points.some((p) => p.value !== null) ? [{ label, className, points }] : [];
  };
  // DailySummary: ResettableNowShare and NonDestructiveShare (= configured ready share).
  return [
    ...series('resettableNowShare', 'Resettable now', 'line'),
    ...series('nonDestructiveShare', 'Configured ready', 'line2'),
  ];
}
