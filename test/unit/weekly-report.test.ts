/**
 * The weekly report computed from small hand-made fleets: headline and week-over-week change,
 * trend weeks, top reasons with guidance, longest destructiveOnly and the 50 cut, freshness
 * warnings at their boundaries, CSV quoting and the formula guard, HTML escaping, and chart
 * PNGs that decode to the expected size with data (or an explicit no-data state) on them.
 */
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { aggregatePostures } from '../../shared/posture/aggregate.js';
import { reasonGuidance } from '../../shared/posture/guidance.js';
import type { DestructiveResetEvent, DevicePosture, Posture } from '../../shared/posture/types.js';
import { countAxisMax, TREND_SIZE } from '../../shared/weekly-report/charts/charts.js';
import {
  buildWeeklyReport,
  csvCell,
  DEVICE_CSV_COLUMNS,
  safeHref,
} from '../../shared/weekly-report/render/index.js';
import type { DailyPoint, WeeklyReportInput } from '../../shared/weekly-report/render/model.js';

const NOW = new Date('2025-06-02T07:00:00.000Z');
const DAY = 86_400_000;
const HOUR = 3_600_000;
const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString();
const key = (daysAgo: number) =>
  ago(daysAgo * DAY)
    .slice(0, 10)
    .replaceAll('-', '');

let seq = 0;
function device(posture: Posture, over: Partial<DevicePosture> = {}): DevicePosture {
  seq++;
  const id = `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`;
  return {
    managedDeviceId: `m-${seq}`,
    deviceId: id,
    deviceName: `PC-${String(seq).padStart(3, '0')}`,
    userPrincipalName: `u${seq}@contoso.example`,
    posture,
    reasonCodes: '',
    reasons: [],
    primaryReason: null,
    complianceState: 'compliant',
    joinType: 'azureADJoined',
    osVersion: '10.0.22631.1',
    osBuild: 22631,
    lastSyncDateTime: ago(HOUR),
    lastReportAt: posture === 'notReported' ? null : ago(HOUR),
    destructiveOnlySince: null,
    daysDestructiveOnly: null,
    targetingResult: 'enabled',
    targetingPolicyIds: '',
    hybridKeyTrustRisk: false,
    resettableNow: false,
    removed: false,
    userCount: 1,
    users: [],
    warnings: [],
    warningCodes: '',
    evaluatedAt: ago(HOUR),
    ...over,
  };
}

function destructive(
  sinceDaysAgo: number | null,
  codes = 'POLICY_NOT_TARGETED',
  over: Partial<DevicePosture> = {},
) {
  return device('destructiveOnly', {
    reasonCodes: codes,
    primaryReason: codes.split(',')[0] as DevicePosture['primaryReason'],
    destructiveOnlySince: sinceDaysAgo === null ? null : ago(sinceDaysAgo * DAY),
    ...over,
  });
}

function point(daysAgo: number, reported: number, nonDestructive: number): DailyPoint {
  return {
    dateKey: key(daysAgo),
    devices: reported,
    reported,
    nonDestructive,
    destructiveOnly: reported - nonDestructive,
    nonDestructiveShare: reported > 0 ? nonDestructive / reported : null,
  };
}

function input(devices: DevicePosture[], over: Partial<WeeklyReportInput> = {}): WeeklyReportInput {
  const events: DestructiveResetEvent[] = over.resetEvents ? [...over.resetEvents] : [];
  return {
    now: NOW,
    summary: aggregatePostures(devices, { tenant: null, events, now: NOW }),
    daily: [],
    devices,
    resetEvents: events,
    latestCollection: { status: 'succeeded', startedAt: ago(2 * HOUR), endedAt: ago(HOUR) },
    lastReportAt: ago(HOUR),
    ...over,
  };
}

