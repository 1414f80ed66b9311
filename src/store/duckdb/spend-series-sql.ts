import type { SpendSeriesQuery } from '../../core/governance/alerts/spend-series.js';
import { BoundValues, checkedDimension } from './report-sql.js';
import type { BoundQuery } from './report-rows.js';
import { eventDimension, summaryDimensions } from './report-summary-tables.js';

/**
 * The SQL of a spend series query. Stored input_tokens count every prompt token and output_tokens every
 * generated one (docs/events.md): the rows split them into uncached input, cache reads, cache writes and
 * text-and-reasoning output, audio left to the remainder with its cost.
 * Whole days over summary dimensions read report_daily (thousands of
 * rows for 90 days of 10M calls); hours, parts of a bucket, users and sessions read the raw events,
 * restricted to the few ranges detection needs so that zone maps skip the rest of the table.
 */
export function spendSeriesQuery(query: SpendSeriesQuery): BoundQuery {
  const bound = new BoundValues();
  const dimensions = [query.per, ...(query.where ?? []).map((filter) => filter.dimension)].filter((dimension) => dimension !== null);
  const fromSummaries = query.grain === 'day' && query.buckets === undefined && dimensions.every((dimension) => (summaryDimensions as readonly string[]).includes(dimension));
  const column = (dimension: string) => (fromSummaries ? `c.${dimension}` : eventDimension(checkedDimension(dimension) as Parameters<typeof eventDimension>[0]));
  const value = query.per === null ? 'NULL::VARCHAR' : column(checkedDimension(query.per));
  const model = query.byModel ? column('model') : `'*'`;
  const filters = (query.where ?? []).map((filter) => `${column(checkedDimension(filter.dimension))} IN (${filter.values.map((item) => bound.bind(item, 'VARCHAR')).join(', ')})`);
  const time = fromSummaries ? 'd.day' : 'ts';
  const at = (ms: number) => `make_timestamp(${bound.bind(BigInt(ms) * 1000n, 'BIGINT')})`;
  const spans = query.buckets
    ? query.buckets.startsMs.map((start) => ({ fromMs: start, toMs: start + query.buckets!.withinBucketMs }))
    : (query.ranges ?? []);
  if (spans.length === 0) spans.push({ fromMs: 0, toMs: 0 });
  const within = spans.map((span) => `(${time} >= ${fromSummaries ? `${at(span.fromMs)}::DATE` : at(span.fromMs)} AND ${time} < ${fromSummaries ? `${at(span.toMs)}::DATE` : at(span.toMs)})`);
  const where = fromSummaries ? [`(${within.join(' OR ')})`, ...filters].join(' AND ') : filters.length > 0 ? filters.join(' AND ') : 'true';
  const sums = query.totalOnly
    ? `${fromSummaries ? 'sum(d.calls)::BIGINT' : 'count(*)'} AS calls, ${fromSummaries ? 'sum(d.cost_total)' : 'coalesce(sum(cost_total), 0)'}::HUGEINT AS cost_total`
    : fromSummaries
    ? `sum(d.calls)::BIGINT AS calls, sum(d.input_tokens - d.cache_read_tokens - d.cache_write_5m_tokens - d.cache_write_1h_tokens - d.input_audio_tokens)::HUGEINT AS input_tokens,
       sum(d.cache_read_tokens)::HUGEINT AS cache_read_tokens, sum(d.cache_write_5m_tokens + d.cache_write_1h_tokens)::HUGEINT AS cache_write_tokens,
       sum(d.output_tokens - d.output_audio_tokens)::HUGEINT AS output_tokens,
       sum(d.cost_input)::HUGEINT AS cost_input, sum(d.cost_cache_read)::HUGEINT AS cost_cache_read, sum(d.cost_cache_write_5m + d.cost_cache_write_1h)::HUGEINT AS cost_cache_write,
       sum(d.cost_output + d.cost_reasoning)::HUGEINT AS cost_output, sum(d.cost_total)::HUGEINT AS cost_total,
       sum(d.response_cache_hits)::BIGINT AS response_cache_hits, sum(d.response_cache_lookups)::BIGINT AS response_cache_lookups`
    : `count(*) AS calls, sum(input_tokens - cache_read_tokens - cache_write_5m_tokens - cache_write_1h_tokens - input_audio_tokens)::HUGEINT AS input_tokens,
       sum(cache_read_tokens)::HUGEINT AS cache_read_tokens, sum(cache_write_5m_tokens + cache_write_1h_tokens)::HUGEINT AS cache_write_tokens,
       sum(output_tokens - output_audio_tokens)::HUGEINT AS output_tokens,
       coalesce(sum(cost_input), 0)::HUGEINT AS cost_input, coalesce(sum(cost_cache_read), 0)::HUGEINT AS cost_cache_read,
       coalesce(sum(coalesce(cost_cache_write_5m, 0) + coalesce(cost_cache_write_1h, 0)), 0)::HUGEINT AS cost_cache_write,
       coalesce(sum(coalesce(cost_output, 0) + coalesce(cost_reasoning, 0)), 0)::HUGEINT AS cost_output, coalesce(sum(cost_total), 0)::HUGEINT AS cost_total,
       count(*) FILTER (WHERE response_cache = 'hit') AS response_cache_hits, count(response_cache) AS response_cache_lookups`;
  const bucket = fromSummaries ? 'epoch_ms(d.day::TIMESTAMP)' : `epoch_ms(date_trunc('${query.grain}', ts))`;
  // One scan per range, each a plain range filter that the zone maps of ts can prune; an OR of ranges is not pushed down.
  const from = fromSummaries ? 'report_daily d JOIN report_combos c USING (combo_id)' : `(${within.map((range) => `SELECT * FROM usage_events WHERE ${range}`).join(' UNION ALL ')})`;
  return { sql: `SELECT ${value} AS value, ${bucket} AS bucket_ms, ${model} AS model, ${sums} FROM ${from} WHERE ${where} GROUP BY ALL`, values: bound.values };
}
