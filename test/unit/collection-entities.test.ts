/** Pure parts of the collection: entity mapping both ways, the partition scheme, run cost and the request floor. */
import { describe, expect, it } from 'vitest';
import {
  deviceEntity,
  deviceFromEntity,
  policyEntity,
  policyFromEntity,
  tenantEntity,
  tenantFromEntity,
} from '../../shared/collection/entities.js';
import { graphDelta } from '../../shared/collection/plan.js';
import { GRAPH_PAGE_LIMITS, minimumGraphRequests } from '../../shared/collection/request-floor.js';
import { devicePartition } from '../../shared/collection/tables.js';
import type { ManagedDeviceRecord } from '../../shared/posture/inputs.js';
import { contentHash } from '../../shared/storage/entity-sync.js';
import type { PinRecoveryPolicy } from '../../shared/targeting/types.js';

const device: ManagedDeviceRecord = {
  id: 'a1b2c3d4-0000-4000-8000-000000000001',
  deviceName: 'PC-1',
  azureADDeviceId: 'f0e1d2c3-0000-4000-8000-000000000002',
  osVersion: '10.0.22631.4317',
  joinType: 'azureADJoined',
  complianceState: 'compliant',
  lastSyncDateTime: '2025-06-01T08:00:00Z',
  enrolledDateTime: null,
  userPrincipalName: 'ann@contoso.com',
  userId: '11111111-0000-4000-8000-000000000003',
  managementAgent: 'mdm',
  ownerType: 'company',
  manufacturer: null,
  model: null,
  serialNumber: 'SN1',
  skuFamily: 'Enterprise',
  usersLoggedOn: [{ userId: '11111111-0000-4000-8000-000000000003', lastLogOnDateTime: null }],
};

describe('device entities', () => {
  it('round-trip every collected property, nulls left out of the row', () => {
    const e = deviceEntity(device);
    expect(e.partitionKey).toBe('a1');
    expect(e.rowKey).toBe(device.id);
    expect('Manufacturer' in e).toBe(false);
    expect(deviceFromEntity(e)).toEqual({ ...device, removed: false, removedAt: null, entra: null });
  });

  it('carries the Entra device facts (accountEnabled, trustType, object id) from the devices list', () => {
    const entra = {
      objectId: 'e0000000-0000-4000-8000-000000000009',
      deviceId: device.azureADDeviceId as string,
      accountEnabled: false,
      trustType: 'ServerAd',
    };
    const e = deviceEntity(device, entra);
    expect(e).toMatchObject({
      EntraAccountEnabled: false,
      EntraTrustType: 'ServerAd',
      SkuFamily: 'Enterprise',
    });
    expect(deviceFromEntity(e).entra).toEqual({
      objectId: entra.objectId,
      accountEnabled: false,
      trustType: 'ServerAd',
    });
    // A flipped accountEnabled is a content change: the next collection writes the row.
    expect(contentHash(deviceEntity(device, { ...entra, accountEnabled: true }))).not.toBe(contentHash(e));
  });

  it('hash equal for equal content and different when a property changes', () => {
    expect(contentHash(deviceEntity({ ...device }))).toBe(contentHash(deviceEntity(device)));
    expect(contentHash(deviceEntity({ ...device, complianceState: 'noncompliant' }))).not.toBe(
      contentHash(deviceEntity(device)),
    );
  });

  it('reads the removed flag and time syncEntities sets', () => {
    const at = new Date('2025-06-02T00:00:00Z');
    expect(deviceFromEntity({ ...deviceEntity(device), Removed: true, RemovedAt: at })).toMatchObject({
      removed: true,
      removedAt: at.toISOString(),
    });
  });
});

describe('devicePartition', () => {
  it('spreads random GUIDs over the 256 two-hex-digit partitions', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 4096; i++) seen.add(devicePartition(crypto.randomUUID()));
    expect(seen.size).toBe(256);
    expect(devicePartition('AB000000-0000-0000-0000-000000000000')).toBe('ab');
    expect(devicePartition('not-a-guid')).toBe('zz');
  });
});

describe('policy and tenant entities', () => {
  it('keep a null value as null and assignments intact', () => {
    const p: PinRecoveryPolicy = {
      id: 'p1:user',
      graphId: 'p1',
      name: 'AP',
      kind: 'endpointSecurity',
      scope: 'user',
      value: null,
      effective: true,
      issues: ['POLICY_DUPLICATE_SETTING'],
      lastModifiedDateTime: null,
      assignments: [{ target: 'group', groupId: 'g1', filterId: 'f', filterType: 'exclude' }],
    };
    expect(policyFromEntity(policyEntity(p))).toEqual({ ...p, removed: false });
  });

  it('tenant readiness round-trips, unknowns included', () => {
    const r = {
      service: { present: true, enabled: false, servicePrincipalId: 'sp1' },
      client: { present: null, enabled: null, servicePrincipalId: null },
      state: 'disabled' as const,
    };
    expect(tenantFromEntity(tenantEntity('t1', r))).toEqual({ tenantId: 't1', readiness: r });
  });
});

describe('graphDelta', () => {
  it('counts this run only, and not items carried inside $batch', () => {
    const before = { requestsByEndpoint: { 'GET /a': 2 }, retries: 1 };
    const after = {
      requestsByEndpoint: { 'GET /a': 5, 'POST /v1.0/$batch': 1, 'GET /b (in $batch)': 20 },
      retries: 4,
    };
    expect(graphDelta(before, after)).toEqual({
      byEndpoint: { 'GET /a': 3, 'POST /v1.0/$batch': 1, 'GET /b (in $batch)': 20 },
      requests: 4,
      retries: 3,
    });
  });
});

describe('minimumGraphRequests', () => {
  it('adds pages per stage, $batch first pages 20 at a time and later pages one by one', () => {
    const floor = minimumGraphRequests({
      windowsManagedDevices: 2500,
      tenantIdKnown: false,
      configurationPolicies: 30,
      windowsPolicySettings: [...Array(21).fill(3), 60],
      deviceConfigurations: 0,
      intentSettings: [],
      candidateAssignments: [{ count: 2, pageSize: 25 }],
      groupMembers: [{ devices: 2000, users: 0 }],
    });
    expect(floor.byStage).toEqual({
      managedDevices: 3,
      entraDevices: 3, // 2,500 Windows devices in Entra at 999 per page
      organization: 1,
      configurationPolicies: 2,
      policySettings: 2 + 2, // 22 first pages in 2 batches, the 60-setting policy needs 2 more
      deviceConfigurations: 1,
      intents: 1,
      intentSettings: 0,
      assignments: 1,
      groupMembers: 1 + 2, // device + user casts in one batch, 2,000 devices need 2 more pages of 999
      servicePrincipals: 1,
    });
    expect(floor.total).toBe(20);
    expect(GRAPH_PAGE_LIMITS.batch).toBe(20);
  });
});
