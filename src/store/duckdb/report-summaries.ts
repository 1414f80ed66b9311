import type { DuckDBConnection } from '@duckdb/node-api';
import {
  comboDimensions,
  comboSelect,
  createStatements,
  dailySumColumns,
  eventDimension,
  eventSumExpressions,
  reportSummaryVersion,
  summaryTables,
} from './report-summary-tables.js';

/**
 * Refreshing the summary tables of report-summary-tables.ts.
 *
 * Freshness: a refresh recomputes the days whose events changed. Every report calls it first, and finds
 * appended days by comparing per-day event counts with the summaries' (so the first report after an
 * ingest pays for the refresh); reprice, which changes costs but not counts, calls it with the range it
 * repriced. An ingest may call it too, to pay for the refresh itself rather than leave it to a report.
 */



/** What a refresh did, for logs and benchmarks. */
export interface SummaryRefresh {
  rebuilt: boolean;
  usageDays: number;
  outcomeDays: number;
  seconds: number;
}

/** Days whose summaries must be recomputed even though their event counts did not change (after a reprice). */
export interface RefreshRange {
  fromMs?: number;
  toMs?: number;
}

/**
 * Brings the summary tables up to date with usage_events and task_outcomes. Cheap when nothing changed
 * (two counts); otherwise it recomputes the changed days, and everything on a first run or a new version.
 * `changed` forces the days it covers, for updates that keep counts (reprice).
 *
 * A refresh of millions of rows does not fit one transaction under a small memory limit, so each step
 * commits on its own. It stays safe: the days to redo are written down first (report_pending_days) and
 * only cleared, with the new state, once every step is done; a refresh cut short is finished by the next.
 */
export async function refreshReportSummaries(connection: DuckDBConnection, changed?: RefreshRange): Promise<SummaryRefresh> {
  const started = performance.now();
  const state = await readState(connection);
  const counts = await sourceCounts(connection);
  if (state && !state.pending && state.usageRows === counts.usageRows && state.outcomeRows === counts.outcomeRows && changed === undefined) {
    return { rebuilt: false, usageDays: 0, outcomeDays: 0, seconds: 0 };
  }
  // Summaries are keyed, not ordered: not keeping insertion order lets big refreshes stream under a small memory limit.
  await connection.run('SET preserve_insertion_order = false');
  try {
    const rebuilt = state === null;
    if (rebuilt) {
      await dropReportSummaries(connection);
      await createSummaryTables(connection);
    }
    await recordPendingDays(connection, rebuilt, changed);
    const userBits = await extendDictionaries(connection, state?.userBits ?? 0);
    if (userBits !== (state?.userBits ?? 0) && !rebuilt) {
      // The bitmaps grew wider: every day's bitmap is rebuilt at the new width, so that all of them OR together.
      await connection.run('INSERT INTO report_pending_days SELECT DISTINCT day FROM report_daily EXCEPT SELECT day FROM report_pending_days');
      await loadPendingDays(connection);
    }
    const usageDays = Number((await connection.runAndReadAll('SELECT count(*) AS n FROM report_refresh_days')).getRowObjectsJS()[0]!.n);
    const outcomeDays = Number((await connection.runAndReadAll('SELECT count(*) AS n FROM report_refresh_outcome_days')).getRowObjectsJS()[0]!.n);
    await refreshDaily(connection, userBits);
    await refreshUserDaily(connection);
    await refreshUserMonthly(connection);
    await refreshTasks(connection, rebuilt);
    await connection.run('CHECKPOINT');
    const changedOutcomeDays = await dayFilter(connection, 'report_refresh_outcome_days');
    await connection.run('BEGIN TRANSACTION');
    try {
      await connection.run('DELETE FROM report_outcome_days WHERE day IN (SELECT day FROM report_refresh_outcome_days)');
      await connection.run(`INSERT INTO report_outcome_days SELECT ts::DATE AS day, count(*) FROM task_outcomes WHERE ${changedOutcomeDays.sql} GROUP BY ALL`, changedOutcomeDays.values);
      await connection.run('DELETE FROM report_pending_days');
      await connection.run('DELETE FROM report_pending_outcome_days');
      await connection.run('DELETE FROM report_summary_state');
      await connection.run('INSERT INTO report_summary_state VALUES ($version, $usage, $outcomes, $bits, now())', {
        version: reportSummaryVersion,
        usage: counts.usageRows,
        outcomes: counts.outcomeRows,
        bits: userBits,
      });
      await connection.run('COMMIT');
    } catch (error) {
      await connection.run('ROLLBACK');
      throw error;
    }
    return { rebuilt, usageDays, outcomeDays, seconds: (performance.now() - started) / 1000 };
  } finally {
    await dropScratch(connection);
    await connection.run('RESET preserve_insertion_order');
  }
}

