import { BIGINT, DuckDBDataChunk, INTEGER, VARCHAR, type DuckDBConnection } from '@duckdb/node-api';
import type { PricingGroup, RateAssignment, RepricedModel, TimeRange } from '../event-writer.js';
import type { StoredPriceRow } from '../stored-rows.js';
import { writePriceRows } from './duckdb-price-rows.js';
import { coveredBy as sharedCoveredBy, newValues as sharedNewValues, rateColumns, repriceChanges, sqlRateName, type RateColumn } from '../sql/reprice-expressions.js';
import { duckdbDialect } from '../sql/sql-dialect.js';

/*
 * Repricing runs in SQL: JavaScript resolves one rate row per (provider, model, price period, slice of
 * the day, long-context band) — a handful per model — and DuckDB joins them to the stored calls and
 * recomputes every token class from the token columns, in HUGEINT so no product can overflow. What the
 * costs are is written once for every backend (../sql/reprice-expressions.ts); duckdb-repricer.int.test.ts
 * checks that it agrees with computeCost call for call.
 */

function rangeCondition(range: TimeRange, column = 'ts'): string {
  const conditions: string[] = [];
  if (range.fromMs !== undefined) conditions.push(`${column} >= epoch_ms(${Math.floor(range.fromMs)}::BIGINT)`);
  if (range.toMs !== undefined) conditions.push(`${column} < epoch_ms(${Math.ceil(range.toMs)}::BIGINT)`);
  return conditions.length === 0 ? 'TRUE' : conditions.join(' AND ');
}

/** The distinct (provider, model) pairs of the stored calls in a range, with their first and last call. */
export async function pricingGroups(connection: DuckDBConnection, range: TimeRange): Promise<PricingGroup[]> {
  const result = await connection.runAndReadAll(
    `SELECT provider, model, count(*) AS calls, epoch_ms(min(ts)) AS first_ms, epoch_ms(max(ts)) AS last_ms
     FROM usage_events WHERE ${rangeCondition(range)} GROUP BY provider, model ORDER BY model, provider`,
  );
  return result.getRowObjects().map((row) => ({
    provider: row.provider as string | null,
    model: row.model as string,
    calls: Number(row.calls),
    firstMs: Number(row.first_ms),
    lastMs: Number(row.last_ms),
  }));
}

// DuckDB names the joined rate row r; its columns keep their names.
const rate: RateColumn = (column) => `r.${column}`;
const newValues = (e: string): Record<string, string> => sharedNewValues(e, duckdbDialect, rate);
const coveredBy = (e: string): string => sharedCoveredBy(e, duckdbDialect, rate);

