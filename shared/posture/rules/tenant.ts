/**
 * Tenant-wide conditions: the two PIN reset enterprise apps (domain.md §4). They do not keep a
 * device at DestructiveOnly (the device still attempts the non-destructive reset and the
 * service refuses it with CAA20004 / AADSTS650052), so they are fleet blockers and a warning
 * on every device, never a device's reason.
 */
import type { Finding, RuleContext } from './context.js';

function appValues(ctx: RuleContext) {
  const t = ctx.device.tenant;
  return {
    serviceAppPresent: t?.service.present ?? null,
    clientAppPresent: t?.client.present ?? null,
    serviceAppEnabled: t?.service.enabled ?? null,
    clientAppEnabled: t?.client.enabled ?? null,
  };
}

/** PINRESET_APPS_MISSING: one or both apps have no service principal (not consented). */
export function pinResetAppsMissing(ctx: RuleContext): Finding | null {
  const t = ctx.device.tenant;
  if (t?.state !== 'missing') return null;
  const missing = [
    t.service.present === false ? 'Microsoft Pin Reset Service Production' : null,
    t.client.present === false ? 'Microsoft Pin Reset Client Production' : null,
  ].filter((x) => x !== null);
  return {
    message: `Grant admin consent to ${missing.join(' and ')} in Entra ID: until then the PIN reset service refuses every non-destructive reset in the tenant (CAA20004).`,
    evidence: { values: appValues(ctx) },
  };
}

/** PINRESET_APP_DISABLED: both present, one disabled for sign-in. */
export function pinResetAppDisabled(ctx: RuleContext): Finding | null {
  if (ctx.device.tenant?.state !== 'disabled') return null;
  return {
    message:
      'Enable sign-in for the Microsoft Pin Reset enterprise applications in Entra ID: a disabled service principal blocks the reset for the whole tenant.',
    evidence: { values: appValues(ctx) },
  };
}