/** Drops every summary table, so the next refresh rebuilds them from the events. */
export async function dropReportSummaries(connection: DuckDBConnection): Promise<void> {
  for (const table of summaryTables) await connection.run(`DROP TABLE IF EXISTS ${table}`);
}

async function readState(connection: DuckDBConnection): Promise<{ usageRows: bigint; outcomeRows: bigint; userBits: number; pending: boolean } | null> {
  const exists = await connection.runAndReadAll("SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'report_summary_state' AND table_schema = 'main'");
  if (Number(exists.getRowObjectsJS()[0]?.n ?? 0) === 0) return null;
  const rows = (await connection.runAndReadAll('SELECT version, usage_rows, outcome_rows, user_bits FROM report_summary_state')).getRowObjectsJS();
  const row = rows[0];
  if (!row || Number(row.version) !== reportSummaryVersion) {
    await dropReportSummaries(connection);
    return null;
  }
  const pending = (
    await connection.runAndReadAll('SELECT (SELECT count(*) FROM report_pending_days) + (SELECT count(*) FROM report_pending_outcome_days) AS n')
  ).getRowObjectsJS()[0]!;
  return { usageRows: BigInt(row.usage_rows as bigint), outcomeRows: BigInt(row.outcome_rows as bigint), userBits: Number(row.user_bits), pending: Number(pending.n) > 0 };
}

async function sourceCounts(connection: DuckDBConnection): Promise<{ usageRows: bigint; outcomeRows: bigint }> {
  const row = (await connection.runAndReadAll('SELECT (SELECT count(*) FROM usage_events) AS usage_rows, (SELECT count(*) FROM task_outcomes) AS outcome_rows')).getRowObjectsJS()[0]!;
  return { usageRows: BigInt(row.usage_rows as bigint), outcomeRows: BigInt(row.outcome_rows as bigint) };
}

async function createSummaryTables(connection: DuckDBConnection): Promise<void> {
  for (const statement of createStatements) await connection.run(statement);
}

// What to recompute is written down before anything changes: the days whose event counts differ from the
// summaries', the days of `changed`, and the outcome days whose counts differ; then loaded for the steps.
async function recordPendingDays(connection: DuckDBConnection, everything: boolean, changed: RefreshRange | undefined): Promise<void> {
  if (everything) {
    await connection.run('INSERT INTO report_pending_days SELECT DISTINCT ts::DATE FROM usage_events');
    await connection.run('INSERT INTO report_pending_outcome_days SELECT DISTINCT ts::DATE FROM task_outcomes');
  } else {
    await connection.run(
      `INSERT INTO report_pending_days
       SELECT coalesce(e.day, r.day) FROM (SELECT ts::DATE AS day, count(*) AS calls FROM usage_events GROUP BY ALL) e
       FULL JOIN (SELECT day, sum(calls) AS calls FROM report_daily GROUP BY ALL) r ON r.day = e.day
       WHERE e.calls IS DISTINCT FROM r.calls`,
    );
    if (changed) {
      await connection.run(
        `INSERT INTO report_pending_days SELECT DISTINCT ts::DATE FROM usage_events
         WHERE ts >= coalesce(make_timestamp($from::BIGINT * 1000), '-infinity'::TIMESTAMP) AND ts < coalesce(make_timestamp($to::BIGINT * 1000), 'infinity'::TIMESTAMP)`,
        { from: changed.fromMs ?? null, to: changed.toMs ?? null },
      );
    }
    await connection.run(
      `INSERT INTO report_pending_outcome_days
       SELECT coalesce(o.day, r.day) FROM (SELECT ts::DATE AS day, count(*) AS outcome_rows FROM task_outcomes GROUP BY ALL) o
       FULL JOIN report_outcome_days r ON r.day = o.day
       WHERE o.outcome_rows IS DISTINCT FROM r.outcome_rows`,
    );
  }
  await loadPendingDays(connection);
}

