/** Digest delivery shared by the weekly report and the alerts. */
export {
  payloadBytes,
  SENDMAIL_MAX_BYTES,
  type SendMailPayload,
  sendMailPath,
  sendMailPayload,
} from './mail.js';
export { createNotifier, type NotifierOptions, type NotifySettings } from './notifier.js';
export { isRetryable } from './retry.js';
export { ADAPTIVE_CARD_CONTENT_TYPE, simpleCard, type WorkflowsMessage, workflowsMessage } from './teams.js';
export * from './types.js';
