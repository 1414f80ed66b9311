import type { MonthTotals, RecordKind, RecordRows, ScanPosition } from '../record-scanner.js';
import type { StoredOutcomeRow, StoredPriceRow, StoredRevenueRow, StoredUsageRow } from '../stored-rows.js';
import type { SqlDialect } from './sql-dialect.js';
import { storedTokenColumns } from './report-queries.js';

/*
 * What `store copy` reads, written once for every backend: each month's counts and exact sums, a month's
 * records a page at a time in (timestamp, key) order, and the price rows; and how a result row becomes a
 * stored row again. Both backends name their columns alike; only the timestamp differs (a TIMESTAMP in
 * DuckDB, microseconds in ClickHouse), which the dialect spells.
 */

const usageTextColumns = ['id', 'content_hash', 'provider', 'model', 'priced_provider', 'priced_model', 'price_id', 'unpriced_reason'] as const;
const usageCountColumns = [...storedTokenColumns, 'web_search_requests'] as const;
const usageCostColumns = [
  'cost_input',
  'cost_cache_read',
  'cost_cache_write_5m',
  'cost_cache_write_1h',
  'cost_output',
  'cost_reasoning',
  'cost_audio',
  'cost_request',
  'cost_web_search',
  'cost_total',
] as const;
const usageTagColumns = ['feature', 'team', 'user_tier', 'user_id', 'session_id', 'task_id', 'step', 'environment', 'attributes', 'status', 'retry_of'] as const;
const usageMeasureColumns = ['latency_ms', 'time_to_first_token_ms', 'response_cache', 'reported_cost_usd', 'source'] as const;

interface KindTable {
  table: string;
  key: string;
  columns: readonly string[];
}

const tables: Record<RecordKind, KindTable> = {
  usage: { table: 'usage_events', key: 'id', columns: [...usageTextColumns, ...usageCountColumns, ...usageCostColumns, ...usageTagColumns, ...usageMeasureColumns] },
  outcomes: { table: 'task_outcomes', key: 'task_id', columns: ['task_id', 'outcome', 'feature', 'content_hash', 'source'] },
  revenue: { table: 'revenue', key: 'id', columns: ['id', 'user_id', 'feature', 'user_tier', 'content_hash', 'source'] },
};

/** Months and their totals over every kind: one row per (month, kind) that the caller folds. */
export function monthTotalsSql(dialect: SqlDialect): string {
  const per = (kind: RecordKind, sum: string | null): string =>
    `SELECT ${dialect.eventMonth('e')} AS month, ${dialect.string(kind)} AS kind, count(*) AS records, ${sum === null ? "'0'" : dialect.exactSumText(sum)} AS total
     FROM ${dialect.table(tables[kind].table, 'e')} GROUP BY ${dialect.eventMonth('e')}`;
  return `${per('usage', 'e.cost_total')} UNION ALL ${per('outcomes', null)} UNION ALL ${per('revenue', 'e.amount_picodollars')}`;
}

/** Folds monthTotalsSql's rows into one MonthTotals per month, in order. */
export function foldMonthTotals(rows: ReadonlyArray<Record<string, unknown>>): MonthTotals[] {
  const months = new Map<string, MonthTotals>();
  for (const row of rows) {
    const month = String(row.month);
    const totals = months.get(month) ?? { month, usage: 0, usageCostPicodollars: 0n, outcomes: 0, revenue: 0, revenuePicodollars: 0n };
    const records = Number(row.records);
    const total = BigInt(String(row.total));
    if (row.kind === 'usage') Object.assign(totals, { usage: records, usageCostPicodollars: total });
    else if (row.kind === 'outcomes') totals.outcomes = records;
    else Object.assign(totals, { revenue: records, revenuePicodollars: total });
    months.set(month, totals);
  }
  return [...months.values()].sort((a, b) => (a.month < b.month ? -1 : 1));
}

/** The first instant of a 'YYYY-MM' month and of the month after, in milliseconds. */
function monthRange(month: string): { fromMs: number; toMs: number } {
  const match = /^(\d{4})-(\d{2})$/.exec(month);
  if (!match) throw new Error(`not a month: ${month}`);
  const year = Number(match[1]);
  const index = Number(match[2]) - 1;
  return { fromMs: Date.UTC(year, index, 1), toMs: Date.UTC(year, index + 1, 1) };
}

/** A page of one kind's records of one month after a position, in (timestamp, key) order. */
export function scanSql(dialect: SqlDialect, kind: RecordKind, month: string, after: ScanPosition | null, limit: number): string {
  const { table, key, columns } = tables[kind];
  const { fromMs, toMs } = monthRange(month);
  const us = dialect.eventUs('e');
  const amount = kind === 'revenue' ? `, ${dialect.exactText('e.amount_picodollars')} AS amount_text` : '';
  const position = after === null ? '' : ` AND (${us} > ${Math.trunc(after.tsUs)} OR (${us} = ${Math.trunc(after.tsUs)} AND e.${key} > ${dialect.string(after.key)}))`;
  const select = `${columns.map((column) => `e.${column} AS ${column}`).join(', ')}, ${us} AS ts_us${amount}`;
  return `SELECT ${select} FROM ${dialect.table(table, 'e')}
    WHERE ${dialect.eventAtOrAfterMs('e', fromMs)} AND ${dialect.eventBeforeMs('e', toMs)}${position}
    ORDER BY ts_us, ${key} LIMIT ${Math.trunc(limit)}`;
}

