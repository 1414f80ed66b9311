import { randomBytes } from 'node:crypto';
import { dailyFillSql, summaryTables, taskDailyFillSql, taskFirstsFillSql, taskRowsFillSql, userDailyFillSql, userMonthlyFillSql, type SummaryFill } from '../sql/report-summary-queries.js';
import { clickhouseDialect } from '../sql/sql-dialect.js';
import type { ClickhouseConnection } from './clickhouse-connection.js';
import { withRefreshLock } from './clickhouse-refresh-lock.js';

/*
 * Keeping the report summaries (src/store/sql/report-summary-queries.ts) of a ClickHouse store up to date.
 *
 * A refresh recomputes the days that changed from `usage_events FINAL` (so raced duplicates and repriced
 * row versions count once, before any background merge) into staging tables of the summaries' shape, copies
 * the month's other days there as they are, and swaps the month in whole with `ALTER TABLE … REPLACE
 * PARTITION` (atomic per month and table: a reader sees a day's old rows or its new ones, never none and
 * never both). Then, if any day or task outcome changed, it recomputes the tasks whose first call or outcome
 * can have changed (report_tasks, one partition) from the per-day first calls, copies the others, re-sums
 * report_task_daily from them, and swaps both in the same way (refreshTaskRollup).
 *
 * A day is recomputed when it has no summary yet, when its event rows counted without FINAL (cheap: one
 * column) differ from the count taken when it was summarized (an insert by anything, even one that bypassed
 * unitcost's writers), or when a writer logged a change to it (report_changes) at or after the refresh that
 * wrote it. The log is what finds a reprice, whose new row versions a background merge may collapse back to
 * the same count. Times are the server's clock in whole seconds (18.16 has no finer now()); a change in the
 * same second as a refresh's stamp counts as after it, so a refresh that follows a write within its second
 * first waits for the next one (under a second), rather than leave every day it recomputes to be recomputed again.
 *
 * report_user_monthly is report_user_daily summed per month, swapped a month at a time after its days: a
 * month is redone when one of its days was, or when it is older than the newest of its days.
 *
 * Refreshes of one database take turns (clickhouse-refresh-lock.ts): 18.16's REPLACE PARTITION is not safe
 * against a concurrent one into the same partition. One that waited finds the days already done. Each summary
 * row carries the start time of the refresh that wrote it, so a write that lands while a refresh reads the
 * events leaves its day stamped before the change, and the next refresh does it again.
 */

/** What a refresh did, for logs and benchmarks. */
export interface ClickhouseSummaryRefresh {
  days: number;
  tasksRebuilt: boolean;
  seconds: number;
}

/** The per-day summaries, each swapped a month at a time; report_days last, as the record that the days were done. */
const dayTables = [summaryTables.daily, summaryTables.userDaily, summaryTables.taskFirsts, 'report_days'] as const;

/** Brings the summaries up to date with the events and outcomes; cheap (a few small queries) when nothing changed. */
export async function refreshClickhouseSummaries(connection: ClickhouseConnection): Promise<ClickhouseSummaryRefresh> {
  const started = performance.now();
  // What a read pays when nothing changed: the checks, without the lock (whose table costs three statements, and
  // which would make concurrent reads queue). Anything to do, even half done by another refresh, takes the lock.
  if (await upToDate(connection)) return { days: 0, tasksRebuilt: false, seconds: (performance.now() - started) / 1000 };
  // One refresh at a time per database: two concurrent REPLACE PARTITIONs into one month double it (clickhouse-refresh-lock.ts).
  return withRefreshLock(connection, () => refreshUnderLock(connection, started));
}

/** Whether a refresh would find nothing to do: no day to recompute, no month behind its days, a task roll-up as new as both. */
async function upToDate(connection: ClickhouseConnection): Promise<boolean> {
  const [dirty, months, rollup] = await Promise.all([dirtyDays(connection), staleMonths(connection, new Set()), taskRollupState(connection)]);
  return dirty.days.length === 0 && months.length === 0 && rollupUpToDate(rollup, []);
}

