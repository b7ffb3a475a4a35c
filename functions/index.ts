/**
 * Composition root, loaded by the Functions host (package.json "main"): reads and validates
 * the configuration once, builds the clients, and registers every function. Nothing here
 * talks to Azure at load time; clients connect on first use.
 */
import { app } from '@azure/functions';
import { Cron } from 'croner';
import { CollectionStore } from '../shared/collection/store.js';
import { loadConfig } from '../shared/config.js';
import { recomputeAfterCollection, recomputeDevice } from '../shared/freshness/index.js';
import { handleCollectInventory } from './collect-inventory.js';
import { registerDevices } from './devices.js';
import { registerFeed } from './feed.js';
import { registerHealth } from './health.js';
import { registerIngestReport } from './ingest-report.js';
import { buildServices } from './services.js';
import { registerSummary } from './summary.js';

const services = buildServices(loadConfig(process.env));
const collection = new CollectionStore(services.tables);

registerIngestReport({
  trust: services.config.trust,
  directory: services.directory,
  store: services.reports,
  // The uploading device's posture and the fleet summary follow each accepted report.
  afterAccept: async (report) => {
    await recomputeDevice(services, report.deviceId, new Date());
  },
});

// Collection, then a full posture recompute when the run succeeded (posture's own step,
// kept out of the collection adapter so each side changes for its own reasons).
app.timer('collectInventory', {
  schedule: services.config.collection.schedule,
  runOnStartup: false,
  handler: async (timer, context) => {
    const run = await handleCollectInventory(timer, context, {
      config: services.config,
      tables: services.tables,
      graph: services.graph,
    });
    await recomputeAfterCollection(
      { ...services, log: (level, event, fields) => context[level](event, fields) },
      run,
      new Date(),
    );
  },
});

registerSummary({ posture: services.posture });
registerDevices({ posture: services.posture });
registerFeed(services);
registerHealth({
  latestRun: () => collection.latestRun(),
  readSummary: () => services.posture.readSummary(),
  maxCollectionAgeHours: collectionMaxAgeHours(services.config.collection.schedule),
  maxRunSeconds: services.config.collection.leaseSeconds,
});

/** Two missed schedule intervals plus an hour: one late or failed run alone is not an outage. */
function collectionMaxAgeHours(schedule: string): number {
  const [a, b] = new Cron(schedule, { timezone: 'UTC' }).nextRuns(2);
  const intervalH = a && b ? (b.getTime() - a.getTime()) / 3_600_000 : 24;
  return 2 * intervalH + 1;
}
