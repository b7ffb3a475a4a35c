/**
 * TableReportStore against Azurite: the ingest commit point (checks 8 and 9 of the agent
 * protocol) and the reads built on it.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { emptyDeviceEvidence, emptyUserEvidence } from '../../shared/posture/evidence.js';
import type { AcceptedReport, DailyLimit, NonceClaim, UserReport } from '../../shared/reports/model.js';
import { REPORTS_TABLE, TableReportStore, utcDay } from '../../shared/storage/report-store.js';
import { createTableProvider } from '../../shared/storage/tables.js';
import { testConfig } from '../support/env.js';

const provider = createTableProvider(testConfig().storage);
const store = new TableReportStore(provider);
const NOW = new Date('2026-11-24T18:00:00.000Z');
const LIMIT: DailyLimit = { day: utcDay(NOW), max: 24 };

function user(sid: string, upn: string, canReset: UserReport['canReset'] = 'DestructiveOnly'): UserReport {
  return {
    userKey: sid.toLowerCase(),
    upn,
    sid,
    canReset,
    canResetRaw: canReset,
    ngcSet: true,
    ngcKeyId: randomUUID(),
    notUserContext: false,
    evidence: emptyUserEvidence({ model: 'notHybrid' }),
    warnings: [],
  };
}

function report(deviceId: string, over: Partial<AcceptedReport> = {}): AcceptedReport {
  return {
    reportId: randomUUID(),
    deviceId,
    receivedAt: NOW.toISOString(),
    collectedAt: '2026-11-24T17:59:41Z',
    source: 'agent',
    trust: 'verified',
    agentVersion: '1.0.0',
    agentMode: 'scheduled-task',
    intuneDeviceId: null,
    device: {
      joinType: 'entraJoined',
      deviceId,
      tenantId: randomUUID(),
      tenantName: 'Contoso',
      deviceName: 'PC-0042',
      osVersion: '10.0.22631.4460',
      evidence: emptyDeviceEvidence(),
      warnings: [],
    },
    users: [user('S-1-12-1-1-2-3-4', 'ada@contoso.com')],
    rawBody: '{"schemaVersion":1}',
    ...over,
  };
}

function nonce(expiresAt = new Date(NOW.getTime() + 10 * 60_000)): NonceClaim {
  return { value: randomBytes(16).toString('base64url'), expiresAt };
}

async function partitionRows(deviceId: string): Promise<Record<string, unknown>[]> {
  const table = await provider.table(REPORTS_TABLE);
  const rows: Record<string, unknown>[] = [];
  for await (const e of table.listEntities({ queryOptions: { filter: `PartitionKey eq '${deviceId}'` } })) {
    rows.push(e);
  }
  return rows;
}

describe('TableReportStore.commit', () => {
  it('stores a report whose ~250 KB non-ASCII body round-trips exactly, split over chunks', async () => {
    const deviceId = randomUUID();
    // A surrogate pair straddles the 32,000-unit chunk boundary, plus 2- and 3-byte characters.
    const body = `${'a'.repeat(31_999)}😀${'Grüße, 漢字 — PIN ✓ '.repeat(8_000)}`.slice(0, 172_000);
    expect(Buffer.byteLength(body, 'utf8')).toBeGreaterThan(240_000);
    expect(Buffer.byteLength(body, 'utf8')).toBeLessThan(256 * 1024);
    const guest = user(
      'S-1-12-1-9-9-9-9',
      'bob_fabrikam.com#EXT#@contoso.onmicrosoft.com',
      'NonDestructiveOnly',
    );
    const r = report(deviceId, {
      rawBody: body,
      users: [user('S-1-12-1-1-2-3-4', 'ada@contoso.com'), guest],
    });

    await expect(store.commit(r, nonce(), LIMIT, NOW)).resolves.toEqual({ ok: true });

    const back = await store.getReport(deviceId, r.reportId);
    expect(back).toEqual(r);
    expect(back?.rawBody === body).toBe(true);
    const row = (await partitionRows(deviceId)).find((e) => String(e.rowKey).startsWith('R|'));
    expect(row?.BodyChunks).toBe(6);
    expect(String(row?.Body0)).toHaveLength(31_999); // the pair moved whole into the next chunk
    expect(row?.BodyLength).toBe(body.length);

    const list = await store.listReports(deviceId);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ reportId: r.reportId, userCount: 2, bodyLength: body.length });
    expect(list[0]).not.toHaveProperty('rawBody');
    const latest = await store.latestUsers(deviceId);
    expect(latest.map((u) => [u.userKey, u.canReset]).sort()).toEqual([
      ['s-1-12-1-1-2-3-4', 'DestructiveOnly'],
      ['s-1-12-1-9-9-9-9', 'NonDestructiveOnly'],
    ]);
    expect(await store.latestDevice(deviceId)).toMatchObject({ reportId: r.reportId, deviceName: 'PC-0042' });
    expect(await store.getReport(deviceId, randomUUID())).toBeUndefined();
  });

  it('answers replay for a nonce already seen and stores nothing more', async () => {
    const deviceId = randomUUID();
    const n = nonce();
    expect(await store.commit(report(deviceId), n, LIMIT, NOW)).toEqual({ ok: true });
    expect(await store.commit(report(deviceId), n, LIMIT, NOW)).toEqual({ ok: false, reason: 'replay' });
    expect(await store.countReports(deviceId)).toBe(1);
    const counter = (await partitionRows(deviceId)).find((e) => e.rowKey === `C|${LIMIT.day}`);
    expect(counter?.Count).toBe(1);
  });

  it('refuses uploads over the daily limit until the next UTC day, storing nothing', async () => {
    const deviceId = randomUUID();
    const limit = { day: LIMIT.day, max: 2 };
    for (let i = 0; i < 2; i++)
      expect(await store.commit(report(deviceId), nonce(), limit, NOW)).toEqual({ ok: true });
    const over = nonce();
    expect(await store.commit(report(deviceId), over, limit, NOW)).toEqual({
      ok: false,
      reason: 'rate_limited',
      retryAfterSeconds: 6 * 3600, // 18:00Z → midnight
    });
    expect(await store.countReports(deviceId)).toBe(2);
    expect((await partitionRows(deviceId)).some((e) => e.rowKey === `N|${over.value}`)).toBe(false);

    // Next day: accepted again, and yesterday's counter is purged in the same transaction.
    const tomorrow = new Date('2026-11-25T00:00:05Z');
    const r = report(deviceId, { receivedAt: tomorrow.toISOString() });
    expect(await store.commit(r, nonce(), { day: utcDay(tomorrow), max: 2 }, tomorrow)).toEqual({ ok: true });
    const keys = (await partitionRows(deviceId)).map((e) => e.rowKey);
    expect(keys).toContain('C|20261125');
    expect(keys).not.toContain('C|20261124');
  });

  it('stores exactly one of 50 concurrent commits of the same nonce', async () => {
    const deviceId = randomUUID();
    const n = nonce();
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, () => store.commit(report(deviceId), n, LIMIT, NOW)),
    );
    expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
    expect(outcomes.filter((o) => !o.ok && o.reason === 'replay')).toHaveLength(49);
    expect(await store.countReports(deviceId)).toBe(1);
  });

  it('stores all of 200 concurrent commits for 200 devices', async () => {
    const devices = Array.from({ length: 200 }, () => randomUUID());
    const outcomes = await Promise.all(devices.map((d) => store.commit(report(d), nonce(), LIMIT, NOW)));
    expect(outcomes.every((o) => o.ok)).toBe(true);
    const counts = await Promise.all(devices.map((d) => store.countReports(d)));
    expect(counts.every((c) => c === 1)).toBe(true);
  });

  it('counts 30 concurrent uploads of one device without a lost update: 24 stored, 6 rate limited', async () => {
    const deviceId = randomUUID();
    const outcomes = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        store.commit(
          report(deviceId, { receivedAt: new Date(NOW.getTime() + i).toISOString() }),
          nonce(),
          LIMIT,
          NOW,
        ),
      ),
    );
    expect(outcomes.filter((o) => o.ok)).toHaveLength(24);
    expect(outcomes.filter((o) => !o.ok && o.reason === 'rate_limited')).toHaveLength(6);
    expect(await store.countReports(deviceId)).toBe(24);
    const counter = (await partitionRows(deviceId)).find((e) => e.rowKey === `C|${LIMIT.day}`);
    expect(counter?.Count).toBe(24);
    // The latest rows ended on the newest stored report, whatever order the commits landed in.
    const newest = (await store.listReports(deviceId, { top: 1 }))[0];
    expect((await store.latestDevice(deviceId))?.reportId).toBe(newest?.reportId);
  });

  it('only advances latest rows: an older report committed later is kept in history only', async () => {
    const deviceId = randomUUID();
    const newer = report(deviceId, {
      receivedAt: '2026-11-24T12:00:00.000Z',
      users: [user('S-1-12-1-1-2-3-4', 'ada@contoso.com', 'DestructiveAndNonDestructive')],
    });
    const older = report(deviceId, {
      receivedAt: '2026-11-24T08:00:00.000Z',
      users: [user('S-1-12-1-1-2-3-4', 'ada@contoso.com', 'DestructiveOnly')],
    });
    expect(await store.commit(newer, nonce(), LIMIT, NOW)).toEqual({ ok: true });
    expect(await store.commit(older, nonce(), LIMIT, NOW)).toEqual({ ok: true });

    expect((await store.listReports(deviceId)).map((s) => s.reportId)).toEqual([
      newer.reportId,
      older.reportId,
    ]);
    const [latest] = await store.latestUsers(deviceId);
    expect(latest).toMatchObject({ reportId: newer.reportId, canReset: 'DestructiveAndNonDestructive' });
    expect((await store.latestDevice(deviceId))?.reportId).toBe(newer.reportId);

    await store.project(newer);
    await store.project(older);
    const fleet = [];
    for await (const s of store.listLatest()) if (s.deviceId === deviceId) fleet.push(s);
    expect(fleet).toEqual([latest]);
  });

  it('rebuilds the fleet projection of a device from its latest rows', async () => {
    const deviceId = randomUUID();
    const r = report(deviceId, { users: [user('S-1-1', 'a@x.com'), user('S-1-2', 'b@x.com')] });
    expect(await store.commit(r, nonce(), LIMIT, NOW)).toEqual({ ok: true });
    const latestTable = await provider.table('LatestReports');
    await latestTable.createEntity({
      partitionKey: deviceId,
      rowKey: 'gone',
      DeviceId: deviceId,
      UserKey: 'gone',
    });

    expect(await store.rebuildProjection(deviceId)).toBe(2);
    const fleet = [];
    for await (const s of store.listLatest()) if (s.deviceId === deviceId) fleet.push(s);
    expect(fleet.map((s) => s.userKey).sort()).toEqual(['s-1-1', 's-1-2']);
    expect(fleet).toEqual(expect.arrayContaining(await store.latestUsers(deviceId)));
  });

  it('purges expired nonces: on the next commit of the device, and by the maintenance scan', async () => {
    const a = randomUUID();
    const b = randomUUID();
    const soon = new Date(NOW.getTime() + 5 * 60_000);
    const na = nonce(soon);
    const nb = nonce(soon);
    expect(await store.commit(report(a), na, LIMIT, NOW)).toEqual({ ok: true });
    expect(await store.commit(report(b), nb, LIMIT, NOW)).toEqual({ ok: true });

    const later = new Date(NOW.getTime() + 6 * 60_000);
    expect(await store.commit(report(a, { receivedAt: later.toISOString() }), nonce(), LIMIT, later)).toEqual(
      {
        ok: true,
      },
    );
    expect((await partitionRows(a)).some((e) => e.rowKey === `N|${na.value}`)).toBe(false);

    expect((await partitionRows(b)).some((e) => e.rowKey === `N|${nb.value}`)).toBe(true);
    const purged = await store.purgeExpiredNonces(later);
    expect(purged.nonces).toBeGreaterThanOrEqual(1);
    expect((await partitionRows(b)).some((e) => e.rowKey === `N|${nb.value}`)).toBe(false);
    expect(await store.countReports(b)).toBe(1);
  });

  it('fails loudly, storing nothing, when a report would exceed the 1 MiB entity limit', async () => {
    const deviceId = randomUUID();
    const huge = report(deviceId, { rawBody: 'x'.repeat(600_000) });
    await expect(store.commit(huge, nonce(), LIMIT, NOW)).rejects.toThrow(/entity limit/);
    expect(await partitionRows(deviceId)).toEqual([]);
  });
});
