import type { StoredOutcomeRow, StoredRevenueRow, StoredUsageRow } from '../stored-rows.js';
import { encodeRows, PartDictionary, type EncodedRows, type StagedColumn } from '../encoded-rows.js';

/*
 * The staged columns of each kind of record and how each is read from a stored row (duckdb-staging.ts).
 * Free of DuckDB itself, so that a conversion worker can encode rows as these columns (encoded-rows.ts)
 * without loading DuckDB.
 */

// "events.jsonl:1042" is stored as a coded file name and a number, so a unique string per row never
// crosses. Read per row and column, so without allocating: the file name of the previous source is
// reused while it matches (it is then the same string, whose hash the dictionary's Map has cached).
let previousFile = '';

/** The position of the colon before a source's line number, or -1 when it ends in none. */
function lineColon(source: string): number {
  const colon = source.lastIndexOf(':');
  if (colon <= 0 || colon === source.length - 1) return -1;
  // A line number is written by String(line): digits, without a leading zero unless it is 0.
  if (source.charCodeAt(colon + 1) === 48 && colon + 2 < source.length) return -1;
  for (let index = colon + 1; index < source.length; index += 1) {
    const code = source.charCodeAt(index);
    if (code < 48 || code > 57) return -1;
  }
  return source.length - colon - 1 > 15 ? -1 : colon;
}

function sourceFile(source: string | null): string | null {
  if (source === null) return null;
  const colon = lineColon(source);
  if (colon < 0) return source;
  if (colon === previousFile.length && source.startsWith(previousFile)) return previousFile;
  previousFile = source.slice(0, colon);
  return previousFile;
}

function sourceLine(source: string | null): number | null {
  if (source === null) return null;
  const colon = lineColon(source);
  return colon < 0 ? null : Number(source.slice(colon + 1));
}

export const sourceColumns = <Row extends { source: string | null }>(): Array<StagedColumn<Row>> => [
  { name: 'source_file', kind: 'coded', value: (row) => sourceFile(row.source) },
  { name: 'source_line', kind: 'number', value: (row) => sourceLine(row.source) },
];
export type Stored = [column: string, staged: StagedColumn<StoredUsageRow>, sqlType: 'BIGINT' | 'INTEGER' | 'DOUBLE' | null];

