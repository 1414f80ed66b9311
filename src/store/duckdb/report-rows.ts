import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';

/** A query and its bound values, as the report SQL builders hand them out. */
export interface BoundQuery {
  sql: string;
  values: Record<string, DuckDBValue>;
}

/**
 * Runs a query and reads its rows with BIGINT and HUGEINT as bigint. Read column by column, then put
 * into rows: a report by user or session has 10⁵ rows of ~40 columns, which getRowObjectsJS reads at about
 * half the speed (at 10M calls, 80k rows: 0.92 s against 0.46 s).
 */
export async function rowsOf(connection: DuckDBConnection, query: BoundQuery): Promise<Array<Record<string, unknown>>> {
  const reader = await connection.runAndReadAll(query.sql, query.values);
  const names = reader.columnNames();
  const columns = reader.getColumnsJS() as unknown[][];
  const rows: Array<Record<string, unknown>> = new Array(reader.currentRowCount);
  for (let index = 0; index < rows.length; index += 1) {
    const row: Record<string, unknown> = {};
    for (let column = 0; column < names.length; column += 1) row[names[column]!] = columns[column]![index];
    rows[index] = row;
  }
  return rows;
}

/** A query's result as one array per column, by name: cheaper than rows when there are many rows of many columns. */
export async function columnsOf(connection: DuckDBConnection, query: BoundQuery): Promise<{ length: number; columns: Record<string, unknown[]> }> {
  const reader = await connection.runAndReadAll(query.sql, query.values);
  const values = reader.getColumnsJS() as unknown[][];
  return { length: reader.currentRowCount, columns: Object.fromEntries(reader.columnNames().map((name, index) => [name, values[index]!])) };
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
