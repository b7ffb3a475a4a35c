/**
 * Freshness against Azurite: per-device recomputes running at the same time never lose or
 * double a count, they agree with a full recompute, re-provisioned keys are recorded once,
 * daily rows are kept for the retention window only, and an unchanged fleet writes nothing.
 * Reports are committed through the real report store (the upload path's storage half).
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CanReset } from '../../shared/dsregcmd/types.js';
import { recomputeAll, recomputeDevice } from '../../shared/freshness/index.js';
import { emptyDeviceEvidence, emptyUserEvidence } from '../../shared/posture/evidence.js';
import { PostureStore } from '../../shared/posture-store/store.js';
import type { AcceptedReport, UserReport } from '../../shared/reports/model.js';
import { TableReportStore } from '../../shared/storage/report-store.js';
import { createTableProvider, type TableProvider } from '../../shared/storage/tables.js';
import { testStorageConnectionString, uniqueTablePrefix } from '../support/env.js';

function fresh(): { tables: TableProvider; reports: TableReportStore; posture: PostureStore } {
  const tables = createTableProvider({
    connectionString: testStorageConnectionString(),
    tablePrefix: uniqueTablePrefix('ps'),
  });
  return { tables, reports: new TableReportStore(tables), posture: new PostureStore(tables) };
}

interface U {
  sid: string;
  canReset: CanReset | null;
  ngcSet: boolean;
  keyId?: string;
}

function report(deviceId: string, users: U[], receivedAt: Date): AcceptedReport {
  return {
    reportId: randomUUID(),
    deviceId,
    receivedAt: receivedAt.toISOString(),
    collectedAt: receivedAt.toISOString(),
    source: 'agent',
    trust: 'verified',
    agentVersion: 'test',
    agentMode: null,
    intuneDeviceId: null,
    device: {
      joinType: 'entraJoined',
      deviceId,
      tenantId: null,
      tenantName: null,
      deviceName: `PC-${deviceId.slice(0, 4)}`,
      osVersion: '10.0.22631.4317',
      evidence: emptyDeviceEvidence(),
      warnings: [],
    },
    users: users.map(
      (u): UserReport => ({
        userKey: u.sid.toLowerCase(),
        upn: null,
        sid: u.sid,
        canReset: u.canReset,
        canResetRaw: u.canReset,
        ngcSet: u.ngcSet,
        ngcKeyId: u.ngcSet ? (u.keyId ?? 'fa0db076-a5d7-4844-82d8-50a2fb42ec7b') : null,
        notUserContext: false,
        evidence: emptyUserEvidence({ model: 'notHybrid' }),
        warnings: [],
      }),
    ),
    rawBody: '{}',
  };
}

async function commit(reports: TableReportStore, r: AcceptedReport): Promise<void> {
  const at = new Date(r.receivedAt);
  const outcome = await reports.commit(
    r,
    { value: randomUUID().replaceAll('-', ''), expiresAt: new Date(at.getTime() + 300_000) },
    { day: r.receivedAt.slice(0, 10).replaceAll('-', ''), max: 1000 },
    at,
  );
  expect(outcome.ok).toBe(true);
  await reports.project(r);
}

const CYCLE: CanReset[] = ['DestructiveOnly', 'DestructiveAndNonDestructive', 'NonDestructiveOnly'];
const expectedPosture = (c: CanReset) => (c === 'DestructiveOnly' ? 'destructiveOnly' : 'nonDestructive');

describe('per-device recompute under concurrency', () => {
  const env = fresh();
  const devices = Array.from({ length: 50 }, () => randomUUID());
  const now = new Date();

  beforeAll(async () => {
    await Promise.all(
      devices.map((id, i) =>
        commit(env.reports, report(id, [{ sid: 'S-1-5-21-1', canReset: CYCLE[i % 3]!, ngcSet: true }], now)),
      ),
    );
  });

  it('50 devices recomputed at once are all counted, each once', async () => {
    // Every device twice, all at the same time: the second of each pair finds nothing changed.
    await Promise.all([...devices, ...devices].map((id) => recomputeDevice(env, id, now)));
    const s = (await env.posture.readSummary())!.summary;
    const destructive = devices.filter((_, i) => expectedPosture(CYCLE[i % 3]!) === 'destructiveOnly').length;
    expect(s.totals).toMatchObject({ devices: 50, reported: 50, users: 50 });
    expect(s.byPosture.destructiveOnly).toBe(destructive);
    expect(s.byPosture.nonDestructive).toBe(50 - destructive);
    // Not in Intune (no collection yet): each DestructiveOnly device says so once; ready ones carry no reason.
    expect(s.byReason.NOT_INTUNE_MANAGED).toBe(destructive);
  });

  it('concurrent changes of one device leave the counts equal to a full recompute', async () => {
    const target = devices[0]!;
    const later = new Date(now.getTime() + 1000);
    await commit(
      env.reports,
      report(target, [{ sid: 'S-1-5-21-1', canReset: 'DestructiveAndNonDestructive', ngcSet: true }], later),
    );
    await Promise.all(Array.from({ length: 10 }, () => recomputeDevice(env, target, later)));
    const incremental = (await env.posture.readSummary())!.summary;
    const full = await recomputeAll(env, later);
    expect(incremental.byPosture).toEqual(full.summary.byPosture);
    expect(incremental.totals).toEqual(full.summary.totals);
    expect(incremental.byReason).toEqual(full.summary.byReason);
    expect(incremental.byJoinType).toEqual(full.summary.byJoinType);
    expect((await env.posture.getPosture(target))?.record.posture).toBe('nonDestructive');
  });

  it('a full recompute of an unchanged fleet writes no row', async () => {
    const again = await recomputeAll(env, new Date(now.getTime() + 1000));
    expect(again.writes.posture).toMatchObject({ inserted: 0, updated: 0, removed: 0 });
    expect(again.writes.deviceUsers).toMatchObject({ inserted: 0, updated: 0, removed: 0 });
  });
});

describe('re-provisioned keys', () => {
  it('are recorded once and counted as likely destructive when the old key could only be reset destructively', async () => {
    const env = fresh();
    const id = randomUUID();
    const t0 = new Date(Date.now() - 3 * 86_400_000);
    const t1 = new Date(t0.getTime() + 86_400_000);
    await commit(
      env.reports,
      report(
        id,
        [
          {
            sid: 'S-1',
            canReset: 'DestructiveOnly',
            ngcSet: true,
            keyId: 'aaaaaaaa-0000-4000-8000-000000000001',
          },
        ],
        t0,
      ),
    );
    await recomputeDevice(env, id, t0);
    await commit(
      env.reports,
      report(
        id,
        [
          {
            sid: 'S-1',
            canReset: 'DestructiveOnly',
            ngcSet: true,
            keyId: 'bbbbbbbb-0000-4000-8000-000000000002',
          },
        ],
        t1,
      ),
    );
    // The hook and a full recompute both see the new key; one event results.
    await recomputeDevice(env, id, t1);
    const full = await recomputeAll(env, t1);
    await recomputeDevice(env, id, t1);
    expect(full.summary.destructiveResets).toEqual({
      last7Days: 1,
      last30Days: 1,
      likelyDestructiveLast7Days: 1,
      likelyDestructiveLast30Days: 1,
    });
    expect((await env.posture.readSummary())!.summary.destructiveResets.last7Days).toBe(1);
    const events = await env.posture.recentEvents(t1, 30);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      deviceId: id,
      oldKeyId: 'aaaaaaaa-0000-4000-8000-000000000001',
      newKeyId: 'bbbbbbbb-0000-4000-8000-000000000002',
      likelyDestructive: true,
    });
    // destructiveOnlySince is the first DestructiveOnly report, not the latest.
    expect((await env.posture.getPosture(id))?.record.destructiveOnlySince).toBe(t0.toISOString());
  });
});

describe('daily snapshots', () => {
  it("write today's row and keep 400 days", async () => {
    const env = fresh();
    const now = new Date('2026-11-24T12:00:00Z');
    const day = (d: Date) => d.toISOString().slice(0, 10).replaceAll('-', '');
    const seedDay = async (daysAgo: number) => {
      const summary = (await recomputeAll(env, new Date(now.getTime() - daysAgo * 86_400_000))).summary;
      return summary;
    };
    await seedDay(401);
    await seedDay(399);
    await recomputeAll(env, now);
    const keys = (await env.posture.listDaily()).map((r) => String(r.rowKey)).sort();
    expect(keys).toEqual([day(new Date(now.getTime() - 399 * 86_400_000)), day(now)]);
    const today = (await env.posture.listDaily()).find((r) => r.rowKey === day(now))!;
    expect(today).toMatchObject({ DateKey: day(now), Devices: 0, NotReported: 0 });
  });
});
