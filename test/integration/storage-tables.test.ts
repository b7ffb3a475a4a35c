/** The table provider: prefixed names, created once even under concurrent first use. */
import { describe, expect, it } from 'vitest';
import { createTableProvider, tableName } from '../../shared/storage/tables.js';
import { testConfig } from '../support/env.js';

describe('createTableProvider', () => {
  it('creates the prefixed table once for concurrent first callers, and reuses the client', async () => {
    const { storage } = testConfig();
    const provider = createTableProvider(storage);
    const clients = await Promise.all(Array.from({ length: 10 }, () => provider.table('Things')));
    expect(new Set(clients).size).toBe(1);
    expect(clients[0]?.tableName).toBe(`${storage.tablePrefix}Things`);
    await clients[0]?.createEntity({ partitionKey: 'p', rowKey: 'r' });

    // A second process (new provider) finds the table already there and keeps its data.
    const again = await createTableProvider(storage).table('Things');
    await expect(again.getEntity('p', 'r')).resolves.toMatchObject({ rowKey: 'r' });
  });

  it('rejects logical names that would not be valid table names', () => {
    const { storage } = testConfig();
    expect(() => tableName(storage, 'Bad-Name')).toThrow(/letters or digits/);
    expect(tableName(storage, 'Reports')).toBe(`${storage.tablePrefix}Reports`);
  });
});
