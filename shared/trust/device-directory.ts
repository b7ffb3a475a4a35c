/**
 * Check 6 of the protocol: Entra's record of the device. The lookup sits behind
 * DeviceDirectory so the cache, the simulator and a future non-Graph proof can stand in.
 * Graph labels alternativeSecurityIds "internal use": only this module reads it.
 */
import { type GraphCollection, type GraphPort, GraphRequestError } from '../graph/port.js';
import {
  type AlternativeSecurityId,
  bindingMatches,
  type CertificateBinding,
} from './alternative-security-id.js';
import { TrustRejection } from './errors.js';

export interface EntraDevice {
  /** Directory object id. */
  id: string;
  /** Entra device id (lower-case GUID). */
  deviceId: string;
  displayName: string | null;
  accountEnabled: boolean;
  alternativeSecurityIds: AlternativeSecurityId[];
  /** Workplace | AzureAd | ServerAd, as Graph spells it. */
  trustType: string | null;
}

export interface DeviceDirectory {
  /** The device, or null when Entra has none with this id. Throws TrustRejection 503 when Entra cannot answer. */
  findByDeviceId(deviceId: string): Promise<EntraDevice | null>;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const DEVICE_SELECT = 'id,deviceId,displayName,accountEnabled,alternativeSecurityIds,trustType';

interface GraphDevice {
  id?: string;
  deviceId?: string | null;
  displayName?: string | null;
  accountEnabled?: boolean | null;
  alternativeSecurityIds?: AlternativeSecurityId[] | null;
  trustType?: string | null;
}

function unavailable(err: unknown): TrustRejection {
  const why =
    err instanceof GraphRequestError
      ? `Graph answered ${err.status} ${err.code}`
      : `Graph could not be reached (${err instanceof Error ? err.name : 'error'})`;
  return new TrustRejection('directory_unavailable', `the Entra device directory is unavailable: ${why}`);
}

/** Entra through Graph v1.0: `GET /devices?$filter=deviceId eq '<id>'`. */
export class GraphDeviceDirectory implements DeviceDirectory {
  constructor(private readonly graph: GraphPort) {}

  async findByDeviceId(deviceId: string): Promise<EntraDevice | null> {
    // Only a GUID goes into the $filter: nothing the caller sends can alter the query.
    if (!GUID.test(deviceId)) return null;
    const id = deviceId.toLowerCase();
    let page: GraphCollection<GraphDevice>;
    try {
      page = await this.graph.get<GraphCollection<GraphDevice>>(
        `/devices?$filter=deviceId eq '${id}'&$select=${DEVICE_SELECT}`,
        { version: 'v1.0' },
      );
    } catch (err) {
      throw unavailable(err);
    }
    const found = (page?.value ?? []).find((d) => d.deviceId?.toLowerCase() === id);
    if (!found?.id) return null;
    return {
      id: found.id,
      deviceId: id,
      displayName: found.displayName ?? null,
      accountEnabled: found.accountEnabled === true,
      alternativeSecurityIds: found.alternativeSecurityIds ?? [],
      trustType: found.trustType ?? null,
    };
  }
}

export interface DeviceCacheOptions {
  /** How long a found device is reused. */
  ttlMs: number;
  /** How long "no such device" is reused; shorter, so a newly joined device is not locked out. */
  negativeTtlMs: number;
  /** Upper bound of cached ids; the least recently used goes first. */
  maxEntries: number;
  now?: () => number;
}

interface CacheEntry {
  device: EntraDevice | null;
  expiresAt: number;
}

/**
 * Caches answers (found and not found) and shares one lookup among concurrent requests
 * for the same id, so a burst of uploads costs one Graph call. Failures are never cached:
 * the next request asks Entra again.
 */
export class CachedDeviceDirectory implements DeviceDirectory {
  private readonly entries = new Map<string, CacheEntry>();
  private readonly inFlight = new Map<string, Promise<EntraDevice | null>>();
  private readonly now: () => number;

  constructor(
    private readonly inner: DeviceDirectory,
    private readonly options: DeviceCacheOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  async findByDeviceId(deviceId: string): Promise<EntraDevice | null> {
    const key = deviceId.toLowerCase();
    const hit = this.entries.get(key);
    if (hit) {
      if (hit.expiresAt > this.now()) {
        // Re-insert to mark it most recently used (Map keeps insertion order).
        this.entries.delete(key);
        this.entries.set(key, hit);
        return hit.device;
      }
      this.entries.delete(key);
    }
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    // Cleared in a later microtask, so even a synchronous failure of `inner` is not kept.
    const lookup = this.lookup(key).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, lookup);
    return lookup;
  }

  /** Forgets one device, e.g. after an admin re-registered it. */
  invalidate(deviceId: string): void {
    this.entries.delete(deviceId.toLowerCase());
  }

  get size(): number {
    return this.entries.size;
  }

  private async lookup(key: string): Promise<EntraDevice | null> {
    const device = await this.inner.findByDeviceId(key);
    const ttl = device ? this.options.ttlMs : this.options.negativeTtlMs;
    if (ttl > 0 && this.options.maxEntries > 0) {
      this.entries.set(key, { device, expiresAt: this.now() + ttl });
      while (this.entries.size > this.options.maxEntries) {
        const oldest = this.entries.keys().next().value as string;
        this.entries.delete(oldest);
      }
    }
    return device;
  }
}

/** Exists (403), enabled (403), and this exact certificate registered on it (401). */
export async function checkEntraDevice(
  directory: DeviceDirectory,
  deviceId: string,
  binding: CertificateBinding,
): Promise<EntraDevice> {
  const device = await directory.findByDeviceId(deviceId);
  if (!device) throw new TrustRejection('device_unknown', 'Entra has no device with this id');
  if (!device.accountEnabled) throw new TrustRejection('device_disabled', 'the Entra device is disabled');
  if (!bindingMatches(device.alternativeSecurityIds, binding)) {
    throw new TrustRejection(
      'certificate_not_registered',
      'the certificate thumbprint and public-key hash do not match any certificate Entra holds for this device',
    );
  }
  return device;
}
