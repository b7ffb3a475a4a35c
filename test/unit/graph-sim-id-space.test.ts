/**
 * The streaming simulator's ids: each index has one GUID, the GUID gives the index back, ids of
 * another space or size are refused, and the first two hex characters (the collection's shard)
 * spread evenly, as random GUIDs do.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IdSpace } from '../../dev/graph-sim/id-space.js';

const GUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('IdSpace', () => {
  const space = new IdSpace('seed', 'devices', 2_000_000);

  it('permute is a bijection on 32-bit words', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (x) => {
        expect(space.unpermute(space.permute(x))).toBe(x);
      }),
    );
  });

  it('every index has a version-4 GUID that maps back to it; others are refused', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_999_999 }), (i) => {
        const id = space.guid(i);
        expect(id).toMatch(GUID_V4);
        expect(space.indexOf(id)).toBe(i);
        expect(space.indexOf(id.toUpperCase())).toBe(i);
        // Same index in another space, or one past the size: not ours.
        expect(new IdSpace('seed', 'users', 2_000_000).indexOf(id)).toBeUndefined();
        expect(new IdSpace('seed', 'devices', i).indexOf(id)).toBeUndefined();
      }),
    );
    expect(space.indexOf('not-a-guid')).toBeUndefined();
    // A GUID whose head decodes to a valid index but whose tail differs.
    const forged = `${space.guid(5).slice(0, 9)}0000-4000-8000-000000000000`;
    expect(space.indexOf(forged)).toBeUndefined();
  });

  it('spreads ids over the 256 shards of their first two hex characters', () => {
    const counts = new Map<string, number>();
    const n = 256 * 400;
    for (let i = 0; i < n; i++) {
      const shard = space.guid(i).slice(0, 2);
      counts.set(shard, (counts.get(shard) ?? 0) + 1);
    }
    expect(counts.size).toBe(256);
    for (const c of counts.values()) {
      expect(c).toBeGreaterThan(400 * 0.75);
      expect(c).toBeLessThan(400 * 1.25);
    }
  });
});
