import type { StoredOutcomeRow, StoredRevenueRow, StoredUsageRow } from '../stored-rows.js';
import { StagedLayout, StagedTable, stagingCatalog, type StagedColumn } from './duckdb-staging.js';

/*
 * How each kind of record is staged (see duckdb-staging.ts) and copied into its stored table.
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

const sourceColumns = <Row extends { source: string | null }>(): Array<StagedColumn<Row>> => [
  { name: 'source_file', kind: 'coded', value: (row) => sourceFile(row.source) },
  { name: 'source_line', kind: 'number', value: (row) => sourceLine(row.source) },
];
/** The SQL (over alias s) of a staged row's source, "file:line". */
const sourceExpression = `CASE WHEN s.source_line IS NULL THEN dictionary.v[s.source_file] ELSE dictionary.v[s.source_file] || ':' || CAST(s.source_line AS BIGINT) END`;

type Stored = [column: string, staged: StagedColumn<StoredUsageRow>, sqlType: 'BIGINT' | 'INTEGER' | 'DOUBLE' | null];

const usageColumns: Stored[] = [
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

export const usageLayout = new StagedLayout<StoredUsageRow>([...usageColumns.map(([, staged]) => staged), ...sourceColumns<StoredUsageRow>()]);
export const outcomeLayout = new StagedLayout<StoredOutcomeRow>([
  { name: 'task_id', kind: 'text', value: (row) => row.taskId },
  { name: 'outcome', kind: 'coded', value: (row) => row.outcome },
  { name: 'ts_ms', kind: 'number', value: (row) => row.timestampMs },
  { name: 'feature', kind: 'coded', value: (row) => row.feature },
  { name: 'content_hash', kind: 'text', value: (row) => row.contentHash },
  ...sourceColumns<StoredOutcomeRow>(),
]);
export const revenueLayout = new StagedLayout<StoredRevenueRow>([
  { name: 'id', kind: 'text', value: (row) => row.id },
  { name: 'user_id', kind: 'coded', value: (row) => row.userId },
  // Text, because revenue may exceed 2^53 picodollars ($9,007) and must stay exact on its way to HUGEINT.
  { name: 'amount', kind: 'text', value: (row) => row.amountPicodollars.toString() },
  { name: 'ts_ms', kind: 'number', value: (row) => row.timestampMs },
  { name: 'feature', kind: 'coded', value: (row) => row.feature },
  { name: 'user_tier', kind: 'coded', value: (row) => row.userTier },
  { name: 'content_hash', kind: 'text', value: (row) => row.contentHash },
  ...sourceColumns<StoredRevenueRow>(),
]);

const timestampOf = (staged: string): string => `epoch_ms(CAST(${staged} AS BIGINT))`;

/** One kind of record's staged table and how it reaches its stored table. */
export interface StagedKindSql<Row> {
  staged: StagedTable<Row>;
  /** The stored table and the staged and stored columns that identify a record. */
  table: string;
  stagedKey: string;
  storedKey: string;
  /** The INSERT … SELECT that copies every staged row. */
  insertSql: string;
}

/** A set of staged tables (usage, outcomes, revenue and their shared dictionary) that one open batch fills. */
export interface StagingSet {
  /** The set's number, which suffixes its tables' names. */
  number: number;
  usage: StagedKindSql<StoredUsageRow>;
  outcomes: StagedKindSql<StoredOutcomeRow>;
  revenue: StagedKindSql<StoredRevenueRow>;
  /** The dictionary table's name, unqualified (for the appender) and qualified (for SQL). */
  dictionaryTable: string;
  dictionaryName: string;
  /** SQL that creates every table of the set, and SQL that empties them (by replacing them). */
  createSql: string[];
  clearSql: string[];
}

/** The tables and statements of staging set number n. */
export function stagingSet(n: number): StagingSet {
  const dictionaryTable = `dictionary_${n}`;
  const dictionaryName = `${stagingCatalog}.main.${dictionaryTable}`;
  const dictionaryJoin = `CROSS JOIN (SELECT list(value ORDER BY code) AS v FROM ${dictionaryName}) dictionary`;
  const usage = new StagedTable(usageLayout, `usage_${n}`);
  const outcomes = new StagedTable(outcomeLayout, `outcomes_${n}`);
  const revenue = new StagedTable(revenueLayout, `revenue_${n}`);
  const usageSelect = usageColumns.map(([column, staged, sqlType]) => {
    if (column === 'ts') return timestampOf('s.ts_ms');
    const expression = usageLayout.expression(staged.name);
    return sqlType ? `CAST(${expression} AS ${sqlType})` : expression;
  });
  return {
    number: n,
    usage: {
      staged: usage,
      table: 'usage_events',
      stagedKey: 'id',
      storedKey: 'id',
      insertSql: `INSERT INTO usage_events (${usageColumns.map(([column]) => column).join(', ')}, source)
        SELECT ${usageSelect.join(', ')}, ${sourceExpression} FROM ${usage.name} s ${dictionaryJoin}`,
    },
    outcomes: {
      staged: outcomes,
      table: 'task_outcomes',
      stagedKey: 'task_id',
      storedKey: 'task_id',
      insertSql: `INSERT INTO task_outcomes (task_id, outcome, ts, feature, content_hash, source)
        SELECT s.task_id, ${outcomeLayout.expression('outcome')}, ${timestampOf('s.ts_ms')}, ${outcomeLayout.expression('feature')}, s.content_hash, ${sourceExpression}
        FROM ${outcomes.name} s ${dictionaryJoin}`,
    },
    revenue: {
      staged: revenue,
      table: 'revenue',
      stagedKey: 'id',
      storedKey: 'id',
      insertSql: `INSERT INTO revenue (id, user_id, amount_picodollars, ts, feature, user_tier, content_hash, source)
        SELECT s.id, ${revenueLayout.expression('user_id')}, CAST(s.amount AS HUGEINT), ${timestampOf('s.ts_ms')}, ${revenueLayout.expression('feature')},
          ${revenueLayout.expression('user_tier')}, s.content_hash, ${sourceExpression}
        FROM ${revenue.name} s ${dictionaryJoin}`,
    },
    dictionaryTable,
    dictionaryName,
    createSql: [usage.createSql(), outcomes.createSql(), revenue.createSql(), `CREATE OR REPLACE TABLE ${dictionaryName} (code INTEGER, value VARCHAR)`],
    // Replaced rather than emptied: DELETE in an in-memory database frees nothing, so the staged
    // tables grew by a batch every batch (RSS 750 MB at 200k events, 970 MB at 1M before this).
    clearSql: [
      usage.createSql(),
      outcomes.createSql(),
      revenue.createSql(),
      `CREATE OR REPLACE TABLE ${dictionaryName} (code INTEGER, value VARCHAR)`,
    ],
  };
}