/** Minimal RFC 4180 reader, to check the CSV round-trips. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  expect(cell === '' && row.length === 0, 'CSV ends with CRLF').toBe(true);
  return rows;
}

describe('headline', () => {
  const fleet = () => [
    device('nonDestructive'),
    device('nonDestructive'),
    device('nonDestructive'),
    destructive(3),
    device('notReported'),
  ];

  it('is the ready share of reporting devices and its change from the snapshot a week ago', () => {
    const daily = [point(14, 4, 1), point(8, 4, 2), point(7, 4, 2) /* a week ago: 50 % */, point(1, 4, 3)];
    const j = buildWeeklyReport(input(fleet(), { daily })).json;
    expect(j.headline).toMatchObject({
      share: 0.75,
      previousShare: 0.5,
      changePoints: 25,
      nonDestructive: 3,
      reported: 4,
      devices: 5,
    });
  });

  it('reads last week from the newest snapshot of that week, and has no change without one', () => {
    const j = buildWeeklyReport(input(fleet(), { daily: [point(10, 4, 4), point(9, 4, 1)] })).json;
    expect(j.headline.previousShare).toBe(0.25);
    expect(j.headline.changePoints).toBe(50);
    const none = buildWeeklyReport(input(fleet(), { daily: [point(15, 4, 1), point(2, 4, 2)] })).json;
    expect(none.headline.previousShare).toBeNull();
    expect(none.headline.changePoints).toBeNull();
    expect(none.headline.share).toBe(0.75);
  });

  it('is null with nothing reported, and the HTML says there is nothing to compare', () => {
    const r = buildWeeklyReport(input([device('notReported')]));
    expect(r.json.headline.share).toBeNull();
    expect(r.html(() => 'cid:x')).toContain('no snapshot from last week to compare with');
  });
});

describe('trend', () => {
  it('has 12 weeks ending today, each read from its newest snapshot, gaps where a week has none', () => {
    const daily = [point(0, 10, 9), point(3, 10, 5), point(6, 10, 4), point(20, 8, 2), point(83, 5, 1)];
    const { trend } = buildWeeklyReport(input([device('nonDestructive')], { daily })).json;
    expect(trend).toHaveLength(12);
    // The current week is the summary the headline reads (one ready device), not today's
    // stored row, which the last full recompute wrote before later reports arrived.
    expect(trend[11]).toMatchObject({
      weekEnding: '2025-06-02',
      dateKey: key(0),
      reported: 1,
      nonDestructive: 1,
      share: 1,
    });
    expect(trend[10]).toMatchObject({ weekEnding: '2025-05-26', dateKey: null, share: null });
    expect(trend[9]).toMatchObject({ dateKey: key(20), share: 0.25 });
    expect(trend[0]).toMatchObject({ weekEnding: '2025-03-17', dateKey: key(83), share: 0.2 });
    expect(trend.filter((w) => w.dateKey !== null)).toHaveLength(3);
  });
});

