export * from './columns.js';
export * from './csv.js';
export * from './query.js';
