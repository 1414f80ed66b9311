import { createHash } from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';
import { nextBucketStart, type DayWindow } from '../../core/kpi/report-periods.js';
import type { RevenueSettings } from '../../core/kpi/revenue-settings.js';
import { planRevenueByMonthSql, recordRevenueByMonthSql, spreadMonthlyRevenueSql } from './report-revenue-sql.js';
import { count, rowsOf, type BoundQuery } from './report-rows.js';
import { BoundValues, eventExtras, groupColumns, whereClause, type ReportScope } from './report-sql.js';
import { summaryDimensions } from './report-summary-tables.js';

/**
 * Revenue from the summaries' cache of it: each month's plan revenue and revenue records, attributed per
 * group. Attribution reads every user-month, so it runs once per month and revenue configuration; the
 * cache is refilled for the months a refresh touched, and wholly when revenue records were added.
 */
export async function cachedRevenueQueries(
  connection: DuckDBConnection,
  scope: ReportScope,
  revenue: RevenueSettings,
): Promise<{ plan: BoundQuery; records: BoundQuery }> {
  const key = createHash('sha256').update(JSON.stringify(revenue)).digest('hex').slice(0, 24);
  await fillRevenueCache(connection, key, scope.monthRange, revenue);
  const cached = (kind: 'plan' | 'record', bound: BoundValues): string =>
    `SELECT c.month${groupColumns('c', scope.groupBy)}, sum(c.revenue) AS revenue FROM report_revenue_cache c
      WHERE c.config_key = ${bound.bind(key, 'VARCHAR')} AND c.kind = '${kind}'
        AND c.month >= ${bound.bind(scope.monthRange.from, 'DATE')} AND c.month < ${bound.bind(scope.monthRange.to, 'DATE')}
        AND ${whereClause('c', scope.where, bound)}
      GROUP BY ALL`;
  const planBound = new BoundValues();
  const recordBound = new BoundValues();
  return {
    plan: { sql: spreadMonthlyRevenueSql(scope, cached('plan', planBound), planBound, 'plan_revenue'), values: planBound.values },
    records: { sql: spreadMonthlyRevenueSql(scope, cached('record', recordBound), recordBound, 'record_revenue'), values: recordBound.values },
  };
}

async function fillRevenueCache(connection: DuckDBConnection, key: string, months: DayWindow, revenue: RevenueSettings): Promise<void> {
  const wanted: string[] = [];
  for (let month = months.from; month < months.to; month = nextBucketStart(month, 'month')) wanted.push(month);
  const records = count((await rowsOf(connection, { sql: 'SELECT count(*) AS n FROM revenue', values: {} }))[0]!.n);
  const done = new Set(
    (
      await rowsOf(connection, {
        sql: `SELECT strftime(month, '%Y-%m-%d') AS month FROM report_revenue_cache_months WHERE config_key = $key AND revenue_rows = $records`,
        values: { key, records },
      })
    ).map((row) => row.month as string),
  );
  const missing = wanted.filter((month) => !done.has(month));
  if (missing.length === 0) return;
  await connection.run('BEGIN TRANSACTION');
  try {
    // One configuration is cached at a time, and months cached before revenue records were added are stale.
    await connection.run('DELETE FROM report_revenue_cache WHERE config_key <> $key', { key });
    await connection.run('DELETE FROM report_revenue_cache_months WHERE config_key <> $key OR revenue_rows <> $records', { key, records });
    for (const month of missing) {
      const monthWindow = { from: month, to: nextBucketStart(month, 'month') };
      await connection.run('DELETE FROM report_revenue_cache WHERE month = $month::DATE', { month });
      if (Object.keys(revenue.plans).length > 0) {
        // About a million user-month rows per pass keeps the attribution within a small memory limit.
        const rows = count((await rowsOf(connection, { sql: 'SELECT count(*) AS n FROM report_user_monthly WHERE month = $month::DATE', values: { month } }))[0]!.n);
        const parts = Math.max(1, Math.ceil(rows / 1_000_000));
        for (let part = 0; part < parts; part += 1) {
          const bound = new BoundValues();
          const byMonth = planRevenueByMonthSql({ source: 'summaries', groupBy: summaryDimensions, where: [], months: monthWindow, userPartition: { parts, part } }, revenue, bound);
          await connection.run(
            `INSERT INTO report_revenue_cache (config_key, kind, month, ${summaryDimensions.join(', ')}, revenue)
             SELECT ${bound.bind(key, 'VARCHAR')}, 'plan', month, ${summaryDimensions.join(', ')}, revenue FROM (${byMonth})`,
            bound.values,
          );
        }
      }
      const bound = new BoundValues();
      const byMonth = recordRevenueByMonthSql({ source: 'summaries', groupBy: summaryDimensions, where: [], months: monthWindow }, revenue, bound);
      await connection.run(
        `INSERT INTO report_revenue_cache (config_key, kind, month, ${summaryDimensions.join(', ')}, revenue)
         SELECT ${bound.bind(key, 'VARCHAR')}, 'record', month, ${summaryDimensions.join(', ')}, revenue FROM (${byMonth})`,
        bound.values,
      );
      await connection.run('INSERT INTO report_revenue_cache_months VALUES ($key, $month::DATE, $records)', { key, month, records });
    }
    await connection.run('COMMIT');
  } catch (error) {
    await connection.run('ROLLBACK');
    throw error;
  }
}