// The steps read the pending days from temporary tables; revenue is attributed by a user's usage over a
// whole month, so a changed day changes its month's summary too.
async function loadPendingDays(connection: DuckDBConnection): Promise<void> {
  await connection.run('CREATE OR REPLACE TEMP TABLE report_refresh_days AS SELECT DISTINCT day FROM report_pending_days');
  await connection.run(`CREATE OR REPLACE TEMP TABLE report_refresh_months AS SELECT DISTINCT date_trunc('month', day)::DATE AS month FROM report_refresh_days`);
  await connection.run('CREATE OR REPLACE TEMP TABLE report_refresh_outcome_days AS SELECT DISTINCT day FROM report_pending_outcome_days');
}

const sameCombo = (left: string, right: string): string => comboDimensions.map((dimension) => `${left}.${dimension} IS NOT DISTINCT FROM ${right}.${dimension}`).join(' AND ');

/** A filter on a timestamp column by day ranges, with its bound values. */
interface DayFilter {
  sql: string;
  values: Record<string, string>;
}

/**
 * The days of a refresh table as a filter on `ts`: consecutive days merged into ranges of literal bounds,
 * which DuckDB checks against each row group's min/max and skips what it can. (A subquery such as
 * `ts::DATE IN (SELECT …)` instead made DuckDB hash the event side and run out of memory at 100M events.)
 */
async function dayFilter(
  connection: DuckDBConnection,
  table: 'report_refresh_days' | 'report_refresh_outcome_days' | 'report_refresh_task_days',
  onlyDays?: readonly string[],
  column = 'ts',
): Promise<DayFilter> {
  const days = onlyDays ?? (await connection.runAndReadAll(`SELECT strftime(day, '%Y-%m-%d') AS day FROM ${table} ORDER BY day`)).getRowObjectsJS().map((row) => row.day as string);
  const ranges: Array<[string, string]> = [];
  for (const day of days) {
    const next = new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    const last = ranges.at(-1);
    if (last && last[1] === day) last[1] = next;
    else ranges.push([day, next]);
  }
  if (ranges.length === 0) return { sql: 'false', values: {} };
  const values: Record<string, string> = {};
  const parts = ranges.map(([from, to], index) => {
    values[`day_from_${index}`] = from;
    values[`day_to_${index}`] = to;
    return `(${column} >= $day_from_${index}::DATE AND ${column} < $day_to_${index}::DATE)`;
  });
  return { sql: `(${parts.join(' OR ')})`, values };
}

async function extendDictionaries(connection: DuckDBConnection, userBits: number): Promise<number> {
  const changedDays = await dayFilter(connection, 'report_refresh_days');
  await connection.run(
    `INSERT INTO report_combos
     SELECT (SELECT coalesce(max(combo_id), 0) FROM report_combos) + row_number() OVER (ORDER BY ${comboDimensions.map((dimension) => `n.${dimension}`).join(', ')}),
       ${comboDimensions.map((dimension) => `n.${dimension}`).join(', ')}
     FROM (SELECT DISTINCT ${comboSelect} FROM usage_events WHERE ${changedDays.sql}) n
     WHERE NOT EXISTS (SELECT 1 FROM report_combos c WHERE ${sameCombo('c', 'n')})`,
    changedDays.values,
  );
  await connection.run(
    `INSERT INTO report_user_numbers
     SELECT n.user_id, ((SELECT coalesce(max(user_number), 0) FROM report_user_numbers) + row_number() OVER (ORDER BY n.user_id))::INTEGER
     FROM (SELECT DISTINCT user_id FROM usage_events WHERE user_id IS NOT NULL AND ${changedDays.sql}) n
     ANTI JOIN report_user_numbers u ON u.user_id = n.user_id`,
    changedDays.values,
  );
  await connection.run(
    `INSERT INTO report_session_numbers
     SELECT n.session_id, ((SELECT coalesce(max(session_number), 0) FROM report_session_numbers) + row_number() OVER (ORDER BY n.session_id))::INTEGER
     FROM (SELECT DISTINCT session_id FROM usage_events WHERE session_id IS NOT NULL AND ${changedDays.sql}) n
     ANTI JOIN report_session_numbers s ON s.session_id = n.session_id`,
    changedDays.values,
  );
  const users = Number((await connection.runAndReadAll('SELECT coalesce(max(user_number), 0) AS n FROM report_user_numbers')).getRowObjectsJS()[0]!.n);
  // Bitmaps are as wide as the user dictionary, with room to grow: doubling keeps rebuilds rare.
  let bits = Math.max(userBits, 1024);
  while (bits < users) bits *= 2;
  return bits;
}

