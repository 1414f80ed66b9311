import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';

/** A query and its bound values, as the report SQL builders hand them out. */
export interface BoundQuery {
  sql: string;
  values: Record<string, DuckDBValue>;
}

/** Runs a query and reads its rows with BIGINT and HUGEINT as bigint. */
export async function rowsOf(connection: DuckDBConnection, query: BoundQuery): Promise<Array<Record<string, unknown>>> {
  const reader = await connection.runAndReadAll(query.sql, query.values);
  return reader.getRowObjectsJS() as Array<Record<string, unknown>>;
}

/** A count read from DuckDB (a bigint, a number or null) as a number. */
export function count(value: unknown): number {
  if (value === null || value === undefined) return 0;
  return Number(value);
}

/** An exact sum read from DuckDB as a bigint; null is 0. */
export function exact(value: unknown): bigint {
  if (value === null || value === undefined) return 0n;
  return typeof value === 'bigint' ? value : BigInt(value as number);
}
