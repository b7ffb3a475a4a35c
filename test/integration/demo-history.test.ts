/**
 * The demo history `npm start` seeds: 84 days before today from the real fleet, marked
 * DemoData, never over a real snapshot, the same on every start, and shown as demo data by the
 * weekly report (whose newest week is the summary the headline reads).
 */

import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DEMO_DATA_COLUMN, seedDemoHistory, seedDemoReportHistory } from '../../dev/demo-history.js';
import { CollectionStore } from '../../shared/collection/store.js';
import { aggregatePostures, dailySnapshot } from '../../shared/posture/aggregate.js';
import type { DevicePosture, Posture } from '../../shared/posture/types.js';
import { postureEntity } from '../../shared/posture-store/entities.js';
import { dateKeyOf, PostureStore } from '../../shared/posture-store/store.js';
import { createTableProvider } from '../../shared/storage/tables.js';
import { gatherWeeklyReportInput } from '../../shared/weekly-report/data.js';
import { ReportHistory } from '../../shared/weekly-report/history.js';
import { buildWeeklyReport } from '../../shared/weekly-report/render/index.js';
import { testConfig, testStorageConnectionString, uniqueTablePrefix } from '../support/env.js';

const DAY_MS = 86_400_000;

function device(i: number, posture: Posture): DevicePosture {
  return {
    managedDeviceId: `m-${i}`,
    deviceId: `${String(i).padStart(8, '0')}-0000-4000-8000-000000000000`,
    deviceName: `PC-${i}`,
    userPrincipalName: null,
    posture,
    reasonCodes: posture === 'destructiveOnly' ? 'POLICY_NOT_TARGETED' : '',
    reasons: [],
    primaryReason: posture === 'destructiveOnly' ? 'POLICY_NOT_TARGETED' : null,
    complianceState: 'compliant',
    joinType: 'azureADJoined',
    osVersion: null,
    osBuild: null,
    lastSyncDateTime: null,
    lastReportAt: null,
    destructiveOnlySince: null,
    daysDestructiveOnly: null,
    targetingResult: null,
    targetingPolicyIds: '',
    hybridKeyTrustRisk: false,
    resettableNow: posture === 'nonDestructive',
    removed: false,
    userCount: 1,
    users: [],
    warnings: [],
    warningCodes: '',
    evaluatedAt: '',
  };
}

