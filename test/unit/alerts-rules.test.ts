/**
 * Alert rules, digest and metric envelope, pure: which conditions open an alert (and which
 * do not), stable keys, the digest an operator reads, and the envelope App Insights takes.
 */
import { describe, expect, it } from 'vitest';
import { buildAlertDigest, CARD_TOP_ROWS, MAIL_TOP_ROWS } from '../../shared/alerts/digest.js';
import { metricEnvelope, parseConnectionString } from '../../shared/alerts/metric.js';
import {
  type AlertRuleInput,
  deviceAlertKey,
  evaluateAlertRules,
  undecidedAlertKeys,
} from '../../shared/alerts/rules.js';
import type { AlertPostureFacts, StoredAlert } from '../../shared/alerts/types.js';
import { readinessFrom } from '../../shared/posture/inputs.js';
import type { TargetingResult } from '../../shared/targeting/types.js';

const NOW = new Date('2026-11-24T08:00:00Z');
const DAY = 86_400_000;
const ago = (days: number, hours = 0) =>
  new Date(NOW.getTime() - days * DAY - hours * 3_600_000).toISOString();
const app = (present: boolean, enabled: boolean) => ({ present, enabled, servicePrincipalId: 'sp' });
const READY = readinessFrom(app(true, true), app(true, true));

function device(overrides: Partial<AlertPostureFacts> = {}): AlertPostureFacts {
  return {
    deviceId: '0a1b2c3d-0000-4000-8000-000000000001',
    deviceName: 'PC-0001',
    posture: 'destructiveOnly',
    destructiveOnlySince: ago(7),
    targetingResult: 'enabled',
    targetingPolicyIds: 'pol-1',
    primaryReason: 'POLICY_NOT_YET_APPLIED',
    removed: false,
    ...overrides,
  };
}

/** A healthy tenant: ready apps, a fresh successful run, a report an hour ago. */
function input(overrides: Partial<AlertRuleInput> = {}): AlertRuleInput {
  return {
    postures: [],
    readiness: READY,
    latestRun: { runId: 'r1', status: 'succeeded', startedAt: ago(0, 2), endedAt: ago(0, 1) },
    lastSuccessfulCollectionAt: ago(0, 1),
    lastReportAt: ago(0, 1),
    now: NOW,
    settings: { destructiveDays: 7, silenceHours: 48 },
    ...overrides,
  };
}

const types = (i: AlertRuleInput) => evaluateAlertRules(i).map((a) => a.type);

describe('device rule', () => {
  it('opens at exactly destructiveDays, not a day before', () => {
    expect(evaluateAlertRules(input({ postures: [device({ destructiveOnlySince: ago(6, 23) })] }))).toEqual(
      [],
    );
    const [a] = evaluateAlertRules(input({ postures: [device()] }));
    expect(a).toMatchObject({
      key: deviceAlertKey('0A1B2C3D-0000-4000-8000-000000000001'),
      type: 'DEVICE_DESTRUCTIVE_ONLY',
      severity: 'warning',
      deviceId: '0a1b2c3d-0000-4000-8000-000000000001',
      deviceName: 'PC-0001',
      since: ago(7),
    });
    expect(a?.details).toContain('7 days');
    expect(a?.details).toContain('pol-1');
  });

  it('names the deciding policies as the admin center does, ids only where no name is known', () => {
    const names = new Map([['pol-1', 'Windows Hello - PIN recovery']]);
    const [named] = evaluateAlertRules(input({ postures: [device()], policyNames: names }));
    expect(named?.details).toContain('(policy "Windows Hello - PIN recovery")');
    expect(named?.details).not.toContain('pol-1');
    const [two] = evaluateAlertRules(
      input({ postures: [device({ targetingPolicyIds: 'pol-1,pol-9' })], policyNames: names }),
    );
    expect(two?.details).toContain('(policies "Windows Hello - PIN recovery", pol-9)');
  });

  it.each<[TargetingResult | null, boolean]>([
    ['enabled', true],
    ['conflict', true],
    ['dependsOnFilter', true],
    ['disabled', false],
    ['notConfigured', false],
    [null, false],
  ])('targeting %s → alert %s', (targetingResult, alerts) => {
    expect(evaluateAlertRules(input({ postures: [device({ targetingResult })] })).length).toBe(
      alerts ? 1 : 0,
    );
  });

  it('leaves out devices that are not destructiveOnly, left Intune or have no start date', () => {
    const postures = [
      device({ posture: 'nonDestructive' }),
      device({ posture: 'stale' }),
      device({ removed: true }),
      device({ destructiveOnlySince: null }),
      device({ destructiveOnlySince: 'not a date' }),
    ];
    expect(evaluateAlertRules(input({ postures }))).toEqual([]);
  });

  it('gives each device its own stable key', () => {
    const a = device({ deviceId: '11111111-0000-4000-8000-000000000000' });
    const b = device({ deviceId: '22222222-0000-4000-8000-000000000000' });
    const keys = evaluateAlertRules(input({ postures: [a, b] })).map((x) => x.key);
    expect(new Set(keys).size).toBe(2);
    const dayLater = evaluateAlertRules(input({ postures: [b, a], now: new Date(NOW.getTime() + DAY) }));
    expect(
      dayLater
        .filter((x) => x.type === 'DEVICE_DESTRUCTIVE_ONLY')
        .map((x) => x.key)
        .sort(),
    ).toEqual([...keys].sort());
  });
});

