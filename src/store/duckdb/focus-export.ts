import type { PricingGroup } from '../event-writer.js';
import type { FocusExportOutcome, FocusExportRun } from '../focus-exporter.js';
import { focusPricedModelsSql, focusRateColumns, focusRateRows, focusRowTotalsSql, focusRowsQuery, focusSelectSql, focusStoreTotalsSql } from '../sql/focus-export-queries.js';
import { plainSql } from '../sql/relation-chain.js';
import { duckdbDialect } from '../sql/sql-dialect.js';
import type { DuckdbDatabase } from './duckdb-database.js';

export type { FocusExportOutcome, FocusExportRun } from '../focus-exporter.js';

/*
 * How DuckDB runs the FOCUS export written in sql/focus-export-queries.ts: the rates in a temp table, the
 * rows in another, and the file written by DuckDB's own COPY, so the rows never pass through JavaScript.
 */

/** The temp table of rates, one row per stored price and band, with a list and a contracted rate per class. */
function ratesTableSql(run: FocusExportRun): string[] {
  const statements = [`CREATE OR REPLACE TEMP TABLE focus_rates (price_id VARCHAR, band INTEGER, ${focusRateColumns.map((column) => `${column} BIGINT`).join(', ')})`];
  const rows = focusRateRows(run.rates);
  for (let start = 0; start < rows.length; start += 500) {
    const values = rows.slice(start, start + 500).map(([priceId, ...numbers]) => `(${duckdbDialect.string(priceId)}, ${numbers.map((value) => String(value)).join(', ')})`);
    statements.push(`INSERT INTO focus_rates VALUES ${values.join(', ')}`);
  }
  return statements;
}

/**
 * Writes the FOCUS file of a window with DuckDB's COPY (CSV or Parquet). Runs on a connection of its own:
 * its temp tables and its UTC time zone (for Parquet's TIMESTAMPTZ) stay out of the store's connection.
 */
export async function exportFocus(database: DuckdbDatabase, run: FocusExportRun, progress: (step: string) => void = () => {}): Promise<FocusExportOutcome> {
  const connection = await database.instance.connect();
  try {
    await connection.run(`SET TimeZone = 'UTC'`);
    for (const statement of ratesTableSql(run)) await connection.run(statement);
    // Web searches are a billed class only in stores whose schema has them.
    const columns = await connection.runAndReadAll(`SELECT column_name FROM information_schema.columns WHERE table_name = 'usage_events' AND column_name IN ('web_search_requests', 'cost_web_search')`);
    const query = { ...run, webSearch: columns.getRowObjects().length === 2 };
    progress('summing the calls by day, model, token class and tags');
    await connection.run(`CREATE OR REPLACE TEMP TABLE focus_rows AS ${plainSql(focusRowsQuery(duckdbDialect, query, 'focus_rates'))}`);
    progress(`writing the ${run.format === 'csv' ? 'CSV' : 'Parquet'} file`);
    const options = run.format === 'csv' ? `FORMAT csv, HEADER true` : `FORMAT parquet, COMPRESSION zstd`;
    await connection.run(`COPY (${focusSelectSql(duckdbDialect, query, 'focus_rows')}) TO ${duckdbDialect.string(run.path)} (${options})`);
    const written = (await connection.runAndReadAll(focusRowTotalsSql(duckdbDialect, 'focus_rows'))).getRowObjects()[0]!;
    const stored = (await connection.runAndReadAll(focusStoreTotalsSql(duckdbDialect, run))).getRowObjects()[0]!;
    return {
      rows: Number(written.row_count),
      pricedCalls: Number(stored.priced),
      unpricedCalls: Number(stored.unpriced),
      storeTotalPicodollars: BigInt((stored.total as string | null) ?? 0),
      billedPicodollars: BigInt((written.billed as string | null) ?? 0),
      listPicodollars: BigInt((written.list as string | null) ?? 0),
      rowsWithoutUnitPrice: Number(written.without_unit_price),
    };
  } finally {
    await connection.run('DROP TABLE IF EXISTS focus_rows').catch(() => {});
    connection.closeSync();
  }
}

/** Every model the store has a price row for, as pricing groups spanning [fromMs, toMs) (FocusExporter.focusPricedModels). */
export async function focusPricedModels(database: DuckdbDatabase, fromMs: number, toMs: number): Promise<PricingGroup[]> {
  const result = await database.connection.runAndReadAll(focusPricedModelsSql(duckdbDialect));
  return result.getRowObjects().map((row) => ({ provider: row.provider as string, model: row.model as string, calls: 0, firstMs: fromMs, lastMs: toMs - 1 }));
}