export const storedPricesSql = (dialect: SqlDialect): string =>
  `SELECT price_id, provider, model, sources, input_rate, cache_read_rate, cache_write_5m_rate, cache_write_1h_rate, output_rate, reasoning_rate,
     input_audio_rate, output_audio_rate, request_fee, tiers FROM ${dialect.table('prices', 'e')} ORDER BY price_id`;

const text = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));
const integer = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));
const float = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));
const milliseconds = (row: Record<string, unknown>): number => Number(row.ts_us) / 1000;

/** A scanned row as the stored row it was appended as. */
export function recordFromRow<Kind extends RecordKind>(kind: Kind, row: Record<string, unknown>): RecordRows[Kind] {
  if (kind === 'outcomes') {
    const outcome: StoredOutcomeRow = {
      taskId: String(row.task_id),
      outcome: row.outcome as StoredOutcomeRow['outcome'],
      timestampMs: milliseconds(row),
      feature: text(row.feature),
      contentHash: String(row.content_hash),
      source: text(row.source),
    };
    return outcome as RecordRows[Kind];
  }
  if (kind === 'revenue') {
    const revenue: StoredRevenueRow = {
      id: String(row.id),
      userId: String(row.user_id),
      amountPicodollars: BigInt(String(row.amount_text)),
      timestampMs: milliseconds(row),
      feature: text(row.feature),
      userTier: text(row.user_tier),
      contentHash: String(row.content_hash),
      source: text(row.source),
    };
    return revenue as RecordRows[Kind];
  }
  const usage: StoredUsageRow = {
    id: String(row.id),
    contentHash: String(row.content_hash),
    timestampMs: milliseconds(row),
    provider: text(row.provider),
    model: String(row.model),
    pricedProvider: text(row.priced_provider),
    pricedModel: text(row.priced_model),
    priceId: text(row.price_id),
    unpricedReason: text(row.unpriced_reason),
    inputTokens: Number(row.input_tokens),
    cacheReadTokens: Number(row.cache_read_tokens),
    cacheWrite5mTokens: Number(row.cache_write_5m_tokens),
    cacheWrite1hTokens: Number(row.cache_write_1h_tokens),
    outputTokens: Number(row.output_tokens),
    reasoningTokens: Number(row.reasoning_tokens),
    inputAudioTokens: Number(row.input_audio_tokens),
    outputAudioTokens: Number(row.output_audio_tokens),
    webSearchRequests: Number(row.web_search_requests),
    costInput: integer(row.cost_input),
    costCacheRead: integer(row.cost_cache_read),
    costCacheWrite5m: integer(row.cost_cache_write_5m),
    costCacheWrite1h: integer(row.cost_cache_write_1h),
    costOutput: integer(row.cost_output),
    costReasoning: integer(row.cost_reasoning),
    costAudio: integer(row.cost_audio),
    costRequest: integer(row.cost_request),
    costWebSearch: integer(row.cost_web_search),
    costTotal: integer(row.cost_total),
    feature: text(row.feature),
    team: text(row.team),
    userTier: text(row.user_tier),
    userId: text(row.user_id),
    sessionId: text(row.session_id),
    taskId: text(row.task_id),
    step: integer(row.step),
    environment: text(row.environment),
    attributes: text(row.attributes),
    status: row.status as StoredUsageRow['status'],
    retryOf: text(row.retry_of),
    latencyMs: float(row.latency_ms),
    timeToFirstTokenMs: float(row.time_to_first_token_ms),
    responseCache: row.response_cache === null || row.response_cache === undefined ? null : (row.response_cache as StoredUsageRow['responseCache']),
    reportedCostUsd: float(row.reported_cost_usd),
    source: text(row.source),
  };
  return usage as RecordRows[Kind];
}

export function priceFromRow(row: Record<string, unknown>): StoredPriceRow {
  return {
    priceId: String(row.price_id),
    provider: String(row.provider),
    model: String(row.model),
    sources: String(row.sources),
    inputRate: Number(row.input_rate),
    cacheReadRate: Number(row.cache_read_rate),
    cacheWrite5mRate: Number(row.cache_write_5m_rate),
    cacheWrite1hRate: Number(row.cache_write_1h_rate),
    outputRate: Number(row.output_rate),
    reasoningRate: Number(row.reasoning_rate),
    inputAudioRate: Number(row.input_audio_rate),
    outputAudioRate: Number(row.output_audio_rate),
    requestFee: Number(row.request_fee),
    tiers: String(row.tiers),
  };
}

/** The position after the last row of a page. */
export function lastPosition(kind: RecordKind, rows: ReadonlyArray<Record<string, unknown>>): ScanPosition | null {
  const last = rows.at(-1);
  if (last === undefined) return null;
  return { tsUs: Number(last.ts_us), key: String(last[tables[kind].key]) };
}
