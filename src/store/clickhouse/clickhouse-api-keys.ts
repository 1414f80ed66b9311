import type { ApiKeyTable, StoredApiKey } from '../api-key-table.js';
import { sqlString, type ClickhouseConnection } from './clickhouse-connection.js';

const columns = ['key_id', 'name', 'scope', 'key_hash', 'created_at', 'revoked_at', 'version'];

/**
 * The api_keys table of a ClickHouse store (migration 2). A key is made as version 1 and revoked by writing
 * version 2 of it: ClickHouse has no UPDATE, and FINAL reads the newer version. Every server on the database
 * reads the same keys: each reads them when it starts, and again every few seconds (ApiKeys.reload).
 */
export function createClickhouseApiKeyTable(connection: ClickhouseConnection): ApiKeyTable {
  const row = (key: StoredApiKey, version: number): unknown[] => [key.id, key.name, key.scope, key.hashHex, Date.parse(key.createdAt), key.revokedAt === null ? null : Date.parse(key.revokedAt), version];
  const read = async (where: string): Promise<StoredApiKey[]> =>
    (await connection.rows(`SELECT key_id, name, scope, key_hash, created_at, revoked_at FROM api_keys FINAL ${where} ORDER BY created_at, key_id`)).map((stored) => ({
      id: String(stored.key_id),
      name: String(stored.name),
      scope: String(stored.scope),
      hashHex: String(stored.key_hash),
      createdAt: new Date(Number(stored.created_at)).toISOString(),
      revokedAt: stored.revoked_at === null ? null : new Date(Number(stored.revoked_at)).toISOString(),
    }));
  return {
    shared: true,
    keys: () => read(''),
    insertKey: (key) => connection.insert('api_keys', columns, [row(key, 1)]),
    revokeKey: async (id, revokedAt) => {
      const [key] = await read(`WHERE key_id = ${sqlString(id)}`);
      if (key !== undefined) await connection.insert('api_keys', columns, [row({ ...key, revokedAt }, 2)]);
    },
  };
}
