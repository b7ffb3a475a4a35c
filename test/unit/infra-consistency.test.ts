/**
 * There is no Bicep compiler here, so the templates are held to the code by reading their
 * text: every setting the app reads is deployed, no shared keys, Node 22 on Flex
 * Consumption, and the Graph permissions granted cover every endpoint the code calls.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { QUEUE_CONNECTION } from '../../functions/queues.js';
import { SETTING_NAMES } from '../../shared/config.js';
import { endpointPermissionFor, GRAPH_ENDPOINT_PERMISSIONS } from '../../shared/graph-permissions.js';

const ROOT = join(import.meta.dirname, '..', '..');
const read = (...p: string[]) => readFileSync(join(ROOT, ...p), 'utf8');
const main = read('infra', 'main.bicep');
const functionApp = read('infra', 'modules', 'function-app.bicep');
const storage = read('infra', 'modules', 'storage.bicep');
const roles = read('infra', 'modules', 'role-assignments.bicep');
const graphModule = read('infra', 'modules', 'graph-permissions.bicep');
const alerts = read('infra', 'modules', 'alerts.bicep');

interface PermissionEntry {
  name: string;
  id: string;
  optional: boolean;
}
const permissionsFile = JSON.parse(read('infra', 'graph-permissions.json')) as {
  resourceAppId: string;
  permissions: PermissionEntry[];
};

function files(dir: string, ext: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(ext))
    .map((e) => join(e.parentPath, e.name));
}

/** Body lines of `var <name> = {` up to its closing `}` at column 0. */
function bicepVarBlock(text: string, name: string): string[] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`var ${name} = {`));
  if (start < 0) throw new Error(`var ${name} not found`);
  const end = lines.findIndex((l, i) => i > start && l === '}');
  if (end < 0) throw new Error(`var ${name} is not closed`);
  return lines.slice(start + 1, end);
}

/** Top-level `KEY: value` entries of an object block (two-space indent), comments skipped. */
function entries(block: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of block) {
    const m = /^ {2}([A-Za-z_][A-Za-z0-9_]*): (.+)$/.exec(line);
    if (m?.[1] && m[2]) out.set(m[1], m[2].trim());
  }
  return out;
}

function bicepParams(text: string): Map<string, { hasDefault: boolean }> {
  const out = new Map<string, { hasDefault: boolean }>();
  for (const m of text.matchAll(/^param (\w+) \w+( =.*)?$/gm)) {
    if (m[1]) out.set(m[1], { hasDefault: m[2] !== undefined });
  }
  return out;
}

