/**
 * Rules about one user's DestructiveOnly report when an enabling policy reaches the device:
 * has the policy arrived yet, and if it has, what is left. User scope: each user's report has
 * its own time and key.
 */
import type { Finding, RuleContext } from './context.js';
import { enablingPolicyChange } from './policy.js';

const ms = (iso: string | null | undefined) => (iso ? Date.parse(iso) : Number.NaN);

/**
 * POLICY_NOT_YET_APPLIED: the device has not checked in with Intune since the enabling policy
 * last changed, or this user's report predates the change.
 */
export function policyNotYetApplied(ctx: RuleContext): Finding | null {
  const change = enablingPolicyChange(ctx);
  const u = ctx.user;
  if (!change || !u) return null;
  const pm = ms(change.modified);
  const lastSync = ctx.device.lastSync;
  const syncBefore = lastSync !== null && ms(lastSync) < pm;
  const reportBefore = ms(u.state.reportedAt) < pm;
  if (!syncBefore && !reportBefore) return null;
  const dates: Record<string, string> = { policyModified: change.modified, reportedAt: u.state.reportedAt };
  if (lastSync) dates.lastSync = lastSync;
  return {
    message: syncBefore
      ? 'Sync the device with Intune: it has not checked in since the PIN recovery policy last changed.'
      : 'Wait for the next report: the latest one predates the PIN recovery policy change.',
    evidence: { policyIds: change.ids, dates },
  };
}

/**
 * PROTECTOR_NOT_CREATED (hypothesis, UNVERIFIED): the policy is applied (synced after it
 * changed, report after it) but the user's key is older than the policy and still shows
 * DestructiveOnly: the key may never have received a PIN reset protector.
 */
export function protectorNotCreated(ctx: RuleContext): Finding | null {
  const change = enablingPolicyChange(ctx);
  const u = ctx.user;
  if (!change || !u || ctx.found.includes('POLICY_NOT_YET_APPLIED')) return null;
  const pm = ms(change.modified);
  const { history, state } = u;
  if (ctx.device.lastSync === null || history.keyFirstSeenAt === null || state.ngcKeyId === null) return null;
  if (!(ms(history.keyFirstSeenAt) < pm)) return null;
  return {
    message:
      'Possibly the key predates the policy and never got a PIN reset protector (unverified). First have the user sign in with the PIN (or lock and unlock) and wait for the next report.',
    evidence: {
      policyIds: change.ids,
      dates: {
        policyModified: change.modified,
        reportedAt: state.reportedAt,
        keyFirstSeenAt: history.keyFirstSeenAt,
        lastSync: ctx.device.lastSync,
      },
      values: { ngcKeyId: state.ngcKeyId },
    },
    hypothesis: true,
  };
}

/** UNEXPLAINED: DestructiveOnly and nothing collected explains it. */
export function unexplained(ctx: RuleContext): Finding | null {
  if (ctx.found.length > 0) return null;
  return {
    message:
      'Nothing in the collected data explains DestructiveOnly; check the PassportForWork policy on the device (Group Policy and MDM registry values) and the Ngc prerequisite check in dsregcmd.',
    evidence: { values: { targetingResult: ctx.device.targetingResult } },
  };
}

/**
 * DESTRUCTIVE_ONLY_HYBRID (severity): a hybrid joined device whose user is DestructiveOnly. With
 * key trust a destructive reset is not supported above the lock screen either [pinreset note].
 */
export function destructiveOnlyHybrid(ctx: RuleContext): Finding | null {
  if (ctx.device.joinType !== 'hybridJoined' || !ctx.user) return null;
  return {
    message:
      'Hybrid joined and DestructiveOnly: on hybrid key trust the user has no PIN reset above the lock screen at all until non-destructive reset works; fix this device first.',
    evidence: { values: { canReset: 'DestructiveOnly', joinType: 'hybridJoined' } },
  };
}
