/**
 * Composition root, loaded by the Functions host (package.json "main"): reads and validates
 * the configuration once, builds the clients, and registers every function. Nothing here
 * talks to Azure at load time; clients connect on first use.
 */
import { loadConfig } from '../shared/config.js';
import { registerCollectInventory } from './collect-inventory.js';
import { registerIngestReport } from './ingest-report.js';
import { buildServices } from './services.js';

const services = buildServices(loadConfig(process.env));

registerIngestReport({
  trust: services.config.trust,
  directory: services.directory,
  store: services.reports,
});
registerCollectInventory({ config: services.config, tables: services.tables, graph: services.graph });