describe('app settings', () => {
  const settings = entries(bicepVarBlock(main, 'productSettings'));

  it('every setting shared/config.ts reads is deployed, and nothing else under that list', () => {
    const missing = SETTING_NAMES.filter((n) => !settings.has(n));
    expect(missing, 'add these to productSettings in infra/main.bicep').toEqual([]);
    const unknown = [...settings.keys()].filter((n) => !(SETTING_NAMES as readonly string[]).includes(n));
    expect(unknown, 'not read by shared/config.ts (typo?)').toEqual([]);
  });

  it('reaches the Function App: the module gets productSettings and turns them into app settings', () => {
    expect(main).toMatch(
      /module functionApp 'modules\/function-app\.bicep' = \{[\s\S]*?productSettings: productSettings/,
    );
    expect(functionApp).toMatch(
      /appSettings: \[for setting in items\(union\(hostSettings, productSettings\)\)/,
    );
  });

  it('stores no secret: storage, Graph and telemetry use the managed identity', () => {
    expect(settings.get('STORAGE_CONNECTION_STRING')).toBe("''");
    expect(settings.get('GRAPH_CLIENT_SECRET')).toBe("''");
    expect(settings.get('GRAPH_ACCESS_TOKEN')).toBe("''");
    expect(settings.get('GRAPH_CLIENT_ID')).toBe('identity.outputs.clientId');
    expect(settings.get('STORAGE_ACCOUNT_NAME')).toBe('storage.outputs.name');
    const host = entries(bicepVarBlock(functionApp, 'hostSettings'));
    expect(host.get('AzureWebJobsStorage__credential')).toBe("'managedidentity'");
    expect(host.get('AzureWebJobsStorage__clientId')).toBe('identityClientId');
    expect(host.get('APPLICATIONINSIGHTS_AUTHENTICATION_STRING')).toContain('Authorization=AAD');
    expect(host.has('AzureWebJobsStorage')).toBe(false);
    // DefaultAzureCredential picks a user-assigned identity only through AZURE_CLIENT_ID.
    expect(host.get('AZURE_CLIENT_ID')).toBe('identityClientId');
  });

  it('sets the tenant id, so the app never needs /organization (not granted)', () => {
    expect(settings.get('GRAPH_TENANT_ID')).toBe('tenant().tenantId');
  });
});

describe('queues', () => {
  const host = entries(bicepVarBlock(functionApp, 'hostSettings'));
  const settings = entries(bicepVarBlock(main, 'productSettings'));

  it('the queue triggers connect with the identity, to the queue endpoint the app sends to', () => {
    expect(QUEUE_CONNECTION).toBe('RESETREADY_QUEUES');
    expect(host.get(`${QUEUE_CONNECTION}__queueServiceUri`)).toBe('storageQueueEndpoint');
    expect(host.get(`${QUEUE_CONNECTION}__credential`)).toBe("'managedidentity'");
    expect(host.get(`${QUEUE_CONNECTION}__clientId`)).toBe('identityClientId');
    // No connection string under the connection's own name.
    expect(host.has(QUEUE_CONNECTION)).toBe(false);
    expect(settings.get('STORAGE_QUEUE_ENDPOINT')).toBe('storage.outputs.queueEndpoint');
    expect(main).toMatch(/storageQueueEndpoint: storage\.outputs\.queueEndpoint/);
    expect(storage).toMatch(/^output queueEndpoint string = storage\.properties\.primaryEndpoints\.queue$/m);
  });

  it('host.json sets the queue trigger: base64 messages, 5 dequeues before poison, 30 s between retries', () => {
    const hostJson = JSON.parse(read('host.json')) as { extensions: { queues: Record<string, unknown> } };
    expect(hostJson.extensions.queues).toEqual({
      batchSize: 16,
      newBatchThreshold: 8,
      visibilityTimeout: '00:00:30',
      maxDequeueCount: 5,
      maxPollingInterval: '00:00:02',
      messageEncoding: 'base64',
    });
  });
});

describe('Function App', () => {
  it('runs on Flex Consumption with Node 22', () => {
    expect(functionApp).toMatch(/tier: 'FlexConsumption'\s+name: 'FC1'/);
    expect(functionApp).toMatch(/runtime: \{\s+name: 'node'\s+version: '22'\s+\}/);
    // Flex refuses these settings; the runtime comes from functionAppConfig.
    expect(functionApp).not.toMatch(
      /^\s+(FUNCTIONS_WORKER_RUNTIME|FUNCTIONS_EXTENSION_VERSION|WEBSITE_NODE_DEFAULT_VERSION):/m,
    );
  });

  it('deploys from a blob container reached with the user-assigned identity', () => {
    expect(functionApp).toMatch(
      /deployment: \{\s+storage: \{\s+type: 'blobContainer'[\s\S]*?authentication: \{\s+type: 'UserAssignedIdentity'/,
    );
    expect(functionApp).toContain("'azd-service-name': 'api'");
  });
});

describe('storage', () => {
  it('has shared-key access off and TLS 1.2 minimum', () => {
    expect(storage).toMatch(/^\s+allowSharedKeyAccess: false$/m);
    expect(storage).toMatch(/^\s+minimumTlsVersion: 'TLS1_2'$/m);
    expect(storage).toMatch(/^\s+allowBlobPublicAccess: false$/m);
  });

  it('no template reads an account key or builds a key connection string', () => {
    for (const file of files('infra', '.bicep')) {
      expect(readFileSync(file, 'utf8'), relative(ROOT, file)).not.toMatch(/listKeys\(|AccountKey=/);
    }
  });

  it('grants the identity Table Data Contributor, Queue Data Contributor and Blob Data Owner on the account', () => {
    expect(roles).toContain("storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'");
    expect(roles).toContain("storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'");
    expect(roles).toContain("storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'");
    expect(roles).toMatch(
      /var storageRoles = \[[^\]]*roles\.storageBlobDataOwner[^\]]*roles\.storageTableDataContributor[^\]]*roles\.storageQueueDataContributor/,
    );
    expect(roles).toMatch(/for roleId in storageRoles: \{[\s\S]*?scope: storage/);
  });
});

describe('Microsoft Graph permissions', () => {
  const names = permissionsFile.permissions.map((p) => p.name);

  it('are exactly the least-privilege list, Mail.Send optional', () => {
    expect(names.sort()).toEqual(
      [
        'Application.Read.All',
        'Device.Read.All',
        'DeviceManagementConfiguration.Read.All',
        'DeviceManagementManagedDevices.Read.All',
        'GroupMember.Read.All',
        'Mail.Send',
      ].sort(),
    );
    expect(permissionsFile.permissions.filter((p) => p.optional).map((p) => p.name)).toEqual(['Mail.Send']);
    for (const p of permissionsFile.permissions) {
      expect(p.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(p.name).not.toMatch(/ReadWrite|^Directory\./);
    }
    expect(permissionsFile.resourceAppId).toBe('00000003-0000-0000-c000-000000000000');
  });

  it('cover every permission the code needs', () => {
    const needed = new Set(GRAPH_ENDPOINT_PERMISSIONS.flatMap((e) => (e.permission ? [e.permission] : [])));
    expect([...needed].filter((p) => !names.includes(p))).toEqual([]);
  });

  it('list every Graph path the collectors and the upload verifier call', () => {
    // `/settings` is a suffix appended to a listed policy path, not a path of its own.
    const suffixes = new Set(['/settings']);
    const sources = [...files('shared/graph/collectors', '.ts'), ...files('shared/trust', '.ts')];
    const unlisted: string[] = [];
    let seen = 0;
    for (const file of sources) {
      for (const m of readFileSync(file, 'utf8').matchAll(/['`](\/[A-Za-z][^'`?$(]*)/g)) {
        const path = m[1] ?? '';
        if (suffixes.has(path)) continue;
        seen++;
        if (!endpointPermissionFor(path)) unlisted.push(`${relative(ROOT, file)}: ${path}`);
      }
    }
    expect(seen).toBeGreaterThan(0);
    expect(unlisted, 'add them to shared/graph-permissions.ts (and the grant list)').toEqual([]);
  });

  it('maps paths with a version segment, ids and queries', () => {
    expect(endpointPermissionFor('/beta/deviceManagement/intents/abc/settings')?.permission).toBe(
      'DeviceManagementConfiguration.Read.All',
    );
    expect(endpointPermissionFor("/devices?$filter=deviceId eq 'x'")?.permission).toBe('Device.Read.All');
    expect(endpointPermissionFor('/users/u1/sendMail')?.permission).toBe('Mail.Send');
    expect(endpointPermissionFor('/users/u1/messages')).toBeUndefined();
    expect(endpointPermissionFor('/identity/conditionalAccess/policies')).toBeUndefined();
  });

  it('are granted by the Bicep module and the fallback script from the same file', () => {
    expect(graphModule).toMatch(/^extension microsoftGraphV1$/m);
    expect(graphModule).toContain("loadJsonContent('../graph-permissions.json')");
    expect(graphModule).toMatch(
      /resource \w+ 'Microsoft\.Graph\/servicePrincipals@v1\.0' existing = \{\s+appId: graphPermissions\.resourceAppId/,
    );
    expect(graphModule).toMatch(
      /'Microsoft\.Graph\/appRoleAssignedTo@v1\.0' = \[\s+for permission in granted:/,
    );
    expect(read('infra', 'bicepconfig.json')).toContain('microsoftGraphV1');
    expect(read('infra', 'scripts', 'grant-graph-permissions.sh')).toContain('graph-permissions.json');
    expect(main).toMatch(
      /module graphPermissions 'modules\/graph-permissions\.bicep' = if \(grantGraphPermissions\)/,
    );
  });
});

describe('alerting', () => {
  it('has a scheduled query alert on the OpenDeviceAlerts custom metric, wired from main', () => {
    expect(alerts).toMatch(/'Microsoft\.Insights\/scheduledQueryRules@[\w-]+'/);
    expect(alerts).toMatch(/param metricName string = 'OpenDeviceAlerts'/);
    // The Bicep string interpolates the metric name into the query.
    expect(alerts).toMatch(/customMetrics \| where name == "\$\{metricName\}"/);
    expect(main).toMatch(
      /module alerts 'modules\/alerts\.bicep'[\s\S]*?applicationInsightsId: monitoring\.outputs\.applicationInsightsId/,
    );
  });
});

describe('parameters and azd', () => {
  const params = bicepParams(main);

  it('main.parameters.json names only parameters of main.bicep, and every required one', () => {
    const file = JSON.parse(read('infra', 'main.parameters.json')) as { parameters: Record<string, unknown> };
    const given = Object.keys(file.parameters);
    expect(given.filter((p) => !params.has(p))).toEqual([]);
    const required = [...params].filter(([, v]) => !v.hasDefault).map(([k]) => k);
    expect(required.sort()).toEqual(['environmentName', 'location']);
    expect(required.filter((p) => !given.includes(p))).toEqual([]);
  });

  it('docs/deploy.md documents every parameter of main.bicep', () => {
    const docs = read('docs', 'deploy.md');
    expect([...params.keys()].filter((p) => !docs.includes(`| \`${p}\` |`))).toEqual([]);
  });

  it('every module main.bicep uses exists', () => {
    for (const m of main.matchAll(/^module \w+ '([^']+)'/gm)) {
      expect(() => read('infra', m[1] ?? '')).not.toThrow();
    }
  });

  it('azure.yaml deploys the project root as the function service "api" (TypeScript)', () => {
    const yaml = read('azure.yaml');
    expect(yaml).toMatch(/^services:\n {2}api:\n(?: {4}\w+: .+\n)+/m);
    const api = /^ {2}api:\n((?: {4}\w+: .+\n)+)/m.exec(yaml)?.[1] ?? '';
    expect(api).toMatch(/^ {4}project: \.$/m);
    expect(api).toMatch(/^ {4}language: ts$/m);
    expect(api).toMatch(/^ {4}host: function$/m);
    expect(yaml).toMatch(/^infra:\n(?: {2}\w+: .+\n)*? {2}path: infra$/m);
  });
});

describe('national clouds', () => {
  it('GRAPH_BASE_URL defaults to the Graph of the cloud the template is deployed to', () => {
    expect(main).toMatch(/^param graphBaseUrl string = environment\(\)\.graph$/m);
    expect(entries(bicepVarBlock(main, 'productSettings')).get('GRAPH_BASE_URL')).toBe('graphBaseUrl');
  });
});
