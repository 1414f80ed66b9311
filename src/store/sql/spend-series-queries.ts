import type { SpendSeriesQuery, SpendSeriesRow } from '../../core/governance/alerts/spend-series.js';
import { checkedDimension, eventDimension } from './event-dimensions.js';
import { eventsInRange } from './event-range.js';
import { countValue, exactValue } from './row-values.js';
import type { SqlDialect } from './sql-dialect.js';

/*
 * What `unitcost alerts check` asks of the stored calls, written once for every backend. Stored input_tokens
 * count every prompt token and output_tokens every generated one (docs/events.md): the rows split them into
 * uncached input, cache reads, cache writes and text-and-reasoning output, audio left to the remainder with
 * its cost. Output names (series_value, series_model) differ from the columns they read: ClickHouse aliases
 * are global to a query, and an alias named like a column it reads is a cycle there.
 */

/** The [fromMs, toMs) spans a spend series reads: parts of buckets, or whole ranges; one empty span for none. */
export function spendSeriesSpans(query: SpendSeriesQuery): Array<{ fromMs: number; toMs: number }> {
  const spans = query.buckets
    ? query.buckets.startsMs.map((start) => ({ fromMs: start, toMs: start + query.buckets!.withinBucketMs }))
    : [...(query.ranges ?? [])];
  if (spans.length === 0) spans.push({ fromMs: 0, toMs: 0 });
  return spans;
}

/**
 * The SQL of a spend series over the raw events, restricted to the few spans detection needs. One scan per
 * span, each a plain range filter that the store can prune on (DuckDB's zone maps, ClickHouse's partitions);
 * an OR of ranges is not pushed down.
 */
export function spendSeriesEventsSql(dialect: SqlDialect, query: SpendSeriesQuery): string {
  const column = (dimension: string): string => eventDimension(checkedDimension(dimension), 'e');
  const value = query.per === null ? 'NULL' : column(query.per);
  const model = query.byModel ? column('model') : `'*'`;
  const filters = (query.where ?? []).map((filter) => `${column(filter.dimension)} IN (${filter.values.map((item) => dialect.string(item)).join(', ')})`);
  // Exact sums, read as text where the client would round them (ClickHouse decimals); DuckDB sums BIGINT as HUGEINT.
  const sum = (expression: string): string => dialect.exactText(dialect.exactSum(expression));
  const sums = query.totalOnly
    ? `count(*) AS calls, ${sum('e.cost_total')} AS cost_total_sum`
    : `count(*) AS calls, ${sum('e.input_tokens - e.cache_read_tokens - e.cache_write_5m_tokens - e.cache_write_1h_tokens - e.input_audio_tokens')} AS input_tokens_sum,
       ${sum('e.cache_read_tokens')} AS cache_read_tokens_sum, ${sum('e.cache_write_5m_tokens + e.cache_write_1h_tokens')} AS cache_write_tokens_sum,
       ${sum('e.output_tokens - e.output_audio_tokens')} AS output_tokens_sum,
       ${sum('e.cost_input')} AS cost_input_sum, ${sum('e.cost_cache_read')} AS cost_cache_read_sum,
       ${sum('coalesce(e.cost_cache_write_5m, 0) + coalesce(e.cost_cache_write_1h, 0)')} AS cost_cache_write_sum,
       ${sum('coalesce(e.cost_output, 0) + coalesce(e.cost_reasoning, 0)')} AS cost_output_sum, ${sum('e.cost_total')} AS cost_total_sum,
       ${dialect.countIf(`e.response_cache = 'hit'`)} AS response_cache_hits, count(e.response_cache) AS response_cache_lookups`;
  const scans = spendSeriesSpans(query).map((span) => `SELECT * FROM ${dialect.table('usage_events', 'e')} WHERE ${eventsInRange(dialect, 'e', span)}`);
  // Constants (no per, no model split) are selected, not grouped.
  const groups = ['bucket_ms', ...(query.per === null ? [] : ['series_value']), ...(query.byModel ? ['series_model'] : [])];
  return `SELECT ${value} AS series_value, ${dialect.eventBucketMs('e', query.grain)} AS bucket_ms, ${model} AS series_model, ${sums}
    FROM (${scans.join(' UNION ALL ')}) AS e
    ${filters.length > 0 ? `WHERE ${filters.join(' AND ')}` : ''}
    GROUP BY ${groups.join(', ')}`;
}

/** One row of a spend series query (the raw events' or a backend's own summaries'), as either backend returns it. */
export function spendSeriesRow(row: Record<string, unknown>): SpendSeriesRow {
  const cost = { input: exactValue(row.cost_input_sum), cacheRead: exactValue(row.cost_cache_read_sum), cacheWrite: exactValue(row.cost_cache_write_sum), output: exactValue(row.cost_output_sum) };
  const total = exactValue(row.cost_total_sum);
  return {
    value: (row.series_value as string | null | undefined) ?? null,
    bucketStartMs: Number(row.bucket_ms),
    model: (row.series_model as string | null | undefined) ?? '(none)',
    calls: countValue(row.calls),
    tokens: {
      input: countValue(row.input_tokens_sum),
      cacheRead: countValue(row.cache_read_tokens_sum),
      cacheWrite: countValue(row.cache_write_tokens_sum),
      output: countValue(row.output_tokens_sum),
    },
    // Audio and per-request fees: whatever the classes above leave of the total, so the parts add up exactly.
    cost: { ...cost, other: total - cost.input - cost.cacheRead - cost.cacheWrite - cost.output },
    totalPicodollars: total,
    responseCacheHits: countValue(row.response_cache_hits),
    responseCacheLookups: countValue(row.response_cache_lookups),
  };
}
