/**
 * Composition root, loaded by the Functions host (package.json "main"): reads and validates
 * the configuration once, builds the clients, and registers every function. Nothing here
 * talks to Azure at load time; clients connect on first use.
 */
import { app } from '@azure/functions';
import { alertsEntitySet } from '../shared/alerts/entity-set.js';
import { collectionMaxAgeHours } from '../shared/collection/schedule.js';
import { CollectionStore } from '../shared/collection/store.js';
import { loadConfig } from '../shared/config.js';
import { recomputeAfterCollection } from '../shared/freshness/index.js';
import { GraphGroupNames } from '../shared/graph/collectors/group-names.js';
import { RECOMPUTE_WORK, recomputeMessage } from '../shared/recompute/messages.js';
import { recomputeWorker } from '../shared/recompute/worker.js';
import { registerAlerts } from './alerts.js';
import { registerCollectInventory } from './collect-inventory.js';
import { registerConsole } from './console.js';
import { registerDeviceDetail } from './device-detail.js';
import { registerDevices } from './devices.js';
import { registerFeed } from './feed.js';
import { registerFreshnessSweep } from './freshness.js';
import { registerHealth } from './health.js';
import { registerIngestReport } from './ingest-report.js';
import { registerQueueWorkers } from './queues.js';
import { buildServices } from './services.js';
import { registerSummary } from './summary.js';
import { registerTenant } from './tenant.js';
import { registerTrend } from './trend.js';
import { registerLatestReport, registerWeeklyReport, weeklyReportDeps } from './weekly-report.js';

// Responses are streamed as handlers write them (the device CSV is written while its rows are
// read) and request bodies arrive as streams; by default the host buffers both whole.
app.setup({ enableHttpStream: true });

const services = buildServices(loadConfig(process.env));
const { config } = services;
const collection = new CollectionStore(services.tables);
const postureOptions = {
  staleDays: config.posture.staleDays,
  dailyRetentionDays: config.posture.snapshotRetentionDays,
};

// Uploads: each accepted report asks for its device's recompute on the queue; the queue
// worker re-evaluates the device's posture and moves the fleet summary.
registerIngestReport({
  trust: config.trust,
  directory: services.directory,
  store: services.reports,
  afterAccept: async (report) => {
    await services.queues.send(
      RECOMPUTE_WORK,
      recomputeMessage.create({ deviceId: report.deviceId.toLowerCase(), reason: 'upload' }),
    );
  },
});
const alerts = registerAlerts({ config, tables: services.tables, graph: services.mailGraph });
registerQueueWorkers(
  [
    recomputeWorker({
      ...services,
      options: postureOptions,
      // "No reports from agents" closes with the first report, not at the next collection.
      afterUpload: (_deviceId, now, log) => alerts.reportsArrived(now, log),
    }),
  ],
  config.storage,
);

// Staleness and the alerts, daily, whether or not a collection succeeds.
registerFreshnessSweep({
  tables: services.tables,
  posture: services.posture,
  queues: services.queues,
  staleDays: config.posture.staleDays,
  evaluateAlerts: (context, now) => alerts.evaluate(context, now),
});

// Collection, then the full posture recompute, then the alerts that read it.
registerCollectInventory({
  config,
  tables: services.tables,
  graph: services.graph,
  afterRun: async (run, context) => {
    const log = (level: 'info' | 'warn' | 'error', event: string, fields: Record<string, unknown>) =>
      context[level](event, fields);
    await recomputeAfterCollection({ ...services, log }, run, new Date(), postureOptions);
    await alerts.afterCollection(run, context);
  },
});

// Reading: summary, device list, OData feed, health, weekly report.
registerSummary({ posture: services.posture });
registerDevices({ posture: services.posture });
registerFeed(services, [alertsEntitySet(services.tables)]);
registerHealth({
  latestRun: () => collection.latestRun(),
  readSummary: () => services.posture.readSummary(),
  maxCollectionAgeHours: collectionMaxAgeHours(config.collection.schedule),
  maxRunSeconds: config.collection.leaseSeconds,
});
const weekly = weeklyReportDeps({ ...services, graph: services.mailGraph });
registerWeeklyReport(weekly);
registerLatestReport(weekly);

// One device, the trend and tenant readiness (keyed), and the console that shows every read
// endpoint to people signed in with Entra ID (functions/console.ts).
const deviceDetail = {
  tables: services.tables,
  posture: services.posture,
  reports: services.reports,
  groupNames: new GraphGroupNames(services.graph),
};
registerDeviceDetail(deviceDetail);
registerTrend({ posture: services.posture });
registerTenant({ collection });
registerConsole({
  auth: config.console.auth,
  summary: { posture: services.posture },
  devices: { posture: services.posture },
  device: deviceDetail,
  alerts: { tables: services.tables },
  trend: { posture: services.posture },
  tenant: { collection },
  report: weekly,
});