describe('top reasons', () => {
  it('lists codes by device count, ties in priority order, with what to do and the docs link', () => {
    const devices = [
      destructive(1, 'POLICY_SET_FALSE'),
      destructive(1, 'OS_TOO_OLD,POLICY_NOT_TARGETED'),
      destructive(1, 'POLICY_NOT_TARGETED'),
      destructive(1, 'POLICY_NOT_TARGETED,DESTRUCTIVE_ONLY_HYBRID'),
      device('nonDestructive'),
    ];
    const { topReasons } = buildWeeklyReport(input(devices)).json;
    expect(topReasons.map((r) => [r.code, r.count])).toEqual([
      ['POLICY_NOT_TARGETED', 3],
      ['OS_TOO_OLD', 1],
      ['POLICY_SET_FALSE', 1],
      ['DESTRUCTIVE_ONLY_HYBRID', 1],
    ]);
    expect(topReasons[0]).toMatchObject(reasonGuidance('POLICY_NOT_TARGETED'));
    expect(topReasons[0]!.docsUrl).toMatch(/^https:\/\/learn\.microsoft\.com\//);
  });
});

describe('destructive resets', () => {
  it('names each device as people know it, the id only when no name is known', () => {
    const lost = destructive(3, 'POLICY_NOT_TARGETED', {
      deviceId: '6e4cbe68-588b-499c-8c04-dcfff140a1ca',
      deviceName: 'FIN-LAPTOP-07',
    });
    const event = (deviceId: string) => ({
      kind: 'KEY_REPROVISIONED' as const,
      deviceId,
      userKey: 'k',
      upn: 'ana@contoso.example',
      oldKeyId: 'a',
      newKeyId: 'b',
      previousReportAt: ago(3 * DAY),
      detectedReportAt: ago(DAY),
      likelyDestructive: true,
    });
    const unknown = '0b0b0b0b-1111-4222-8333-444444444444';
    const r = buildWeeklyReport(
      input([lost], { resetEvents: [event(lost.deviceId.toUpperCase()), event(unknown)] }),
    );
    expect(r.json.destructiveResets.events.map((e) => e.deviceName)).toEqual(['FIN-LAPTOP-07', null]);
    const html = r.html(() => 'cid:x');
    const section = html.slice(html.indexOf('Destructive resets observed'));
    expect(section).toContain('FIN-LAPTOP-07');
    expect(section).not.toContain(lost.deviceId);
    expect(section).toContain(unknown);
  });
});

describe('longest destructiveOnly', () => {
  it('orders oldest first (unknown since last), counts days to now, and cuts the mail at 50', () => {
    const devices = [
      ...Array.from({ length: 58 }, (_, i) => destructive(i + 1)),
      destructive(null, 'UNEXPLAINED', { deviceName: 'PC-NOSINCE' }),
      destructive(200, 'POLICY_NOT_TARGETED', { removed: true, deviceName: 'PC-REMOVED' }),
      destructive(100, 'POLICY_NOT_TARGETED', { deviceName: 'PC-OLDEST', daysDestructiveOnly: 3 }),
      device('nonDestructive'),
    ];
    const r = buildWeeklyReport(input(devices));
    const l = r.json.longestDestructiveOnly;
    expect(l.total).toBe(60);
    expect(l.devices).toHaveLength(50);
    expect(l.devices[0]).toMatchObject({ deviceName: 'PC-OLDEST', daysDestructiveOnly: 100 });
    const days = l.devices.map((d) => d.daysDestructiveOnly!);
    expect(days).toEqual([...days].sort((a, b) => b - a));
    expect(days.slice(1, 4)).toEqual([58, 57, 56]);
    expect(l.devices.map((d) => d.deviceName)).not.toContain('PC-REMOVED');

    const html = r.html(() => 'cid:x');
    expect(html).toContain('The 50 longest of 60; every device is in the attached CSV.');
    expect(html).toContain('PC-OLDEST');
    expect(html).not.toContain('PC-NOSINCE'); // 60th of 60: beyond the cut
    const csv = parseCsv(r.csv);
    expect(csv).toHaveLength(devices.length + 1);
    const names = csv.slice(1).map((row) => row[0]);
    expect(names).toEqual(expect.arrayContaining(['PC-NOSINCE', 'PC-REMOVED', 'PC-OLDEST']));
    expect(names[0]).toBe('PC-OLDEST');
    expect(names[names.length - 1]).toBe('PC-REMOVED'); // devices that left Intune come last
  });

  it('limits the list with topDevices', () => {
    const r = buildWeeklyReport(
      input([destructive(3), destructive(2), destructive(1)], { options: { topDevices: 2 } }),
    );
    expect(r.json.longestDestructiveOnly.devices.map((d) => d.daysDestructiveOnly)).toEqual([3, 2]);
  });
});

describe('freshness warnings', () => {
  const codes = (over: Partial<WeeklyReportInput>) =>
    buildWeeklyReport(input([device('nonDestructive')], over)).json.freshness.warnings.map((w) => w.code);

  it('warns when no collection finished in 24 hours, not before', () => {
    expect(
      codes({
        latestCollection: { status: 'succeeded', startedAt: ago(26 * HOUR), endedAt: ago(25 * HOUR) },
      }),
    ).toEqual(['COLLECTION_STALE']);
    expect(
      codes({
        latestCollection: { status: 'succeeded', startedAt: ago(24 * HOUR), endedAt: ago(23 * HOUR) },
      }),
    ).toEqual([]);
    expect(codes({ latestCollection: null })).toEqual(['NO_COLLECTION']);
    expect(
      codes({ latestCollection: { status: 'failed', startedAt: ago(2 * HOUR), endedAt: ago(HOUR) } }),
    ).toEqual(['COLLECTION_FAILED']);
    expect(
      codes({ latestCollection: { status: 'running', startedAt: ago(30 * HOUR), endedAt: null } }),
    ).toEqual(['COLLECTION_STALE']);
  });

  it('warns when agents are silent past silenceHours (48 by default)', () => {
    expect(codes({ lastReportAt: ago(49 * HOUR) })).toEqual(['AGENTS_SILENT']);
    expect(codes({ lastReportAt: ago(47 * HOUR) })).toEqual([]);
    expect(codes({ lastReportAt: null })).toEqual(['AGENTS_SILENT']);
    expect(codes({ lastReportAt: ago(13 * HOUR), options: { silenceHours: 12 } })).toEqual(['AGENTS_SILENT']);
  });

  it('puts the warnings in the HTML', () => {
    const html = buildWeeklyReport(input([device('nonDestructive')], { lastReportAt: ago(72 * HOUR) })).html(
      () => 'cid:x',
    );
    expect(html).toContain('Data freshness');
    expect(html).toContain('No device has sent a report in the last 48 hours');
  });
});

describe('CSV', () => {
  it('quotes per RFC 4180 and guards cells that a spreadsheet would run as formulas', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-2+3')).toBe("'-2+3");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('\t=1')).toBe("'\t=1");
    expect(csvCell(-1)).toBe('-1');
    expect(csvCell(null)).toBe('');
    expect(csvCell(true)).toBe('true');
  });

  it('has a header and one row per device that reads back to the same values', () => {
    const devices = [
      device('nonDestructive', {
        deviceName: '=cmd|"/c calc"!A1',
        userPrincipalName: 'o,brien@contoso.example',
      }),
      destructive(5, 'POLICY_NOT_TARGETED', { deviceName: 'line\r\nbreak' }),
    ];
    const r = buildWeeklyReport(input(devices));
    expect(r.csv.endsWith('\r\n')).toBe(true);
    // UTF-8 byte order mark first, so Excel reads non-ASCII names as UTF-8.
    expect(r.csv.startsWith('\uFEFF')).toBe(true);
    const rows = parseCsv(r.csv.slice(1));
    expect(rows[0]).toEqual([...DEVICE_CSV_COLUMNS]);
    expect(rows).toHaveLength(3);
    const col = (name: string) => DEVICE_CSV_COLUMNS.indexOf(name);
    const [first, second] = [rows[1]!, rows[2]!];
    expect(first[col('DeviceName')]).toBe('line\r\nbreak'); // destructiveOnly sorts first
    expect(first[col('DaysDestructiveOnly')]).toBe('5');
    expect(first[col('RecommendedAction')]).toBe(reasonGuidance('POLICY_NOT_TARGETED').action);
    expect(second[col('DeviceName')]).toBe(`'=cmd|"/c calc"!A1`);
    expect(second[col('UserPrincipalName')]).toBe('o,brien@contoso.example');
    for (const row of rows) expect(row).toHaveLength(DEVICE_CSV_COLUMNS.length);
  });
});

