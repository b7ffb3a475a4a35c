/**
 * Wires the posture feed (shared/feed) to the keyed OData route /api/odata/. Kept apart from
 * the composition root so the root stays one import and one call.
 */

import { type FeedDeps, feedSets } from '../shared/feed/sets.js';
import type { EntitySetDefinition } from '../shared/odata/edm.js';
import { registerOData } from './odata.js';

export function registerFeed(deps: FeedDeps, extraSets: readonly EntitySetDefinition[] = []): void {
  registerOData({ sets: feedSets(deps, { extraSets }) });
}
