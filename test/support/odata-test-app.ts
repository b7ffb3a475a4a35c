/**
 * Functions entry point for the OData feed's host tests: the real registerOData over the test
 * entity sets in the test Azurite, under the table prefix the test chose (RR_ODATA_TEST_PREFIX).
 */
import { registerOData } from '../../functions/odata.js';
import { createTableProvider } from '../../shared/storage/tables.js';
import { testStorageConnectionString } from './env.js';
import { testEntitySets } from './odata-test-sets.js';

const tablePrefix = process.env.RR_ODATA_TEST_PREFIX;
if (!tablePrefix) throw new Error('RR_ODATA_TEST_PREFIX is not set');
const tables = createTableProvider({ connectionString: testStorageConnectionString(), tablePrefix });
registerOData({ sets: testEntitySets(tables) });
