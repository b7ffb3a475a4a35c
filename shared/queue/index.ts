export { AzureQueues, createQueueServiceClient, type ReceivedMessage } from './azure.js';
export { poisonFunctionName, queueBindings } from './bindings.js';
export {
  decodeAsHost,
  defineMessage,
  type Envelope,
  EnvelopeError,
  encodeEnvelope,
  MAX_ENVELOPE_JSON_BYTES,
  type MessageType,
  readEnvelope,
} from './envelope.js';
export { handlePoisonMessage, handleQueueMessage } from './handle.js';
export { queueHostSettings, timeSpanMs } from './host-settings.js';
export { isPoisonQueue, POISON_SUFFIX, poisonQueueName, queueName } from './names.js';
export type { Delivery, QueueLog, QueueSender, QueueWorker, SendOptions } from './port.js';
export {
  type DrainResult,
  HOST_QUEUE_DEFAULTS,
  type QueueBinding,
  type QueueHostSettings,
  QueueRunner,
  type QueueRunnerOptions,
  type QueueTriggerMetadata,
} from './runner.js';
