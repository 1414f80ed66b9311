/**
 * Summary tables that let reports answer from thousands of rows instead of scanning every event. They are
 * derived data: each can be rebuilt from usage_events and task_outcomes at any time, so they live outside
 * the numbered migrations and carry their own version (a new version drops and rebuilds them).
 *
 * - report_combos: one id per distinct (feature, team, user_tier, model, provider, environment, price_id).
 * - report_user_numbers: a dense number per user_id, so a day's users fit in a bitmap.
 * - report_daily: per day and combo, exact sums of calls, tokens and picodollars, and a bitmap of the
 *   users active that day; OR-ing bitmaps counts distinct users over any days and groups exactly.
 * - report_tasks / report_task_daily: each task with the day and combo of its first call and how it ended.
 * - report_session_numbers: a dense number per session_id, as report_user_numbers for users.
 * - report_user_daily: per day, combo, user and session, the same exact sums as report_daily: what reports
 *   by user or session read instead of the events (a user's distinct count is count(DISTINCT user_number)
 *   over its rows, exact over any days, since the user is part of the key).
 * - report_task_user_daily: per day, combo, user and session of a task's first call, its tasks and how they ended.
 * - report_user_monthly: per month, user and combo, calls, requests (calls that did not fail) and cost:
 *   what plan overage is billed on and revenue is attributed by.
 * - report_revenue_cache: each month's plan revenue and revenue records, attributed per group,
 *   for one revenue configuration (identified by a hash of it); filled by the reader, emptied for the months
 *   a refresh touches, and refilled when revenue records are added.
 * - report_user_revenue_cache: the same per user and/or session (`extras` says which a report groups or
 *   filters by: the split among a user's calls depends on it, so each kind is attributed and kept apart).
 */

import { eventDimension } from '../sql/event-dimensions.js';
import { comboDimensions, storedTokenColumns } from '../sql/report-queries.js';

/** Bumped whenever a summary table changes shape or meaning; a store with another version is rebuilt. */
export const reportSummaryVersion = 5;

// The combo dimensions (in the order of report_combos' columns) and how an event's group on each is read
// are what a report asks of events: written once under src/store/sql for every backend.
export { comboDimensions } from '../sql/report-queries.js';
export { eventDimension } from '../sql/event-dimensions.js';

/** The dimensions a report can group by when it reads the summaries (all but user and session). */
export const summaryDimensions = ['feature', 'team', 'user_tier', 'model', 'provider', 'environment'] as const;

/** The combo dimensions as a SELECT list over usage_events. */
export const comboSelect = comboDimensions.map((dimension) => `${eventDimension(dimension)} AS ${dimension}`).join(', ');

const tokenColumns = storedTokenColumns;

const costColumns = ['cost_input', 'cost_cache_read', 'cost_cache_write_5m', 'cost_cache_write_1h', 'cost_output', 'cost_reasoning', 'cost_audio', 'cost_request', 'cost_total'] as const;

/** The additive columns of report_daily, summed the same way from raw events and from summaries. */
export const dailySumColumns = [
  'calls',
  'priced_calls',
  'unpriced_calls',
  'failed_calls',
  ...tokenColumns,
  'unpriced_input_tokens',
  'unpriced_output_tokens',
  ...costColumns,
  'response_cache_hits',
  'response_cache_lookups',
] as const;

/** How each additive column is computed from usage_events rows. */
export const eventSumExpressions: Record<(typeof dailySumColumns)[number], string> = {
  calls: 'count(*)',
  priced_calls: 'count(cost_total)',
  unpriced_calls: 'count(*) FILTER (WHERE cost_total IS NULL)',
  failed_calls: "count(*) FILTER (WHERE status <> 'ok')",
  ...(Object.fromEntries(tokenColumns.map((column) => [column, `sum(${column})::HUGEINT`])) as Record<(typeof tokenColumns)[number], string>),
  unpriced_input_tokens: 'coalesce(sum(input_tokens) FILTER (WHERE cost_total IS NULL), 0)::HUGEINT',
  unpriced_output_tokens: 'coalesce(sum(output_tokens) FILTER (WHERE cost_total IS NULL), 0)::HUGEINT',
  ...(Object.fromEntries(costColumns.map((column) => [column, `coalesce(sum(${column}), 0)::HUGEINT`])) as Record<(typeof costColumns)[number], string>),
  response_cache_hits: "count(*) FILTER (WHERE response_cache = 'hit')",
  response_cache_lookups: 'count(response_cache)',
};

