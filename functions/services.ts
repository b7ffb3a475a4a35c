/**
 * Builds every client the functions share from one validated configuration. The Functions
 * entry point (functions/index.ts), the CLI and the tests all wire the product through this,
 * so what is tested is what is deployed.
 */
import type { Config } from '../shared/config.js';
import { createGraphPort } from '../shared/graph/client.js';
import type { GraphPort } from '../shared/graph/port.js';
import { PostureStore } from '../shared/posture-store/store.js';
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
  const tables = createTableProvider(config.storage);
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
    graph,
    mailGraph,
    directory,
    reports: new TableReportStore(tables),
    posture: new PostureStore(tables),
  };
}
