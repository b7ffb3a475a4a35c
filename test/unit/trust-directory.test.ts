import { describe, expect, it } from 'vitest';
import { type GraphPort, GraphRequestError } from '../../shared/graph/port.js';
import {
  type AlternativeSecurityId,
  type CertificateBinding,
  encodeAlternativeSecurityId,
} from '../../shared/trust/alternative-security-id.js';
import {
  CachedDeviceDirectory,
  checkEntraDevice,
  type DeviceDirectory,
  type EntraDevice,
  GraphDeviceDirectory,
} from '../../shared/trust/device-directory.js';
import { TrustRejection } from '../../shared/trust/errors.js';

const ID = '0f8fad5b-d9cb-469f-a165-70867728950e';
const BINDING: CertificateBinding = {
  thumbprint: '0BF36D245A124205D42B7FBCA6B6AB65A5B06A3C',
  publicKeyHash: 'ZVs5tpgVzPuTl1bqXmiO5XdYq7ncL1dfWuL8fANeo+Y=',
};

function device(over: Partial<EntraDevice> = {}): EntraDevice {
  return {
    id: 'obj-1',
    deviceId: ID,
    displayName: 'PC-0042',
    accountEnabled: true,
    alternativeSecurityIds: [encodeAlternativeSecurityId(BINDING)],
    trustType: 'AzureAd',
    ...over,
  };
}

/** In-memory directory: answers from a map, counts calls, can be told to fail or to hold. */
class FakeDirectory implements DeviceDirectory {
  calls = 0;
  devices = new Map<string, EntraDevice>();
  failWith: unknown = null;
  gate: Promise<void> | null = null;

  async findByDeviceId(deviceId: string): Promise<EntraDevice | null> {
    this.calls++;
    if (this.gate) await this.gate;
    if (this.failWith) throw this.failWith;
    return this.devices.get(deviceId) ?? null;
  }
}

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

async function rejectionOf(p: Promise<unknown>): Promise<TrustRejection> {
  try {
    await p;
  } catch (err) {
    if (err instanceof TrustRejection) return err;
    throw err;
  }
  throw new Error('expected a TrustRejection');
}

describe('checkEntraDevice', () => {
  const dir = (d: EntraDevice | null): DeviceDirectory => ({ findByDeviceId: async () => d });

  it('returns the device when it exists, is enabled and holds this certificate', async () => {
    expect((await checkEntraDevice(dir(device()), ID, BINDING)).id).toBe('obj-1');
  });

  it('accepts a lower-case thumbprint in Entra and a match on any of several entries', async () => {
    const lower = encodeAlternativeSecurityId({ ...BINDING, thumbprint: BINDING.thumbprint.toLowerCase() });
    const other = encodeAlternativeSecurityId({ ...BINDING, thumbprint: 'A'.repeat(40) });
    const d = device({
      alternativeSecurityIds: [other, { type: 1, identityProvider: null, key: 'AAAA' }, lower],
    });
    await expect(checkEntraDevice(dir(d), ID, BINDING)).resolves.toBeDefined();
  });

  it('403 device_unknown when Entra has no such device', async () => {
    const r = await rejectionOf(checkEntraDevice(dir(null), ID, BINDING));
    expect([r.status, r.code]).toEqual([403, 'device_unknown']);
  });

  it('403 device_disabled when the device is disabled', async () => {
    const r = await rejectionOf(checkEntraDevice(dir(device({ accountEnabled: false })), ID, BINDING));
    expect([r.status, r.code]).toEqual([403, 'device_disabled']);
  });

  it.each<[string, AlternativeSecurityId[]]>([
    ['another thumbprint', [encodeAlternativeSecurityId({ ...BINDING, thumbprint: 'B'.repeat(40) })]],
    [
      'another key hash',
      [
        encodeAlternativeSecurityId({
          ...BINDING,
          publicKeyHash: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
        }),
      ],
    ],
    [
      // The community code's substring match would accept this one.
      'a thumbprint that merely contains ours',
      [
        {
          type: 2,
          identityProvider: null,
          key: Buffer.from(
            `X509:<SHA1-TP-PUBKEY>${BINDING.thumbprint.slice(0, 40)}${BINDING.publicKeyHash}extra`,
            'utf16le',
          ).toString('base64'),
        },
      ],
    ],
    ['the right value under another type', [{ ...encodeAlternativeSecurityId(BINDING), type: 1 }]],
    ['no entries', []],
  ])('401 certificate_not_registered for %s', async (_label, ids) => {
    const r = await rejectionOf(checkEntraDevice(dir(device({ alternativeSecurityIds: ids })), ID, BINDING));
    expect([r.status, r.code]).toEqual([401, 'certificate_not_registered']);
  });

  it('503 directory_unavailable passes through from the directory', async () => {
    const failing: DeviceDirectory = {
      findByDeviceId: async () => {
        throw new TrustRejection('directory_unavailable', 'down');
      },
    };
    const r = await rejectionOf(checkEntraDevice(failing, ID, BINDING));
    expect([r.status, r.code]).toEqual([503, 'directory_unavailable']);
  });
});