describe('tenant rules', () => {
  it('a healthy tenant has no alerts', () => {
    expect(evaluateAlertRules(input())).toEqual([]);
  });

  it('apps missing beats disabled, both critical; unknown decides neither', () => {
    const missing = input({ readiness: readinessFrom(app(false, false), app(true, false)) });
    expect(evaluateAlertRules(missing)).toMatchObject([
      { key: 'PINRESET_APPS_MISSING', severity: 'critical' },
    ]);
    expect(evaluateAlertRules(missing)[0]?.details).toContain('PIN reset service');
    const disabled = input({ readiness: readinessFrom(app(true, true), app(true, false)) });
    expect(evaluateAlertRules(disabled)).toMatchObject([
      { key: 'PINRESET_APP_DISABLED', severity: 'critical' },
    ]);
    const unknown = input({
      readiness: readinessFrom(app(true, true), { present: null, enabled: null, servicePrincipalId: null }),
    });
    expect(types(unknown)).toEqual([]);
    expect(undecidedAlertKeys(unknown).sort()).toEqual(['PINRESET_APPS_MISSING', 'PINRESET_APP_DISABLED']);
    expect(undecidedAlertKeys(input({ readiness: null })).length).toBe(2);
    expect(undecidedAlertKeys(missing)).toEqual([]);
  });

  it('collection failing: the latest run failed, or no success within 24 hours', () => {
    const failed = input({
      latestRun: { runId: 'r9', status: 'failed', startedAt: ago(0, 1), endedAt: ago(0, 1) },
    });
    expect(types(failed)).toEqual(['COLLECTION_FAILING']);
    expect(evaluateAlertRules(failed)[0]?.details).toContain('r9');
    const old = ago(1, 0);
    const late = input({
      latestRun: { runId: 'r2', status: 'succeeded', startedAt: old, endedAt: old },
      lastSuccessfulCollectionAt: old,
    });
    expect(types(late)).toEqual(['COLLECTION_FAILING']);
    const justInTime = ago(0, 23);
    expect(
      types(
        input({
          latestRun: { runId: 'r3', status: 'running', startedAt: justInTime, endedAt: '' },
          lastSuccessfulCollectionAt: justInTime,
        }),
      ),
    ).toEqual([]);
    expect(types(input({ latestRun: null, lastSuccessfulCollectionAt: null }))).toEqual([
      'COLLECTION_FAILING',
    ]);
  });

  it('no reports: silent for silenceHours, or never', () => {
    expect(types(input({ lastReportAt: ago(0, 47) }))).toEqual([]);
    const silent = evaluateAlertRules(input({ lastReportAt: ago(2) }));
    expect(silent).toMatchObject([{ key: 'NO_REPORTS', severity: 'warning', since: ago(2) }]);
    expect(types(input({ lastReportAt: null }))).toEqual(['NO_REPORTS']);
  });
});

