/**
 * The line grammar and the derived facts, one rule at a time (domain.md §2.2, §2.4, §2.7, §2.13),
 * on small captures written in the real layout.
 */
import { describe, expect, it } from 'vitest';
import { renderDsregcmdStatus } from '../../dev/dsregcmd-render.js';
import { decodeDsregcmdText } from '../../shared/dsregcmd/decode.js';
import { deriveJoinType } from '../../shared/dsregcmd/join-type.js';
import { MAX_INPUT_CHARS, parseDsregcmd } from '../../shared/dsregcmd/parse.js';

const BAR = `+${'-'.repeat(70)}+`;

/** One section in the current console layout: banner, blank line, keys right-aligned to column 26. */
function section(title: string, fields: [string, string][]): string {
  const body = fields.map(([k, v]) => `${k.padStart(26)} : ${v}`.trimEnd());
  return [BAR, `| ${title.padEnd(69)}|`, BAR, '', ...body, ''].join('\n');
}

const capture = (...sections: string[]) => sections.join('\n');

describe('deriveJoinType (domain.md §2.4)', () => {
  it.each([
    ['YES', 'NO', 'NO', 'NO', 'entraJoined'],
    ['YES', 'NO', 'YES', 'NO', 'hybridJoined'],
    ['YES', 'YES', 'YES', 'NO', 'hybridJoined'],
    ['NO', 'NO', 'YES', 'NO', 'domainJoined'],
    ['NO', 'YES', 'YES', 'NO', 'domainJoined'],
    ['NO', 'NO', 'NO', 'YES', 'entraRegistered'],
    ['NO', 'NO', 'NO', 'NO', 'notJoined'],
    ['NO', 'NO', 'YES', 'YES', 'domainJoined'],
    ['YES', 'YES', 'NO', 'NO', 'notJoined'],
  ] as const)('%s/%s/%s + WorkplaceJoined %s → %s', (a, e, d, w, expected) => {
    const { joinType } = deriveJoinType({
      azureAdJoined: a,
      enterpriseJoined: e,
      domainJoined: d,
      workplaceJoined: w,
    });
    expect(joinType).toBe(expected);
  });

  it('warns for an on-premises DRS join, which has no Entra device object', () => {
    const r = deriveJoinType({
      azureAdJoined: 'NO',
      enterpriseJoined: 'YES',
      domainJoined: 'YES',
      workplaceJoined: 'NO',
    });
    expect(r.warnings.join(' ')).toMatch(/on-premises DRS/);
  });

  it('treats missing flags as not reported: a User State block alone is notJoined', () => {
    const r = deriveJoinType({
      azureAdJoined: undefined,
      enterpriseJoined: undefined,
      domainJoined: undefined,
      workplaceJoined: 'NO',
    });
    expect(r).toEqual({ joinType: 'notJoined', warnings: [] });
  });
});

describe('CanReset and NgcSet (domain.md §2.7)', () => {
  const user = (fields: [string, string][]) => parseDsregcmd(section('User State', fields));

  it.each(['DestructiveOnly', 'NonDestructiveOnly', 'DestructiveAndNonDestructive', 'Unknown', 'NO'])(
    'reads %s as itself',
    (value) => {
      const s = user([
        ['NgcSet', 'YES'],
        ['CanReset', value],
      ]);
      expect(s.canReset).toBe(value);
      expect(s.canResetRaw).toBe(value);
      expect(s.warnings).toEqual([]);
    },
  );

  it.each(['destructiveonly', 'DESTRUCTIVEONLY', 'NonDestructive', 'Yes', ''])(
    'an unrecognised value %j gives null, keeps the raw text and warns',
    (value) => {
      const s = user([
        ['NgcSet', 'YES'],
        ['CanReset', value],
      ]);
      expect(s.canReset).toBeNull();
      expect(s.canResetRaw).toBe(value);
      expect(s.warnings.join(' ')).toMatch(/CanReset value .* is not recognised/);
    },
  );

  it('a missing CanReset line stays null, never DestructiveOnly; missing NgcSet is null, not false', () => {
    const s = user([['WorkplaceJoined', 'NO']]);
    expect(s.canReset).toBeNull();
    expect(s.canResetRaw).toBeNull();
    expect(s.ngcSet).toBeNull();
    expect(s.ngcKeyId).toBeNull();
  });

  it('NgcSet YES/NO map to booleans; anything else is null with a warning', () => {
    expect(user([['NgcSet', 'YES']]).ngcSet).toBe(true);
    expect(user([['NgcSet', 'NO']]).ngcSet).toBe(false);
    const odd = user([['NgcSet', 'MAYBE']]);
    expect(odd.ngcSet).toBeNull();
    expect(odd.warnings.join(' ')).toMatch(/NgcSet is neither YES nor NO/);
  });
});

