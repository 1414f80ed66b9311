import type { SqlDialect } from './sql-dialect.js';

/*
 * What reprice asks, written once for every backend: the cost of each token class of a stored call (alias
 * e) at the rates of the rate row that covers it, the columns a repriced call gets, and which rate row
 * covers which call. The arithmetic mirrors computeCost in src/core/cost; the repricer tests of each
 * backend check that both agree call for call.
 */

/** The rate columns of a rate row, in the order the staging tables declare them. */
export const rateColumns = ['input', 'cacheRead', 'cacheWrite5m', 'cacheWrite1h', 'output', 'reasoning', 'inputAudio', 'outputAudio', 'request', 'webSearch'] as const;

/** A rate column's SQL name: cacheWrite5m → rate_cache_write_5m. */
export const sqlRateName = (name: (typeof rateColumns)[number]): string => `rate_${name.replace(/[A-Z0-9]+/g, (part) => `_${part.toLowerCase()}`)}`;

/** How a query names a column of the rate row joined to a call (DuckDB `r.x`; ClickHouse, whose join keeps right-side names apart, `r_x`). */
export type RateColumn = (column: string) => string;

/** Each cost column's new value, as SQL over the stored call (alias e) and its rate row. */
export function costExpressions(e: string, dialect: SqlDialect, rate: RateColumn): Record<string, string> {
  // The product of a token count and a rate, exact whatever their size.
  const times = (tokens: string, rateName: string): string => `${dialect.wide(tokens)} * ${rate(rateName)}`;
  return {
    cost_input: times(`(${e}.input_tokens - ${e}.cache_read_tokens - ${e}.cache_write_5m_tokens - ${e}.cache_write_1h_tokens - ${e}.input_audio_tokens)`, 'rate_input'),
    cost_cache_read: times(`${e}.cache_read_tokens`, 'rate_cache_read'),
    cost_cache_write_5m: times(`${e}.cache_write_5m_tokens`, 'rate_cache_write_5m'),
    cost_cache_write_1h: times(`${e}.cache_write_1h_tokens`, 'rate_cache_write_1h'),
    cost_output: times(`(${e}.output_tokens - ${e}.reasoning_tokens - ${e}.output_audio_tokens)`, 'rate_output'),
    cost_reasoning: times(`${e}.reasoning_tokens`, 'rate_reasoning'),
    cost_audio: `${times(`${e}.input_audio_tokens`, 'rate_input_audio')} + ${times(`${e}.output_audio_tokens`, 'rate_output_audio')}`,
    cost_request: dialect.wide(rate('rate_request')),
    cost_web_search: times(`${e}.web_search_requests`, 'rate_web_search'),
  };
}

/** The new value of every repriced column, as SQL over the stored call (alias e) and its rate row. */
export function newValues(e: string, dialect: SqlDialect, rate: RateColumn): Record<string, string> {
  const costs = costExpressions(e, dialect, rate);
  const priced = (expression: string): string => `CASE WHEN ${rate('price_id')} IS NULL THEN NULL ELSE ${dialect.narrow(expression)} END`;
  return {
    price_id: rate('price_id'),
    priced_provider: rate('priced_provider'),
    priced_model: rate('priced_model'),
    unpriced_reason: `CASE WHEN ${rate('price_id')} IS NULL THEN coalesce(${rate('unpriced_reason')}, 'no price') ELSE NULL END`,
    ...Object.fromEntries(Object.entries(costs).map(([name, expression]) => [name, priced(expression)])),
    cost_total: priced(Object.values(costs).map((expression) => `(${expression})`).join(' + ')),
  };
}

/** True when repricing changes the stored call (alias e): its price or any of its costs. */
export function repriceChanges(e: string, dialect: SqlDialect, rate: RateColumn): string {
  const values = newValues(e, dialect, rate);
  return ['price_id', 'unpriced_reason', ...Object.keys(costExpressions(e, dialect, rate)), 'cost_total'].map((name) => dialect.distinct(`${e}.${name}`, values[name]!)).join(' OR ');
}

/**
 * The condition that a rate row covers a stored call (alias e): same model and provider, its price period,
 * its slice of the day and its band of input size. Backends join on the model and filter with this.
 */
export function coveredBy(e: string, dialect: SqlDialect, rate: RateColumn): string {
  const daySecond = dialect.eventDaySecond(e);
  return `${e}.model = ${rate('model')} AND NOT (${dialect.distinct(`${e}.provider`, rate('provider'))})
    AND ${dialect.eventAtOrAfterMsColumn(e, rate('from_ms'))} AND ${dialect.eventBeforeMsColumn(e, rate('to_ms'))}
    AND ${daySecond} >= ${rate('day_second_from')}
    AND ${daySecond} < ${rate('day_second_to')}
    AND ${e}.input_tokens > ${rate('input_above')} AND ${e}.input_tokens <= ${rate('input_at_most')}`;
}
