/**
 * A tiny Functions app with a queue trigger, for the local host's queue tests: it logs what
 * the trigger hands it (body and dequeueCount) and fails when the message asks it to.
 */
import { app } from '@azure/functions';

app.storageQueue('work', {
  queueName: process.env.RR_HOST_QUEUE ?? 'rr-host-work',
  connection: 'RR_HOST_QUEUE_CONN',
  handler: async (message, context) => {
    const m = message as { n: number; fail?: boolean };
    context.log(`work n=${m.n} dequeueCount=${String(context.triggerMetadata?.dequeueCount)}`);
    if (m.fail) throw new Error('asked to fail');
  },
});
