/** Leases against Azurite: one holder at a time, takeover only after expiry. */
import { describe, expect, it } from 'vitest';
import { acquireLease } from '../../shared/storage/lease.js';
import { createTableProvider } from '../../shared/storage/tables.js';
import { testConfig } from '../support/env.js';

const provider = createTableProvider(testConfig().storage);
const T0 = new Date('2026-11-24T06:00:00Z');
const TTL = 60_000;
const at = (ms: number) => new Date(T0.getTime() + ms);

describe('acquireLease', () => {
  it('lets exactly one of many concurrent acquirers win', async () => {
    const table = await provider.table('Leases');
    const leases = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        acquireLease(table, 'collect-a', { ttlMs: TTL, owner: `run-${i}`, now: T0 }),
      ),
    );
    expect(leases.filter((l) => l !== null)).toHaveLength(1);
  });

  it('refuses a held lease, allows takeover after expiry, and the old holder then cannot renew or release it', async () => {
    const table = await provider.table('Leases');
    const first = await acquireLease(table, 'collect-b', { ttlMs: TTL, owner: 'one', now: T0 });
    expect(first).not.toBeNull();
    expect(await acquireLease(table, 'collect-b', { ttlMs: TTL, owner: 'two', now: at(30_000) })).toBeNull();
    expect(await first?.renew(at(50_000))).toBe(true); // now held until 110 s
    expect(await acquireLease(table, 'collect-b', { ttlMs: TTL, owner: 'two', now: at(100_000) })).toBeNull();

    const contenders = await Promise.all(
      ['two', 'three', 'four'].map((owner) =>
        acquireLease(table, 'collect-b', { ttlMs: TTL, owner, now: at(111_000) }),
      ),
    );
    const winners = contenders.filter((l) => l !== null);
    expect(winners).toHaveLength(1);
    expect(await first?.renew(at(112_000))).toBe(false);
    await first?.release(); // must not free the new holder's lease
    expect(
      await acquireLease(table, 'collect-b', { ttlMs: TTL, owner: 'five', now: at(113_000) }),
    ).toBeNull();
    expect(await winners[0]?.renew(at(114_000))).toBe(true);
  });

  it('is free again as soon as its holder releases it', async () => {
    const table = await provider.table('Leases');
    const lease = await acquireLease(table, 'collect-c', { ttlMs: TTL, owner: 'one', now: T0 });
    await lease?.release();
    const next = await acquireLease(table, 'collect-c', { ttlMs: TTL, owner: 'two', now: at(1_000) });
    expect(next?.owner).toBe('two');
    expect(next?.expiresAt.toISOString()).toBe(at(61_000).toISOString());
  });
});
