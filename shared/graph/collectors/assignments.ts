/**
 * Intune assignment targets (graph.md §6.3) → PolicyAssignment. Shared by settings catalog,
 * deviceConfigurations and intents, which all use deviceAndAppManagementAssignmentTarget.
 */
import type { PolicyAssignment } from '../../targeting/types.js';
import { odataType, str } from './odata.js';

export interface ParsedAssignments {
  assignments: PolicyAssignment[];
  /** Targets we cannot evaluate (e.g. ConfigMgr collections); reported, never guessed. */
  issues: string[];
}

export function parseAssignment(raw: unknown): PolicyAssignment | null {
  const target = raw && typeof raw === 'object' ? (raw as Record<string, unknown>).target : undefined;
  const type = odataType(target);
  const groupId = str(target, 'groupId')?.toLowerCase();
  let a: PolicyAssignment;
  switch (type) {
    case 'groupassignmenttarget':
      if (!groupId) return null;
      a = { target: 'group', groupId };
      break;
    case 'exclusiongroupassignmenttarget':
      // Intune allows no filter on exclusions; any filter fields are ignored.
      return groupId ? { target: 'exclusionGroup', groupId } : null;
    case 'alldevicesassignmenttarget':
      a = { target: 'allDevices' };
      break;
    case 'alllicensedusersassignmenttarget':
      a = { target: 'allUsers' };
      break;
    default:
      return null;
  }
  const filterId = str(target, 'deviceAndAppManagementAssignmentFilterId');
  const filterType = str(target, 'deviceAndAppManagementAssignmentFilterType')?.toLowerCase();
  if (filterId && filterType !== 'none') {
    a.filterId = filterId;
    a.filterType = filterType === 'exclude' ? 'exclude' : 'include';
  }
  return a;
}

export function parseAssignments(raw: readonly unknown[]): ParsedAssignments {
  const assignments: PolicyAssignment[] = [];
  const issues: string[] = [];
  for (const item of raw) {
    const a = parseAssignment(item);
    if (a) assignments.push(a);
    else {
      const t = odataType((item as { target?: unknown } | null)?.target);
      issues.push(
        t === 'configurationmanagercollectionassignmenttarget'
          ? 'ASSIGNMENT_CONFIGMGR_COLLECTION'
          : 'ASSIGNMENT_UNKNOWN_TARGET',
      );
    }
  }
  return { assignments, issues: [...new Set(issues)] };
}
