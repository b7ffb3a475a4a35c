/**
 * Queue triggers: every QueueWorker is registered once here with app.storageQueue, on its
 * queue and, when it has a poison handler, on `<queue>-poison`. The connection is the
 * identity-based one named RESETREADY_QUEUES: in Azure `RESETREADY_QUEUES__queueServiceUri`,
 * `__credential` (managedidentity) and `__clientId` (infra/modules/function-app.bicep); locally a
 * connection string in `RESETREADY_QUEUES`, or the in-process runner (dev/host.ts) reads these
 * same registrations.
 */
import { app } from '@azure/functions';
import type { StorageSettings } from '../shared/config.js';
import { poisonFunctionName } from '../shared/queue/bindings.js';
import { handlePoisonMessage, handleQueueMessage } from '../shared/queue/handle.js';
import { poisonQueueName, queueName } from '../shared/queue/names.js';
import type { QueueLog, QueueWorker } from '../shared/queue/port.js';

/** App-setting prefix of the queue triggers' connection. */
export const QUEUE_CONNECTION = 'RESETREADY_QUEUES';

export function registerQueueWorkers(
  // biome-ignore lint/suspicious/noExplicitAny: workers of any message kind
  workers: readonly QueueWorker<string, any>[],
  settings: Pick<StorageSettings, 'tablePrefix'>,
): void {
  for (const worker of workers) {
    const queue = queueName(settings, worker.work);
    app.storageQueue(worker.name, {
      queueName: queue,
      connection: QUEUE_CONNECTION,
      handler: (input, context) =>
        handleQueueMessage(worker, input, context.triggerMetadata, contextLog(context)),
    });
    if (worker.poisoned) {
      app.storageQueue(poisonFunctionName(worker), {
        queueName: poisonQueueName(queue),
        connection: QUEUE_CONNECTION,
        handler: (input, context) =>
          handlePoisonMessage(worker, input, context.triggerMetadata, contextLog(context)),
      });
    }
  }
}

function contextLog(context: {
  info(...a: unknown[]): void;
  warn(...a: unknown[]): void;
  error(...a: unknown[]): void;
}): QueueLog {
  return (level, event, fields) => context[level](event, fields);
}
