/**
 * One weekly report run: gather+render (given) → store ALWAYS, before any delivery → deliver
 * mail (CSV attached, charts inline by cid:) and/or the Teams card → record every result.
 * Idempotent per report day: a re-run overwrites the same blobs and sends only the channels
 * not yet delivered; a channel claimed by a concurrent run is left to it.
 */
import { randomUUID } from 'node:crypto';
import { simpleCard } from '../notify/teams.js';
import type {
  AdaptiveCard,
  Channel,
  DeliveryResult,
  MailMessage,
  Notifier,
  NotifyLog,
} from '../notify/types.js';
import type { DeliveryRecord, ReportHistory } from './history.js';
import type { ChartImage, WeeklyReport, WeeklyReportJson } from './render/model.js';

export interface WeeklyReportDeps {
  history: ReportHistory;
  notifier: Notifier;
  /** Gathers the input and renders it (data.ts + render/); given so tests and the CLI choose. */
  produce: (now: Date) => Promise<WeeklyReport>;
  /** Link shown in the Teams card (config.report.linkUrl). */
  linkUrl?: string;
  now?: () => Date;
  log?: NotifyLog;
  /** A claim older than this is taken to be from a run that died mid-send. Default 15 min. */
  staleClaimMs?: number;
}

export interface WeeklyReportRunSummary {
  runId: string;
  /** Report day (UTC), the blob folder weekly/<date>/. */
  date: string;
  prefix: string;
  headline: WeeklyReportJson['headline'];
  devices: number;
  charts: number;
  /** This run's delivery results (one per channel it sent). */
  deliveries: DeliveryResult[];
  /** Channels delivered by an earlier run of the same day, so not sent again. */
  alreadyDelivered: Channel[];
  /** Channels a concurrent run is sending right now. */
  inProgressElsewhere: Channel[];
}

export function reportDate(now: Date): string {
  return now.toISOString().slice(0, 10);
}

export const dataUri = (chart: ChartImage): string => `data:image/png;base64,${chart.png.toString('base64')}`;
export const cidUri = (chart: ChartImage): string => `cid:${chart.id}`;

function percent(share: number | null): string {
  return share === null ? 'n/a' : `${(share * 100).toFixed(1)}%`;
}

function change(points: number | null): string {
  if (points === null) return 'no comparison yet';
  return `${points > 0 ? '+' : ''}${points.toFixed(1)} pts from last week`;
}

export function mailSubject(json: WeeklyReportJson): string {
  const to = json.period.to.slice(0, 10);
  return `ResetReady weekly report ${to}: ${percent(json.headline.share)} ready for a non-destructive PIN reset`;
}

export function mailMessage(report: WeeklyReport, date: string): MailMessage {
  return {
    subject: mailSubject(report.json),
    html: report.html(cidUri),
    attachments: [
      {
        name: `resetready-devices-${date}.csv`,
        contentType: 'text/csv',
        content: Buffer.from(report.csv, 'utf8'),
      },
      ...report.charts.map((c) => ({
        name: `${c.id}.png`,
        contentType: 'image/png',
        content: c.png,
        contentId: c.id,
      })),
    ],
  };
}

export function teamsCard(json: WeeklyReportJson, linkUrl: string | undefined): AdaptiveCard {
  const h = json.headline;
  const facts = [
    { title: 'Ready (non-destructive)', value: `${percent(h.share)} (${h.nonDestructive} of ${h.reported})` },
    { title: 'Change', value: change(h.changePoints) },
    { title: 'Devices', value: String(h.devices) },
    { title: 'Longest destructiveOnly', value: String(json.longestDestructiveOnly.total) },
  ];
  if (json.freshness.warnings.length > 0) {
    facts.push({ title: 'Data warnings', value: json.freshness.warnings.map((w) => w.code).join(', ') });
  }
  const link = linkUrl ?? json.linkUrl ?? undefined;
  return simpleCard({
    title: `ResetReady weekly report, week to ${json.period.to.slice(0, 10)}`,
    text: `${percent(h.share)} of reporting devices can reset a forgotten PIN without losing their keys; ${change(h.changePoints)}.`,
    facts,
    ...(link ? { link: { title: 'Open the report', url: link } } : {}),
  });
}

export async function runWeeklyReport(deps: WeeklyReportDeps): Promise<WeeklyReportRunSummary> {
  const now = (deps.now ?? (() => new Date()))();
  const log: NotifyLog = deps.log ?? (() => {});
  const staleMs = deps.staleClaimMs ?? 15 * 60_000;
  const runId = randomUUID();
  const date = reportDate(now);

  const report = await deps.produce(now);
  const pointer = await deps.history.save(
    date,
    {
      html: report.html(dataUri),
      csv: report.csv,
      json: JSON.stringify(report.json, null, 2),
      charts: report.charts.map((c) => ({ id: c.id, png: c.png })),
    },
    now,
  );
  log('info', 'weekly_report_stored', { date, charts: report.charts.length });

  const wanted: Channel[] = [];
  if (deps.notifier.channels.mail) wanted.push('mail');
  if (deps.notifier.channels.teams) wanted.push('teams');

  // Claim the channels still to send, under the record's ETag (a concurrent run loses the race).
  let claimed: Channel[] = [];
  let already: Channel[] = [];
  let elsewhere: Channel[] = [];
  if (wanted.length > 0) {
    await deps.history.updateDelivery(date, (rec) => {
      claimed = [];
      already = [];
      elsewhere = [];
      const channels = { ...rec.channels };
      for (const ch of wanted) {
        const s = channels[ch];
        if (s?.state === 'delivered') already.push(ch);
        else if (s?.state === 'sending' && now.getTime() - Date.parse(s.since) < staleMs) elsewhere.push(ch);
        else {
          channels[ch] = { state: 'sending', since: now.toISOString(), runId };
          claimed.push(ch);
        }
      }
      return { ...rec, channels };
    });
  }

  const jobs: Promise<DeliveryResult>[] = [];
  if (claimed.includes('mail')) jobs.push(deps.notifier.sendMail(mailMessage(report, date)));
  if (claimed.includes('teams')) jobs.push(deps.notifier.postTeamsCard(teamsCard(report.json, deps.linkUrl)));
  // The notifier answers with results; anything it throws still becomes a recorded failure.
  const deliveries = await Promise.all(
    jobs.map((j, i) =>
      j.catch(
        (e): DeliveryResult => ({
          channel: claimed[i] as Channel,
          ok: false,
          attempts: 0,
          status: 0,
          error: e instanceof Error ? e.name : 'error',
          attemptLog: [],
        }),
      ),
    ),
  );

  if (claimed.length > 0) {
    const at = new Date().toISOString();
    await deps.history.updateDelivery(date, (rec): DeliveryRecord => {
      const channels = { ...rec.channels };
      for (const r of deliveries) {
        channels[r.channel] = r.ok
          ? { state: 'delivered', at, result: r }
          : { state: 'failed', at, result: r };
      }
      return { ...rec, channels, runs: [...rec.runs, { runId, at, results: deliveries }] };
    });
  }
  for (const r of deliveries) {
    log(r.ok ? 'info' : 'error', 'weekly_report_delivery', {
      date,
      channel: r.channel,
      ok: r.ok,
      attempts: r.attempts,
      status: r.status,
    });
  }

  return {
    runId,
    date,
    prefix: pointer.prefix,
    headline: report.json.headline,
    devices: report.json.headline.devices,
    charts: report.charts.length,
    deliveries,
    alreadyDelivered: already,
    inProgressElsewhere: elsewhere,
  };
}
