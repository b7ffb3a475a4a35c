/**
 * The "send a digest" contract shared by the weekly report and the alerts: one mail through
 * Graph sendMail and/or one Adaptive Card to a Teams Workflows webhook. Results, not
 * exceptions: a failed delivery is something callers record, never something that loses work.
 */

export type Channel = 'mail' | 'teams';

export interface MailAttachment {
  name: string;
  contentType: string;
  content: Uint8Array;
  /**
   * Set for an image the HTML shows inline as `<img src="cid:<contentId>">` (Outlook desktop
   * renders neither SVG nor data: URIs, but does render cid: parts).
   */
  contentId?: string;
}

export interface MailMessage {
  subject: string;
  html: string;
  attachments?: MailAttachment[];
}

/** An Adaptive Card (schema 1.4 is what Teams renders); body and actions are card elements. */
export interface AdaptiveCard {
  type: 'AdaptiveCard';
  version: string;
  body: unknown[];
  actions?: unknown[];
  $schema?: string;
}

/** One try of one channel: when, the HTTP status (0 = no answer) and why it failed. */
export interface DeliveryAttempt {
  at: string;
  status: number;
  error?: string;
  /** Wait before the next try, when there is one. */
  retryInMs?: number;
}

export interface DeliveryResult {
  channel: Channel;
  ok: boolean;
  /** Tries made (0 when the channel is not configured). */
  attempts: number;
  /** Status of the last try (0 = no answer, or not attempted). */
  status: number;
  /** Why the last try failed; never holds the webhook URL, a token or a body. */
  error?: string;
  /** The channel is not configured; nothing was sent. */
  skipped?: boolean;
  attemptLog: DeliveryAttempt[];
}

export interface Digest {
  mail?: MailMessage;
  card?: AdaptiveCard;
}

export interface Notifier {
  /** Which channels the configuration enables. */
  readonly channels: { mail: boolean; teams: boolean };
  sendMail(message: MailMessage): Promise<DeliveryResult>;
  postTeamsCard(card: AdaptiveCard): Promise<DeliveryResult>;
  /** Both channels that are configured and given, in parallel; skipped ones are left out. */
  sendDigest(digest: Digest): Promise<DeliveryResult[]>;
}

export type NotifyLog = (
  level: 'info' | 'warn' | 'error',
  event: string,
  fields: Record<string, string | number | boolean>,
) => void;

export interface RetrySettings {
  /** Tries in all, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  /** Cap of any wait, Retry-After included. */
  maxDelayMs: number;
}

export const DEFAULT_NOTIFY_RETRY: RetrySettings = { maxAttempts: 4, baseDelayMs: 1_000, maxDelayMs: 30_000 };
