/**
 * One place that turns StorageSettings into TableClients. Tables are created on first
 * use, once per process: creating on every call would double the round trips of the
 * hot ingest path.
 */
import type { TokenCredential } from '@azure/core-auth';
import { TableClient, type TableServiceClientOptions } from '@azure/data-tables';
import { DefaultAzureCredential } from '@azure/identity';
import type { StorageSettings } from '../config.js';

export interface TableProvider {
  /** Client for `${tablePrefix}${logicalName}`, the table created if it did not exist. */
  table(logicalName: string): Promise<TableClient>;
}

const TABLE_NAME = /^[A-Za-z][A-Za-z0-9]{2,62}$/;

export function tableName(settings: StorageSettings, logicalName: string): string {
  const name = `${settings.tablePrefix}${logicalName}`;
  if (!TABLE_NAME.test(name)) {
    throw new Error(`Table name "${name}" must be 3-63 letters or digits, starting with a letter`);
  }
  return name;
}

function isHttpEndpoint(connectionString: string): boolean {
  const endpoint = /(?:^|;)TableEndpoint=([^;]+)/i.exec(connectionString)?.[1];
  if (endpoint) return endpoint.trim().toLowerCase().startsWith('http:');
  return (
    /(?:^|;)DefaultEndpointsProtocol=http(?:;|$)/i.test(connectionString) ||
    /UseDevelopmentStorage=true/i.test(connectionString)
  );
}

export function createTableClient(
  settings: StorageSettings,
  name: string,
  credential?: TokenCredential,
): TableClient {
  if (settings.connectionString) {
    // Plain http is only ever Azurite; real accounts are https and must stay so.
    const options: TableServiceClientOptions = isHttpEndpoint(settings.connectionString)
      ? { allowInsecureConnection: true }
      : {};
    return TableClient.fromConnectionString(settings.connectionString, name, options);
  }
  if (settings.accountName) {
    const endpoint = settings.tableEndpoint ?? `https://${settings.accountName}.table.core.windows.net`;
    return new TableClient(endpoint, name, credential ?? new DefaultAzureCredential());
  }
  throw new Error('StorageSettings need a connectionString or an accountName');
}

/** `credential`: the app's one DefaultAzureCredential (services.ts); one per client otherwise. */
export function createTableProvider(settings: StorageSettings, credential?: TokenCredential): TableProvider {
  // The promise (not the client) is cached so concurrent first callers share one create.
  const ready = new Map<string, Promise<TableClient>>();
  return {
    table(logicalName: string): Promise<TableClient> {
      const name = tableName(settings, logicalName);
      let p = ready.get(name);
      if (!p) {
        const client = createTableClient(settings, name, credential);
        // createTable already tolerates TableAlreadyExists (409) in @azure/data-tables.
        p = client.createTable().then(() => client);
        // A failed create must not poison the cache: the next caller tries again.
        p.catch(() => ready.delete(name));
        ready.set(name, p);
      }
      return p;
    },
  };
}