describe('seedDemoHistory', () => {
  it('fills 84 days before today, keeps real rows, repeats itself, and the report calls it demo data', async () => {
    const tables = createTableProvider({
      connectionString: testStorageConnectionString(),
      tablePrefix: uniqueTablePrefix('demo'),
    });
    const store = new PostureStore(tables);
    const now = new Date();
    const postures: Posture[] = [
      'nonDestructive',
      'nonDestructive',
      'destructiveOnly',
      'noHelloKey',
      'notReported',
    ];
    const fleet = Array.from({ length: 40 }, (_, i) => device(i, postures[i % postures.length]!));
    const summary = aggregatePostures(fleet, { tenant: null, events: [], now });
    await store.writeSummary({
      summary,
      generatedAt: now.toISOString(),
      lastCollectionAt: now.toISOString(),
      lastCollectionRunId: 'r',
      lastReportAt: now.toISOString(),
    });
    // A real snapshot three days ago, and today's.
    const real = dateKeyOf(new Date(now.getTime() - 3 * DAY_MS));
    await store.writeDaily(dailySnapshot(summary, real));
    await store.writeDaily(dailySnapshot(summary, dateKeyOf(now)));

    expect(await seedDemoHistory(tables, now)).toEqual({ written: 83, kept: 1 });
    const rows = await store.listDaily();
    expect(rows).toHaveLength(85);
    const byKey = new Map(rows.map((r) => [String(r.rowKey), r]));
    expect(byKey.get(real)?.[DEMO_DATA_COLUMN]).toBeUndefined();
    expect(byKey.get(dateKeyOf(now))?.[DEMO_DATA_COLUMN]).toBeUndefined();
    const seeded = rows.filter((r) => r[DEMO_DATA_COLUMN] === true);
    expect(seeded).toHaveLength(83);
    for (const r of seeded) {
      expect(r.Devices).toBe(summary.totals.devices);
      expect(Number(r.Reported)).toBeLessThanOrEqual(summary.totals.reported);
      expect(Number(r.NonDestructive)).toBeLessThanOrEqual(Number(r.Reported));
      const postureSum = [
        'NonDestructive',
        'DestructiveOnly',
        'NoHelloKey',
        'Unknown',
        'Stale',
        'NotReported',
      ]
        .map((c) => Number(r[c]))
        .reduce((a, b) => a + b, 0);
      expect(postureSum).toBe(summary.totals.devices);
    }
    // The oldest weeks show fewer devices reporting and a lower share than today: a rollout.
    const oldest = seeded.sort((a, b) => String(a.rowKey).localeCompare(String(b.rowKey)))[0]!;
    expect(Number(oldest.Reported)).toBeLessThan(summary.totals.reported);
    expect(Number(oldest.NonDestructiveShare)).toBeLessThan(summary.nonDestructiveShare!);

    // A second start writes nothing new and changes nothing.
    expect(await seedDemoHistory(tables, now)).toEqual({ written: 0, kept: 84 });

    const input = await gatherWeeklyReportInput(
      { posture: store, collection: new CollectionStore(tables) },
      now,
    );
    const report = buildWeeklyReport(input);
    expect(report.json.trend.filter((w) => w.reported !== null)).toHaveLength(12);
    expect(report.json.trend.slice(0, 11).every((w) => w.demo)).toBe(true);
    const last = report.json.trend[11]!;
    expect(last.demo).toBe(false);
    expect(last.share).toBe(report.json.headline.share);
    expect(report.html(() => 'cid:x')).toContain('Demo data: the 11 weeks marked *');
  });

  it('stores the 11 weekly reports before today from it, called demo reports, oldest first', async () => {
    const tables = createTableProvider({
      connectionString: testStorageConnectionString(),
      tablePrefix: uniqueTablePrefix('demorep'),
    });
    const store = new PostureStore(tables);
    const now = new Date();
    const fleet = Array.from({ length: 12 }, (_, i) =>
      device(i, i % 3 === 0 ? 'destructiveOnly' : 'nonDestructive'),
    );
    for (const d of fleet) {
      await store.putPosture(postureEntity(d.deviceId, d, null), undefined);
    }
    await store.writeSummary({
      summary: aggregatePostures(fleet, { tenant: null, events: [], now }),
      generatedAt: now.toISOString(),
      lastCollectionAt: now.toISOString(),
      lastCollectionRunId: 'r',
      lastReportAt: now.toISOString(),
    });
    await seedDemoHistory(tables, now);
    const config = testConfig({ REPORT_CONTAINER: `demo-${randomUUID().slice(0, 8)}` });
    const history = ReportHistory.fromConfig(config);
    expect(await seedDemoReportHistory(tables, history, now)).toEqual({ written: 11, kept: 0 });
    const dates = await history.dates();
    expect(dates).toHaveLength(11);
    const newest = new Date(now.getTime() - 7 * DAY_MS).toISOString().slice(0, 10);
    expect((await history.latest())?.date).toBe(newest);
    const json = JSON.parse((await history.read(newest, 'report.json'))!);
    expect(json.demo).toBe(true);
    expect(json.trend.filter((w: { reported: number | null }) => w.reported !== null)).toHaveLength(12);
    expect(await history.read(newest, 'report.html')).toContain('Demo data: this report was made by');
    expect(await seedDemoReportHistory(tables, history, now)).toEqual({ written: 0, kept: 11 });
  });
});
