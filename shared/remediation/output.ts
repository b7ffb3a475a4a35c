/**
 * The one JSON line agent/windows/remediation/Detect-CanReset.ps1 prints, as Graph returns
 * it in deviceRunStates.preRemediationDetectionScriptOutput. Intune keeps at most 2048
 * characters and only the last line, so a cut line is told apart from a broken script.
 * Pure: no I/O. Field meanings: docs/agent.md.
 */
import { z } from 'zod';

/** Intune's limit on a detection script's kept output. */
export const REMEDIATION_OUTPUT_MAX_CHARS = 2048;

const nullableText = z.string().max(REMEDIATION_OUTPUT_MAX_CHARS).nullable().optional();
const yesNo = z.boolean().nullable().optional();

const outputSchema = z.object({
  v: z.literal(1),
  /** Raw CanReset value as printed (DestructiveOnly, NO, ...); null when the line is absent. */
  canReset: nullableText,
  ngcSet: yesNo,
  ngcKeyId: nullableText,
  aadJoined: yesNo,
  domainJoined: yesNo,
  deviceId: nullableText,
  tenantId: nullableText,
  upn: nullableText,
  os: nullableText,
  ts: nullableText,
  err: nullableText,
});
// Unknown fields are dropped, not refused: a newer script may add some.

/** Field names the script may print; a test holds Detect-CanReset.ps1 to this list. */
export const REMEDIATION_OUTPUT_FIELDS = Object.keys(outputSchema.shape) as readonly string[];

export interface RemediationOutput {
  v: 1;
  canReset: string | null;
  ngcSet: boolean | null;
  ngcKeyId: string | null;
  aadJoined: boolean | null;
  domainJoined: boolean | null;
  deviceId: string | null;
  tenantId: string | null;
  upn: string | null;
  os: string | null;
  ts: string | null;
  /** The script's own error text, when it could not read dsregcmd. */
  err: string | null;
}

export type RemediationOutputFailure = 'empty' | 'not_json' | 'truncated' | 'schema';

export type RemediationOutputResult =
  | { ok: true; value: RemediationOutput }
  | { ok: false; reason: RemediationOutputFailure; message: string };

function lastNonEmptyLine(text: string): string {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  return (lines[lines.length - 1] ?? '').trim();
}

/** Never throws. Takes the last non-empty line, as Intune shows it. */
export function parseRemediationOutput(text: string | null | undefined): RemediationOutputResult {
  const raw = text ?? '';
  const line = lastNonEmptyLine(raw);
  if (line === '') return { ok: false, reason: 'empty', message: 'the detection script printed nothing' };
  let data: unknown;
  try {
    data = JSON.parse(line);
  } catch {
    // A JSON start cut at Intune's limit is a truncation, not a script error.
    if (line.startsWith('{') && raw.length >= REMEDIATION_OUTPUT_MAX_CHARS) {
      return {
        ok: false,
        reason: 'truncated',
        message: `the output was cut at ${REMEDIATION_OUTPUT_MAX_CHARS} characters`,
      };
    }
    return {
      ok: false,
      reason: 'not_json',
      message: `the last output line is not JSON (starts "${line.slice(0, 40)}")`,
    };
  }
  const parsed = outputSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.join('.') : 'output';
    return { ok: false, reason: 'schema', message: `${where}: ${issue?.message ?? 'is invalid'}` };
  }
  const d = parsed.data;
  return {
    ok: true,
    value: {
      v: 1,
      canReset: d.canReset ?? null,
      ngcSet: d.ngcSet ?? null,
      ngcKeyId: d.ngcKeyId?.toLowerCase() ?? null,
      aadJoined: d.aadJoined ?? null,
      domainJoined: d.domainJoined ?? null,
      deviceId: d.deviceId?.toLowerCase() ?? null,
      tenantId: d.tenantId?.toLowerCase() ?? null,
      upn: d.upn ?? null,
      os: d.os ?? null,
      ts: d.ts ?? null,
      err: d.err ?? null,
    },
  };
}
