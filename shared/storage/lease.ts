/**
 * A named lease in one table entity, so only one collection run works at a time even with
 * several Function instances. Exclusivity comes from the service: a conditional create
 * (409 when it exists) or an etag-conditional update (412 when someone else moved first).
 * An expired lease (its holder crashed) may be taken over.
 */
import { RestError, type TableClient } from '@azure/data-tables';
import { keyPart } from './keys.js';

const LEASE_PARTITION = 'lease';

export interface LeaseOptions {
  ttlMs: number;
  /** Who holds it (instance id + run id): shown to operators, lets the holder re-acquire. */
  owner: string;
  now?: Date;
}

export interface Lease {
  readonly name: string;
  readonly owner: string;
  readonly expiresAt: Date;
  /** Extends the lease by ttlMs from `now`; false when it was lost (taken over or deleted). */
  renew(now?: Date): Promise<boolean>;
  /** Gives the lease up; a lease already lost is not an error. */
  release(): Promise<void>;
}

export async function acquireLease(
  table: TableClient,
  name: string,
  options: LeaseOptions,
): Promise<Lease | null> {
  const now = options.now ?? new Date();
  const rowKey = keyPart(name);
  const entity = (at: Date, acquiredAt: Date = at) => ({
    partitionKey: LEASE_PARTITION,
    rowKey,
    Name: name,
    Owner: options.owner,
    AcquiredAt: acquiredAt,
    ExpiresAt: new Date(at.getTime() + options.ttlMs),
  });

  let etag: string | undefined;
  try {
    const current = await table.getEntity<{ Owner?: string; ExpiresAt?: Date | string }>(
      LEASE_PARTITION,
      rowKey,
    );
    const expiresAt = current.ExpiresAt ? new Date(current.ExpiresAt) : new Date(0);
    if (expiresAt > now && current.Owner !== options.owner) return null;
    const res = await table.updateEntity(entity(now), 'Replace', { etag: current.etag });
    etag = res.etag;
  } catch (err) {
    const status = err instanceof RestError ? err.statusCode : undefined;
    if (status === 412) return null; // another acquirer updated first
    if (status !== 404) throw err;
    try {
      etag = (await table.createEntity(entity(now))).etag;
    } catch (createErr) {
      if (createErr instanceof RestError && createErr.statusCode === 409) return null; // created first elsewhere
      throw createErr;
    }
  }
  if (!etag) throw new Error('lease write returned no etag');

  let currentEtag = etag;
  let expiresAt = new Date(now.getTime() + options.ttlMs);
  return {
    name,
    owner: options.owner,
    get expiresAt() {
      return expiresAt;
    },
    async renew(at = new Date()) {
      try {
        const next = entity(at, now);
        const res = await table.updateEntity(next, 'Replace', { etag: currentEtag });
        if (!res.etag) throw new Error('lease write returned no etag');
        currentEtag = res.etag;
        expiresAt = next.ExpiresAt;
        return true;
      } catch (err) {
        if (err instanceof RestError && (err.statusCode === 412 || err.statusCode === 404)) return false;
        throw err;
      }
    },
    async release() {
      try {
        await table.deleteEntity(LEASE_PARTITION, rowKey, { etag: currentEtag });
      } catch (err) {
        if (err instanceof RestError && (err.statusCode === 412 || err.statusCode === 404)) return;
        throw err;
      }
    },
  };
}
