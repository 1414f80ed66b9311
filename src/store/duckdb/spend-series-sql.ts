import type { SpendSeriesQuery } from '../../core/governance/alerts/spend-series.js';
import { checkedDimension } from '../sql/event-dimensions.js';
import { spendSeriesEventsSql, spendSeriesSpans } from '../sql/spend-series-queries.js';
import { duckdbDialect } from '../sql/sql-dialect.js';
import { BoundValues } from './report-sql.js';
import type { BoundQuery } from './report-rows.js';
import { summaryDimensions } from './report-summary-tables.js';

/**
 * The SQL of a spend series query. Whole days over summary dimensions read report_daily (thousands of rows
 * for 90 days of 10M calls): DuckDB's own fast path, with the same output columns as the shared query. Hours,
 * parts of a bucket, users and sessions read the raw events with the query every backend shares
 * (src/store/sql/spend-series-queries.ts), which spend-series.int.test.ts holds the summaries to.
 */
export function spendSeriesQuery(query: SpendSeriesQuery): BoundQuery {
  const dimensions = [query.per, ...(query.where ?? []).map((filter) => filter.dimension)].filter((dimension) => dimension !== null);
  const fromSummaries = query.grain === 'day' && query.buckets === undefined && dimensions.every((dimension) => (summaryDimensions as readonly string[]).includes(dimension));
  if (!fromSummaries) return { sql: spendSeriesEventsSql(duckdbDialect, query), values: {} };
  const bound = new BoundValues();
  const column = (dimension: string) => `c.${checkedDimension(dimension)}`;
  const value = query.per === null ? 'NULL::VARCHAR' : column(query.per);
  const model = query.byModel ? column('model') : `'*'`;
  const filters = (query.where ?? []).map((filter) => `${column(filter.dimension)} IN (${filter.values.map((item) => bound.bind(item, 'VARCHAR')).join(', ')})`);
  const day = (ms: number) => `make_timestamp(${bound.bind(BigInt(ms) * 1000n, 'BIGINT')})::DATE`;
  const within = spendSeriesSpans(query).map((span) => `(d.day >= ${day(span.fromMs)} AND d.day < ${day(span.toMs)})`);
  const where = [`(${within.join(' OR ')})`, ...filters].join(' AND ');
  const sums = query.totalOnly
    ? `sum(d.calls)::BIGINT AS calls, sum(d.cost_total)::HUGEINT AS cost_total_sum`
    : `sum(d.calls)::BIGINT AS calls, sum(d.input_tokens - d.cache_read_tokens - d.cache_write_5m_tokens - d.cache_write_1h_tokens - d.input_audio_tokens)::HUGEINT AS input_tokens_sum,
       sum(d.cache_read_tokens)::HUGEINT AS cache_read_tokens_sum, sum(d.cache_write_5m_tokens + d.cache_write_1h_tokens)::HUGEINT AS cache_write_tokens_sum,
       sum(d.output_tokens - d.output_audio_tokens)::HUGEINT AS output_tokens_sum,
       sum(d.cost_input)::HUGEINT AS cost_input_sum, sum(d.cost_cache_read)::HUGEINT AS cost_cache_read_sum, sum(d.cost_cache_write_5m + d.cost_cache_write_1h)::HUGEINT AS cost_cache_write_sum,
       sum(d.cost_output + d.cost_reasoning)::HUGEINT AS cost_output_sum, sum(d.cost_total)::HUGEINT AS cost_total_sum,
       sum(d.response_cache_hits)::BIGINT AS response_cache_hits, sum(d.response_cache_lookups)::BIGINT AS response_cache_lookups`;
  return {
    sql: `SELECT ${value} AS series_value, epoch_ms(d.day::TIMESTAMP) AS bucket_ms, ${model} AS series_model, ${sums}
      FROM report_daily d JOIN report_combos c USING (combo_id) WHERE ${where} GROUP BY ALL`,
    values: bound.values,
  };
}