/** Writes rate rows into a new table (by default the temp table reprice_rates), for coveredBy's join. */
export async function stageAssignments(connection: DuckDBConnection, assignments: RateAssignment[], where: { catalog: string; table: string } = { catalog: 'temp', table: 'reprice_rates' }): Promise<void> {
  const table = where.catalog === 'temp' ? `TEMP TABLE ${where.table}` : `TABLE ${where.catalog}.main.${where.table}`;
  await connection.run(`CREATE OR REPLACE ${table} (
    provider VARCHAR, model VARCHAR, from_ms BIGINT, to_ms BIGINT, day_second_from INTEGER, day_second_to INTEGER,
    input_above BIGINT, input_at_most BIGINT, price_id VARCHAR, priced_provider VARCHAR, priced_model VARCHAR, unpriced_reason VARCHAR,
    ${rateColumns.map((name) => `${sqlRateName(name)} BIGINT`).join(', ')})`);
  if (assignments.length === 0) return;
  const types = [VARCHAR, VARCHAR, BIGINT, BIGINT, INTEGER, INTEGER, BIGINT, BIGINT, VARCHAR, VARCHAR, VARCHAR, VARCHAR, ...rateColumns.map(() => BIGINT)];
  const appender = await connection.createAppender(where.table, 'main', where.catalog);
  try {
    for (let start = 0; start < assignments.length; start += 2048) {
      const slice = assignments.slice(start, start + 2048);
      const chunk = DuckDBDataChunk.create(types, slice.length);
      const big = (value: number | undefined): bigint | null => (value === undefined ? null : BigInt(value));
      chunk.setColumns([
        slice.map((assignment) => assignment.provider),
        slice.map((assignment) => assignment.model),
        slice.map((assignment) => BigInt(assignment.fromMs)),
        slice.map((assignment) => BigInt(assignment.toMs)),
        slice.map((assignment) => assignment.daySecondFrom),
        slice.map((assignment) => assignment.daySecondTo),
        slice.map((assignment) => BigInt(assignment.inputAbove)),
        slice.map((assignment) => BigInt(assignment.inputAtMost)),
        slice.map((assignment) => assignment.price?.priceId ?? null),
        slice.map((assignment) => assignment.price?.pricedProvider ?? null),
        slice.map((assignment) => assignment.price?.pricedModel ?? null),
        slice.map((assignment) => assignment.unpricedReason),
        // A priced assignment without a search price charges nothing per search (null would unprice the call).
        ...rateColumns.map((name) => slice.map((assignment) => big(assignment.price === null ? undefined : (assignment.price.rates[name] ?? 0)))),
      ]);
      appender.appendDataChunk(chunk);
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
}

/**
 * Recomputes the calls of a range that the assignments cover, stores the prices, and reports what moved
 * per model. Two streaming passes, nothing materialized: an aggregate of old against new costs, then an
 * UPDATE of the rows whose price or cost changes (so an unchanged catalog writes nothing).
 */
export async function applyRates(connection: DuckDBConnection, range: TimeRange, assignments: RateAssignment[], prices: StoredPriceRow[]): Promise<RepricedModel[]> {
  await stageAssignments(connection, assignments);
  const fresh = newValues('e');
  const changed = (e: string): string => repriceChanges(e, duckdbDialect, rate);
  await connection.run('BEGIN TRANSACTION');
  try {
    await writePriceRows(connection, prices);
    const summary = await connection.runAndReadAll(`SELECT provider, model, count(*) AS calls,
        count(*) FILTER (WHERE old_total IS DISTINCT FROM cost_total) AS repriced,
        count(*) FILTER (WHERE old_total IS NULL AND cost_total IS NOT NULL) AS newly_priced,
        count(*) FILTER (WHERE old_total IS NOT NULL AND cost_total IS NULL) AS newly_unpriced,
        count(*) FILTER (WHERE cost_total IS NULL) AS unpriced_after,
        coalesce(sum(CAST(old_total AS HUGEINT)), 0::HUGEINT) AS old_total,
        coalesce(sum(CAST(cost_total AS HUGEINT)), 0::HUGEINT) AS new_total
      FROM (SELECT e.provider, e.model, e.cost_total AS old_total, ${fresh.cost_total} AS cost_total
            FROM usage_events e JOIN reprice_rates r ON ${coveredBy('e')}
            WHERE ${rangeCondition(range, 'e.ts')})
      GROUP BY provider, model ORDER BY new_total DESC, model`);
    const target = 'usage_events';
    const values = newValues(target);
    await connection.run(`UPDATE usage_events SET ${Object.entries(values).map(([name, expression]) => `${name} = ${expression}`).join(', ')}
      FROM reprice_rates r
      WHERE ${coveredBy(target)} AND ${rangeCondition(range, `${target}.ts`)} AND (${changed(target)})`);
    await connection.run('COMMIT');
    return summary.getRowObjects().map((row) => ({
      provider: row.provider as string | null,
      model: row.model as string,
      calls: Number(row.calls),
      repriced: Number(row.repriced),
      newlyPriced: Number(row.newly_priced),
      newlyUnpriced: Number(row.newly_unpriced),
      unpricedAfter: Number(row.unpriced_after),
      oldTotalPicodollars: BigInt(row.old_total as bigint),
      newTotalPicodollars: BigInt(row.new_total as bigint),
    }));
  } catch (error) {
    await connection.run('ROLLBACK');
    throw error;
  }
}