describe('GUIDs (domain.md §2.13.6–7)', () => {
  it('normalises braces, upper case and inner spaces; keeps the raw value in fields', () => {
    const s = parseDsregcmd(
      capture(
        section('Device Details', [['DeviceId', '6E4CBE68-588B-499C-8C04-DCFFF140A1CA']]),
        section('Tenant Details', [['TenantId', '{ D10F84E2-BA05-45C0-90B7-994F1FAFA537 }']]),
        section('User State', [['NgcKeyId', '{FA0DB076-A5D7-4844-82D8-50A2FB42EC7B}']]),
      ),
    );
    expect(s.deviceId).toBe('6e4cbe68-588b-499c-8c04-dcfff140a1ca');
    expect(s.tenantId).toBe('d10f84e2-ba05-45c0-90b7-994f1fafa537');
    expect(s.ngcKeyId).toBe('fa0db076-a5d7-4844-82d8-50a2fb42ec7b');
    expect(s.fields.NgcKeyId).toBe('{FA0DB076-A5D7-4844-82D8-50A2FB42EC7B}');
    expect(s.warnings).toEqual([]);
  });

  it('a redacted GUID is null with a warning, raw kept', () => {
    const s = parseDsregcmd(
      section('Device Details', [['DeviceId', 'xxxxxxxx-####-####-####-############']]),
    );
    expect(s.deviceId).toBeNull();
    expect(s.fields.DeviceId).toBe('xxxxxxxx-####-####-####-############');
    expect(s.warnings.join(' ')).toMatch(/DeviceId is not a valid GUID/);
  });
});

describe('sections (domain.md §2.13.1)', () => {
  it('Work Account and proxy duplicates never replace the user/device value', () => {
    const s = parseDsregcmd(
      capture(
        section('Device State', [
          ['AzureAdJoined', 'NO'],
          ['EnterpriseJoined', 'NO'],
          ['DomainJoined', 'NO'],
        ]),
        section('User State', [
          ['WorkplaceJoined', 'YES'],
          ['WorkAccountCount', '1'],
        ]),
        section('IE Proxy Config for Current User', [['Auto Detect Settings', 'YES']]),
        section('Work Account 1', [
          ['WorkplaceDeviceId', '11111111-2222-3333-4444-555555555555'],
          ['NgcSet', 'YES'],
          ['KeyProvider', 'Microsoft Platform Crypto Provider'],
        ]),
      ),
    );
    expect(s.joinType).toBe('entraRegistered');
    expect(s.ngcSet).toBeNull(); // the Work Account's NgcSet belongs to another identity
    expect(s.fields).not.toHaveProperty('NgcSet');
    expect(s.fields).not.toHaveProperty('Auto Detect Settings');
    expect(s.rawFields).toContainEqual({ key: 'NgcSet', value: 'YES', section: 'Work Account 1' });
    expect(s.sections).toEqual([
      'Device State',
      'User State',
      'IE Proxy Config for Current User',
      'Work Account 1',
    ]);
  });

  it('the first occurrence wins, and a conflicting repeat of a posture key warns', () => {
    const s = parseDsregcmd(
      capture(
        section('User State', [
          ['NgcSet', 'YES'],
          ['CanReset', 'DestructiveOnly'],
        ]),
        section('Diagnostic Data', [['CanReset', 'DestructiveAndNonDestructive']]),
      ),
    );
    expect(s.canReset).toBe('DestructiveOnly');
    expect(s.warnings.join(' ')).toMatch(/CanReset appears more than once/);
  });

  it('records the section of every field; fields before any banner have section ""', () => {
    const s = parseDsregcmd(`NgcSet : YES\n${section('User State', [['CanReset', 'Unknown']])}`);
    expect(s.rawFields).toEqual([
      { key: 'NgcSet', value: 'YES', section: '' },
      { key: 'CanReset', value: 'Unknown', section: 'User State' },
    ]);
  });

  it('matches banners and titles loosely: indented, short dashes, lost closing bar, trailing spaces', () => {
    const s = parseDsregcmd(
      [
        '   +------------+   ',
        '   | User State   ',
        '   +------------+',
        'NgcSet : NO  ',
        '| SSO State |',
        'AzureAdPrt : YES',
      ].join('\n'),
    );
    expect(s.sections).toEqual(['User State', 'SSO State']);
    expect(s.rawFields.map((f) => f.section)).toEqual(['User State', 'SSO State']);
    expect(s.warnings).toEqual([]);
  });
});

