import type { SimulationRateRow } from '../../core/simulate/replay-plan.js';
import type { TimeRange } from '../event-writer.js';

/*
 * A call's cost at another model, as SQL that runs on every backend: the replay (simulate) and the gateway's
 * effects price moved calls with it. It reads columns of the call by name — ts_ms, day_second, input_tokens,
 * uncached, cache_read_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens,
 * input_audio_tokens, output_audio_tokens, web_search_requests — which the query selecting the calls provides.
 * `CAST(n AS BIGINT)` is standard SQL that DuckDB and ClickHouse both read as a 64-bit integer.
 */

/**
 * The rate table as SQL constants: a CASE picks the row covering a call — the first whose model, period, slice
 * of the day and input band match, as findRateRow does — and that branch prices the call with the row's own
 * rates written in as numbers (a rate of zero adds no term). An unpriced row, or no row, gives NULL. A handful
 * of rows make this cheaper than joining 10M calls to a table, and than reading each rate from a list by index.
 */
export function rateLookup(rates: readonly SimulationRateRow[], range: TimeRange) {
  const fullDay = (row: SimulationRateRow): boolean => row.daySecondFrom <= 0 && row.daySecondTo >= 86_400;
  // A bound the replayed range already keeps to is not tested again per call.
  const startsBefore = (row: SimulationRateRow): boolean => row.fromMs <= 0 || (range.fromMs !== undefined && row.fromMs <= Math.floor(range.fromMs));
  const endsAfter = (row: SimulationRateRow): boolean => row.toMs >= Number.MAX_SAFE_INTEGER || (range.toMs !== undefined && row.toMs >= Math.ceil(range.toMs));
  const covers = (row: SimulationRateRow, keyColumn: string): string => {
    const conditions = [`${keyColumn} = ${row.key}`];
    if (!startsBefore(row)) conditions.push(`ts_ms >= ${row.fromMs}`);
    if (!endsAfter(row)) conditions.push(`ts_ms < ${row.toMs}`);
    if (!fullDay(row)) conditions.push(`day_second >= ${row.daySecondFrom} AND day_second < ${row.daySecondTo}`);
    if (row.inputAbove >= 0) conditions.push(`input_tokens > ${row.inputAbove}`);
    if (row.inputAtMost < Number.MAX_SAFE_INTEGER) conditions.push(`input_tokens <= ${row.inputAtMost}`);
    return conditions.join(' AND ');
  };
  // BIGINT: a call would have to cost $9 million to overflow it. DuckDB raises an error rather than wrap;
  // ClickHouse wraps (docs/clickhouse.md), which no real price and token count come near.
  const bigint = (value: number): string => `CAST(${BigInt(value)} AS BIGINT)`;
  const priceWith = (row: SimulationRateRow): string => {
    if (row.rates === null) return 'NULL';
    const terms: Array<[string | null, number]> = [
      ['uncached', row.rates.input],
      ['cache_read_tokens', row.rates.cacheRead],
      ['cache_write_5m_tokens', row.rates.cacheWrite5m],
      ['cache_write_1h_tokens', row.rates.cacheWrite1h],
      ['(output_tokens - reasoning_tokens - output_audio_tokens)', row.rates.output],
      ['reasoning_tokens', row.rates.reasoning],
      ['input_audio_tokens', row.rates.inputAudio],
      ['output_audio_tokens', row.rates.outputAudio],
      ['web_search_requests', row.rates.webSearch ?? 0],
      [null, row.rates.request],
    ];
    const present = terms.filter(([, rate]) => rate !== 0).map(([tokens, rate]) => (tokens === null ? bigint(rate) : `${tokens} * ${bigint(rate)}`));
    return present.length === 0 ? bigint(0) : `(${present.join(' + ')})`;
  };
  /** The cost of a call at the model in keyColumn, NULL when unpriced. */
  const cost = (keyColumn: string): string => caseChain(rates.map((row) => [covers(row, keyColumn), priceWith(row)]), 'NULL');
  /**
   * What `tokens` more output tokens of a call would cost at the model in keyColumn, NULL when unpriced: the
   * cost with the extra tokens less the cost without, which the rate row covering the call decides alone
   * (the band is of input tokens, so the extra output does not move the call to another row).
   */
  const extraOutputCost = (keyColumn: string, tokens: string): string =>
    caseChain(rates.map((row) => [covers(row, keyColumn), row.rates === null ? 'NULL' : row.rates.output === 0 ? bigint(0) : `${tokens} * ${bigint(row.rates.output)}`]), 'NULL');
  return { cost, extraOutputCost };
}

/** CASE WHEN … THEN … over the branches, in order; `otherwise` alone when there is none. */
export function caseChain(branches: Array<[string, string]>, otherwise: string): string {
  if (branches.length === 0) return otherwise;
  return `CASE ${branches.map(([when, then]) => `WHEN ${when} THEN ${then}`).join(' ')} ELSE ${otherwise} END`;
}
