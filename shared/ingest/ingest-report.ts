/**
 * POST /api/reports, independent of the Functions runtime: the checks of the agent upload
 * protocol (handbook agent-protocol.md) in its order. Every rejection happens before the
 * nonce is claimed, and the nonce is claimed in the same transaction that stores the
 * report, so a rejected request leaves nothing behind.
 */
import { randomUUID } from 'node:crypto';
import type { TrustSettings } from '../config.js';
import { HttpProblem } from '../http/errors.js';
import type { ReportCommitter } from '../reports/model.js';
import { canonicalString, sha256Hex } from '../trust/canonical.js';
import { checkCertificateIdentity } from '../trust/certificate.js';
import { checkEntraDevice, type DeviceDirectory } from '../trust/device-directory.js';
import { TrustRejection } from '../trust/errors.js';
import { parseUploadHeaders } from '../trust/headers.js';
import { verifyRequestSignature } from '../trust/signature.js';
import { checkTimestamp } from '../trust/timestamp.js';
import { assembleReport } from './assemble-report.js';
import { parseReportBody } from './report-schema.js';

export const MAX_BODY_BYTES = 256 * 1024;

export interface UploadRequest {
  method: string;
  /** URL path as received, e.g. /api/reports: part of the signed string. */
  path: string;
  header(name: string): string | null;
  /** Reads the body, giving up (null) as soon as it exceeds `limit` bytes. */
  readBody(limit: number): Promise<Uint8Array | null>;
}

export interface ReportProjector {
  project(report: import('../reports/model.js').AcceptedReport): Promise<void>;
}

export type IngestLog = (
  level: 'info' | 'warn' | 'error',
  event: string,
  fields: Record<string, unknown>,
) => void;

export interface IngestDeps {
  trust: TrustSettings;
  /** Null only under TRUST_MODE=certificate-only. */
  directory: DeviceDirectory | null;
  store: ReportCommitter & Partial<ReportProjector>;
  now?: () => Date;
  newReportId?: () => string;
  log?: IngestLog;
  /**
   * Runs after a report is stored and projected (e.g. the device's posture recompute). Its
   * failure is logged, never turned into a failed upload: the report is already safe.
   */
  afterAccept?(report: import('../reports/model.js').AcceptedReport): Promise<void>;
}

export interface IngestAccepted {
  reportId: string;
  receivedAt: string;
}

