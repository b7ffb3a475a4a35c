/**
 * The expectations helper must agree with what the simulator actually serves: a minimal
 * SDK-driven collection that follows the documented plan uses exactly the predicted
 * number of requests per endpoint.
 */
import { Client, PageIterator } from '@microsoft/microsoft-graph-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectedCollectionRequests, pagesFor } from '../../dev/graph-sim/expectations.js';
import { GENERATED, generateTenant } from '../../dev/graph-sim/generate.js';
import { type GraphSimulator, startGraphSimulator } from '../../dev/graph-sim/server.js';
import {
  PIN_RESET_CLIENT_APP_ID,
  PIN_RESET_SERVICE_APP_ID,
  type Tenant,
} from '../../dev/graph-sim/tenant.js';
import { ensureDevCa } from '../../dev/tls.js';
import { testCaDir } from '../support/env.js';

const pageSizes = {
  managedDevices: 40,
  deviceConfigurations: 3,
  intents: 1,
  deviceRunStates: 30,
  directoryMaxTop: 999,
};
let sim: GraphSimulator;
let tenant: Tenant;
let client: Client;

async function drain(path: string, version: 'v1.0' | 'beta'): Promise<number> {
  let n = 0;
  const first = await client.api(path).version(version).get();
  await new PageIterator(client, first, () => {
    n++;
    return true;
  }).iterate();
  return n;
}

beforeAll(async () => {
  tenant = generateTenant({ devices: 230, seed: 'expectations', fillerPolicies: 40 });
  sim = await startGraphSimulator({ tenant, ca: await ensureDevCa(testCaDir()), pageSizes });
  client = Client.initWithMiddleware({
    authProvider: { getAccessToken: async () => sim.token },
    baseUrl: sim.baseUrl,
    customHosts: new Set(['localhost']),
  });
});

afterAll(async () => {
  await sim?.stop();
});

it('pagesFor counts one request for an empty collection', () => {
  expect([pagesFor(0, 25), pagesFor(25, 25), pagesFor(26, 25)]).toEqual([1, 1, 2]);
});

it('predicts exactly the requests of a collection that follows the documented plan', async () => {
  const script = tenant.deviceHealthScripts.find((s) => s.displayName === GENERATED.healthScript);
  const expected = expectedCollectionRequests(tenant, { pageSizes, remediationScriptId: script?.id });
  sim.resetStats();
  expect(await drain('/deviceManagement/managedDevices', 'beta')).toBe(tenant.managedDevices.length);
  await drain('/deviceManagement/configurationPolicies?$expand=settings,assignments', 'beta');
  await drain('/deviceManagement/deviceConfigurations?$expand=assignments', 'beta');
  for (const i of tenant.intents) {
    await drain(`/deviceManagement/intents/${i.id}/settings`, 'beta');
    await drain(`/deviceManagement/intents/${i.id}/assignments`, 'beta');
  }
  await drain('/deviceManagement/intents', 'beta');
  for (const g of expected.groupIds) {
    await drain(`/groups/${g}/transitiveMembers/microsoft.graph.device?$select=id,deviceId&$top=999`, 'v1.0');
    await drain(
      `/groups/${g}/transitiveMembers/microsoft.graph.user?$select=id,userPrincipalName,onPremisesSecurityIdentifier&$top=999`,
      'v1.0',
    );
  }
  await drain(
    `/devices?$filter=${encodeURIComponent("operatingSystem eq 'Windows'")}&$select=id,deviceId,accountEnabled,trustType,operatingSystem&$top=999`,
    'v1.0',
  );
  for (const appId of [PIN_RESET_SERVICE_APP_ID, PIN_RESET_CLIENT_APP_ID]) {
    await client.api('/servicePrincipals').filter(`appId eq '${appId}'`).get();
  }
  await client.api('/organization').select('id').get();
  await drain(
    `/deviceManagement/deviceHealthScripts/${script?.id}/deviceRunStates?$expand=managedDevice`,
    'beta',
  );

  expect(sim.stats().requestsByEndpoint).toEqual(expected.byEndpoint);
  expect(sim.stats().total).toBe(expected.total);
  expect(expected.byEndpoint['GET /beta/deviceManagement/configurationPolicies']).toBeGreaterThan(1);
  expect(expected.byFamily.intuneConfigV2).toBe(
    expected.byEndpoint['GET /beta/deviceManagement/configurationPolicies'],
  );
  expect(expected.groupIds.length).toBeGreaterThan(5);
});
