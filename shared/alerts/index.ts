/** Alerts: pure rules, the Table-backed lifecycle, the digest, the metric and the feed's entity set. */
export { buildAlertDigest, type DigestOptions } from './digest.js';
export { ALERT_DIGESTS_TABLE, ALERTS_TABLE } from './entities.js';
export { alertsEntitySet } from './entity-set.js';
export { type AlertDeps, type AlertEvaluation, type AlertLog, evaluateAlerts } from './evaluate.js';
export { AlertStore, type AlertTransitions } from './lifecycle.js';
export { OPEN_DEVICE_ALERTS_METRIC, parseConnectionString, trackMetric } from './metric.js';
export { type ReportsArrivedDeps, resolveNoReportsAlert } from './reports-arrived.js';
export { deviceAlertKey, evaluateAlertRules, TARGETED_RESULTS, undecidedAlertKeys } from './rules.js';
export * from './types.js';