async function refreshUnderLock(connection: ClickhouseConnection, started: number): Promise<ClickhouseSummaryRefresh> {
  let refreshedAt = await serverSecond(connection);
  const dirty = await dirtyDays(connection);
  if (dirty.latestChange >= refreshedAt) {
    // A change logged in this very second may belong to rows not yet visible: stamping the days with this second
    // would leave them stale; stamping them with it as "not covered" would recompute them all again on the next
    // read. Waiting for the next second makes every change seen so far older than the stamp.
    while (refreshedAt <= dirty.latestChange) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      refreshedAt = await serverSecond(connection);
    }
  }
  for (const monthDays of byMonth(dirty.days)) await refreshDays(connection, monthDays, dirty.rawRows, refreshedAt);
  await refreshMonths(connection, new Set(dirty.days.map((day) => `${day.slice(0, 7)}-01`)), refreshedAt);
  const tasksRebuilt = await refreshTaskRollup(connection, dirty.days, refreshedAt);
  return { days: dirty.days.length, tasksRebuilt, seconds: (performance.now() - started) / 1000 };
}

/** The server's clock, in seconds: what change times and stamps are compared in. */
async function serverSecond(connection: ClickhouseConnection): Promise<number> {
  const [clock] = await connection.rows<{ now: string }>('SELECT toInt64(toUnixTimestamp(now())) AS now');
  return Number(clock!.now);
}

/** The days to recompute, every day's event rows as counted now (without FINAL), and the latest change logged. */
async function dirtyDays(connection: ClickhouseConnection): Promise<{ days: string[]; rawRows: Map<string, string>; latestChange: number }> {
  const [raw, stored, stamps, changes] = await Promise.all([
    connection.rows<{ day: string; raw_rows: string }>('SELECT toString(day) AS day, toString(count()) AS raw_rows FROM usage_events GROUP BY day'),
    connection.rows<{ day: string; raw_rows: string }>('SELECT toString(day) AS day, toString(max(raw_rows)) AS raw_rows FROM report_days GROUP BY day'),
    // The oldest stamp of a day over the summaries: a day is as fresh as its stalest table.
    connection.rows<{ day: string; stamp: string }>(
      `SELECT toString(day) AS day, min(stamp) AS stamp FROM (${dayTables.map((table) => `SELECT day, min(refreshed_at) AS stamp FROM ${table} GROUP BY day`).join(' UNION ALL ')}) GROUP BY day`,
    ),
    connection.rows<{ kind: string; day: string; at: string }>('SELECT kind, toString(day) AS day, toInt64(toUnixTimestamp(max(at))) AS at FROM report_changes GROUP BY kind, day'),
  ]);
  const latestChange = Math.max(0, ...changes.map((row) => Number(row.at)));
  const rawRows = new Map(raw.map((row) => [row.day, String(row.raw_rows)]));
  const storedRows = new Map(stored.map((row) => [row.day, String(row.raw_rows)]));
  const stampOf = new Map(stamps.map((row) => [row.day, Number(row.stamp)]));
  const changedAt = new Map(changes.filter((row) => row.kind === 'usage').map((row) => [row.day, Number(row.at)]));
  const days = [...new Set([...rawRows.keys(), ...storedRows.keys()])].filter((day) => {
    const stamp = stampOf.get(day);
    if (stamp === undefined || rawRows.get(day) !== storedRows.get(day)) return true;
    const changed = changedAt.get(day);
    return changed !== undefined && changed >= stamp;
  });
  return { days: days.sort(), rawRows, latestChange };
}

/** The days grouped by month. */
function byMonth(days: readonly string[]): string[][] {
  const months = new Map<string, string[]>();
  for (const day of days) months.set(day.slice(0, 7), [...(months.get(day.slice(0, 7)) ?? []), day]);
  return [...months.values()];
}