/**
 * Revenue of a report by user or session from the per-user summaries' cache of it: each month's plan
 * revenue and revenue records attributed per combo's groups and user and/or session. Which of user and
 * session the report uses is part of the key, because the split among a user's calls is computed over
 * exactly those groups (the largest remainder's tie-break hashes them), as the raw-event report does.
 */
export async function cachedUserRevenueQueries(
  connection: DuckDBConnection,
  scope: ReportScope,
  revenue: RevenueSettings,
): Promise<{ plan: BoundQuery; records: BoundQuery }> {
  const key = createHash('sha256').update(JSON.stringify(revenue)).digest('hex').slice(0, 24);
  const extras = eventExtras(scope);
  const extrasKey = extras.join(',');
  await fillUserRevenueCache(connection, key, extras, scope.monthRange, revenue);
  const cached = (kind: 'plan' | 'record', bound: BoundValues): string =>
    `SELECT c.month${groupColumns('c', scope.groupBy)}, sum(c.revenue) AS revenue FROM report_user_revenue_cache c
      WHERE c.config_key = ${bound.bind(key, 'VARCHAR')} AND c.extras = ${bound.bind(extrasKey, 'VARCHAR')} AND c.kind = '${kind}'
        AND c.month >= ${bound.bind(scope.monthRange.from, 'DATE')} AND c.month < ${bound.bind(scope.monthRange.to, 'DATE')}
        AND ${whereClause('c', scope.where, bound)}
      GROUP BY ALL`;
  const planBound = new BoundValues();
  const recordBound = new BoundValues();
  return {
    plan: { sql: spreadMonthlyRevenueSql(scope, cached('plan', planBound), planBound, 'plan_revenue'), values: planBound.values },
    records: { sql: spreadMonthlyRevenueSql(scope, cached('record', recordBound), recordBound, 'record_revenue'), values: recordBound.values },
  };
}

async function fillUserRevenueCache(connection: DuckDBConnection, key: string, extras: ReturnType<typeof eventExtras>, months: DayWindow, revenue: RevenueSettings): Promise<void> {
  const extrasKey = extras.join(',');
  const wanted: string[] = [];
  for (let month = months.from; month < months.to; month = nextBucketStart(month, 'month')) wanted.push(month);
  const records = count((await rowsOf(connection, { sql: 'SELECT count(*) AS n FROM revenue', values: {} }))[0]!.n);
  const done = new Set(
    (
      await rowsOf(connection, {
        sql: `SELECT strftime(month, '%Y-%m-%d') AS month FROM report_user_revenue_cache_months WHERE config_key = $key AND extras = $extras AND revenue_rows = $records`,
        values: { key, extras: extrasKey, records },
      })
    ).map((row) => row.month as string),
  );
  const missing = wanted.filter((month) => !done.has(month));
  if (missing.length === 0) return;
  const groupBy = [...summaryDimensions, ...extras];
  const columns = `${summaryDimensions.join(', ')}, ${extras.includes('user_id') ? 'user_id' : 'NULL'}, ${extras.includes('session_id') ? 'session_id' : 'NULL'}`;
  await connection.run('BEGIN TRANSACTION');
  try {
    await connection.run('DELETE FROM report_user_revenue_cache WHERE config_key <> $key', { key });
    await connection.run('DELETE FROM report_user_revenue_cache_months WHERE config_key <> $key OR revenue_rows <> $records', { key, records });
    for (const month of missing) {
      const monthWindow = { from: month, to: nextBucketStart(month, 'month') };
      await connection.run('DELETE FROM report_user_revenue_cache WHERE extras = $extras AND month = $month::DATE', { extras: extrasKey, month });
      const insert = async (kind: 'plan' | 'record', byMonth: string, bound: BoundValues): Promise<void> => {
        await connection.run(
          `INSERT INTO report_user_revenue_cache (config_key, extras, kind, month, ${summaryDimensions.join(', ')}, user_id, session_id, revenue)
           SELECT ${bound.bind(key, 'VARCHAR')}, ${bound.bind(extrasKey, 'VARCHAR')}, '${kind}', month, ${columns}, revenue FROM (${byMonth})`,
          bound.values,
        );
      };
      if (Object.keys(revenue.plans).length > 0) {
        const rows = count((await rowsOf(connection, { sql: 'SELECT count(*) AS n FROM report_user_monthly WHERE month = $month::DATE', values: { month } }))[0]!.n);
        const parts = Math.max(1, Math.ceil(rows / 1_000_000));
        for (let part = 0; part < parts; part += 1) {
          const bound = new BoundValues();
          await insert('plan', planRevenueByMonthSql({ source: 'user-summaries', groupBy, where: [], months: monthWindow, userPartition: { parts, part } }, revenue, bound), bound);
        }
      }
      const bound = new BoundValues();
      await insert('record', recordRevenueByMonthSql({ source: 'user-summaries', groupBy, where: [], months: monthWindow }, revenue, bound), bound);
      await connection.run('INSERT INTO report_user_revenue_cache_months VALUES ($key, $extras, $month::DATE, $records)', { key, extras: extrasKey, month, records });
    }
    await connection.run('COMMIT');
  } catch (error) {
    await connection.run('ROLLBACK');
    throw error;
  }
}
