import type { DuckDBConnection } from '@duckdb/node-api';
import type { RecordedProviderDay, ReconcileReader } from '../reconcile-reader.js';
import { quote, replayRange } from './simulate-replay-sql.js';

/*
 * One GROUP BY day and model over the calls of one provider: token counts and costs are BIGINT columns,
 * summed by DuckDB as HUGEINT, so the sums are exact whatever the number of calls. A call is the provider's
 * when it was priced as that provider's model, or, unpriced, recorded under that provider's name.
 */
export function createDuckdbReconcileReader(connection: DuckDBConnection): ReconcileReader {
  return {
    async recordedByProviderDay({ provider, range }) {
      const reader = await connection.runAndReadAll(`SELECT strftime(e.ts, '%Y-%m-%d') AS day, coalesce(e.priced_model, e.model) AS model, count(*) AS calls,
          CAST(sum(e.input_tokens - e.cache_read_tokens - e.cache_write_5m_tokens - e.cache_write_1h_tokens - e.input_audio_tokens) AS VARCHAR) AS input_tokens,
          CAST(sum(e.cache_read_tokens) AS VARCHAR) AS cache_read_tokens,
          CAST(sum(e.cache_write_5m_tokens) AS VARCHAR) AS cache_write_5m_tokens,
          CAST(sum(e.cache_write_1h_tokens) AS VARCHAR) AS cache_write_1h_tokens,
          CAST(sum(e.output_tokens - e.output_audio_tokens) AS VARCHAR) AS output_tokens,
          CAST(sum(e.input_audio_tokens) AS VARCHAR) AS input_audio_tokens,
          CAST(sum(e.output_audio_tokens) AS VARCHAR) AS output_audio_tokens,
          CAST(coalesce(sum(e.cost_input), 0) AS VARCHAR) AS cost_input,
          CAST(coalesce(sum(e.cost_cache_read), 0) AS VARCHAR) AS cost_cache_read,
          CAST(coalesce(sum(e.cost_cache_write_5m), 0) AS VARCHAR) AS cost_cache_write_5m,
          CAST(coalesce(sum(e.cost_cache_write_1h), 0) AS VARCHAR) AS cost_cache_write_1h,
          CAST(coalesce(sum(e.cost_output), 0) + coalesce(sum(e.cost_reasoning), 0) AS VARCHAR) AS cost_output,
          CAST(coalesce(sum(e.cost_audio), 0) AS VARCHAR) AS cost_audio,
          CAST(coalesce(sum(e.cost_request), 0) AS VARCHAR) AS cost_request,
          CAST(sum(e.web_search_requests) AS VARCHAR) AS web_search_requests,
          CAST(coalesce(sum(e.cost_web_search), 0) AS VARCHAR) AS cost_web_search
        FROM usage_events e
        WHERE ${replayRange(range)} AND lower(coalesce(e.priced_provider, e.provider)) = ${quote(provider.toLowerCase())}
        GROUP BY ALL ORDER BY day, model`);
      return reader.getRowObjects().map(
        (row): RecordedProviderDay => ({
          day: String(row.day),
          model: String(row.model),
          calls: Number(row.calls),
          inputTokens: BigInt(row.input_tokens as string),
          cacheReadTokens: BigInt(row.cache_read_tokens as string),
          cacheWrite5mTokens: BigInt(row.cache_write_5m_tokens as string),
          cacheWrite1hTokens: BigInt(row.cache_write_1h_tokens as string),
          outputTokens: BigInt(row.output_tokens as string),
          inputAudioTokens: BigInt(row.input_audio_tokens as string),
          outputAudioTokens: BigInt(row.output_audio_tokens as string),
          costInput: BigInt(row.cost_input as string),
          costCacheRead: BigInt(row.cost_cache_read as string),
          costCacheWrite5m: BigInt(row.cost_cache_write_5m as string),
          costCacheWrite1h: BigInt(row.cost_cache_write_1h as string),
          costOutput: BigInt(row.cost_output as string),
          costAudio: BigInt(row.cost_audio as string),
          costRequest: BigInt(row.cost_request as string),
          webSearchRequests: BigInt(row.web_search_requests as string),
          costWebSearch: BigInt(row.cost_web_search as string),
        }),
      );
    },
  };
}