/** A staging table of each summary's shape, filled, swapped in and dropped whatever happens. */
async function withStaging<T>(connection: ClickhouseConnection, tables: readonly string[], work: (staged: (table: string) => string) => Promise<T>): Promise<T> {
  const prefix = `report_stage_${randomBytes(6).toString('hex')}`;
  const staged = (table: string): string => `${prefix}_${table}`;
  try {
    for (const table of tables) await connection.run(`CREATE TABLE ${staged(table)} AS ${table}`);
    return await work(staged);
  } finally {
    for (const table of tables) await connection.run(`DROP TABLE IF EXISTS ${staged(table)}`);
  }
}

const fill = (connection: ClickhouseConnection, table: string, what: SummaryFill): Promise<void> => connection.run(`INSERT INTO ${table} (${what.columns.join(', ')}) ${what.sql}`);

/** Recomputes some days of one month and swaps the month in, its other days copied as they were (with their stamps). */
async function refreshDays(connection: ClickhouseConnection, days: readonly string[], rawRows: ReadonlyMap<string, string>, refreshedAt: number): Promise<void> {
  const d = clickhouseDialect;
  const month = monthPartition(days[0]!);
  const listed = days.map((day) => d.date(day)).join(', ');
  await withStaging(connection, dayTables, async (staged) => {
    for (const table of dayTables) await connection.run(`INSERT INTO ${staged(table)} SELECT * FROM ${table} WHERE toYYYYMM(day) = ${month} AND day NOT IN (${listed})`);
    // Days whose events are gone (none stored) are filled with nothing: the swap empties them.
    const withEvents = days.filter((day) => rawRows.has(day));
    if (withEvents.length > 0) {
      // Three FINAL reads of the days' events, one per summary. One read into a scratch table (Log engine, every
      // column but the attributes) that the three fills read was measured no faster at 1M (BENCHMARKS.md).
      await fill(connection, staged(summaryTables.daily), dailyFillSql(d, withEvents, refreshedAt));
      await fill(connection, staged(summaryTables.userDaily), userDailyFillSql(d, withEvents, refreshedAt));
      await fill(connection, staged(summaryTables.taskFirsts), taskFirstsFillSql(d, withEvents, refreshedAt));
      await connection.insert(
        staged('report_days'),
        ['day', 'raw_rows', 'refreshed_at'],
        withEvents.map((day) => [day, rawRows.get(day)!, refreshedAt]),
      );
    }
    for (const table of dayTables) await connection.run(`ALTER TABLE ${table} REPLACE PARTITION ${month} FROM ${staged(table)}`);
  });
}

/** Re-sums report_user_monthly for the months given and for those older than their newest day (a refresh that raced another). */
async function refreshMonths(connection: ClickhouseConnection, changed: ReadonlySet<string>, refreshedAt: number): Promise<void> {
  const months = await staleMonths(connection, changed);
  if (months.length === 0) return;
  await withStaging(connection, [summaryTables.userMonthly], async (staged) => {
    await fill(connection, staged(summaryTables.userMonthly), userMonthlyFillSql(clickhouseDialect, summaryTables.userDaily, months, refreshedAt));
    for (const month of months) await connection.run(`ALTER TABLE ${summaryTables.userMonthly} REPLACE PARTITION ${monthPartition(month)} FROM ${staged(summaryTables.userMonthly)}`);
  });
}

/** The months to re-sum: those given, and those older than their newest day. */
async function staleMonths(connection: ClickhouseConnection, changed: ReadonlySet<string>): Promise<string[]> {
  const [monthly, daily] = await Promise.all([
    connection.rows<{ month: string; stamp: string }>(`SELECT toString(month) AS month, min(refreshed_at) AS stamp FROM ${summaryTables.userMonthly} GROUP BY month`),
    connection.rows<{ month: string; stamp: string }>(`SELECT toString(toStartOfMonth(day)) AS month, max(refreshed_at) AS stamp FROM ${summaryTables.userDaily} GROUP BY month`),
  ]);
  const monthlyStamp = new Map(monthly.map((row) => [row.month, Number(row.stamp)]));
  const dailyStamp = new Map(daily.map((row) => [row.month, Number(row.stamp)]));
  const months = [...new Set([...changed, ...monthlyStamp.keys(), ...dailyStamp.keys()])].filter((month) => {
    if (changed.has(month)) return true;
    const summed = monthlyStamp.get(month);
    const newestDay = dailyStamp.get(month);
    return summed === undefined || newestDay === undefined || summed < newestDay;
  });
  return months;
}

