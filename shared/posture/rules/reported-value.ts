/**
 * Rules about the reported CanReset value itself (domain.md §2.7): when it says nothing usable,
 * that is the user's (unknown) posture and its reason. User scope.
 */
import type { Finding, RuleContext } from './context.js';

/** NOT_USER_CONTEXT: the "user" dsregcmd ran as SYSTEM or elevated, so its User State is invalid. */
export function notUserContext(ctx: RuleContext): Finding | null {
  const u = ctx.user?.state;
  if (!u?.notUserContext) return null;
  return {
    message:
      "Run the detection in the signed-in user's context (Remediations: run with logged-on credentials): dsregcmd as SYSTEM or elevated shows no valid User State.",
    evidence: { values: { reportId: u.reportId } },
  };
}

/** LEGACY_VALUE_NO: `CanReset : NO`, an undocumented legacy value, never treated as DestructiveOnly. */
export function legacyValueNo(ctx: RuleContext): Finding | null {
  const u = ctx.user?.state;
  if (!u || u.notUserContext || u.ngcSet === false || u.canReset !== 'NO') return null;
  return {
    message:
      'Update Windows and collect again: "CanReset : NO" is an undocumented legacy value that says nothing reliable.',
    evidence: { values: { canResetRaw: u.canResetRaw ?? 'NO' } },
  };
}

const KNOWN = new Set(['DestructiveOnly', 'DestructiveAndNonDestructive', 'NonDestructiveOnly', 'NO']);

/** UNKNOWN_VALUE: `CanReset : Unknown` ("if error") or no recognised value while a key is set. */
export function unknownValue(ctx: RuleContext): Finding | null {
  const u = ctx.user?.state;
  if (!u || u.notUserContext || u.ngcSet === false || (u.canReset !== null && KNOWN.has(u.canReset)))
    return null;
  return {
    message:
      u.canReset === 'Unknown'
        ? 'dsregcmd reported CanReset "Unknown" (an error on the device); check the device\'s Entra registration with dsregcmd /status and collect again.'
        : 'The report carries no recognised CanReset value; check the agent output for this user and collect again.',
    evidence: { values: { canReset: u.canReset, canResetRaw: u.canResetRaw, ngcSet: u.ngcSet } },
  };
}