// Aggregated per day and dimensions straight from the events, then given combo ids. A bitmap is as wide as
// the user dictionary (64 KB for half a million users), so the days go in chunks whose bitmaps fit in
// about 32 MB; with events stored in time order, each chunk reads only its own row groups.
async function refreshDaily(connection: DuckDBConnection, userBits: number): Promise<void> {
  await connection.run('DELETE FROM report_daily WHERE day IN (SELECT day FROM report_refresh_days)');
  const days = (await connection.runAndReadAll(`SELECT strftime(day, '%Y-%m-%d') AS day FROM report_refresh_days ORDER BY day`)).getRowObjectsJS().map((row) => row.day as string);
  const combos = Number((await connection.runAndReadAll('SELECT count(*) AS n FROM report_combos')).getRowObjectsJS()[0]!.n);
  const daysPerChunk = Math.max(1, Math.min(31, Math.floor((32 * 2 ** 20) / ((userBits / 8) * Math.max(1, combos)))));
  for (let index = 0; index < days.length; index += daysPerChunk) {
    const chunk = await dayFilter(connection, 'report_refresh_days', days.slice(index, index + daysPerChunk));
    await connection.run(
      `INSERT INTO report_daily
       SELECT a.day, c.combo_id, ${dailySumColumns.map((column) => `a.${column}`).join(', ')}, a.users
       FROM (
         SELECT ts::DATE AS day, ${comboSelect},
           ${dailySumColumns.map((column) => `${eventSumExpressions[column]} AS ${column}`).join(', ')},
           bitstring_agg(u.user_number, 1, ${userBits}) AS users
         FROM usage_events e LEFT JOIN report_user_numbers u ON u.user_id = e.user_id
         WHERE ${chunk.sql}
         GROUP BY ALL
       ) a JOIN report_combos c ON ${sameCombo('c', 'a')}`,
      chunk.values,
    );
    // Written rows stay in memory until checkpointed: checkpointing per chunk keeps a big refresh within the limit.
    await connection.run('CHECKPOINT');
  }
}

// Grouping millions of keys fits a small memory limit when the keys and states are fixed-size (user and
// combo numbers, integer sums), which DuckDB spills to disk as needed; strings and structs it cannot.
const sameComboAsEvent = comboDimensions.map((dimension) => `c.${dimension} IS NOT DISTINCT FROM ${eventDimension(dimension, 'e')}`).join(' AND ');

/** Days per chunk of the per-user refresh: a week of events (~0.8M at 10M over 90 days) groups well within a small memory limit. */
const userDaysPerChunk = 7;

// Per day, combo, user and session, the same sums as report_daily, a week at a time: grouped by the events'
// own values first, then given their numbers, so the dictionaries join ~0.25M groups a week instead of ~0.8M
// events (at 10M, under load: 16 s for the full build against 18 s joining first; within the noise). Rows
// are stored by day and combo: a feature's combos have neighbouring numbers, so a report of one feature
// skips most row groups (its user-months query at 10M: 0.33 s unordered, 0.09 s ordered).
async function refreshUserDaily(connection: DuckDBConnection): Promise<void> {
  await connection.run('DELETE FROM report_user_daily WHERE day IN (SELECT day FROM report_refresh_days)');
  const days = (await connection.runAndReadAll(`SELECT strftime(day, '%Y-%m-%d') AS day FROM report_refresh_days ORDER BY day`)).getRowObjectsJS().map((row) => row.day as string);
  for (let index = 0; index < days.length; index += userDaysPerChunk) {
    const chunk = await dayFilter(connection, 'report_refresh_days', days.slice(index, index + userDaysPerChunk), 'e.ts');
    await connection.run(
      `INSERT INTO report_user_daily
       SELECT a.day, c.combo_id, u.user_number, s.session_number, ${dailySumColumns.map((column) => `a.${column}`).join(', ')}
       FROM (
         SELECT ts::DATE AS day, ${comboSelect}, user_id, session_id,
           ${dailySumColumns.map((column) => `${eventSumExpressions[column]} AS ${column}`).join(', ')}
         FROM usage_events e
         WHERE ${chunk.sql}
         GROUP BY ALL
       ) a
       JOIN report_combos c ON ${sameCombo('c', 'a')}
       LEFT JOIN report_user_numbers u ON u.user_id = a.user_id
       LEFT JOIN report_session_numbers s ON s.session_id = a.session_id
       ORDER BY a.day, c.combo_id`,
      chunk.values,
    );
    await connection.run('CHECKPOINT');
  }
}

