/** The Remediations path's public surface: the collection run calls collectRemediationReports once. */
export {
  type CollectRemediationInput,
  collectRemediationReports,
  REMEDIATION_DAILY_LIMIT,
  REMEDIATION_NONCE_DAYS,
  type RemediationCollectResult,
  type RemediationLog,
  type RemediationRejection,
  type RemediationSkipReason,
} from './collect.js';
export {
  parseRemediationOutput,
  REMEDIATION_OUTPUT_MAX_CHARS,
  type RemediationOutput,
} from './output.js';
export {
  type RemediationRejectReason,
  remediationNonce,
  remediationReportId,
  runStateToReport,
} from './report.js';
export { parseRunState, type RunStateRecord, runStatesPath } from './run-state.js';
export { REMEDIATION_STATE_TABLE, RemediationWatermarks } from './watermark.js';