describe('CachedDeviceDirectory', () => {
  const opts = { ttlMs: 300_000, negativeTtlMs: 60_000, maxEntries: 100 };

  it('reuses a found device until its TTL passes', async () => {
    const inner = new FakeDirectory();
    inner.devices.set(ID, device());
    const c = clock();
    const cache = new CachedDeviceDirectory(inner, { ...opts, now: c.now });
    expect((await cache.findByDeviceId(ID))?.id).toBe('obj-1');
    c.advance(299_999);
    inner.devices.set(ID, device({ accountEnabled: false }));
    expect((await cache.findByDeviceId(ID.toUpperCase()))?.accountEnabled).toBe(true);
    expect(inner.calls).toBe(1);
    c.advance(1);
    expect((await cache.findByDeviceId(ID))?.accountEnabled).toBe(false);
    expect(inner.calls).toBe(2);
  });

  it('caches "not found" for the shorter negative TTL, so a new device gets in soon', async () => {
    const inner = new FakeDirectory();
    const c = clock();
    const cache = new CachedDeviceDirectory(inner, { ...opts, now: c.now });
    expect(await cache.findByDeviceId(ID)).toBeNull();
    inner.devices.set(ID, device());
    c.advance(59_999);
    expect(await cache.findByDeviceId(ID)).toBeNull();
    c.advance(1);
    expect((await cache.findByDeviceId(ID))?.id).toBe('obj-1');
    expect(inner.calls).toBe(2);
  });

  it('does not cache failures: the next request asks again', async () => {
    const inner = new FakeDirectory();
    inner.devices.set(ID, device());
    inner.failWith = new TrustRejection('directory_unavailable', 'Graph answered 503');
    const cache = new CachedDeviceDirectory(inner, opts);
    await expect(cache.findByDeviceId(ID)).rejects.toMatchObject({ code: 'directory_unavailable' });
    inner.failWith = null;
    expect((await cache.findByDeviceId(ID))?.id).toBe('obj-1');
    expect(inner.calls).toBe(2);
  });

  it('does not keep a synchronous failure of the inner directory either', async () => {
    let calls = 0;
    const inner: DeviceDirectory = {
      findByDeviceId: (() => {
        calls++;
        if (calls === 1) throw new Error('boom');
        return Promise.resolve(device());
      }) as DeviceDirectory['findByDeviceId'],
    };
    const cache = new CachedDeviceDirectory(inner, opts);
    await expect(cache.findByDeviceId(ID)).rejects.toThrow('boom');
    expect((await cache.findByDeviceId(ID))?.id).toBe('obj-1');
  });

  it('shares one lookup among concurrent requests for the same id (single flight)', async () => {
    const inner = new FakeDirectory();
    inner.devices.set(ID, device());
    let open!: () => void;
    inner.gate = new Promise<void>((r) => (open = r));
    const cache = new CachedDeviceDirectory(inner, opts);
    const all = Promise.all(Array.from({ length: 50 }, () => cache.findByDeviceId(ID)));
    const otherId = cache.findByDeviceId('9b2d1c3e-0000-4000-8000-000000000001');
    open();
    const results = await all;
    expect(results.every((d) => d?.id === 'obj-1')).toBe(true);
    expect(await otherId).toBeNull();
    expect(inner.calls).toBe(2); // one per distinct id
  });

  it('shares a failure among concurrent requests, then retries afresh', async () => {
    const inner = new FakeDirectory();
    inner.devices.set(ID, device());
    inner.failWith = new TrustRejection('directory_unavailable', 'down');
    let open!: () => void;
    inner.gate = new Promise<void>((r) => (open = r));
    const cache = new CachedDeviceDirectory(inner, opts);
    const pending = Array.from({ length: 10 }, () =>
      cache.findByDeviceId(ID).catch((e: TrustRejection) => e.code),
    );
    open();
    expect(await Promise.all(pending)).toEqual(Array(10).fill('directory_unavailable'));
    expect(inner.calls).toBe(1);
    inner.failWith = null;
    inner.gate = null;
    expect((await cache.findByDeviceId(ID))?.id).toBe('obj-1');
    expect(inner.calls).toBe(2);
  });

  it('holds at most maxEntries, dropping the least recently used', async () => {
    const inner = new FakeDirectory();
    const ids = ['a', 'b', 'c'].map((x) => `${x.repeat(8)}-0000-4000-8000-000000000000`);
    const cache = new CachedDeviceDirectory(inner, { ...opts, maxEntries: 2 });
    await cache.findByDeviceId(ids[0]!);
    await cache.findByDeviceId(ids[1]!);
    await cache.findByDeviceId(ids[0]!); // a is now the most recent
    await cache.findByDeviceId(ids[2]!); // evicts b
    expect(cache.size).toBe(2);
    expect(inner.calls).toBe(3);
    await cache.findByDeviceId(ids[0]!);
    expect(inner.calls).toBe(3);
    await cache.findByDeviceId(ids[1]!);
    expect(inner.calls).toBe(4);
  });

  it('invalidate() forgets one device', async () => {
    const inner = new FakeDirectory();
    inner.devices.set(ID, device());
    const cache = new CachedDeviceDirectory(inner, opts);
    await cache.findByDeviceId(ID);
    cache.invalidate(ID.toUpperCase());
    await cache.findByDeviceId(ID);
    expect(inner.calls).toBe(2);
  });
});