describe('field lines (domain.md §2.2)', () => {
  it('splits on the first colon, tolerates no space before it, a stray extra colon and empty values', () => {
    const s = parseDsregcmd(
      [
        '        AadRecoveryEnabled: NO',
        '                  DeviceId :: 6e4cbe68-588b-499c-8c04-dcfff140a1ca',
        '                    MdmUrl :',
        '                 MdmTouUrl : ',
        '                JoinSrvUrl : https://enterpriseregistration.windows.net/EnrollmentServer/device/',
        '    Some New Build Key 2 : value: with colons',
      ].join('\n'),
    );
    expect(s.fields).toEqual({
      AadRecoveryEnabled: 'NO',
      DeviceId: '6e4cbe68-588b-499c-8c04-dcfff140a1ca',
      MdmUrl: '',
      MdmTouUrl: '',
      JoinSrvUrl: 'https://enterpriseregistration.windows.net/EnrollmentServer/device/',
      'Some New Build Key 2': 'value: with colons',
    });
    expect(s.deviceId).toBe('6e4cbe68-588b-499c-8c04-dcfff140a1ca');
  });

  it('joins a console-wrapped value, even after a blank line from a web copy', () => {
    const message = 'AADSTS50126: Error validating credentials due to invalid username or password.';
    const line = `  Server Error Description : ${message}`;
    const s = parseDsregcmd(
      [line.slice(0, 80), '', line.slice(80), '         Server Error Code : invalid_grant'].join('\n'),
    );
    expect(s.fields['Server Error Description']).toBe(message);
    expect(s.fields['Server Error Code']).toBe('invalid_grant');
    expect(s.warnings).toEqual([]);
  });

  it('does not glue a stray line onto a short enumerated value or a short line', () => {
    const s = parseDsregcmd(
      [
        section('User State', [
          ['NgcSet', 'YES'],
          ['CanReset', 'DestructiveAndNonDestructive'],
        ]),
        'this is what I get on every machine',
        '               DomainName : CONTOSO',
        'and this too',
      ].join('\n'),
    );
    expect(s.canReset).toBe('DestructiveAndNonDestructive');
    expect(s.fields.DomainName).toBe('CONTOSO');
    expect(s.warnings).toEqual(['ignored 2 line(s) that are not dsregcmd output (line 8, 10)']);
  });

  it('keeps noise out of warnings: line numbers only, never the text', () => {
    const s = parseDsregcmd('Bearer eyJhbGciOiJSUzI1NiJ9.secret\nNgcSet : NO');
    expect(s.warnings.join(' ')).not.toMatch(/eyJ|secret/);
    expect(s.ngcSet).toBe(false);
  });
});