/** The partition of a day's month (toYYYYMM), as REPLACE PARTITION names it. */
function monthPartition(day: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new Error(`not a day: ${day}`);
  return day.slice(0, 7).replace('-', '');
}

/** What decides whether the tasks' roll-up is behind: its stamp and size, the days' newest stamp, the last outcome logged. */
interface TaskRollupState {
  stamp: number;
  built: number;
  tasks: number;
  firsts: number;
  storedDays: number;
  newestDay: number;
  outcomeChanged: number;
}

async function taskRollupState(connection: ClickhouseConnection): Promise<TaskRollupState> {
  const t = summaryTables;
  const [state] = await connection.rows<{ stamp: string; built: string; tasks: string; firsts: string; newest_day: string; outcome_changed: string; stored_days: string }>(
    `SELECT (SELECT min(refreshed_at) FROM ${t.taskDaily}) AS stamp, (SELECT count() FROM ${t.taskDaily}) AS built, (SELECT count() FROM report_days) AS stored_days,
      (SELECT count() FROM ${t.tasks}) AS tasks, (SELECT count() FROM ${t.taskFirsts}) AS firsts,
      (SELECT max(refreshed_at) FROM report_days) AS newest_day, (SELECT toInt64(toUnixTimestamp(max(at))) FROM report_changes WHERE kind = 'outcome') AS outcome_changed`,
  );
  return {
    stamp: Number(state!.stamp),
    built: Number(state!.built),
    tasks: Number(state!.tasks),
    firsts: Number(state!.firsts),
    storedDays: Number(state!.stored_days),
    newestDay: Number(state!.newest_day),
    outcomeChanged: Number(state!.outcome_changed),
  };
}

// Never built, or built before report_tasks existed (migration 4): every task.
// And when half the days or more changed (a bulk ingest): selecting nearly every task costs more than taking them all (measured).
const rebuildsWhole = (state: TaskRollupState, ownDays: readonly string[]): boolean => state.tasks === 0 || ownDays.length * 2 >= state.storedDays;

/**
 * Whether the roll-up needs no work after a refresh that recomputed `ownDays`: nothing to build from, or no day
 * recomputed, none swapped in since it was built and no outcome logged since. (A day emptied by a refresh that
 * stopped before its roll-up is found at the next change of any day.)
 */
function rollupUpToDate(state: TaskRollupState, ownDays: readonly string[]): boolean {
  if (rebuildsWhole(state, ownDays)) return state.firsts === 0 && state.built === 0;
  return ownDays.length === 0 && state.newestDay <= state.stamp && state.outcomeChanged < state.stamp;
}

/** How many tasks' first calls one fill of report_tasks groups. */
const tasksPerPart = 250_000;

/**
 * Brings the tasks' roll-up (report_tasks and report_task_daily, built together and stamped with the refresh
 * that built them) up to date; whether it changed anything. Only the tasks whose first call or outcome can
 * have changed since it was built are recomputed: those with calls on the days this refresh recomputed or that
 * were swapped in after the roll-up (a concurrent refresh's), those whose first call was on such a day or on
 * a day no longer stored, and those with outcomes logged at or after its stamp. A task's first call is the
 * least of its days' first calls, so a day that did not change cannot move it. The other tasks' rows are
 * copied as they are; report_task_daily is re-summed from the result.
 */