export const summaryTables = [
  'report_summary_state',
  'report_combos',
  'report_user_numbers',
  'report_daily',
  'report_tasks',
  'report_task_daily',
  'report_session_numbers',
  'report_user_daily',
  'report_task_user_daily',
  'report_user_monthly',
  'report_outcome_days',
  'report_revenue_cache',
  'report_revenue_cache_months',
  'report_user_revenue_cache',
  'report_user_revenue_cache_months',
  'report_pending_days',
  'report_pending_outcome_days',
];

export const createStatements = [
  `CREATE TABLE report_summary_state (version INTEGER NOT NULL, usage_rows BIGINT NOT NULL, outcome_rows BIGINT NOT NULL, user_bits INTEGER NOT NULL, refreshed_at TIMESTAMP NOT NULL)`,
  `CREATE TABLE report_combos (combo_id INTEGER NOT NULL, ${comboDimensions.map((dimension) => `${dimension} VARCHAR`).join(', ')})`,
  `CREATE TABLE report_user_numbers (user_id VARCHAR NOT NULL, user_number INTEGER NOT NULL)`,
  `CREATE TABLE report_daily (day DATE NOT NULL, combo_id INTEGER NOT NULL, ${dailySumColumns
    .map((column) => `${column} ${column.endsWith('calls') || column.startsWith('response_cache') ? 'BIGINT' : 'HUGEINT'} NOT NULL`)
    .join(', ')}, users BIT)`,
  `CREATE TABLE report_tasks (task_id VARCHAR NOT NULL, first_day DATE NOT NULL, combo_id INTEGER NOT NULL, outcome VARCHAR, first_ts TIMESTAMP NOT NULL)`,
  `CREATE TABLE report_task_daily (day DATE NOT NULL, combo_id INTEGER NOT NULL, tasks BIGINT NOT NULL, successful_tasks BIGINT NOT NULL, failed_tasks BIGINT NOT NULL)`,
  `CREATE TABLE report_session_numbers (session_id VARCHAR NOT NULL, session_number INTEGER NOT NULL)`,
  // BIGINT, not HUGEINT as in report_daily: DuckDB scans and sums BIGINT columns ~20× faster (3M rows, 8 sums:
  // 0.15 s against 3–5 s), and one user's one session's calls of one day and combo cannot reach 2^63
  // picodollars ($9.2M); should they, the refresh fails on the cast instead of storing a wrong sum.
  `CREATE TABLE report_user_daily (day DATE NOT NULL, combo_id INTEGER NOT NULL, user_number INTEGER, session_number INTEGER, ${dailySumColumns
    .map((column) => `${column} BIGINT NOT NULL`)
    .join(', ')})`,
  `CREATE TABLE report_task_user_daily (day DATE NOT NULL, combo_id INTEGER NOT NULL, user_number INTEGER, session_number INTEGER, tasks BIGINT NOT NULL, successful_tasks BIGINT NOT NULL, failed_tasks BIGINT NOT NULL)`,
  `CREATE TABLE report_user_monthly (month DATE NOT NULL, user_number INTEGER NOT NULL, combo_id INTEGER NOT NULL, calls BIGINT NOT NULL, requests BIGINT NOT NULL, cost HUGEINT NOT NULL, last_day DATE NOT NULL)`,
  `CREATE TABLE report_outcome_days (day DATE NOT NULL, outcome_rows BIGINT NOT NULL)`,
  `CREATE TABLE report_revenue_cache (config_key VARCHAR NOT NULL, kind VARCHAR NOT NULL, month DATE NOT NULL, ${summaryDimensions.map((dimension) => `${dimension} VARCHAR`).join(', ')}, revenue HUGEINT NOT NULL)`,
  `CREATE TABLE report_revenue_cache_months (config_key VARCHAR NOT NULL, month DATE NOT NULL, revenue_rows BIGINT NOT NULL)`,
  `CREATE TABLE report_user_revenue_cache (config_key VARCHAR NOT NULL, extras VARCHAR NOT NULL, kind VARCHAR NOT NULL, month DATE NOT NULL, ${summaryDimensions.map((dimension) => `${dimension} VARCHAR`).join(', ')}, user_id VARCHAR, session_id VARCHAR, revenue HUGEINT NOT NULL)`,
  `CREATE TABLE report_user_revenue_cache_months (config_key VARCHAR NOT NULL, extras VARCHAR NOT NULL, month DATE NOT NULL, revenue_rows BIGINT NOT NULL)`,
  `CREATE TABLE report_pending_days (day DATE NOT NULL)`,
  `CREATE TABLE report_pending_outcome_days (day DATE NOT NULL)`,
];