describe('userContext (domain.md §2.1, §2.9)', () => {
  const diag = (fields: [string, string][]) => parseDsregcmd(section('Diagnostic Data', fields));

  it.each([
    ['SYSTEM', 'system'],
    ['ELEVATED User', 'elevated'],
    ['UN-ELEVATED User', 'user'],
  ] as const)('User Context %s → %s', (value, expected) => {
    expect(diag([['User Context', value]]).userContext).toBe(expected);
  });

  it('a computer account ($) as executing account means SYSTEM; a user account says nothing', () => {
    expect(diag([['Executing Account Name', 'CONTOSO\\PC-0042$, ']]).userContext).toBe('system');
    expect(diag([['Executing Account Name', 'AzureAD\\Jane, jane@contoso.com']]).userContext).toBeNull();
  });

  it('the demo renderer (dev/dsregcmd-render.ts) round-trips: user run and SYSTEM run', () => {
    const device = {
      deviceId: '6e4cbe68-588b-499c-8c04-dcfff140a1ca',
      tenantId: 'd10f84e2-ba05-45c0-90b7-994f1fafa537',
      tenantName: 'Contoso Müller',
      deviceName: 'PC-0042',
      azureAdJoined: true,
      domainJoined: true,
    };
    const user = parseDsregcmd(
      renderDsregcmdStatus(device, {
        upn: 'jane@contoso.com',
        ngcSet: true,
        ngcKeyId: 'fa0db076-a5d7-4844-82d8-50a2fb42ec7b',
        canReset: 'DestructiveOnly',
      }),
    );
    expect(user).toMatchObject({
      joinType: 'hybridJoined',
      deviceId: device.deviceId,
      tenantId: device.tenantId,
      tenantName: device.tenantName,
      deviceName: 'PC-0042',
      ngcSet: true,
      ngcKeyId: 'fa0db076-a5d7-4844-82d8-50a2fb42ec7b',
      canReset: 'DestructiveOnly',
      userContext: null,
      warnings: [],
    });
    const system = parseDsregcmd(renderDsregcmdStatus(device));
    expect(system).toMatchObject({
      joinType: 'hybridJoined',
      userContext: 'system',
      canReset: null,
      warnings: [],
    });
  });
});

describe('decodeDsregcmdText', () => {
  const sample = '        NgcSet : YES\r\n      CanReset : DestructiveOnly\r\n    TenantName : Müller\r\n';

  it.each([
    ['UTF-8', Buffer.from(sample, 'utf8')],
    ['UTF-8 BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(sample, 'utf8')])],
    ['UTF-16LE BOM', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(sample, 'utf16le')])],
    ['UTF-16LE no BOM', Buffer.from(sample, 'utf16le')],
    ['UTF-16BE BOM', Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(sample, 'utf16le').swap16()])],
    ['UTF-16BE no BOM', Buffer.from(sample, 'utf16le').swap16()],
    ['string with BOM', `\uFEFF${sample}`],
  ])('%s decodes to the same text without warnings', (_label, input) => {
    expect(decodeDsregcmdText(input)).toEqual({ text: sample, warnings: [] });
  });

  it('invalid UTF-8 falls back to windows-1252 with a warning', () => {
    const bytes = Buffer.from([...Buffer.from('TenantName : M'), 0xfc, 0x80, ...Buffer.from('ller')]);
    expect(decodeDsregcmdText(bytes)).toEqual({
      text: 'TenantName : Mü€ller',
      warnings: ['input is not valid UTF-8; decoded as windows-1252'],
    });
  });

  it('UTF-16 text mis-read as 8-bit (a NUL after every character) is repaired with a warning', () => {
    const r = decodeDsregcmdText(Buffer.from(sample, 'utf16le').toString('latin1'));
    expect(r.text).toBe(sample);
    expect(r.warnings).toHaveLength(1);
  });

  it('an odd UTF-16 byte count drops the last byte with a warning', () => {
    const r = decodeDsregcmdText(
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('NgcSet : NO', 'utf16le'), Buffer.from([0x41])]),
    );
    expect(r.text).toBe('NgcSet : NO');
    expect(r.warnings.join(' ')).toMatch(/odd number of bytes/);
  });

  it('empty input is empty text', () => {
    expect(decodeDsregcmdText(new Uint8Array())).toEqual({ text: '', warnings: [] });
    expect(parseDsregcmd('').warnings).toEqual(['no dsregcmd fields found']);
  });
});

it('reads only the first MAX_INPUT_CHARS of an oversized body, with a warning', () => {
  const s = parseDsregcmd(`NgcSet : YES\n${'x'.repeat(MAX_INPUT_CHARS)}`);
  expect(s.ngcSet).toBe(true);
  expect(s.warnings.join(' ')).toMatch(/only the first \d+ were read/);
});
