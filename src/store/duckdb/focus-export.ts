import type { PricingGroup } from '../event-writer.js';
import type { DuckdbDatabase } from './duckdb-database.js';
import { focusCopySql, focusRatesTableSql, focusRowsSql, type FocusExportSqlQuery } from './focus-export-sql.js';

/** A FOCUS export to run: the query and the file to write (replaced if it exists). */
export interface FocusExportRun extends FocusExportSqlQuery {
  path: string;
}

/** What an export wrote, and the store's own figures for the same window to compare it with. */
export interface FocusExportOutcome {
  /** FOCUS rows written. */
  rows: number;
  /** Calls in the window with a cost, all of which the rows add up. */
  pricedCalls: number;
  /** Calls in the window stored without a price: their cost is unknown, so no row can bill them. */
  unpricedCalls: number;
  /** The store's total cost of the window, integer picodollars. */
  storeTotalPicodollars: bigint;
  /** The sums over the rows written: BilledCost (equal to the store's total) and ListCost. */
  billedPicodollars: bigint;
  listPicodollars: bigint;
  /** Rows whose price the current catalog no longer produces, written at their stored cost with no unit price. */
  rowsWithoutUnitPrice: number;
}

/**
 * Writes the FOCUS file of a window with DuckDB's COPY (CSV or Parquet). Runs on a connection of its own:
 * its temp tables and its UTC time zone (for Parquet's TIMESTAMPTZ) stay out of the store's connection.
 */
export async function exportFocus(database: DuckdbDatabase, run: FocusExportRun, progress: (step: string) => void = () => {}): Promise<FocusExportOutcome> {
  const connection = await database.instance.connect();
  try {
    await connection.run(`SET TimeZone = 'UTC'`);
    for (const statement of focusRatesTableSql(run.rates)) await connection.run(statement);
    // Web searches are a billed class only in stores whose schema has them.
    const columns = await connection.runAndReadAll(`SELECT column_name FROM information_schema.columns WHERE table_name = 'usage_events' AND column_name IN ('web_search_requests', 'cost_web_search')`);
    const query = { ...run, webSearch: columns.getRowObjects().length === 2 };
    progress('summing the calls by day, model, token class and tags');
    await connection.run(focusRowsSql(query));
    progress(`writing the ${run.format === 'csv' ? 'CSV' : 'Parquet'} file`);
    await connection.run(focusCopySql(query, run.path));
    const sums = await connection.runAndReadAll(`SELECT count(*) AS rows, coalesce(sum(cost), 0) AS billed, coalesce(sum(list_cost), 0) AS list,
        count(*) FILTER (WHERE list_rate IS NULL) AS without_unit_price FROM focus_rows`);
    const store = await connection.runAndReadAll(`SELECT count(*) FILTER (WHERE cost_total IS NOT NULL) AS priced, count(*) FILTER (WHERE cost_total IS NULL) AS unpriced,
        coalesce(sum(cost_total), 0) AS total
      FROM usage_events WHERE ts >= epoch_ms(${Math.trunc(run.fromMs)}::BIGINT) AND ts < epoch_ms(${Math.trunc(run.toMs)}::BIGINT)`);
    const written = sums.getRowObjects()[0]!;
    const stored = store.getRowObjects()[0]!;
    return {
      rows: Number(written.rows),
      pricedCalls: Number(stored.priced),
      unpricedCalls: Number(stored.unpriced),
      storeTotalPicodollars: BigInt(stored.total as bigint),
      billedPicodollars: BigInt(written.billed as bigint),
      listPicodollars: BigInt(written.list as bigint),
      rowsWithoutUnitPrice: Number(written.without_unit_price),
    };
  } finally {
    await connection.run('DROP TABLE IF EXISTS focus_rows').catch(() => {});
    connection.closeSync();
  }
}

/**
 * Every model the store has a price row for, as pricing groups spanning [fromMs, toMs): what the export
 * plans list prices from. Read from the prices table (a row per price ever used, so a handful per model)
 * instead of a pass over the window's calls: a call's price row names its catalog provider and model, and
 * planning a model over the whole window yields every price id its calls can carry.
 */
export async function focusPricedModels(database: DuckdbDatabase, fromMs: number, toMs: number): Promise<PricingGroup[]> {
  const result = await database.connection.runAndReadAll('SELECT DISTINCT provider, model FROM prices ORDER BY model, provider');
  return result.getRowObjects().map((row) => ({ provider: row.provider as string, model: row.model as string, calls: 0, firstMs: fromMs, lastMs: toMs - 1 }));
}

