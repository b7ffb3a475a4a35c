/**
 * Graph sendMail payload (v1.0 POST /users/{sender}/sendMail). Pure, so the shape is unit-tested.
 * https://learn.microsoft.com/graph/api/user-sendmail
 */
import type { MailAttachment, MailMessage } from './types.js';

/**
 * sendMail takes the whole message as one JSON request, which Graph caps at 4 MB; bigger
 * messages need a draft plus upload sessions. We refuse early with a clear reason instead.
 */
export const SENDMAIL_MAX_BYTES = 4 * 1024 * 1024;

export interface GraphFileAttachment {
  '@odata.type': '#microsoft.graph.fileAttachment';
  name: string;
  contentType: string;
  contentBytes: string;
  isInline: boolean;
  contentId?: string;
}

export interface SendMailPayload {
  message: {
    subject: string;
    body: { contentType: 'HTML'; content: string };
    toRecipients: { emailAddress: { address: string } }[];
    attachments?: GraphFileAttachment[];
  };
  saveToSentItems: false;
}

function toAttachment(a: MailAttachment): GraphFileAttachment {
  const out: GraphFileAttachment = {
    '@odata.type': '#microsoft.graph.fileAttachment',
    name: a.name,
    contentType: a.contentType,
    contentBytes: Buffer.from(a.content.buffer, a.content.byteOffset, a.content.byteLength).toString(
      'base64',
    ),
    isInline: a.contentId !== undefined,
  };
  if (a.contentId !== undefined) out.contentId = a.contentId;
  return out;
}

export function sendMailPayload(message: MailMessage, recipients: readonly string[]): SendMailPayload {
  const attachments = (message.attachments ?? []).map(toAttachment);
  return {
    message: {
      subject: message.subject,
      body: { contentType: 'HTML', content: message.html },
      toRecipients: recipients.map((address) => ({ emailAddress: { address } })),
      ...(attachments.length > 0 ? { attachments } : {}),
    },
    // A digest is machine-sent; a copy in the sender's mailbox only fills it up.
    saveToSentItems: false,
  };
}

export function sendMailPath(sender: string): string {
  return `/users/${encodeURIComponent(sender)}/sendMail`;
}

export function payloadBytes(payload: SendMailPayload): number {
  return Buffer.byteLength(JSON.stringify(payload), 'utf8');
}