async function refreshTaskRollup(connection: ClickhouseConnection, ownDays: readonly string[], refreshedAt: number): Promise<boolean> {
  const t = summaryTables;
  const state = await taskRollupState(connection);
  if (rollupUpToDate(state, ownDays)) return false;
  const firsts = state.firsts;
  const whole = rebuildsWhole(state, ownDays);
  let days: string[] = [];
  let outcomeDays: string[] = [];
  if (!whole) {
    const stamp = state.stamp;
    const dayList = (sql: string): Promise<string[]> => connection.rows<{ listed_day: string }>(sql).then((rows) => rows.map((row) => row.listed_day));
    const [swapped, vanished, outcomes] = await Promise.all([
      dayList(`SELECT DISTINCT toString(day) AS listed_day FROM report_days WHERE refreshed_at > ${stamp}`),
      dayList(`SELECT DISTINCT toString(day) AS listed_day FROM ${t.tasks} WHERE day NOT IN (SELECT day FROM report_days)`),
      dayList(`SELECT DISTINCT toString(day) AS listed_day FROM report_changes WHERE kind = 'outcome' AND toInt64(toUnixTimestamp(at)) >= ${stamp}`),
    ]);
    days = [...new Set([...ownDays, ...swapped, ...vanished])].sort();
    outcomeDays = outcomes.sort();
    if (days.length === 0 && outcomeDays.length === 0) return false;
  }
  const d = clickhouseDialect;
  const listed = (list: readonly string[]): string => list.map((day) => d.date(day)).join(', ');
  await withStaging(connection, [t.tasks, t.taskDaily], async (staged) => {
    if (whole) {
      // Grouping 1.7M tasks at once passed the test server's 2 GB query memory on 18.16 (measured): in parts of ~250,000 by a hash of the id.
      const parts = Math.max(1, Math.ceil(firsts / tasksPerPart));
      for (let index = 0; index < parts; index += 1) await fill(connection, staged(t.tasks), taskRowsFillSql(d, t.taskFirsts, refreshedAt, { part: { index, count: parts } }));
    } else {
      const affected = `${staged(t.tasks)}_affected`;
      try {
        await connection.run(`CREATE TABLE ${affected} (task_id String) ENGINE = Memory`);
        if (days.length > 0) {
          await connection.run(`INSERT INTO ${affected} SELECT task_id FROM ${t.taskFirsts} WHERE day IN (${listed(days)})`);
          await connection.run(`INSERT INTO ${affected} SELECT task_id FROM ${t.tasks} WHERE day IN (${listed(days)})`);
        }
        if (outcomeDays.length > 0) await connection.run(`INSERT INTO ${affected} SELECT task_id FROM task_outcomes WHERE day IN (${listed(outcomeDays)})`);
        const [counted] = await connection.rows<{ tasks: string }>(`SELECT uniqExact(task_id) AS tasks FROM ${affected}`);
        await connection.run(`INSERT INTO ${staged(t.tasks)} SELECT * FROM ${t.tasks} WHERE task_id NOT IN (SELECT task_id FROM ${affected})`);
        const parts = Math.max(1, Math.ceil(Number(counted!.tasks) / tasksPerPart));
        for (let index = 0; index < parts; index += 1) {
          await fill(connection, staged(t.tasks), taskRowsFillSql(d, t.taskFirsts, refreshedAt, { part: { index, count: parts }, among: affected }));
        }
      } finally {
        await connection.run(`DROP TABLE IF EXISTS ${affected}`);
      }
    }
    await fill(connection, staged(t.taskDaily), taskDailyFillSql(d, staged(t.tasks), refreshedAt));
    // report_tasks first: a refresh that reads report_task_daily's stamp and then report_tasks sees rows at least as new as the stamp.
    await connection.run(`ALTER TABLE ${t.tasks} REPLACE PARTITION tuple() FROM ${staged(t.tasks)}`);
    await connection.run(`ALTER TABLE ${t.taskDaily} REPLACE PARTITION tuple() FROM ${staged(t.taskDaily)}`);
  });
  return true;
}
