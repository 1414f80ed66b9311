import type { TimeRange } from '../event-writer.js';
import type { RecordedProviderDay } from '../reconcile-reader.js';
import { eventsInRange } from './event-range.js';
import { countValue, exactValue } from './row-values.js';
import type { SqlDialect } from './sql-dialect.js';

/*
 * What `unitcost reconcile` reads, written once for every backend: one GROUP BY day and model over the calls
 * of one provider, each billing class's tokens and cost summed exactly (as decimal text, whatever the number
 * of calls). A call is the provider's when it was priced as that provider's model, or, unpriced, recorded
 * under that provider's name. Output names differ from the columns (day_text, recorded_model): ClickHouse
 * aliases are global to a query, and an alias named like a column it reads is a cycle there.
 */

/** The SQL of the recorded usage of one provider per UTC day and model. */
export function recordedByProviderDaySql(dialect: SqlDialect, query: { provider: string; range: TimeRange }): string {
  const sum = (expression: string): string => dialect.exactSumText(expression);
  return `SELECT ${dialect.eventDay('e')} AS day_text, coalesce(e.priced_model, e.model) AS recorded_model, count(*) AS calls,
      ${sum('e.input_tokens - e.cache_read_tokens - e.cache_write_5m_tokens - e.cache_write_1h_tokens - e.input_audio_tokens')} AS input_tokens_sum,
      ${sum('e.cache_read_tokens')} AS cache_read_tokens_sum,
      ${sum('e.cache_write_5m_tokens')} AS cache_write_5m_tokens_sum,
      ${sum('e.cache_write_1h_tokens')} AS cache_write_1h_tokens_sum,
      ${sum('e.output_tokens - e.output_audio_tokens')} AS output_tokens_sum,
      ${sum('e.input_audio_tokens')} AS input_audio_tokens_sum,
      ${sum('e.output_audio_tokens')} AS output_audio_tokens_sum,
      ${sum('e.cost_input')} AS cost_input_sum,
      ${sum('e.cost_cache_read')} AS cost_cache_read_sum,
      ${sum('e.cost_cache_write_5m')} AS cost_cache_write_5m_sum,
      ${sum('e.cost_cache_write_1h')} AS cost_cache_write_1h_sum,
      ${sum('coalesce(e.cost_output, 0) + coalesce(e.cost_reasoning, 0)')} AS cost_output_sum,
      ${sum('e.cost_audio')} AS cost_audio_sum,
      ${sum('e.cost_request')} AS cost_request_sum,
      ${sum('e.web_search_requests')} AS web_search_requests_sum,
      ${sum('e.cost_web_search')} AS cost_web_search_sum
    FROM ${dialect.table('usage_events', 'e')}
    WHERE ${eventsInRange(dialect, 'e', query.range)} AND lower(coalesce(e.priced_provider, e.provider)) = ${dialect.string(query.provider.toLowerCase())}
    GROUP BY day_text, recorded_model ORDER BY day_text, recorded_model`;
}

/** One row of recordedByProviderDaySql, as either backend returns it. */
export function recordedProviderDay(row: Record<string, unknown>): RecordedProviderDay {
  return {
    day: String(row.day_text),
    model: String(row.recorded_model),
    calls: countValue(row.calls),
    inputTokens: exactValue(row.input_tokens_sum),
    cacheReadTokens: exactValue(row.cache_read_tokens_sum),
    cacheWrite5mTokens: exactValue(row.cache_write_5m_tokens_sum),
    cacheWrite1hTokens: exactValue(row.cache_write_1h_tokens_sum),
    outputTokens: exactValue(row.output_tokens_sum),
    inputAudioTokens: exactValue(row.input_audio_tokens_sum),
    outputAudioTokens: exactValue(row.output_audio_tokens_sum),
    costInput: exactValue(row.cost_input_sum),
    costCacheRead: exactValue(row.cost_cache_read_sum),
    costCacheWrite5m: exactValue(row.cost_cache_write_5m_sum),
    costCacheWrite1h: exactValue(row.cost_cache_write_1h_sum),
    costOutput: exactValue(row.cost_output_sum),
    costAudio: exactValue(row.cost_audio_sum),
    costRequest: exactValue(row.cost_request_sum),
    webSearchRequests: exactValue(row.web_search_requests_sum),
    costWebSearch: exactValue(row.cost_web_search_sum),
  };
}
