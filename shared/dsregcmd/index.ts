/** The dsregcmd parser's public surface: import from here. */
export { type DecodedText, decodeDsregcmdText } from './decode.js';
export { normaliseGuid } from './guid.js';
export { deriveJoinType, type JoinFlags } from './join-type.js';
export { emptyDsregcmdStatus, isDuplicateSection, MAX_INPUT_CHARS, parseDsregcmd } from './parse.js';
export { hasDsregcmdStructure } from './structure.js';
export type { CanReset, DsregcmdStatus, DsregField, JoinType } from './types.js';
