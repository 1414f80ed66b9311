import type { StoredOutcomeRow, StoredPriceRow, StoredRevenueRow, StoredUsageRow } from '../stored-rows.js';

/*
 * How each stored row becomes a ClickHouse row: the column, its value, and whether it may be null.
 * ClickHouse 18.16 stores a null sent to a column that may not hold one as the type's default (0 or ''),
 * silently, so the writer checks `required` columns itself before anything is sent.
 */

export interface ClickhouseColumn<Row> {
  name: string;
  value: (row: Row) => unknown;
  required?: true;
}

/** Microseconds since the epoch, as DuckDB's TIMESTAMP keeps them: a timestamp with a fraction of a millisecond keeps it. */
export const microseconds = (ms: number): number => Math.round(ms * 1000);

export const usageColumns: ReadonlyArray<ClickhouseColumn<StoredUsageRow>> = [
  { name: 'id', value: (row) => row.id, required: true },
  { name: 'content_hash', value: (row) => row.contentHash, required: true },
  { name: 'ts_us', value: (row) => microseconds(row.timestampMs), required: true },
  { name: 'provider', value: (row) => row.provider },
  { name: 'model', value: (row) => row.model, required: true },
  { name: 'priced_provider', value: (row) => row.pricedProvider },
  { name: 'priced_model', value: (row) => row.pricedModel },
  { name: 'price_id', value: (row) => row.priceId },
  { name: 'unpriced_reason', value: (row) => row.unpricedReason },
  { name: 'input_tokens', value: (row) => row.inputTokens, required: true },
  { name: 'cache_read_tokens', value: (row) => row.cacheReadTokens, required: true },
  { name: 'cache_write_5m_tokens', value: (row) => row.cacheWrite5mTokens, required: true },
  { name: 'cache_write_1h_tokens', value: (row) => row.cacheWrite1hTokens, required: true },
  { name: 'output_tokens', value: (row) => row.outputTokens, required: true },
  { name: 'reasoning_tokens', value: (row) => row.reasoningTokens, required: true },
  { name: 'input_audio_tokens', value: (row) => row.inputAudioTokens, required: true },
  { name: 'output_audio_tokens', value: (row) => row.outputAudioTokens, required: true },
  { name: 'web_search_requests', value: (row) => row.webSearchRequests, required: true },
  { name: 'cost_input', value: (row) => row.costInput },
  { name: 'cost_cache_read', value: (row) => row.costCacheRead },
  { name: 'cost_cache_write_5m', value: (row) => row.costCacheWrite5m },
  { name: 'cost_cache_write_1h', value: (row) => row.costCacheWrite1h },
  { name: 'cost_output', value: (row) => row.costOutput },
  { name: 'cost_reasoning', value: (row) => row.costReasoning },
  { name: 'cost_audio', value: (row) => row.costAudio },
  { name: 'cost_request', value: (row) => row.costRequest },
  { name: 'cost_web_search', value: (row) => row.costWebSearch },
  { name: 'cost_total', value: (row) => row.costTotal },
  { name: 'feature', value: (row) => row.feature },
  { name: 'team', value: (row) => row.team },
  { name: 'user_tier', value: (row) => row.userTier },
  { name: 'user_id', value: (row) => row.userId },
  { name: 'session_id', value: (row) => row.sessionId },
  { name: 'task_id', value: (row) => row.taskId },
  { name: 'step', value: (row) => row.step },
  { name: 'environment', value: (row) => row.environment },
  { name: 'attributes', value: (row) => row.attributes },
  { name: 'status', value: (row) => row.status, required: true },
  { name: 'retry_of', value: (row) => row.retryOf },
  { name: 'latency_ms', value: (row) => row.latencyMs },
  { name: 'time_to_first_token_ms', value: (row) => row.timeToFirstTokenMs },
  { name: 'response_cache', value: (row) => row.responseCache },
  { name: 'reported_cost_usd', value: (row) => row.reportedCostUsd },
  { name: 'source', value: (row) => row.source },
];

export const outcomeColumns: ReadonlyArray<ClickhouseColumn<StoredOutcomeRow>> = [
  { name: 'task_id', value: (row) => row.taskId, required: true },
  { name: 'outcome', value: (row) => row.outcome, required: true },
  { name: 'ts_us', value: (row) => microseconds(row.timestampMs), required: true },
  { name: 'feature', value: (row) => row.feature },
  { name: 'content_hash', value: (row) => row.contentHash, required: true },
  { name: 'source', value: (row) => row.source },
];

export const revenueColumns: ReadonlyArray<ClickhouseColumn<StoredRevenueRow>> = [
  { name: 'id', value: (row) => row.id, required: true },
  { name: 'user_id', value: (row) => row.userId, required: true },
  { name: 'amount_picodollars', value: (row) => row.amountPicodollars, required: true },
  { name: 'ts_us', value: (row) => microseconds(row.timestampMs), required: true },
  { name: 'feature', value: (row) => row.feature },
  { name: 'user_tier', value: (row) => row.userTier },
  { name: 'content_hash', value: (row) => row.contentHash, required: true },
  { name: 'source', value: (row) => row.source },
];

export const priceColumns: ReadonlyArray<ClickhouseColumn<StoredPriceRow>> = [
  { name: 'price_id', value: (row) => row.priceId, required: true },
  { name: 'provider', value: (row) => row.provider, required: true },
  { name: 'model', value: (row) => row.model, required: true },
  { name: 'sources', value: (row) => row.sources, required: true },
  { name: 'input_rate', value: (row) => row.inputRate, required: true },
  { name: 'cache_read_rate', value: (row) => row.cacheReadRate, required: true },
  { name: 'cache_write_5m_rate', value: (row) => row.cacheWrite5mRate, required: true },
  { name: 'cache_write_1h_rate', value: (row) => row.cacheWrite1hRate, required: true },
  { name: 'output_rate', value: (row) => row.outputRate, required: true },
  { name: 'reasoning_rate', value: (row) => row.reasoningRate, required: true },
  { name: 'input_audio_rate', value: (row) => row.inputAudioRate, required: true },
  { name: 'output_audio_rate', value: (row) => row.outputAudioRate, required: true },
  { name: 'request_fee', value: (row) => row.requestFee, required: true },
  { name: 'tiers', value: (row) => row.tiers, required: true },
];

/** A row's values in the columns' order; throws, naming the record and column, when a required value is missing or a number is not finite. */
export function rowValues<Row>(columns: ReadonlyArray<ClickhouseColumn<Row>>, row: Row, what: string): unknown[] {
  return columns.map((column) => {
    const value = column.value(row);
    if ((value === null || value === undefined) && column.required) throw new Error(`${what}: ${column.name} is missing; ClickHouse would store it as an empty value`);
    if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`${what}: ${column.name} is ${value}`);
    return value;
  });
}
