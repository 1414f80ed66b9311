import type { DuckDBConnection } from '@duckdb/node-api';
import type { ApiKeyTable, StoredApiKey } from '../api-key-table.js';

/** The api_keys table of a DuckDB store (migration 2), on the store's writing connection. */
export function createDuckdbApiKeyTable(connection: DuckDBConnection): ApiKeyTable {
  return {
    shared: false,
    keys: async () => {
      const result = await connection.runAndReadAll('SELECT key_id, name, scope, key_hash, created_at, revoked_at FROM api_keys ORDER BY created_at, key_id');
      return result.getRowObjectsJS().map(
        (row): StoredApiKey => ({
          id: String(row.key_id),
          name: String(row.name),
          scope: String(row.scope),
          hashHex: String(row.key_hash),
          createdAt: isoOf(row.created_at),
          revokedAt: row.revoked_at === null ? null : isoOf(row.revoked_at),
        }),
      );
    },
    // DuckDB's TIMESTAMP has no zone: instants are stored as UTC without the Z.
    // A key is stored as given, revoked or not: `store copy` writes a revoked key in one statement, so that no
    // moment of an interrupted copy holds it usable.
    insertKey: async (key) => {
      await connection.run('INSERT INTO api_keys VALUES ($1, $2, $3, $4, $5::TIMESTAMP, $6::TIMESTAMP)', [
        key.id,
        key.name,
        key.scope,
        key.hashHex,
        key.createdAt.replace('Z', ''),
        key.revokedAt === null ? null : key.revokedAt.replace('Z', ''),
      ]);
    },
    revokeKey: async (id, revokedAt) => {
      await connection.run('UPDATE api_keys SET revoked_at = $1::TIMESTAMP WHERE key_id = $2', [revokedAt.replace('Z', ''), id]);
    },
  };
}

function isoOf(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  return new Date(`${String(value).replace(' ', 'T')}Z`).toISOString();
}
