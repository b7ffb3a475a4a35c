/**
 * createNotifier: mail through Graph sendMail and/or a Teams Workflows webhook, each with
 * bounded, recorded retries. Both channels are optional (configuration decides). Logs carry
 * channel, attempt and status only: the webhook URL is a secret and bodies may name devices.
 */
import type { ReportSettings } from '../config.js';
import { type GraphPort, GraphRequestError } from '../graph/port.js';
import { parseRetryAfter } from '../graph/retry-policy.js';
import { payloadBytes, SENDMAIL_MAX_BYTES, sendMailPath, sendMailPayload } from './mail.js';
import { type TryOutcome, withRetries } from './retry.js';
import { workflowsMessage } from './teams.js';
import {
  type AdaptiveCard,
  type Channel,
  DEFAULT_NOTIFY_RETRY,
  type DeliveryResult,
  type Digest,
  type MailMessage,
  type Notifier,
  type NotifyLog,
  type RetrySettings,
} from './types.js';

export type NotifySettings = Pick<ReportSettings, 'mailSender' | 'mailRecipients' | 'teamsWebhookUrl'>;

export interface NotifierOptions {
  /** Needed for mail only. */
  graph?: GraphPort;
  /** The full Config, or anything with the report mail/webhook settings. */
  config: { report: NotifySettings };
  log?: NotifyLog;
  retry?: Partial<RetrySettings>;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => Date;
  /** Per webhook request. */
  timeoutMs?: number;
}

const MAX_ERROR = 300;
const clip = (s: string) => (s.length > MAX_ERROR ? `${s.slice(0, MAX_ERROR)}…` : s);

/** A transport failure as a short reason, without the URL (undici messages do not carry it; causes may). */
function networkReason(e: unknown): string {
  const cause = (e as { cause?: { code?: unknown; name?: unknown } } | null)?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  const name = (e as { name?: unknown } | null)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return 'no answer within the timeout';
  return code ? `network error (${code})` : 'network error';
}

function skipped(channel: Channel): DeliveryResult {
  return { channel, ok: false, skipped: true, attempts: 0, status: 0, attemptLog: [] };
}

export function createNotifier(opts: NotifierOptions): Notifier {
  const { mailSender, mailRecipients, teamsWebhookUrl } = opts.config.report;
  const log: NotifyLog = opts.log ?? (() => {});
  const doFetch = opts.fetch ?? fetch;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const deps = {
    settings: { ...DEFAULT_NOTIFY_RETRY, ...opts.retry },
    sleep: opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms))),
    random: opts.random ?? Math.random,
    now: opts.now ?? (() => new Date()),
  };
  const mailEnabled = Boolean(mailSender && mailRecipients.length > 0 && opts.graph);
  const teamsEnabled = Boolean(teamsWebhookUrl);

  const record = (channel: Channel) => (a: { status: number; retryInMs?: number }, n: number) => {
    const fields: Record<string, string | number | boolean> = { channel, attempt: n, status: a.status };
    if (a.retryInMs !== undefined) fields.retryInMs = a.retryInMs;
    log(a.retryInMs !== undefined ? 'warn' : 'info', 'notify_attempt', fields);
  };

  const finish = (r: DeliveryResult): DeliveryResult => {
    log(r.ok ? 'info' : 'error', 'notify_result', {
      channel: r.channel,
      ok: r.ok,
      attempts: r.attempts,
      status: r.status,
    });
    return r;
  };

  const sendMail = async (message: MailMessage): Promise<DeliveryResult> => {
    if (!mailEnabled || !opts.graph || !mailSender) return skipped('mail');
    const graph = opts.graph;
    const payload = sendMailPayload(message, mailRecipients);
    const size = payloadBytes(payload);
    if (size > SENDMAIL_MAX_BYTES) {
      const error = `message is ${size} bytes; Graph sendMail takes at most ${SENDMAIL_MAX_BYTES}`;
      return finish({
        channel: 'mail',
        ok: false,
        attempts: 0,
        status: 0,
        error,
        attemptLog: [{ at: deps.now().toISOString(), status: 0, error }],
      });
    }
    const path = sendMailPath(mailSender);
    const once = async (): Promise<TryOutcome> => {
      try {
        await graph.post(path, payload, { version: 'v1.0' });
        return { ok: true, status: 202 };
      } catch (e) {
        if (e instanceof GraphRequestError) {
          return { ok: false, status: e.status, error: clip(`${e.code}: ${e.message}`) };
        }
        return { ok: false, status: 0, error: networkReason(e) };
      }
    };
    return finish(await withRetries('mail', once, deps, record('mail')));
  };

  const postTeamsCard = async (card: AdaptiveCard): Promise<DeliveryResult> => {
    if (!teamsWebhookUrl) return skipped('teams');
    const body = JSON.stringify(workflowsMessage(card));
    const once = async (): Promise<TryOutcome> => {
      try {
        const res = await doFetch(teamsWebhookUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          signal: AbortSignal.timeout(timeoutMs),
        });
        // Drain so the connection is reused; the answer text is not ours to log.
        await res.arrayBuffer().catch(() => undefined);
        if (res.ok) return { ok: true, status: res.status };
        return {
          ok: false,
          status: res.status,
          error: `webhook answered ${res.status}`,
          retryAfterMs: parseRetryAfter(res.headers.get('retry-after'), deps.now().getTime()),
        };
      } catch (e) {
        return { ok: false, status: 0, error: networkReason(e) };
      }
    };
    return finish(await withRetries('teams', once, deps, record('teams')));
  };

  return {
    channels: { mail: mailEnabled, teams: teamsEnabled },
    sendMail,
    postTeamsCard,
    async sendDigest(digest: Digest): Promise<DeliveryResult[]> {
      const jobs: Promise<DeliveryResult>[] = [];
      if (digest.mail && mailEnabled) jobs.push(sendMail(digest.mail));
      if (digest.card && teamsEnabled) jobs.push(postTeamsCard(digest.card));
      return Promise.all(jobs);
    },
  };
}
