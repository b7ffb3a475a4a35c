/**
 * Azure Storage Queues adapter (@azure/storage-queue), connected like the tables: a connection
 * string (Azurite locally), or the account name with the app's one DefaultAzureCredential and
 * an optional endpoint override (STORAGE_QUEUE_ENDPOINT). Queues are created on first use,
 * once per process.
 *
 * Besides sending, it has the few receive-side operations the in-process runner needs to play
 * the Functions host's part (receive with a visibility timeout, delete, release, poison move).
 */
import type { TokenCredential } from '@azure/core-auth';
import { DefaultAzureCredential } from '@azure/identity';
import { type QueueClient, QueueServiceClient } from '@azure/storage-queue';
import type { StorageSettings } from '../config.js';
import { type Envelope, encodeEnvelope } from './envelope.js';
import { queueName } from './names.js';
import type { QueueSender, SendOptions } from './port.js';

export interface ReceivedMessage {
  messageId: string;
  popReceipt: string;
  messageText: string;
  dequeueCount: number;
  insertedOn: Date | null;
  expiresOn: Date | null;
}

export function createQueueServiceClient(
  settings: StorageSettings,
  credential?: TokenCredential,
): QueueServiceClient {
  if (settings.connectionString) {
    return QueueServiceClient.fromConnectionString(settings.connectionString);
  }
  if (settings.accountName) {
    const endpoint = settings.queueEndpoint ?? `https://${settings.accountName}.queue.core.windows.net`;
    return new QueueServiceClient(endpoint, credential ?? new DefaultAzureCredential());
  }
  throw new Error('StorageSettings need a connectionString or an accountName');
}

export class AzureQueues implements QueueSender {
  private readonly ready = new Map<string, Promise<QueueClient>>();

  constructor(
    private readonly settings: StorageSettings,
    private readonly service: QueueServiceClient,
  ) {}

  static fromSettings(settings: StorageSettings, credential?: TokenCredential): AzureQueues {
    return new AzureQueues(settings, createQueueServiceClient(settings, credential));
  }

  /** Physical name of a logical queue (prefix applied). */
  name(work: string): string {
    return queueName(this.settings, work);
  }

  async send(work: string, envelope: Envelope, options: SendOptions = {}): Promise<void> {
    await this.sendText(this.name(work), encodeEnvelope(envelope), options);
  }

  /** Client of a physical queue, created if it did not exist. */
  queue(name: string): Promise<QueueClient> {
    let p = this.ready.get(name);
    if (!p) {
      const client = this.service.getQueueClient(name);
      p = client.createIfNotExists().then(() => client);
      // A failed create must not poison the cache: the next caller tries again.
      p.catch(() => this.ready.delete(name));
      this.ready.set(name, p);
    }
    return p;
  }

  async sendText(name: string, text: string, options: SendOptions = {}): Promise<void> {
    const q = await this.queue(name);
    await q.sendMessage(text, {
      ...(options.delaySeconds ? { visibilityTimeout: Math.ceil(options.delaySeconds) } : {}),
      // Never expire: an accepted upload's recompute or a run's step must not age out silently.
      messageTimeToLive: -1,
    });
  }

  async receive(name: string, max: number, visibilitySeconds: number): Promise<ReceivedMessage[]> {
    const q = await this.queue(name);
    const r = await q.receiveMessages({
      numberOfMessages: Math.max(1, Math.min(32, max)),
      visibilityTimeout: visibilitySeconds,
    });
    return r.receivedMessageItems.map((m) => ({
      messageId: m.messageId,
      popReceipt: m.popReceipt,
      messageText: m.messageText,
      dequeueCount: m.dequeueCount,
      insertedOn: m.insertedOn ?? null,
      expiresOn: m.expiresOn ?? null,
    }));
  }

  async delete(name: string, messageId: string, popReceipt: string): Promise<void> {
    const q = await this.queue(name);
    await q.deleteMessage(messageId, popReceipt);
  }

  /** Makes a received message invisible for `seconds` more (0: visible now); returns the new pop receipt. */
  async setVisibility(name: string, messageId: string, popReceipt: string, seconds: number): Promise<string> {
    const q = await this.queue(name);
    const r = await q.updateMessage(messageId, popReceipt, undefined, seconds);
    if (!r.popReceipt) throw new Error('the queue service returned no pop receipt');
    return r.popReceipt;
  }

  /** Messages in the queue, visible or not (approximate in Azure, exact in Azurite). */
  async count(name: string): Promise<number> {
    const q = await this.queue(name);
    return (await q.getProperties()).approximateMessagesCount ?? 0;
  }

  /** Physical names of this deployment's queues (its prefix), poison queues included. */
  async list(): Promise<string[]> {
    const prefix = `${this.settings.tablePrefix.toLowerCase()}-`;
    const out: string[] = [];
    for await (const q of this.service.listQueues({ prefix })) out.push(q.name);
    return out;
  }
}
