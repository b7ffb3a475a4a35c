/**
 * QueueWorkers → the runner's bindings, for processes that run the workers without the
 * Functions host and without loading the composition root (the CLI, tests). The bindings call
 * the same handleQueueMessage / handlePoisonMessage the registered triggers call.
 */
import { handlePoisonMessage, handleQueueMessage } from './handle.js';
import { poisonQueueName, queueName } from './names.js';
import type { QueueLog, QueueWorker } from './port.js';
import type { QueueBinding } from './runner.js';

export function poisonFunctionName(worker: Pick<QueueWorker, 'name'>): string {
  return `${worker.name}Poison`;
}

export function queueBindings(
  // biome-ignore lint/suspicious/noExplicitAny: workers of any message kind
  workers: readonly QueueWorker<string, any>[],
  settings: { tablePrefix: string },
  log: QueueLog = () => {},
): QueueBinding[] {
  const out: QueueBinding[] = [];
  for (const worker of workers) {
    const queue = queueName(settings, worker.work);
    out.push({
      name: worker.name,
      queue,
      handle: (input, meta) => handleQueueMessage(worker, input, meta, log),
    });
    if (worker.poisoned) {
      out.push({
        name: poisonFunctionName(worker),
        queue: poisonQueueName(queue),
        handle: (input, meta) => handlePoisonMessage(worker, input, meta, log),
      });
    }
  }
  return out;
}
