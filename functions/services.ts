/**
 * Builds every client the functions share from one validated configuration. The Functions
 * entry point (functions/index.ts), the CLI and the tests all wire the product through this,
 * so what is tested is what is deployed.
 */
import type { TokenCredential } from '@azure/core-auth';
import { DefaultAzureCredential } from '@azure/identity';
import type { Config } from '../shared/config.js';
import { createGraphPort } from '../shared/graph/client.js';
import type { GraphPort } from '../shared/graph/port.js';
import { PostureStore } from '../shared/posture-store/store.js';
import { AzureQueues } from '../shared/queue/azure.js';
import { TableReportStore } from '../shared/storage/report-store.js';
import { createTableProvider, type TableProvider } from '../shared/storage/tables.js';
import {
  CachedDeviceDirectory,
  type DeviceDirectory,
  GraphDeviceDirectory,
} from '../shared/trust/device-directory.js';

export interface Services {
  config: Config;
  tables: TableProvider;
  /** Storage queues (send, and what the in-process runner needs). */
  queues: AzureQueues;
  graph: GraphPort;
  /**
   * Graph for sendMail only: no transport retries, because the notifier retries whole sends
   * itself and a retried POST that Graph had already accepted would mail twice.
   */
  mailGraph: GraphPort;
  /** Null under TRUST_MODE=certificate-only. */
  directory: DeviceDirectory | null;
  reports: TableReportStore;
  /** Posture rows, summary, daily snapshots and reset events. */
  posture: PostureStore;
}

export function buildServices(config: Config): Services {
  // One credential for every storage client (it caches tokens), only when there is no
  // connection string; created lazily so loading the app never touches Azure.
  const credential = config.storage.connectionString ? undefined : lazyCredential();
  const tables = createTableProvider(config.storage, credential);
  const queues = AzureQueues.fromSettings(config.storage, credential);
  const graph = createGraphPort(config.graph);
  const mailGraph = createGraphPort({ ...config.graph, maxRetries: 0 });
  const directory =
    config.trust.mode === 'graph'
      ? new CachedDeviceDirectory(new GraphDeviceDirectory(graph), {
          ttlMs: config.trust.deviceCacheSeconds * 1000,
          negativeTtlMs: config.trust.deviceNegativeCacheSeconds * 1000,
          maxEntries: 50_000,
        })
      : null;
  return {
    config,
    tables,
    queues,
    graph,
    mailGraph,
    directory,
    reports: new TableReportStore(tables),
    posture: new PostureStore(tables),
  };
}

/** A DefaultAzureCredential built on the first token request. */
function lazyCredential(): TokenCredential {
  let credential: DefaultAzureCredential | undefined;
  return {
    getToken(scopes, options) {
      credential ??= new DefaultAzureCredential();
      return credential.getToken(scopes, options);
    },
  };
}