describe('GraphDeviceDirectory (mapping only; the HTTP path is tested against the simulator)', () => {
  function port(get: (path: string) => Promise<unknown>): GraphPort & { paths: string[] } {
    const paths: string[] = [];
    return {
      paths,
      get: async <T>(path: string) => {
        paths.push(path);
        return (await get(path)) as T;
      },
      pages: () => {
        throw new Error('not used');
      },
      batch: async () => [],
      post: async () => {
        throw new Error('not used');
      },
      stats: () => ({ requestsByEndpoint: {}, retries: 0 }),
    };
  }

  it('asks v1.0 /devices with the deviceId filter and $select, and maps the record', async () => {
    const g = port(async () => ({
      value: [
        {
          id: 'obj-1',
          deviceId: ID.toUpperCase(),
          displayName: 'PC-0042',
          accountEnabled: true,
          alternativeSecurityIds: [encodeAlternativeSecurityId(BINDING)],
          trustType: 'ServerAd',
        },
      ],
    }));
    const d = await new GraphDeviceDirectory(g).findByDeviceId(ID.toUpperCase());
    expect(g.paths).toEqual([
      `/devices?$filter=deviceId eq '${ID}'&$select=id,deviceId,displayName,accountEnabled,alternativeSecurityIds,trustType`,
    ]);
    expect(d).toMatchObject({ id: 'obj-1', deviceId: ID, accountEnabled: true, trustType: 'ServerAd' });
  });

  it('null for an empty answer, and never sends a non-GUID into $filter', async () => {
    const g = port(async () => ({ value: [] }));
    const dir = new GraphDeviceDirectory(g);
    expect(await dir.findByDeviceId(ID)).toBeNull();
    expect(await dir.findByDeviceId("x' or true or deviceId eq 'y")).toBeNull();
    expect(g.paths).toHaveLength(1);
  });

  it('treats a missing accountEnabled as disabled and missing alternativeSecurityIds as none', async () => {
    const g = port(async () => ({ value: [{ id: 'obj-1', deviceId: ID }] }));
    expect(await new GraphDeviceDirectory(g).findByDeviceId(ID)).toMatchObject({
      accountEnabled: false,
      alternativeSecurityIds: [],
    });
  });

  it.each([
    ['a Graph error', new GraphRequestError(429, 'TooManyRequests', 'throttled')],
    ['a network error', new TypeError('fetch failed')],
  ])('503 directory_unavailable for %s', async (_l, err) => {
    const r = await rejectionOf(
      new GraphDeviceDirectory(
        port(async () => {
          throw err;
        }),
      ).findByDeviceId(ID),
    );
    expect([r.status, r.code]).toEqual([503, 'directory_unavailable']);
  });
});