describe('HTML', () => {
  const hostile = () => [
    destructive(9, 'POLICY_NOT_TARGETED', {
      deviceName: '<script>alert(1)</script>',
      userPrincipalName: '"><img src=x onerror=alert(2)>',
    }),
    device('nonDestructive'),
  ];

  it('escapes every value and references charts only through imageSrc', () => {
    const r = buildWeeklyReport(
      input(hostile(), {
        resetEvents: [
          {
            kind: 'KEY_REPROVISIONED',
            deviceId: 'd&1',
            userKey: 'k',
            upn: "<b>o'neil</b>",
            oldKeyId: 'a',
            newKeyId: 'b',
            previousReportAt: ago(3 * DAY),
            detectedReportAt: ago(DAY),
            likelyDestructive: true,
          },
        ],
        options: { linkUrl: 'javascript:alert(3)' },
      }),
    );
    const html = r.html((c) => `cid:${c.id}@resetready`);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&quot;&gt;&lt;img src=x onerror=alert(2)&gt;');
    expect(html).toContain('&lt;b&gt;o&#39;neil&lt;/b&gt;');
    expect(html).toContain('d&amp;1');
    expect(html).not.toContain('javascript:');
    const srcs = [...html.matchAll(/<img src="([^"]*)"/g)].map((m) => m[1]);
    expect(srcs).toEqual(['cid:trend@resetready', 'cid:postures@resetready']);
  });

  it('is email-safe: inline styles only, no scripts, stylesheets or external fonts, at most 640 px wide', () => {
    const html = buildWeeklyReport(input(hostile())).html(() => 'cid:x');
    expect(html).not.toMatch(/<style|<link|<script|@import|@font-face|class=/i);
    const widths = [...html.matchAll(/width[:=]"?(\d+)(px)?/g)].map((m) => Number(m[1]));
    expect(Math.max(...widths)).toBeLessThanOrEqual(640);
    expect(html).toContain(`href="${reasonGuidance('POLICY_NOT_TARGETED').docsUrl}"`);
  });

  it('keeps only http(s) links', () => {
    expect(safeHref('https://learn.microsoft.com/a?b=1&c="2"')).toBe(
      'https://learn.microsoft.com/a?b=1&amp;c=%222%22',
    );
    expect(safeHref('javascript:alert(1)')).toBeNull();
    expect(safeHref('data:text/html,x')).toBeNull();
    expect(safeHref('not a url')).toBeNull();
  });
});

describe('charts', () => {
  function stats(buf: Buffer) {
    const png = PNG.sync.read(buf);
    const counts = new Map<number, number>();
    for (let i = 0; i < png.data.length; i += 4) {
      const k = (png.data[i]! << 16) | (png.data[i + 1]! << 8) | png.data[i + 2]!;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    const total = png.width * png.height;
    return {
      png,
      distinct: counts.size,
      nonBackground: (total - Math.max(...counts.values())) / total,
      counts,
    };
  }

  it('decode to their stated size with data drawn in the legend colours', () => {
    const daily = Array.from({ length: 84 }, (_, i) => point(i, 100, 90 - Math.floor(i / 2)));
    const r = buildWeeklyReport(
      input([device('nonDestructive'), destructive(2), device('stale')], { daily }),
    );
    const [trend, postures] = r.charts;
    expect(trend).toMatchObject({ id: 'trend', ...TREND_SIZE });
    const t = stats(trend!.png);
    expect([t.png.width, t.png.height]).toEqual([trend!.width, trend!.height]);
    expect(t.distinct).toBeGreaterThan(8);
    expect(t.nonBackground).toBeGreaterThan(0.15);
    expect(t.counts.get(0x0969da), 'ready bars in the legend blue').toBeGreaterThan(1000);
    expect(t.counts.get(0xbc4c00), 'share line in the legend orange').toBeGreaterThan(100);
    const p = stats(postures!.png);
    expect([p.png.width, p.png.height]).toEqual([postures!.width, postures!.height]);
    expect(p.counts.get(0xd1242f), 'destructiveOnly bar').toBeGreaterThan(100);
    expect(postures!.alt).toContain('destructiveOnly 1');
  });

  it('put their device axes on round numbers a quarter apart', () => {
    expect([0, 1, 4, 15, 16, 17, 232, 1234, 100_000].map(countAxisMax)).toEqual([
      4, 4, 4, 16, 16, 20, 240, 1600, 100_000,
    ]);
  });

  it('carry axis labels: shares at the left in the line colour, devices at the right, weeks below', () => {
    const daily = Array.from({ length: 84 }, (_, i) => point(i, 100, 90 - Math.floor(i / 2)));
    const [trend, postures] = buildWeeklyReport(
      input([device('nonDestructive'), destructive(2)], { daily }),
    ).charts;
    const png = PNG.sync.read(trend!.png);
    const colourIn = (img: PNG, x0: number, x1: number, y0: number, y1: number, rgb: number) => {
      let n = 0;
      for (let y = y0; y < y1; y++)
        for (let x = x0; x < x1; x++) {
          const i = (y * img.width + x) * 4;
          if (((img.data[i]! << 16) | (img.data[i + 1]! << 8) | img.data[i + 2]!) === rgb) n++;
        }
      return n;
    };
    // Left margin: "100%" … "0%" in the share orange; right margin and bottom band: axis grey.
    expect(colourIn(png, 0, 50, 0, png.height - 20, 0xbc4c00)).toBeGreaterThan(200);
    expect(colourIn(png, png.width - 40, png.width, 0, png.height - 20, 0x57606a)).toBeGreaterThan(100);
    expect(colourIn(png, 0, png.width, png.height - 18, png.height, 0x57606a)).toBeGreaterThan(300);
    const bars = PNG.sync.read(postures!.png);
    expect(colourIn(bars, 0, bars.width, bars.height - 18, bars.height, 0x57606a)).toBeGreaterThan(100);
  });

  it('show an explicit no-data state, not a blank image, when there is no history', () => {
    const r = buildWeeklyReport(input([]));
    for (const c of r.charts) {
      const s = stats(c.png);
      expect(s.nonBackground, c.id).toBeGreaterThan(0.05);
      expect(c.alt).toMatch(/no data yet/);
    }
    expect(r.html(() => 'cid:x')).toContain('No daily snapshots yet');
  });
});
