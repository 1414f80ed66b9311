import { BIGINT, DuckDBDataChunk, INTEGER, VARCHAR, type DuckDBConnection } from '@duckdb/node-api';
import type { PricingGroup, RateAssignment, RepricedModel, TimeRange } from '../event-writer.js';
import type { StoredPriceRow } from '../stored-rows.js';
import { writePriceRows } from './duckdb-price-rows.js';

/*
 * Repricing runs in SQL: JavaScript resolves one rate row per (provider, model, price period, slice of
 * the day, long-context band) — a handful per model — and DuckDB joins them to the stored calls and
 * recomputes every token class from the token columns, in HUGEINT so no product can overflow.
 * The arithmetic mirrors computeCost in src/core/cost; duckdb-repricer.int.test.ts checks that both
 * agree call for call.
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

const rateColumns = ['input', 'cacheRead', 'cacheWrite5m', 'cacheWrite1h', 'output', 'reasoning', 'inputAudio', 'outputAudio', 'request', 'webSearch'] as const;

const sqlRateName = (name: (typeof rateColumns)[number]): string => `rate_${name.replace(/[A-Z0-9]+/g, (part) => `_${part.toLowerCase()}`)}`;

// The product of a token count and a rate, exact whatever their size.
const times = (tokens: string, rate: string): string => `CAST(${tokens} AS HUGEINT) * r.${rate}`;

/** Each cost column's new value, as SQL over the stored call (alias e) and its rates (alias r). */
export function costExpressions(e: string): Record<string, string> {
  return {
    cost_input: times(`(${e}.input_tokens - ${e}.cache_read_tokens - ${e}.cache_write_5m_tokens - ${e}.cache_write_1h_tokens - ${e}.input_audio_tokens)`, 'rate_input'),
    cost_cache_read: times(`${e}.cache_read_tokens`, 'rate_cache_read'),
    cost_cache_write_5m: times(`${e}.cache_write_5m_tokens`, 'rate_cache_write_5m'),
    cost_cache_write_1h: times(`${e}.cache_write_1h_tokens`, 'rate_cache_write_1h'),
    cost_output: times(`(${e}.output_tokens - ${e}.reasoning_tokens - ${e}.output_audio_tokens)`, 'rate_output'),
    cost_reasoning: times(`${e}.reasoning_tokens`, 'rate_reasoning'),
    cost_audio: `${times(`${e}.input_audio_tokens`, 'rate_input_audio')} + ${times(`${e}.output_audio_tokens`, 'rate_output_audio')}`,
    cost_request: 'CAST(r.rate_request AS HUGEINT)',
    cost_web_search: times(`${e}.web_search_requests`, 'rate_web_search'),
  };
}

/** The new value of every repriced column, as SQL over the stored call (alias e) and its rates (alias r). */
export function newValues(e: string): Record<string, string> {
  const costs = costExpressions(e);
  const priced = (expression: string): string => `CASE WHEN r.price_id IS NULL THEN NULL ELSE CAST(${expression} AS BIGINT) END`;
  return {
    price_id: 'r.price_id',
    priced_provider: 'r.priced_provider',
    priced_model: 'r.priced_model',
    unpriced_reason: `CASE WHEN r.price_id IS NULL THEN coalesce(r.unpriced_reason, 'no price') ELSE NULL END`,
    ...Object.fromEntries(Object.entries(costs).map(([name, expression]) => [name, priced(expression)])),
    cost_total: priced(Object.values(costs).map((expression) => `(${expression})`).join(' + ')),
  };
}

/** The join of stored calls (alias e) to the rate row that covers each: same model, period, slice of the day and input band. */
export function coveredBy(e: string): string {
  return `${e}.model = r.model AND ${e}.provider IS NOT DISTINCT FROM r.provider
    AND ${e}.ts >= epoch_ms(r.from_ms) AND ${e}.ts < epoch_ms(r.to_ms)
    AND CAST(epoch_ms(${e}.ts) // 1000 % 86400 AS INTEGER) >= r.day_second_from
    AND CAST(epoch_ms(${e}.ts) // 1000 % 86400 AS INTEGER) < r.day_second_to
    AND ${e}.input_tokens > r.input_above AND ${e}.input_tokens <= r.input_at_most`;
}

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
  const changed = (e: string): string => {
    const values = newValues(e);
    return ['price_id', 'unpriced_reason', ...Object.keys(costExpressions(e)), 'cost_total'].map((name) => `${e}.${name} IS DISTINCT FROM ${values[name]}`).join(' OR ');
  };
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
