import { DuckDBInstance } from '@duckdb/node-api';
import type { FocusFileContent } from '../core/governance/focus/validate-focus-rows.js';

/**
 * Reads a FOCUS file back through DuckDB, every value as text so decimals stay exact on their way to the
 * validator; Parquet columns keep their type for the type checks.
 */
export async function readFocusFile(path: string, format: 'csv' | 'parquet'): Promise<FocusFileContent> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run(`SET TimeZone = 'UTC'`);
    const source = format === 'csv' ? `read_csv('${path}', all_varchar = true, header = true)` : `read_parquet('${path}')`;
    const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`);
    const columns = described.getRowObjects().map((row) => ({ name: String(row.column_name), ...(format === 'parquet' ? { type: String(row.column_type) } : {}) }));
    const result = await connection.runAndReadAll(`SELECT ${columns.map((column) => `CAST("${column.name}" AS VARCHAR) AS "${column.name}"`).join(', ')} FROM ${source}`);
    const rows = result.getRowObjects().map((row) => Object.fromEntries(Object.entries(row).map(([key, value]) => [key, value === null ? null : String(value)])));
    return { columns, rows };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
