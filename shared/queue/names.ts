/**
 * Queue names: `<table prefix, lower case>-<work>`, so a deployment's (or a test run's) queues
 * sit beside its tables and never meet another's. The Functions host moves a message that
 * failed maxDequeueCount times to `<queue>-poison`.
 */
import type { StorageSettings } from '../config.js';

export const POISON_SUFFIX = '-poison';

/** Queue names: 3-63 characters, lower-case letters, digits and single hyphens, no hyphen first or last. */
const QUEUE_NAME = /^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/;

export function queueName(settings: Pick<StorageSettings, 'tablePrefix'>, work: string): string {
  const name = `${settings.tablePrefix.toLowerCase()}-${work}`;
  // Leave room for the poison suffix, which the host appends.
  if (!QUEUE_NAME.test(`${name}${POISON_SUFFIX}`)) {
    throw new Error(
      `queue name "${name}" is not valid (lower-case letters, digits, single hyphens, ≤ 56 chars)`,
    );
  }
  return name;
}

export function poisonQueueName(queue: string): string {
  return `${queue}${POISON_SUFFIX}`;
}

export function isPoisonQueue(queue: string): boolean {
  return queue.endsWith(POISON_SUFFIX);
}
