/** The generic read-only OData v4 layer: define entity sets, hand them to createODataService. */
export * from './edm.js';
export { evaluateFilter } from './evaluate.js';
export { type ComparisonOperator, type FilterNode, parseFilter } from './filter.js';
export { metadataDocument } from './metadata.js';
export { parseQueryOptions, type QueryOptions } from './query-options.js';
export {
  createODataService,
  DEFAULT_PAGE_SIZE,
  ODATA_JSON,
  type ODataRequest,
  type ODataResponse,
  type ODataService,
  type ODataServiceOptions,
} from './service.js';
export { toTableFilter } from './table-filter.js';
export { type TableRowSourceOptions, tableEntityFor, tableRowSource } from './table-source.js';