function stored(i: number, overrides: Partial<StoredAlert> = {}): StoredAlert {
  const id = `${String(i).padStart(8, '0')}-0000-4000-8000-000000000000`;
  return {
    partitionKey: id.slice(0, 2),
    rowKey: deviceAlertKey(id),
    key: deviceAlertKey(id),
    type: 'DEVICE_DESTRUCTIVE_ONLY',
    severity: 'warning',
    status: 'open',
    deviceId: id,
    deviceName: `PC-${i}`,
    since: ago(7 + i),
    openedAt: NOW.toISOString(),
    lastNotifiedAt: NOW.toISOString(),
    notifyCount: 1,
    resolvedAt: null,
    resolvedReason: null,
    days: 7 + i,
    details: `destructiveOnly for ${7 + i} days <b>`,
    ...overrides,
  };
}

describe('digest', () => {
  it('says nothing when nothing changed', () => {
    expect(buildAlertDigest({ opened: [], renotified: [], resolved: [] }, { openCount: 3 })).toBeNull();
  });

  it('counts every change, lists the top rows urgent first, escapes device text', () => {
    const opened = [
      ...Array.from({ length: MAIL_TOP_ROWS + 2 }, (_, i) => stored(i)),
      stored(900, {
        key: 'PINRESET_APPS_MISSING',
        type: 'PINRESET_APPS_MISSING',
        severity: 'critical',
        deviceId: null,
        deviceName: null,
        days: 0,
      }),
    ];
    const resolved = [stored(1000, { status: 'resolved', resolvedReason: 'device is now nonDestructive' })];
    const d = buildAlertDigest(
      { opened, renotified: [], resolved },
      { openCount: 60, linkUrl: 'https://app.example/api/reports/latest' },
    );
    expect(d?.mail?.subject).toBe(`[critical] ResetReady alerts: ${MAIL_TOP_ROWS + 3} new, 1 resolved`);
    const html = d?.mail?.html ?? '';
    expect(html).toContain(`New (${MAIL_TOP_ROWS + 3})`);
    expect(html).toContain('…and 3 more');
    expect(html).toContain('device is now nonDestructive');
    expect(html).not.toContain('<b>');
    expect(html.indexOf('PIN reset apps missing')).toBeLessThan(html.indexOf('PC-'));
    // The longest-lasting devices come first; the three shortest are the ones left out.
    expect(html.indexOf(`PC-${MAIL_TOP_ROWS + 1}<`)).toBeLessThan(html.indexOf('PC-3<'));
    expect(html).not.toContain('PC-0<');
    expect(html).not.toContain('PC-1<');
    expect(html).not.toContain('PC-2<');
    const card = JSON.stringify(d?.card);
    expect(card).toContain('"title":"New","value":"53"');
    expect(card).toContain('"title":"Open now","value":"60"');
    expect(card).toContain(`…and ${MAIL_TOP_ROWS + 3 - CARD_TOP_ROWS} more`);
    expect(card).toContain('https://app.example/api/reports/latest');
  });

  it('a reminder-only digest is not critical when nothing critical is open', () => {
    const d = buildAlertDigest({ opened: [], renotified: [stored(1)], resolved: [] }, { openCount: 1 });
    expect(d?.mail?.subject).toBe('ResetReady alerts: 1 still open');
    expect(d?.card?.actions).toBeUndefined();
  });
});

describe('metric', () => {
  it('reads key and endpoint from a connection string, defaulting the endpoint', () => {
    expect(
      parseConnectionString(
        'InstrumentationKey=00000000-1111-2222-3333-444444444444;IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/;LiveEndpoint=https://x',
      ),
    ).toEqual({
      instrumentationKey: '00000000-1111-2222-3333-444444444444',
      trackUrl: 'https://westeurope-5.in.applicationinsights.azure.com/v2.1/track',
    });
    expect(parseConnectionString('InstrumentationKey=abc')?.trackUrl).toBe(
      'https://dc.services.visualstudio.com/v2.1/track',
    );
    expect(parseConnectionString('IngestionEndpoint=https://x')).toBeNull();
  });

  it('is one MetricData measurement', () => {
    const e = metricEnvelope('00000000-1111-2222-3333-444444444444', 'OpenDeviceAlerts', 4, NOW);
    expect(e.name).toBe('Microsoft.ApplicationInsights.00000000111122223333444444444444.Metric');
    expect(e.iKey).toBe('00000000-1111-2222-3333-444444444444');
    expect(e.time).toBe(NOW.toISOString());
    expect(e.data).toEqual({
      baseType: 'MetricData',
      baseData: {
        ver: 2,
        metrics: [{ name: 'OpenDeviceAlerts', kind: 0, value: 4, count: 1 }],
        properties: {},
      },
    });
  });
});
