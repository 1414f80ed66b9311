import type { DuckDBConnection } from '@duckdb/node-api';
import type { ReconcileReader } from '../reconcile-reader.js';
import { recordedByProviderDaySql, recordedProviderDay } from '../sql/reconcile-queries.js';
import { duckdbDialect } from '../sql/sql-dialect.js';

/** The reconcile reader over a DuckDB store: the shared query (src/store/sql/reconcile-queries.ts) in DuckDB's spelling. */
export function createDuckdbReconcileReader(connection: DuckDBConnection): ReconcileReader {
  return {
    async recordedByProviderDay(query) {
      const reader = await connection.runAndReadAll(recordedByProviderDaySql(duckdbDialect, query));
      return reader.getRowObjects().map(recordedProviderDay);
    },
  };
}