const JSON_MEDIA_TYPE = /^application\/json\s*(;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;

function utcDay(d: Date): string {
  return d.toISOString().slice(0, 10).replaceAll('-', '');
}

function reject(e: TrustRejection): HttpProblem {
  return new HttpProblem(e.status, e.code, e.message);
}

/** Runs every check; returns the accepted report's id or throws HttpProblem. */
export async function ingestReport(req: UploadRequest, deps: IngestDeps): Promise<IngestAccepted> {
  const now = deps.now ?? (() => new Date());
  const log = deps.log ?? (() => {});

  // 1. Size, before reading the body whole.
  const declared = Number(req.header('content-length') ?? '0');
  if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) {
    throw new HttpProblem(413, 'body_too_large', `the body is over ${MAX_BODY_BYTES} bytes`);
  }
  const contentType = req.header('content-type') ?? '';
  if (!JSON_MEDIA_TYPE.test(contentType.trim())) {
    throw new HttpProblem(
      415,
      'unsupported_content_type',
      `Content-Type must be application/json (optionally ; charset=utf-8), got "${contentType.slice(0, 80)}"`,
    );
  }

  try {
    // 2. Headers present and well formed.
    const headers = parseUploadHeaders((name) => req.header(name));
    const bytes = await req.readBody(MAX_BODY_BYTES);
    if (bytes === null)
      throw new HttpProblem(413, 'body_too_large', `the body is over ${MAX_BODY_BYTES} bytes`);

    // 3. Timestamp window.
    const at = now();
    const signedAt = checkTimestamp(headers.timestamp, at, deps.trust.timestampWindowSeconds);

    // 4. Body hash + signature over the canonical string.
    const canonical = canonicalString({
      method: req.method.toUpperCase(),
      path: req.path,
      deviceId: headers.deviceId,
      timestamp: headers.timestamp,
      nonce: headers.nonce,
      bodySha256Hex: sha256Hex(bytes),
    });
    const cert = verifyRequestSignature(headers.certificateDer, canonical, headers.signature);

    // 5. Certificate names this device and is inside its validity period.
    checkCertificateIdentity(cert, headers.deviceId, at);

    // 6. Entra knows the device, it is enabled, and the certificate is the registered one.
    const trust = deps.trust.mode === 'certificate-only' || !deps.directory ? 'unverified' : 'verified';
    if (trust === 'verified' && deps.directory) {
      await checkEntraDevice(deps.directory, headers.deviceId, cert.binding);
    }

    // 7. Body against the report schema.
    const parsed = parseReportBody(bytes);
    if (!parsed.ok) throw new HttpProblem(400, parsed.code, parsed.message);
    const reportId = (deps.newReportId ?? randomUUID)();
    const assembled = assembleReport({
      reportId,
      deviceId: headers.deviceId,
      receivedAt: at,
      body: parsed.body,
      rawBody: Buffer.from(bytes).toString('utf8'),
      source: 'agent',
      trust,
    });
    if (!assembled.ok) throw new HttpProblem(400, assembled.code, assembled.message);

    // 8 + 9. Daily limit and nonce, committed atomically with the report.
    const nonceExpiresAt = new Date(signedAt.getTime() + deps.trust.timestampWindowSeconds * 1000);
    let outcome: Awaited<ReturnType<ReportCommitter['commit']>>;
    try {
      outcome = await deps.store.commit(
        assembled.report,
        { value: headers.nonce, expiresAt: nonceExpiresAt },
        { day: utcDay(at), max: deps.trust.dailyUploadLimit },
        at,
      );
    } catch (err) {
      log('error', 'report_store_failed', { deviceId: headers.deviceId, error: errorName(err) });
      throw new HttpProblem(
        503,
        'storage_unavailable',
        'the report could not be stored; retry with a new nonce',
        {
          'retry-after': '30',
        },
      );
    }
    if (!outcome.ok) {
      if (outcome.reason === 'replay') {
        throw new HttpProblem(409, 'replayed_nonce', 'this nonce was already used by this device');
      }
      throw new HttpProblem(
        429,
        'rate_limited',
        `the device is over its limit of ${deps.trust.dailyUploadLimit} uploads a day`,
        { 'retry-after': String(outcome.retryAfterSeconds) },
      );
    }
    if (deps.store.project) {
      // The fleet view is derived; the report is safe once committed, so a failure here is
      // logged and repaired later rather than turned into a retry that would duplicate it.
      await deps.store.project(assembled.report).catch((err: unknown) => {
        log('warn', 'report_projection_failed', {
          deviceId: headers.deviceId,
          reportId,
          error: errorName(err),
        });
      });
    }
    const afterAccept = deps.afterAccept;
    if (afterAccept) {
      // Through a promise chain so a synchronous throw is caught the same way.
      await Promise.resolve(assembled.report)
        .then((r) => afterAccept(r))
        .catch((err: unknown) => {
          log('warn', 'report_after_accept_failed', {
            deviceId: headers.deviceId,
            reportId,
            error: errorName(err),
          });
        });
    }
    log('info', 'report_accepted', {
      deviceId: headers.deviceId,
      reportId,
      users: assembled.report.users.length,
      trust,
    });
    return { reportId, receivedAt: assembled.report.receivedAt };
  } catch (err) {
    if (err instanceof TrustRejection) throw reject(err);
    throw err;
  }
}

function errorName(err: unknown): string {
  if (err && typeof err === 'object') {
    const e = err as { code?: unknown; statusCode?: unknown; name?: unknown };
    return [e.name, e.code, e.statusCode].filter((x) => x !== undefined).join(':') || 'error';
  }
  return 'error';
}
