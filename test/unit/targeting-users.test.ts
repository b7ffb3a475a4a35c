/** Naming a reporting user by object id: Entra SID conversion, AD SID and UPN through group members. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  deviceTargetUsers,
  entraSidOf,
  objectIdFromEntraSid,
  reportedUserId,
} from '../../shared/targeting/users.js';

describe('Entra SIDs carry the object id', () => {
  it('reads the published example (S-1-12-1-… ↔ object id)', () => {
    // The conversion Intune admins use for Entra users' SIDs (four little-endian UInt32s of the GUID bytes).
    expect(objectIdFromEntraSid('S-1-12-1-1943430372-1249052806-2496021943-3034400218')).toBe(
      '73d664e4-0886-4a73-b745-c694da45ddb4',
    );
    expect(entraSidOf('73d664e4-0886-4a73-b745-c694da45ddb4')).toBe(
      'S-1-12-1-1943430372-1249052806-2496021943-3034400218',
    );
  });

  it('round-trips any GUID, and refuses other SIDs', () => {
    fc.assert(
      fc.property(fc.uuid(), (id) => {
        expect(objectIdFromEntraSid(entraSidOf(id))).toBe(id.toLowerCase());
      }),
    );
    expect(objectIdFromEntraSid('S-1-5-21-1004336348-1177238915-682003330-1105')).toBeNull();
    expect(objectIdFromEntraSid('S-1-12-1-1-2-3-99999999999')).toBeNull();
  });
});

describe('reporting users as targeting users', () => {
  const dir = {
    userIdBySid: (sid: string) =>
      sid === 'S-1-5-21-1-2-3-1105' ? 'c0000000-0000-4000-8000-000000000003' : undefined,
    userIdByUpn: (upn: string) =>
      upn === 'dora@contoso.com' ? 'd0000000-0000-4000-8000-000000000004' : undefined,
  };
  it('Entra SID, synced AD SID (any case), then UPN; unnamed users keep a key no group has', () => {
    expect(reportedUserId({ userKey: 'k', sid: 's-1-5-21-1-2-3-1105', upn: null }, dir)).toBe(
      'c0000000-0000-4000-8000-000000000003',
    );
    expect(reportedUserId({ userKey: 'k', sid: null, upn: 'Dora@Contoso.com' }, dir)).toBe(
      'd0000000-0000-4000-8000-000000000004',
    );
    expect(
      deviceTargetUsers(
        ['a0000000-0000-4000-8000-000000000001'],
        [
          { userKey: 'x', sid: entraSidOf('b0000000-0000-4000-8000-000000000002'), upn: null },
          { userKey: 'S-1-5-21-9-9-9-1', sid: 'S-1-5-21-9-9-9-1', upn: 'eve@contoso.com' },
          { userKey: 'a', sid: entraSidOf('a0000000-0000-4000-8000-000000000001'), upn: null },
        ],
        dir,
      ),
    ).toEqual([
      'a0000000-0000-4000-8000-000000000001',
      'b0000000-0000-4000-8000-000000000002',
      'report:s-1-5-21-9-9-9-1',
    ]);
  });
});