// Month by month, each month's user × combo groups, summed from report_user_daily (current for every day
// of the month once refreshUserDaily ran) rather than from the events: requests are the calls that did not
// fail (status is never null), cost the priced cost.
async function refreshUserMonthly(connection: DuckDBConnection): Promise<void> {
  await connection.run('DELETE FROM report_user_monthly USING report_refresh_months r WHERE report_user_monthly.month = r.month');
  await connection.run('DELETE FROM report_revenue_cache WHERE month IN (SELECT month FROM report_refresh_months)');
  await connection.run('DELETE FROM report_revenue_cache_months WHERE month IN (SELECT month FROM report_refresh_months)');
  await connection.run('DELETE FROM report_user_revenue_cache WHERE month IN (SELECT month FROM report_refresh_months)');
  await connection.run('DELETE FROM report_user_revenue_cache_months WHERE month IN (SELECT month FROM report_refresh_months)');
  const months = (await connection.runAndReadAll(`SELECT strftime(month, '%Y-%m-%d') AS month FROM report_refresh_months ORDER BY month`)).getRowObjectsJS();
  for (const { month } of months) {
    await connection.run(
      `INSERT INTO report_user_monthly
       SELECT $month::DATE, user_number, combo_id, sum(calls), sum(calls - failed_calls), sum(cost_total)::HUGEINT, max(day)
       FROM report_user_daily
       WHERE user_number IS NOT NULL AND day >= $month::DATE AND day < $month::DATE + INTERVAL 1 MONTH
       GROUP BY user_number, combo_id`,
      { month: month as string },
    );
    await connection.run('CHECKPOINT');
  }
}

/**
 * A task counts once, in the day and combo of its first call, and ends as its latest outcome says. Both
 * are found with fixed-size aggregates, so that millions of tasks aggregate within a small memory limit:
 * the first call is the minimum of (timestamp in µs << 24) + combo id (at equal timestamps the smaller
 * combo id wins), the outcome the maximum of (timestamp × 2 + 1 for a success).
 * Touched tasks — with an event on a changed day or an outcome on a changed outcome day — are recomputed
 * from all their events, and so are the task counts of the days they left or joined.
 */
async function refreshTasks(connection: DuckDBConnection, everything: boolean): Promise<void> {
  let touched = '';
  if (everything) {
    await connection.run('DELETE FROM report_tasks');
    await connection.run('CREATE OR REPLACE TEMP TABLE report_refresh_task_days AS SELECT DISTINCT day FROM report_refresh_days');
  } else {
    const changedDays = await dayFilter(connection, 'report_refresh_days');
    const changedOutcomeDays = await dayFilter(connection, 'report_refresh_outcome_days');
    await connection.run(
      `CREATE OR REPLACE TEMP TABLE report_refresh_tasks AS
       SELECT DISTINCT task_id FROM usage_events WHERE task_id IS NOT NULL AND ${changedDays.sql}
       UNION
       SELECT DISTINCT task_id FROM task_outcomes WHERE ${changedOutcomeDays.sql.replaceAll('$day_', '$outcome_day_')}`,
      { ...changedDays.values, ...Object.fromEntries(Object.entries(changedOutcomeDays.values).map(([name, value]) => [`outcome_${name}`, value])) },
    );
    // SEMI JOIN hashes the few touched tasks, never the events.
    touched = 'SEMI JOIN report_refresh_tasks t ON t.task_id = x.task_id';
    await connection.run(`CREATE OR REPLACE TEMP TABLE report_refresh_task_days AS SELECT DISTINCT first_day AS day FROM report_tasks x ${touched}`);
    await connection.run('DELETE FROM report_tasks USING report_refresh_tasks t WHERE report_tasks.task_id = t.task_id');
  }
  await connection.run(
    `INSERT INTO report_tasks
     SELECT f.task_id, make_timestamp((f.first_key >> 24)::BIGINT)::DATE, (f.first_key & 16777215)::INTEGER,
       CASE o.last_key % 2 WHEN 1 THEN 'success' WHEN 0 THEN 'failure' END, make_timestamp((f.first_key >> 24)::BIGINT)
     FROM (
       SELECT x.task_id, min((epoch_us(x.ts)::HUGEINT << 24) + x.combo_id) AS first_key
       FROM (
         SELECT e.task_id, e.ts, c.combo_id FROM usage_events e JOIN report_combos c ON ${sameComboAsEvent} WHERE e.task_id IS NOT NULL
       ) x ${touched}
       GROUP BY x.task_id
     ) f
     LEFT JOIN (
       SELECT x.task_id, max(epoch_us(x.ts)::HUGEINT * 2 + (x.outcome = 'success')::INTEGER) AS last_key FROM task_outcomes x ${touched} GROUP BY x.task_id
     ) o ON o.task_id = f.task_id`,
  );
  await connection.run('CHECKPOINT');
  if (!everything) await connection.run(`INSERT INTO report_refresh_task_days SELECT DISTINCT first_day FROM report_tasks x ${touched}`);
  await connection.run('DELETE FROM report_task_daily WHERE day IN (SELECT day FROM report_refresh_task_days)');
  const taskDays = await dayFilter(connection, 'report_refresh_task_days', undefined, 'first_day');
  await connection.run(
    `INSERT INTO report_task_daily
     SELECT first_day, combo_id, count(*), count(*) FILTER (WHERE outcome = 'success'), count(*) FILTER (WHERE outcome = 'failure')
     FROM report_tasks WHERE ${taskDays.sql}
     GROUP BY ALL`,
    taskDays.values,
  );
  await refreshTaskUserDaily(connection);
}

