/**
 * Operator guidance per reason code, read from the registry (./registry.ts), for the summary,
 * the weekly report and the OData Reasons set.
 */
import { DOCS, type ReasonCode, reasonDefinition } from './registry.js';
import type { ReasonGuidance } from './types.js';

export { DOCS };

export function reasonGuidance(code: ReasonCode): ReasonGuidance {
  const d = reasonDefinition(code);
  return { title: d.title, action: d.action, docsUrl: d.docsUrl };
}