export const usageColumns: Stored[] = [
  ['id', { name: 'id', kind: 'text', value: (row) => row.id }, null],
  ['content_hash', { name: 'content_hash', kind: 'text', value: (row) => row.contentHash }, null],
  ['ts', { name: 'ts_ms', kind: 'number', value: (row) => row.timestampMs }, null],
  ['provider', { name: 'provider', kind: 'coded', value: (row) => row.provider }, null],
  ['model', { name: 'model', kind: 'coded', value: (row) => row.model }, null],
  ['priced_provider', { name: 'priced_provider', kind: 'coded', value: (row) => row.pricedProvider }, null],
  ['priced_model', { name: 'priced_model', kind: 'coded', value: (row) => row.pricedModel }, null],
  ['price_id', { name: 'price_id', kind: 'coded', value: (row) => row.priceId }, null],
  ['unpriced_reason', { name: 'unpriced_reason', kind: 'coded', value: (row) => row.unpricedReason }, null],
  ['input_tokens', { name: 'input_tokens', kind: 'number', value: (row) => row.inputTokens }, 'BIGINT'],
  ['cache_read_tokens', { name: 'cache_read_tokens', kind: 'number', value: (row) => row.cacheReadTokens }, 'BIGINT'],
  ['cache_write_5m_tokens', { name: 'cache_write_5m_tokens', kind: 'number', value: (row) => row.cacheWrite5mTokens }, 'BIGINT'],
  ['cache_write_1h_tokens', { name: 'cache_write_1h_tokens', kind: 'number', value: (row) => row.cacheWrite1hTokens }, 'BIGINT'],
  ['output_tokens', { name: 'output_tokens', kind: 'number', value: (row) => row.outputTokens }, 'BIGINT'],
  ['reasoning_tokens', { name: 'reasoning_tokens', kind: 'number', value: (row) => row.reasoningTokens }, 'BIGINT'],
  ['input_audio_tokens', { name: 'input_audio_tokens', kind: 'number', value: (row) => row.inputAudioTokens }, 'BIGINT'],
  ['output_audio_tokens', { name: 'output_audio_tokens', kind: 'number', value: (row) => row.outputAudioTokens }, 'BIGINT'],
  ['web_search_requests', { name: 'web_search_requests', kind: 'number', value: (row) => row.webSearchRequests }, 'INTEGER'],
  ['cost_input', { name: 'cost_input', kind: 'number', value: (row) => row.costInput }, 'BIGINT'],
  ['cost_cache_read', { name: 'cost_cache_read', kind: 'number', value: (row) => row.costCacheRead }, 'BIGINT'],
  ['cost_cache_write_5m', { name: 'cost_cache_write_5m', kind: 'number', value: (row) => row.costCacheWrite5m }, 'BIGINT'],
  ['cost_cache_write_1h', { name: 'cost_cache_write_1h', kind: 'number', value: (row) => row.costCacheWrite1h }, 'BIGINT'],
  ['cost_output', { name: 'cost_output', kind: 'number', value: (row) => row.costOutput }, 'BIGINT'],
  ['cost_reasoning', { name: 'cost_reasoning', kind: 'number', value: (row) => row.costReasoning }, 'BIGINT'],
  ['cost_audio', { name: 'cost_audio', kind: 'number', value: (row) => row.costAudio }, 'BIGINT'],
  ['cost_request', { name: 'cost_request', kind: 'number', value: (row) => row.costRequest }, 'BIGINT'],
  ['cost_web_search', { name: 'cost_web_search', kind: 'number', value: (row) => row.costWebSearch }, 'BIGINT'],
  ['cost_total', { name: 'cost_total', kind: 'number', value: (row) => row.costTotal }, 'BIGINT'],
  ['feature', { name: 'feature', kind: 'coded', value: (row) => row.feature }, null],
  ['team', { name: 'team', kind: 'coded', value: (row) => row.team }, null],
  ['user_tier', { name: 'user_tier', kind: 'coded', value: (row) => row.userTier }, null],
  ['user_id', { name: 'user_id', kind: 'coded', value: (row) => row.userId }, null],
  ['session_id', { name: 'session_id', kind: 'coded', value: (row) => row.sessionId }, null],
  ['task_id', { name: 'task_id', kind: 'coded', value: (row) => row.taskId }, null],
  ['step', { name: 'step', kind: 'number', value: (row) => row.step }, 'INTEGER'],
  ['environment', { name: 'environment', kind: 'coded', value: (row) => row.environment }, null],
  ['attributes', { name: 'attributes', kind: 'coded', value: (row) => row.attributes }, null],
  ['status', { name: 'status', kind: 'coded', value: (row) => row.status }, null],
  ['retry_of', { name: 'retry_of', kind: 'coded', value: (row) => row.retryOf }, null],
  ['latency_ms', { name: 'latency_ms', kind: 'number', value: (row) => row.latencyMs }, null],
  ['time_to_first_token_ms', { name: 'time_to_first_token_ms', kind: 'number', value: (row) => row.timeToFirstTokenMs }, null],
  ['response_cache', { name: 'response_cache', kind: 'coded', value: (row) => row.responseCache }, null],
  ['reported_cost_usd', { name: 'reported_cost_usd', kind: 'number', value: (row) => row.reportedCostUsd }, null],
];

export const outcomeColumns: Array<StagedColumn<StoredOutcomeRow>> = [
  { name: 'task_id', kind: 'text', value: (row) => row.taskId },
  { name: 'outcome', kind: 'coded', value: (row) => row.outcome },
  { name: 'ts_ms', kind: 'number', value: (row) => row.timestampMs },
  { name: 'feature', kind: 'coded', value: (row) => row.feature },
  { name: 'content_hash', kind: 'text', value: (row) => row.contentHash },
  ...sourceColumns<StoredOutcomeRow>(),
];
export const revenueColumns: Array<StagedColumn<StoredRevenueRow>> = [
  { name: 'id', kind: 'text', value: (row) => row.id },
  { name: 'user_id', kind: 'coded', value: (row) => row.userId },
  // Text, because revenue may exceed 2^53 picodollars ($9,007) and must stay exact on its way to HUGEINT.
  { name: 'amount', kind: 'text', value: (row) => row.amountPicodollars.toString() },
  { name: 'ts_ms', kind: 'number', value: (row) => row.timestampMs },
  { name: 'feature', kind: 'coded', value: (row) => row.feature },
  { name: 'user_tier', kind: 'coded', value: (row) => row.userTier },
  { name: 'content_hash', kind: 'text', value: (row) => row.contentHash },
  ...sourceColumns<StoredRevenueRow>(),
];
/** The staged columns of usage rows, in the staged table's order. */
export const usageStagedColumns: Array<StagedColumn<StoredUsageRow>> = [...usageColumns.map(([, staged]) => staged), ...sourceColumns<StoredUsageRow>()];

/** Rows of every kind encoded as the staged tables' columns, sharing one dictionary: what a conversion worker hands the store. */
export function encodeStagedRows(rows: { usage: readonly StoredUsageRow[]; outcomes: readonly StoredOutcomeRow[]; revenue: readonly StoredRevenueRow[] }): EncodedRows {
  const dictionary = new PartDictionary();
  return {
    usage: encodeRows(rows.usage, usageStagedColumns, dictionary),
    outcomes: encodeRows(rows.outcomes, outcomeColumns, dictionary),
    revenue: encodeRows(rows.revenue, revenueColumns, dictionary),
    dictionary: dictionary.values,
  };
}
