/**
 * Join state from (AzureAdJoined, EnterpriseJoined, DomainJoined) + WorkplaceJoined, domain.md §2.4.
 * A missing flag counts as "not YES": partial captures (a User State block alone) are notJoined.
 */
import type { JoinType } from './types.js';

export interface JoinFlags {
  azureAdJoined: string | undefined;
  enterpriseJoined: string | undefined;
  domainJoined: string | undefined;
  workplaceJoined: string | undefined;
}

export function deriveJoinType(flags: JoinFlags): { joinType: JoinType; warnings: string[] } {
  const aad = isYes(flags.azureAdJoined);
  const ent = isYes(flags.enterpriseJoined);
  const dom = isYes(flags.domainJoined);
  const warnings: string[] = [];
  if (aad && dom) {
    if (ent)
      warnings.push(
        'AzureAdJoined and EnterpriseJoined are both YES, which dsregcmd documents as impossible',
      );
    return { joinType: 'hybridJoined', warnings };
  }
  if (aad && !ent) return { joinType: 'entraJoined', warnings };
  if (!aad && dom) {
    // On-premises DRS join: no Entra device object, so for posture it is a domain-joined device.
    if (ent)
      warnings.push('device is joined to an on-premises DRS (EnterpriseJoined YES); treated as domainJoined');
    return { joinType: 'domainJoined', warnings };
  }
  if (!aad && !ent && !dom && isYes(flags.workplaceJoined)) return { joinType: 'entraRegistered', warnings };
  if (aad && ent)
    warnings.push('AzureAdJoined and EnterpriseJoined are both YES without DomainJoined; join state unknown');
  return { joinType: 'notJoined', warnings };
}

function isYes(value: string | undefined): boolean {
  return value?.trim().toUpperCase() === 'YES';
}