/**
 * Tasks per day, combo, user and session of their first call. A task's user and session are those of the
 * event at its first call's timestamp and combo — of several, the one whose user, then session, sorts first,
 * as the raw-event report picks it — so a task counts once. A week at a time, the events read only from the
 * days of the tasks' first calls.
 */
async function refreshTaskUserDaily(connection: DuckDBConnection): Promise<void> {
  await connection.run('DELETE FROM report_task_user_daily WHERE day IN (SELECT day FROM report_refresh_task_days)');
  const days = (await connection.runAndReadAll(`SELECT strftime(day, '%Y-%m-%d') AS day FROM report_refresh_task_days ORDER BY day`)).getRowObjectsJS().map((row) => row.day as string);
  for (let index = 0; index < days.length; index += userDaysPerChunk) {
    const chunkDays = days.slice(index, index + userDaysPerChunk);
    const events = await dayFilter(connection, 'report_refresh_task_days', chunkDays, 'e.ts');
    const tasks = await dayFilter(connection, 'report_refresh_task_days', chunkDays, 't.first_day');
    await connection.run(
      `INSERT INTO report_task_user_daily
       SELECT first_day, combo_id, user_number, session_number,
         count(*), count(*) FILTER (WHERE outcome = 'success'), count(*) FILTER (WHERE outcome = 'failure')
       FROM (
       SELECT t.first_day, t.combo_id, u.user_number, s.session_number, t.outcome
       FROM (SELECT * FROM report_tasks t WHERE ${tasks.sql.replaceAll('$day_', '$task_day_')}) t
       JOIN usage_events e ON e.task_id = t.task_id AND e.ts = t.first_ts
       JOIN report_combos c ON c.combo_id = t.combo_id AND ${sameComboAsEvent}
       LEFT JOIN report_user_numbers u ON u.user_id = e.user_id
       LEFT JOIN report_session_numbers s ON s.session_id = e.session_id
       WHERE ${events.sql}
       QUALIFY row_number() OVER (PARTITION BY t.task_id ORDER BY e.user_id NULLS FIRST, e.session_id NULLS FIRST) = 1
       )
       GROUP BY ALL`,
      { ...events.values, ...Object.fromEntries(Object.entries(tasks.values).map(([name, value]) => [`task_${name}`, value])) },
    );
    await connection.run('CHECKPOINT');
  }
}

async function dropScratch(connection: DuckDBConnection): Promise<void> {
  for (const table of ['report_refresh_days', 'report_refresh_months', 'report_refresh_outcome_days', 'report_refresh_tasks', 'report_refresh_task_days']) {
    await connection.run(`DROP TABLE IF EXISTS temp.${table}`);
  }
}
